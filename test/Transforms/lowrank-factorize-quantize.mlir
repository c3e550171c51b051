// RUN: lowrank-opt %s --split-input-file --lowrank-factorize=quantize=int4 | FileCheck %s
// RUN: lowrank-opt %s --split-input-file --lowrank-factorize="quantize=int8 quantize-factors=int8" | FileCheck %s --check-prefix=INT8
// RUN: lowrank-opt %s --split-input-file --lowrank-factorize=quantize=int8 --lowrank-convert-onnx-to-linalg | FileCheck %s --check-prefix=LINALG
// RUN: lowrank-opt %s --split-input-file --lowrank-factorize="quantize=int4 quantize-group=4" | FileCheck %s --check-prefix=GROUP

// Q + L R of a MatMul: x Q (Q int8-stored int4 values behind a per-column
// DequantizeLinear) plus (x L) R, summed; the float weight is gone.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK-NOT: tensor<8x8xf32>} : tensor<8x8xf32>
// CHECK: %[[T:.*]] = onnx.MatMul %[[X]], %{{.*}} {lowrank.factor = "A"} : (tensor<2x8xf32>, tensor<8x2xf32>) -> tensor<2x2xf32>
// CHECK: %[[LR:.*]] = onnx.MatMul %[[T]], %{{.*}} {lowrank.decision = {{{.*}}}, lowrank.factor = "B"} : (tensor<2x2xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK: %[[QI:.*]] = onnx.Constant {value = dense_resource<fc.lowrank_q> : tensor<8x8xi8>} : tensor<8x8xi8>
// CHECK: %[[QS:.*]] = onnx.Constant {value = dense_resource<fc.lowrank_q_scale> : tensor<8xf32>} : tensor<8xf32>
// CHECK: %[[QW:.*]] = onnx.DequantizeLinear %[[QI]], %[[QS]], %{{.*}} : (tensor<8x8xi8>, tensor<8xf32>, none) -> tensor<8x8xf32>
// CHECK: %[[Q:.*]] = onnx.MatMul %[[X]], %[[QW]] {lowrank.factor = "Q"}
// CHECK: %[[Y:.*]] = onnx.Add %[[Q]], %[[LR]] {lowrank.factor = "QLR"}
// CHECK: return %[[Y]]

// With int8 factors, L and R are dequantized too.
// INT8-LABEL: func.func @matmul
// INT8: onnx.DequantizeLinear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<8x2xi8>, tensor<2xf32>, none) -> tensor<8x2xf32>
// INT8: onnx.MatMul %arg0, %{{.*}} {lowrank.factor = "A"}
// INT8: onnx.DequantizeLinear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x8xi8>, tensor<8xf32>, none) -> tensor<2x8xf32>
// INT8: onnx.DequantizeLinear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<8x8xi8>, tensor<8xf32>, none) -> tensor<8x8xf32>
// In linalg, Q stays an i8 constant; a dequantizing generic (per-column
// scale) feeds the matmul, whose result is added to the low-rank path's.
// LINALG-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// LINALG-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d1)>
// LINALG-LABEL: func.func @matmul
// LINALG-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// LINALG: %[[LR:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x2xf32>, tensor<2x8xf32>)
// LINALG-NOT: onnx.NoValue
// LINALG: %[[QI:.*]] = arith.constant dense_resource<fc.lowrank_q> : tensor<8x8xi8>
// LINALG: %[[QS:.*]] = arith.constant dense_resource<fc.lowrank_q_scale> : tensor<8xf32>
// LINALG: %[[QW:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], {{.*}}} ins(%[[QI]], %[[QS]] : tensor<8x8xi8>, tensor<8xf32>)
// LINALG: arith.sitofp
// LINALG: arith.mulf
// LINALG: %[[Q:.*]] = linalg.matmul ins(%[[X]], %[[QW]] : tensor<2x8xf32>, tensor<8x8xf32>)
// LINALG: linalg.generic {{.*}} ins(%[[Q]], %[[LR]] : tensor<2x8xf32>, tensor<2x8xf32>)
// LINALG: arith.addf
func.func @matmul(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = onnx.Constant {value = dense<[[1.0, 0.5, 0.0, 0.0, 0.1, 0.0, 0.0, 0.2], [0.0, 2.0, 0.3, 0.0, 0.0, 0.0, 0.4, 0.0], [0.0, 0.0, 3.0, 0.0, 0.0, 0.5, 0.0, 0.0], [0.7, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.1], [0.0, 0.0, 0.2, 0.0, 5.0, 0.0, 0.0, 0.0], [0.0, 0.3, 0.0, 0.0, 0.0, 6.0, 0.0, 0.0], [0.1, 0.0, 0.0, 0.0, 0.2, 0.0, 7.0, 0.0], [0.0, 0.0, 0.0, 0.9, 0.0, 0.0, 0.0, 8.0]]> : tensor<8x8xf32>} : tensor<8x8xf32>
  %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 2 : i64, d_in = 8 : i64, d_out = 8 : i64, name = "fc"}} : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32> loc("fc")
  return %y : tensor<2x8xf32>
}

// -----

// Gemm: the quantized path has no bias and no transB; the low-rank path
// keeps alpha, beta and the bias.
// CHECK-LABEL: func.func @gemm
// CHECK-SAME: (%[[X:.*]]: tensor<5x8xf32>, %[[C:.*]]: tensor<6xf32>)
// CHECK: %[[LR:.*]] = onnx.Gemm %{{.*}}, %{{.*}}, %[[C]] {alpha = 2.000000e+00 : f32, beta = 5.000000e-01 : f32, {{.*}}lowrank.factor = "B"}
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: %[[QW:.*]] = onnx.DequantizeLinear {{.*}} -> tensor<8x6xf32>
// CHECK: %[[Q:.*]] = onnx.Gemm %[[X]], %[[QW]], %[[NONE]] {alpha = 2.000000e+00 : f32, beta = 5.000000e-01 : f32, lowrank.factor = "Q"} : (tensor<5x8xf32>, tensor<8x6xf32>, none) -> tensor<5x6xf32>
// CHECK: onnx.Add %[[Q]], %[[LR]]
func.func @gemm(%x: tensor<5x8xf32>, %c: tensor<6xf32>) -> tensor<5x6xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<6x8xf32>} : tensor<6x8xf32>
  %y = onnx.Gemm %x, %w, %c {alpha = 2.0 : f32, beta = 0.5 : f32, transB = 1 : i64, lowrank.decision = {action = "factor", rank = 3 : i64, d_in = 8 : i64, d_out = 6 : i64}} : (tensor<5x8xf32>, tensor<6x8xf32>, tensor<6xf32>) -> tensor<5x6xf32>
  return %y : tensor<5x6xf32>
}

// -----

// A 1x1 convolution: Q is stored as a kernel, quantized per output channel
// (axis 0); the low-rank path keeps strides, pads and the bias.
// CHECK-LABEL: func.func @pointwise
// CHECK: %[[LR:.*]] = onnx.Conv %{{.*}}, %{{.*}}, %arg1 {{{.*}}lowrank.factor = "B"}
// CHECK: %[[QW:.*]] = onnx.DequantizeLinear %{{.*}}, %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<12x16x1x1xi8>, tensor<12xf32>, none) -> tensor<12x16x1x1xf32>
// CHECK: %[[Q:.*]] = onnx.Conv %arg0, %[[QW]], %{{.*}} {kernel_shape = array<i64: 1, 1>, lowrank.factor = "Q", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK: onnx.Add %[[Q]], %[[LR]]
func.func @pointwise(%x: tensor<1x16x6x6xf32>, %b: tensor<12xf32>) -> tensor<1x12x4x4xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<12x16x1x1xf32>} : tensor<12x16x1x1xf32>
  %y = onnx.Conv %x, %w, %b {kernel_shape = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, lowrank.decision = {action = "factor", rank = 4 : i64, d_in = 16 : i64, d_out = 12 : i64}} : (tensor<1x16x6x6xf32>, tensor<12x16x1x1xf32>, tensor<12xf32>) -> tensor<1x12x4x4xf32>
  return %y : tensor<1x12x4x4xf32>
}

// -----

// A group shares L; each member gets its own Q and R.
// CHECK-LABEL: func.func @group
// CHECK: %[[T:.*]] = onnx.MatMul %arg0, %{{.*}} {lowrank.factor = "A"} : (tensor<4x16xf32>, tensor<16x4xf32>) -> tensor<4x4xf32>
// CHECK: onnx.DequantizeLinear {{.*}} -> tensor<16x16xf32>
// CHECK: onnx.DequantizeLinear {{.*}} -> tensor<16x8xf32>
// CHECK-NOT: lowrank.factor = "A"
func.func @group(%x: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4x8xf32>) {
  %wq = onnx.Constant {value = dense<0.5> : tensor<16x16xf32>} : tensor<16x16xf32>
  %wv = onnx.Constant {value = dense<0.25> : tensor<16x8xf32>} : tensor<16x8xf32>
  %q = onnx.MatMul %x, %wq {lowrank.decision = {action = "factor", rank = 4 : i64, d_in = 16 : i64, d_out = 16 : i64, group = 0 : i64, group_d_out = 24 : i64, name = "q"}} : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  %v = onnx.MatMul %x, %wv {lowrank.decision = {action = "factor", rank = 4 : i64, d_in = 16 : i64, d_out = 8 : i64, group = 0 : i64, group_d_out = 24 : i64, name = "v"}} : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %q, %v : tensor<4x16xf32>, tensor<4x8xf32>
}

// -----

// Group-wise scales from opset 21: a blocked DequantizeLinear along the
// input axis, one scale per 4 input rows and output column.
// GROUP-LABEL: func.func @grouped_opset21
// GROUP: %[[QI:.*]] = onnx.Constant {value = dense_resource<g21.lowrank_q> : tensor<8x6xi8>} : tensor<8x6xi8>
// GROUP: %[[QS:.*]] = onnx.Constant {value = dense_resource<g21.lowrank_q_scale> : tensor<2x6xf32>} : tensor<2x6xf32>
// GROUP: %[[QW:.*]] = onnx.DequantizeLinear %[[QI]], %[[QS]], %{{.*}} {axis = 0 : i64, block_size = 4 : i64} : (tensor<8x6xi8>, tensor<2x6xf32>, none) -> tensor<8x6xf32>
// GROUP: onnx.MatMul %arg0, %[[QW]] {lowrank.decision = {{{.*}}}, lowrank.factor = "Q"}
module attributes {onnx.opset = 21 : i64} {
func.func @grouped_opset21(%x: tensor<2x8xf32>) -> tensor<2x6xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<8x6xf32>} : tensor<8x6xf32>
  %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 0 : i64, d_in = 8 : i64, d_out = 6 : i64, name = "g21"}} : (tensor<2x8xf32>, tensor<8x6xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}
}

// -----

// Before opset 21 DequantizeLinear has no blocks: the stored 3 x 1 x 6
// scales (10 rows in groups of 4, the last partial) are expanded to one
// row per input row, and multiply the integers cast to float.
// GROUP-LABEL: func.func @grouped_opset17
// GROUP: %[[QI:.*]] = onnx.Constant {value = dense_resource<g17.lowrank_q> : tensor<10x6xi8>} : tensor<10x6xi8>
// GROUP: %[[QS:.*]] = onnx.Constant {value = dense_resource<g17.lowrank_q_scale> : tensor<3x1x6xf32>} : tensor<3x1x6xf32>
// GROUP: %[[E:.*]] = onnx.Expand %[[QS]], %{{.*}} : (tensor<3x1x6xf32>, tensor<3xi64>) -> tensor<3x4x6xf32>
// GROUP: %[[R:.*]] = onnx.Reshape %[[E]], %{{.*}} : (tensor<3x4x6xf32>, tensor<2xi64>) -> tensor<12x6xf32>
// GROUP: %[[S:.*]] = onnx.Slice %[[R]], {{.*}} -> tensor<10x6xf32>
// GROUP: %[[F:.*]] = onnx.Cast %[[QI]] {to = 1 : i64} : (tensor<10x6xi8>) -> tensor<10x6xf32>
// GROUP: %[[QW:.*]] = onnx.Mul %[[F]], %[[S]] : (tensor<10x6xf32>, tensor<10x6xf32>) -> tensor<10x6xf32>
// GROUP: onnx.MatMul %arg0, %[[QW]] {lowrank.decision = {{{.*}}}, lowrank.factor = "Q"}
// GROUP-NOT: onnx.DequantizeLinear
module attributes {onnx.opset = 17 : i64} {
func.func @grouped_opset17(%x: tensor<2x10xf32>) -> tensor<2x6xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<10x6xf32>} : tensor<10x6xf32>
  %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 0 : i64, d_in = 10 : i64, d_out = 6 : i64, name = "g17"}} : (tensor<2x10xf32>, tensor<10x6xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}
}

// -----

// A 1x1 convolution kernel (C_out x C_in x 1 x 1) is blocked along C_in
// (axis 1, the default).
// GROUP-LABEL: func.func @grouped_pointwise
// GROUP: onnx.DequantizeLinear %{{.*}}, %{{.*}}, %{{.*}} {block_size = 4 : i64} : (tensor<12x16x1x1xi8>, tensor<12x4x1x1xf32>, none) -> tensor<12x16x1x1xf32>
module attributes {onnx.opset = 21 : i64} {
func.func @grouped_pointwise(%x: tensor<1x16x6x6xf32>) -> tensor<1x12x6x6xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<12x16x1x1xf32>} : tensor<12x16x1x1xf32>
  %none = onnx.NoValue
  %y = onnx.Conv %x, %w, %none {kernel_shape = array<i64: 1, 1>, lowrank.decision = {action = "factor", rank = 0 : i64, d_in = 16 : i64, d_out = 12 : i64}} : (tensor<1x16x6x6xf32>, tensor<12x16x1x1xf32>, none) -> tensor<1x12x6x6xf32>
  return %y : tensor<1x12x6x6xf32>
}
}
