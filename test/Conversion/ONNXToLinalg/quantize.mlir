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

// Per tensor with a zero point: both scalars, subtracted in i32.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @per_tensor
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$SCALAR]], #[[$SCALAR]], #[[$ID]]]
// CHECK: ^bb0(%[[V:.*]]: i8, %[[SC:.*]]: f32, %[[Z:.*]]: i8, %{{.*}}: f32):
// CHECK-DAG: %[[V32:.*]] = arith.extsi %[[V]] : i8 to i32
// CHECK-DAG: %[[Z32:.*]] = arith.extsi %[[Z]] : i8 to i32
// CHECK: %[[D:.*]] = arith.subi %[[V32]], %[[Z32]] : i32
// CHECK: %[[F:.*]] = arith.sitofp %[[D]] : i32 to f32
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
