// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file --verify-diagnostics

// A result size that disagrees with the window attributes is not lowered
// (3 would be the size without padding).
func.func @conv_wrong_result(%x: tensor<1x1x5x5xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x5x5xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{failed to legalize operation 'onnx.Conv'}}
  %0 = onnx.Conv %x, %w, %n : (tensor<1x1x5x5xf32>, tensor<1x1x3x3xf32>, none) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

// MaxPool's Indices count positions over the whole input: its spatial
// sizes must be known when compiling.
func.func @maxpool_indices_symbolic(%x: tensor<1x1x?x4xf32>) -> tensor<1x1x?x2xi64> {
  // expected-error @+1 {{failed to legalize operation 'onnx.MaxPool'}}
  %y, %indices = onnx.MaxPool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x?x4xf32>) -> (tensor<1x1x?x2xf32>, tensor<1x1x?x2xi64>)
  return %indices : tensor<1x1x?x2xi64>
}

// -----

// A symbolic spatial size takes explicit, VALID or stride-1 SAME padding:
// SAME padding at stride 2 depends on the size.
func.func @conv_symbolic_width_same_strided(%x: tensor<1x3x8x?xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x4x?xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{failed to legalize operation 'onnx.Conv'}}
  %0 = onnx.Conv %x, %w, %n {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x3x8x?xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x4x?xf32>
  return %0 : tensor<1x4x4x?xf32>
}
