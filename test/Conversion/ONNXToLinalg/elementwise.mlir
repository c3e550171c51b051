// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// CHECK-DAG: #[[$ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID2]], #[[$ROW]], #[[$ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3xf32>) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SUM:.*]] = arith.addf %[[X]], %[[Y]] : f32
// CHECK: linalg.yield %[[SUM]]
// CHECK-NOT: onnx.
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @div_int_truncates
// CHECK: arith.divsi
func.func @div_int_truncates(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = onnx.Div %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @tanh
// CHECK: linalg.generic
// CHECK: %[[T:.*]] = math.tanh %{{.*}} : f32
// CHECK: linalg.yield %[[T]]
func.func @tanh(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = onnx.Tanh %a : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Half precision is computed in f32 and rounded once.
// CHECK-LABEL: func.func @erf_f16
// CHECK: ^bb0(%[[X:.*]]: f16, %{{.*}}: f16):
// CHECK: %[[W:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK: %[[E:.*]] = math.erf %[[W]] : f32
// CHECK: %[[R:.*]] = arith.truncf %[[E]] : f32 to f16
// CHECK: linalg.yield %[[R]] : f16
func.func @erf_f16(%a: tensor<4xf16>) -> tensor<4xf16> {
  %0 = onnx.Erf %a : (tensor<4xf16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// CHECK-LABEL: func.func @round_half_to_even
// CHECK: math.roundeven
func.func @round_half_to_even(%a: tensor<5xf32>) -> tensor<5xf32> {
  %0 = onnx.Round %a : (tensor<5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// CHECK-LABEL: func.func @inverse_hyperbolic
// CHECK: math.asinh %{{.*}} : f32
// CHECK: math.acosh %{{.*}} : f32
// CHECK: math.atanh %{{.*}} : f32
func.func @inverse_hyperbolic(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %a = onnx.Asinh %x : (tensor<4xf32>) -> tensor<4xf32>
  %b = onnx.Acosh %x : (tensor<4xf32>) -> tensor<4xf32>
  %c = onnx.Atanh %x : (tensor<4xf32>) -> tensor<4xf32>
  return %a, %b, %c : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @inverse_trigonometric
// CHECK: math.acos %{{.*}} : f32
// CHECK: math.asin %{{.*}} : f32
func.func @inverse_trigonometric(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = onnx.Acos %x : (tensor<4xf32>) -> tensor<4xf32>
  %b = onnx.Asin %x : (tensor<4xf32>) -> tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// Below -lambd the bias is added, above lambd subtracted, zero between.
// CHECK-LABEL: func.func @shrink
// CHECK: %[[LAMBD:.*]] = arith.constant 1.500000e+00 : f32
// CHECK: %[[BIAS:.*]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[NEGL:.*]] = arith.negf %[[LAMBD]]
// CHECK: %[[BELOW:.*]] = arith.cmpf olt, %[[X:.*]], %[[NEGL]]
// CHECK: %[[ABOVE:.*]] = arith.cmpf ogt, %[[X]], %[[LAMBD]]
// CHECK: %[[SUB:.*]] = arith.subf %[[X]], %[[BIAS]]
// CHECK: %[[IN:.*]] = arith.select %[[ABOVE]], %[[SUB]], %{{.*}}
// CHECK: %[[ADD:.*]] = arith.addf %[[X]], %[[BIAS]]
// CHECK: arith.select %[[BELOW]], %[[ADD]], %[[IN]]
func.func @shrink(%x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = onnx.Shrink %x {bias = 0.25 : f32, lambd = 1.5 : f32} : (tensor<5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// CHECK-LABEL: func.func @leaky_relu
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[NEG:.*]] = arith.cmpf olt, %[[X:.*]], %[[ZERO]] : f32
// CHECK: %[[ALPHA:.*]] = arith.constant 1.000000e-01 : f32
// CHECK: %[[SCALED:.*]] = arith.mulf %[[ALPHA]], %[[X]] : f32
// CHECK: arith.select %[[NEG]], %[[SCALED]], %[[X]] : f32
func.func @leaky_relu(%a: tensor<3xf32>) -> tensor<3xf32> {
  %0 = onnx.LeakyRelu %a {alpha = 0.1 : f32} : (tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @less_to_i1
// CHECK: tensor.empty() : tensor<2x3xi1>
// CHECK: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: i1):
// CHECK: %[[C:.*]] = arith.cmpf olt, %[[X]], %[[Y]] : f32
// CHECK: linalg.yield %[[C]] : i1
// CHECK: -> tensor<2x3xi1>
func.func @less_to_i1(%a: tensor<2x3xf32>, %b: tensor<2x1xf32>) -> tensor<2x3xi1> {
  %0 = onnx.Less %a, %b : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xi1>
  return %0 : tensor<2x3xi1>
}

// -----

// CHECK-LABEL: func.func @cast_f32_to_i32
// CHECK: arith.fptosi %{{.*}} : f32 to i32
func.func @cast_f32_to_i32(%a: tensor<4xf32>) -> tensor<4xi32> {
  %0 = onnx.Cast %a {to = 6 : i64} : (tensor<4xf32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @cast_f32_to_bool
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.cmpf une, %{{.*}}, %[[ZERO]] : f32
func.func @cast_f32_to_bool(%a: tensor<4xf32>) -> tensor<4xi1> {
  %0 = onnx.Cast %a {to = 9 : i64} : (tensor<4xf32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Bool converts as an unsigned 0 or 1.
// CHECK-LABEL: func.func @cast_bool_to_f32
// CHECK: arith.uitofp %{{.*}} : i1 to f32
func.func @cast_bool_to_f32(%a: tensor<4xi1>) -> tensor<4xf32> {
  %0 = onnx.Cast %a {to = 1 : i64} : (tensor<4xi1>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @cast_f16_to_bf16
// CHECK: %[[W:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %[[W]] : f32 to bf16
func.func @cast_f16_to_bf16(%a: tensor<4xf16>) -> tensor<4xbf16> {
  %0 = onnx.Cast %a {to = 16 : i64} : (tensor<4xf16>) -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// CHECK-LABEL: func.func @cast_u8_to_i64
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0 : tensor<4xui8>)
// CHECK: ^bb0(%[[IN:.*]]: ui8, %{{.*}}: i64):
// CHECK: %[[S:.*]] = builtin.unrealized_conversion_cast %[[IN]] : ui8 to i8
// CHECK: arith.extui %[[S]] : i8 to i64
func.func @cast_u8_to_i64(%a: tensor<4xui8>) -> tensor<4xi64> {
  %0 = onnx.Cast %a {to = 7 : i64} : (tensor<4xui8>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// To float8 E4M3FN, saturating: the magnitude rounds to nearest even on the
// target's grid (math.roundeven in f32), overflow takes the largest finite
// code 0x7E, NaN the NaN code 0x7F.
// CHECK-LABEL: func.func @cast_f32_to_f8e4m3fn
// CHECK: math.roundeven %{{.*}} : f32
// CHECK: %[[MAX:.*]] = arith.constant 126 : i32
// CHECK: %[[MAXS:.*]] = arith.ori %[[MAX]], %{{.*}} : i32
// CHECK: %[[OVER:.*]] = arith.cmpf ogt, %{{.*}}, %{{.*}} : f32
// CHECK: %[[SAT:.*]] = arith.select %[[OVER]], %[[MAXS]], %{{.*}} : i32
// CHECK: %[[ISNAN:.*]] = arith.cmpf uno, %{{.*}}, %{{.*}} : f32
// CHECK: %[[NAN:.*]] = arith.constant 127 : i32
// CHECK: %[[C:.*]] = arith.select %[[ISNAN]], %[[NAN]], %[[SAT]] : i32
// CHECK: %[[T:.*]] = arith.trunci %[[C]] : i32 to i8
// CHECK: arith.bitcast %[[T]] : i8 to f8E4M3FN
func.func @cast_f32_to_f8e4m3fn(%a: tensor<4xf32>) -> tensor<4xf8E4M3FN> {
  %0 = onnx.Cast %a {to = 17 : i64} : (tensor<4xf32>) -> tensor<4xf8E4M3FN>
  return %0 : tensor<4xf8E4M3FN>
}

// -----

// Without saturation, overflow of E5M2 is infinity (0x7C, with the sign).
// CHECK-LABEL: func.func @cast_f32_to_f8e5m2_no_saturate
// CHECK-DAG: arith.constant 124 : i32
// CHECK: arith.bitcast %{{.*}} : i8 to f8E5M2
func.func @cast_f32_to_f8e5m2_no_saturate(%a: tensor<4xf32>) -> tensor<4xf8E5M2> {
  %0 = onnx.Cast %a {to = 19 : i64, saturate = 0 : i64} : (tensor<4xf32>) -> tensor<4xf8E5M2>
  return %0 : tensor<4xf8E5M2>
}

// -----

// From float8: the bits decoded to f32 (normal numbers rebiased by
// 127 - 7 = 120, subnormals scaled by 2^-9), then truncated to f16.
// CHECK-LABEL: func.func @cast_f8e4m3fn_to_f16
// CHECK: %[[B:.*]] = arith.bitcast %{{.*}} : f8E4M3FN to i8
// CHECK: arith.extui %[[B]] : i8 to i32
// CHECK: arith.constant 120 : i32
// CHECK: arith.constant 0.001953125 : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @cast_f8e4m3fn_to_f16(%a: tensor<4xf8E4M3FN>) -> tensor<4xf16> {
  %0 = onnx.Cast %a {to = 10 : i64} : (tensor<4xf8E4M3FN>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// E8M0 keeps the float32 exponent field, rounded down here.
// CHECK-LABEL: func.func @cast_f32_to_e8m0_down
// CHECK: %[[B:.*]] = arith.bitcast %{{.*}} : f32 to i32
// CHECK: %[[S:.*]] = arith.shrui %[[B]], %{{.*}} : i32
// CHECK: %[[E:.*]] = arith.andi %[[S]], %{{.*}} : i32
// CHECK: %[[T:.*]] = arith.trunci %[[E]] : i32 to i8
// CHECK: arith.bitcast %[[T]] : i8 to f8E8M0FNU
// CHECK-NOT: math.roundeven
func.func @cast_f32_to_e8m0_down(%a: tensor<4xf32>) -> tensor<4xf8E8M0FNU> {
  %0 = onnx.Cast %a {to = 24 : i64, round_mode = "down"} : (tensor<4xf32>) -> tensor<4xf8E8M0FNU>
  return %0 : tensor<4xf8E8M0FNU>
}

// -----

// Float to int4 goes through i32; values outside [-8, 7] give 0.
// CHECK-LABEL: func.func @cast_f32_to_i4
// CHECK: %[[I:.*]] = arith.fptosi %{{.*}} : f32 to i32
// CHECK-DAG: arith.constant -8 : i32
// CHECK-DAG: arith.constant 7 : i32
// CHECK: %[[S:.*]] = arith.select %{{.*}}, %[[I]], %{{.*}} : i32
// CHECK: arith.trunci %[[S]] : i32 to i4
func.func @cast_f32_to_i4(%a: tensor<4xf32>) -> tensor<4xi4> {
  %0 = onnx.Cast %a {to = 22 : i64} : (tensor<4xf32>) -> tensor<4xi4>
  return %0 : tensor<4xi4>
}

// -----

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @clip_both_bounds
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>, %[[LO:.*]]: tensor<f32>, %[[HI:.*]]: tensor<f32>)
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$SCALAR]], #[[$SCALAR]], #[[$ID]]]
// CHECK-SAME: ins(%[[X]], %[[LO]], %[[HI]] :
// CHECK: ^bb0(%[[V:.*]]: f32, %[[MIN:.*]]: f32, %[[MAX:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[LOWER:.*]] = arith.maximumf %[[V]], %[[MIN]] : f32
// CHECK: %[[BOTH:.*]] = arith.minimumf %[[LOWER]], %[[MAX]] : f32
// CHECK: linalg.yield %[[BOTH]]
func.func @clip_both_bounds(%x: tensor<3x4xf32>, %lo: tensor<f32>, %hi: tensor<f32>) -> tensor<3x4xf32> {
  %0 = onnx.Clip %x, %lo, %hi : (tensor<3x4xf32>, tensor<f32>, tensor<f32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @clip_no_bounds
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}} : tensor<3xf32>)
// CHECK-NOT: arith.maximumf
// CHECK-NOT: arith.minimumf
// CHECK: linalg.yield
func.func @clip_no_bounds(%x: tensor<3xf32>) -> tensor<3xf32> {
  %none = onnx.NoValue
  %0 = onnx.Clip %x, %none, %none : (tensor<3xf32>, none, none) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Unsigned data: the generic keeps the unsigned tensors; its body casts the
// scalars to signless, computes with unsigned predicates and casts back.
// CHECK-LABEL: func.func @clip_max_only_u8
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0, %arg1 : tensor<4xui8>, tensor<1xui8>)
// CHECK: %[[X:.*]] = builtin.unrealized_conversion_cast %{{.*}} : ui8 to i8
// CHECK: %[[HI:.*]] = builtin.unrealized_conversion_cast %{{.*}} : ui8 to i8
// CHECK: %[[R:.*]] = arith.minui %[[X]], %[[HI]] : i8
// CHECK-NOT: arith.maxui
// CHECK: %[[U:.*]] = builtin.unrealized_conversion_cast %[[R]] : i8 to ui8
// CHECK: linalg.yield %[[U]] : ui8
func.func @clip_max_only_u8(%x: tensor<4xui8>, %hi: tensor<1xui8>) -> tensor<4xui8> {
  %none = onnx.NoValue
  %0 = onnx.Clip %x, %none, %hi : (tensor<4xui8>, none, tensor<1xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @max_three_inputs
// CHECK: linalg.generic {indexing_maps = [#[[$COL]], #[[$ROW]], #[[$SCALAR]], #[[$ID]]]
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[AB:.*]] = arith.maximumf %[[A]], %[[B]] : f32
// CHECK: %[[ABC:.*]] = arith.maximumf %[[AB]], %[[C]] : f32
// CHECK: linalg.yield %[[ABC]]
func.func @max_three_inputs(%a: tensor<4x1xf32>, %b: tensor<5xf32>, %c: tensor<f32>) -> tensor<4x5xf32> {
  %0 = onnx.Max %a, %b, %c : (tensor<4x1xf32>, tensor<5xf32>, tensor<f32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// CHECK-LABEL: func.func @mean_two_inputs
// CHECK: %[[S:.*]] = arith.addf
// CHECK: %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: arith.divf %[[S]], %[[TWO]] : f32
func.func @mean_two_inputs(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {
  %0 = onnx.Mean %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// CHECK-DAG: #[[$COND:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @where
// CHECK: linalg.generic {indexing_maps = [#[[$COND]], #[[$ID]], #[[$ROW]], #[[$ID]]]
// CHECK: ^bb0(%[[C:.*]]: i1, %[[X:.*]]: i64, %[[Y:.*]]: i64, %{{.*}}: i64):
// CHECK: %[[S:.*]] = arith.select %[[C]], %[[X]], %[[Y]] : i64
// CHECK: linalg.yield %[[S]]
func.func @where(%c: tensor<2x1xi1>, %x: tensor<2x2xi64>, %y: tensor<2xi64>) -> tensor<2x2xi64> {
  %0 = onnx.Where %c, %x, %y : (tensor<2x1xi1>, tensor<2x2xi64>, tensor<2xi64>) -> tensor<2x2xi64>
  return %0 : tensor<2x2xi64>
}

// -----

// CHECK-LABEL: func.func @mod_floor_int
// CHECK: cf.assert %{{.*}}, "Mod: integer division by zero"
// CHECK: arith.remsi
// CHECK: %[[REM:.*]] = arith.select
// CHECK: %[[ADJ:.*]] = arith.addi %[[REM]]
// CHECK: arith.select %{{.*}}, %[[ADJ]], %[[REM]] : i32
func.func @mod_floor_int(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = onnx.Mod %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Integer division checks its divisor for zeros first; the quotient never
// traps: a zero divisor is replaced by 1 (the check has failed then) and
// x / -1 is computed as 0 - x, which wraps for the smallest integer.
// CHECK-LABEL: func.func @div_int
// CHECK-SAME: (%[[A:.*]]: tensor<4xi64>, %[[B:.*]]: tensor<4xi64>)
// CHECK: linalg.generic {{.*}} ins(%[[B]] : tensor<4xi64>) outs(%{{.*}} : tensor<i1>)
// CHECK: arith.cmpi ne
// CHECK: cf.assert %{{.*}}, "Div: integer division by zero"
// CHECK: ^bb0(%[[X:.*]]: i64, %[[Y:.*]]: i64, %{{.*}}: i64):
// CHECK-DAG: %[[ZERO:.*]] = arith.cmpi eq, %[[Y]], %c0_i64
// CHECK-DAG: %[[MINUS1:.*]] = arith.cmpi eq, %[[Y]], %c-1_i64
// CHECK: %[[UNSAFE:.*]] = arith.ori %[[ZERO]], %[[MINUS1]]
// CHECK: %[[D:.*]] = arith.select %[[UNSAFE]], %c1_i64, %[[Y]]
// CHECK: %[[Q:.*]] = arith.divsi %[[X]], %[[D]]
// CHECK: %[[NEG:.*]] = arith.subi %c0_i64, %[[X]]
// CHECK: arith.select %[[MINUS1]], %[[NEG]], %[[Q]]
func.func @div_int(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi64> {
  %0 = onnx.Div %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// Float division has nothing to check.
// CHECK-LABEL: func.func @div_float
// CHECK-NOT: cf.assert
// CHECK: arith.divf
func.func @div_float(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Div %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @mod_fmod_float
// CHECK: arith.remf
// CHECK-NOT: arith.select
func.func @mod_fmod_float(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Mod %a, %b {fmod = 1 : i64} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @pow_float_int_exponent
// CHECK: ^bb0(%[[X:.*]]: f32, %[[E:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[EF:.*]] = arith.sitofp %[[E]] : i64 to f32
// CHECK: math.powf %[[X]], %[[EF]] : f32
func.func @pow_float_int_exponent(%a: tensor<3xf32>, %b: tensor<3xi64>) -> tensor<3xf32> {
  %0 = onnx.Pow %a, %b : (tensor<3xf32>, tensor<3xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @greater_unsigned
// CHECK: arith.cmpi ugt, %{{.*}}, %{{.*}} : i32
func.func @greater_unsigned(%a: tensor<3xui32>, %b: tensor<3xui32>) -> tensor<3xi1> {
  %0 = onnx.Greater %a, %b : (tensor<3xui32>, tensor<3xui32>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

// CHECK-LABEL: func.func @not
// CHECK: %[[TRUE:.*]] = arith.constant true
// CHECK: arith.xori %{{.*}}, %[[TRUE]] : i1
func.func @not(%a: tensor<3xi1>) -> tensor<3xi1> {
  %0 = onnx.Not %a : (tensor<3xi1>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

// Two operands of symbolic sizes at the same position: the result size is
// whichever is not 1, checked to broadcast; when neither is 1 the indexed
// generic runs, otherwise a generic reading the operands at run-time
// broadcast indices.
// CHECK-LABEL: func.func @add_symbolic_broadcast
// CHECK: cf.assert %{{.*}}, "operand shapes do not broadcast together"
// CHECK: scf.if
// CHECK:   linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<?x8xf32>, tensor<?x8xf32>)
// CHECK: } else {
// CHECK:   linalg.generic
// CHECK:     linalg.index 0
// CHECK:     tensor.extract %arg0
// CHECK:     tensor.extract %arg1
func.func @add_symbolic_broadcast(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = onnx.Add %a, %b : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// One operand carries the symbolic size, the other broadcasts statically:
// no run-time choice.
// CHECK-LABEL: func.func @add_symbolic_static_broadcast
// CHECK-NOT: scf.if
// CHECK: linalg.generic
func.func @add_symbolic_static_broadcast(%a: tensor<?x8xf32>, %b: tensor<1x8xf32>) -> tensor<?x8xf32> {
  %0 = onnx.Add %a, %b : (tensor<?x8xf32>, tensor<1x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// A static result from operands of symbolic sizes (the declared output of a
// window of run-time length): each symbolic size must be 1 or the result's,
// checked at run time, and one that is 1 broadcasts on the element-by-element
// path.
// CHECK-LABEL: func.func @static_result_symbolic_operands
// CHECK: tensor.dim %arg0, %c0
// CHECK: cf.assert {{.*}} "operand shapes do not broadcast together"
// CHECK: scf.if
// CHECK: linalg.generic
// CHECK: } else {
// CHECK: tensor.extract %arg0
// CHECK: -> tensor<10xf32>
func.func @static_result_symbolic_operands(%x: tensor<?xf32>, %y: tensor<?xf32>) -> tensor<10xf32> {
  %r = onnx.Add %x, %y : (tensor<?xf32>, tensor<?xf32>) -> tensor<10xf32>
  return %r : tensor<10xf32>
}
