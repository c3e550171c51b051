// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Per axis: the scale is read at the column index.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @per_axis
// CHECK-SAME: (%[[Q:.*]]: tensor<4x3xi8>, %[[S:.*]]: tensor<3xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[Q]], %[[S]] : tensor<4x3xi8>, tensor<3xf32>) outs(%[[E]] : tensor<4x3xf32>)
// CHECK: ^bb0(%[[V:.*]]: i8, %[[SC:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[F:.*]] = arith.sitofp %[[V]] : i8 to f32
// CHECK: %[[M:.*]] = arith.mulf %[[F]], %[[SC]] : f32
// CHECK: linalg.yield %[[M]]
func.func @per_axis(%q: tensor<4x3xi8>, %s: tensor<3xf32>) -> tensor<4x3xf32> {
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear %q, %s, %none {axis = 1 : i64} : (tensor<4x3xi8>, tensor<3xf32>, none) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Per tensor with a zero point: both scalars, subtracted in i64 (which
// holds the difference of two int32 values).
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @per_tensor
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$SCALAR]], #[[$SCALAR]], #[[$ID]]]
// CHECK: ^bb0(%[[V:.*]]: i8, %[[SC:.*]]: f32, %[[Z:.*]]: i8, %{{.*}}: f32):
// CHECK-DAG: %[[V64:.*]] = arith.extsi %[[V]] : i8 to i64
// CHECK-DAG: %[[Z64:.*]] = arith.extsi %[[Z]] : i8 to i64
// CHECK: %[[D:.*]] = arith.subi %[[V64]], %[[Z64]] : i64
// CHECK: %[[F:.*]] = arith.sitofp %[[D]] : i64 to f32
// CHECK: arith.mulf %[[F]], %[[SC]] : f32
func.func @per_tensor(%q: tensor<2x5xi8>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<2x5xf32> {
  %0 = onnx.DequantizeLinear %q, %s, %z : (tensor<2x5xi8>, tensor<f32>, tensor<i8>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// A 1x1 convolution weight, quantized per output channel (axis 0).
// CHECK-DAG: #[[$AXIS0:.*]] = affine_map<(d0, d1, d2, d3) -> (d0)>
// CHECK-LABEL: func.func @conv_weight
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$AXIS0]], #{{.*}}]
func.func @conv_weight(%q: tensor<8x4x1x1xi8>, %s: tensor<8xf32>) -> tensor<8x4x1x1xf32> {
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear %q, %s, %none {axis = 0 : i64} : (tensor<8x4x1x1xi8>, tensor<8xf32>, none) -> tensor<8x4x1x1xf32>
  return %0 : tensor<8x4x1x1xf32>
}

// -----

// Per axis with a negative axis: -1 is the last dim.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @per_axis_negative
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]]
func.func @per_axis_negative(%q: tensor<4x3xi8>, %s: tensor<3xf32>) -> tensor<4x3xf32> {
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear %q, %s, %none {axis = -1 : i64} : (tensor<4x3xi8>, tensor<3xf32>, none) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Unsigned 4-bit input with a 1-D zero point of one entry and a 0-D scale:
// each read through its own constant map, zero-extended.
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-DAG: #[[$FIRST:.*]] = affine_map<(d0) -> (0)>
// CHECK-LABEL: func.func @uint4_zero_point
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$SCALAR]], #[[$FIRST]], #{{.*}}]
// CHECK: ^bb0(%[[V:.*]]: ui4, %[[SC:.*]]: f32, %[[Z:.*]]: ui4, %{{.*}}: f32):
// CHECK: %[[VS:.*]] = builtin.unrealized_conversion_cast %[[V]] : ui4 to i4
// CHECK: arith.extui %[[VS]] : i4 to i64
func.func @uint4_zero_point(%q: tensor<5xui4>, %s: tensor<f32>, %z: tensor<1xui4>) -> tensor<5xf32> {
  %0 = onnx.DequantizeLinear %q, %s, %z : (tensor<5xui4>, tensor<f32>, tensor<1xui4>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Blocked scales: the axis loop divided by the block size.
// CHECK-DAG: #[[$BLOCK:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 2)>
// CHECK-LABEL: func.func @blocked
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$BLOCK]], #[[$BLOCK]], #{{.*}}]
func.func @blocked(%q: tensor<3x4xi8>, %s: tensor<3x2xf32>, %z: tensor<3x2xi8>) -> tensor<3x4xf32> {
  %0 = onnx.DequantizeLinear %q, %s, %z {axis = 1 : i64, block_size = 2 : i64} : (tensor<3x4xi8>, tensor<3x2xf32>, tensor<3x2xi8>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// float8 input: decoded from its bits to f32 before the scale.
// CHECK-LABEL: func.func @float8_input
// CHECK: ^bb0(%[[V:.*]]: f8E4M3FN, %[[SC:.*]]: f32, %{{.*}}: f32):
// CHECK: arith.bitcast %[[V]] : f8E4M3FN to i8
// CHECK: arith.mulf %{{.*}}, %[[SC]] : f32
func.func @float8_input(%q: tensor<4xf8E4M3FN>, %s: tensor<f32>) -> tensor<4xf32> {
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear %q, %s, %none : (tensor<4xf8E4M3FN>, tensor<f32>, none) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// QuantizeLinear to uint8: x / scale rounded to nearest even in f64, the
// zero point added, clamped to [0, 255] and truncated.
// CHECK-LABEL: func.func @quantize_uint8
// CHECK: ^bb0(%[[X:.*]]: f32, %[[SC:.*]]: f32, %[[Z:.*]]: ui8, %{{.*}}: ui8):
// CHECK: %[[R:.*]] = arith.divf %[[X]], %[[SC]] : f32
// CHECK: %[[W:.*]] = arith.extf %[[R]] : f32 to f64
// CHECK: %[[N:.*]] = math.roundeven %[[W]] : f64
// CHECK: %[[A:.*]] = arith.addf %[[N]], %{{.*}} : f64
// CHECK: %[[LO:.*]] = arith.maximumf %[[A]], %{{.*}} : f64
// CHECK: %[[HI:.*]] = arith.minimumf %[[LO]], %{{.*}} : f64
// CHECK: %[[I:.*]] = arith.fptosi %[[HI]] : f64 to i64
// CHECK: %[[T:.*]] = arith.trunci %[[I]] : i64 to i8
// CHECK: %[[U:.*]] = builtin.unrealized_conversion_cast %[[T]] : i8 to ui8
// CHECK: linalg.yield %[[U]] : ui8
func.func @quantize_uint8(%x: tensor<6xf32>, %s: tensor<f32>, %z: tensor<ui8>) -> tensor<6xui8> {
  %0 = onnx.QuantizeLinear %x, %s, %z : (tensor<6xf32>, tensor<f32>, tensor<ui8>) -> tensor<6xui8>
  return %0 : tensor<6xui8>
}

// -----

// QuantizeLinear to float8 E5M2 without saturation: encoded like Cast.
// CHECK-LABEL: func.func @quantize_e5m2
// CHECK: arith.divf
// CHECK: math.roundeven %{{.*}} : f32
// CHECK: arith.bitcast %{{.*}} : i8 to f8E5M2
func.func @quantize_e5m2(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf8E5M2> {
  %none = onnx.NoValue
  %0 = onnx.QuantizeLinear %x, %s, %none {saturate = 0 : i64} : (tensor<4xf32>, tensor<f32>, none) -> tensor<4xf8E5M2>
  return %0 : tensor<4xf8E5M2>
}

// -----

// Per-axis parameters along a size known only at run time: the axis is
// checked to have the scale's length, then read as a static one.
// CHECK-LABEL: func.func @dequantize_per_axis_symbolic
// CHECK: cf.assert %{{.*}}, "DequantizeLinear: the quantized axis must have as many elements as the scale (3)"
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?x3x?xf32>)
// CHECK: tensor.cast %{{.*}} : tensor<?x3x?xf32> to tensor<?x?x?xf32>
func.func @dequantize_per_axis_symbolic(%x: tensor<?x?x?xi8>) -> tensor<?x?x?xf32> {
  %s = onnx.Constant {value = dense<[0.5, 0.25, 2.0]> : tensor<3xf32>} : tensor<3xf32>
  %z = onnx.Constant {value = dense<[1, 0, -1]> : tensor<3xi8>} : tensor<3xi8>
  %0 = onnx.DequantizeLinear %x, %s, %z {axis = 1 : i64} : (tensor<?x?x?xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}
