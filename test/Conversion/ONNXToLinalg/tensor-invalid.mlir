// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file --verify-diagnostics

// Dropout in training mode is random and is not lowered.
func.func @dropout_training(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %n = onnx.NoValue
  %t = onnx.Constant {value = dense<true> : tensor<i1>} : tensor<i1>
  // expected-error @+1 {{failed to legalize operation 'onnx.Dropout'}}
  %y, %m = onnx.Dropout %x, %n, %t : (tensor<2x3xf32>, none, tensor<i1>) -> (tensor<2x3xf32>, none)
  return %y : tensor<2x3xf32>
}

// -----

// A run-time reshape target of unknown length gives a result of unknown
// rank: not lowered.
func.func @reshape_unknown_length(%x: tensor<2x3xf32>, %s: tensor<?xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{failed to legalize operation 'onnx.Reshape'}}
  %0 = onnx.Reshape %x, %s : (tensor<2x3xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Slice bounds that contradict the result type are rejected, not miscompiled.
func.func @slice_contradicts_type(%x: tensor<20x10xf32>) -> tensor<3x10xf32> {
  %st = onnx.Constant {value = dense<[0]> : tensor<1xi64>} : tensor<1xi64>
  %en = onnx.Constant {value = dense<[5]> : tensor<1xi64>} : tensor<1xi64>
  %n = onnx.NoValue
  // expected-error @+1 {{failed to legalize operation 'onnx.Slice'}}
  %0 = onnx.Slice %x, %st, %en, %n, %n : (tensor<20x10xf32>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<3x10xf32>
  return %0 : tensor<3x10xf32>
}

// -----

// An antialiased downscale to one element reads the whole input for it:
// refused beyond 4096 reads per output element.
func.func @resize_antialias_too_wide(%x: tensor<1x1x128x128xf32>) -> tensor<1x1x1x1xf32> {
  %n = onnx.NoValue
  %sizes = onnx.Constant {value = dense<[1, 1, 1, 1]> : tensor<4xi64>} : tensor<4xi64>
  // expected-error @below {{antialiased Resize by a factor this small reads more than 4096 input elements per output element}}
  // expected-error @below {{failed to legalize operation 'onnx.Resize'}}
  %y = onnx.Resize %x, %n, %n, %sizes {mode = "cubic", antialias = 1 : i64} : (tensor<1x1x128x128xf32>, none, none, tensor<4xi64>) -> tensor<1x1x1x1xf32>
  return %y : tensor<1x1x1x1xf32>
}

// -----

// Squeeze without axes removes the sizes of 1; one known only at run time
// makes the result's rank unknown.
func.func @squeeze_symbolic_no_axes(%x: tensor<?x1x2xf32>) -> tensor<*xf32> {
  %n = onnx.NoValue
  // expected-error @+2 {{Squeeze without axes of a size known only at run time: the result's rank depends on whether that size is 1}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Squeeze'}}
  %0 = onnx.Squeeze %x, %n : (tensor<?x1x2xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}
