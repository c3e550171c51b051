// RUN: lowrank-opt %s --split-input-file | FileCheck %s
// Round trip of DequantizeLinear, per axis and per tensor.

// CHECK-LABEL: func.func @per_axis
// The default axis 1 is elided.
// CHECK: onnx.DequantizeLinear %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-SAME: (tensor<4x3xi8>, tensor<3xf32>, none) -> tensor<4x3xf32>
func.func @per_axis(%q: tensor<4x3xi8>, %s: tensor<3xf32>) -> tensor<4x3xf32> {
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear %q, %s, %none {axis = 1 : i64} : (tensor<4x3xi8>, tensor<3xf32>, none) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func.func @per_tensor_zero_point
// CHECK: onnx.DequantizeLinear %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-SAME: (tensor<2x5xi8>, tensor<f32>, tensor<i8>) -> tensor<2x5xf32>
func.func @per_tensor_zero_point(%q: tensor<2x5xi8>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<2x5xf32> {
  %0 = onnx.DequantizeLinear %q, %s, %z : (tensor<2x5xi8>, tensor<f32>, tensor<i8>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// CHECK-LABEL: func.func @conv_weight_axis0
// CHECK: onnx.DequantizeLinear {{.*}} {axis = 0 : i64} : (tensor<8x4x1x1xi8>, tensor<8xf32>, none)
func.func @conv_weight_axis0(%q: tensor<8x4x1x1xi8>, %s: tensor<8xf32>) -> tensor<8x4x1x1xf32> {
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear %q, %s, %none {axis = 0 : i64} : (tensor<8x4x1x1xi8>, tensor<8xf32>, none) -> tensor<8x4x1x1xf32>
  return %0 : tensor<8x4x1x1xf32>
}
