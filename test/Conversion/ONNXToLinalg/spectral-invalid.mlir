// RUN: not lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file 2>&1 | FileCheck %s

// CHECK: error: 'onnx.DFT' op needs dft_length known at compile time (a constant)
func.func @dft_runtime_length(%x: tensor<1x8x1xf32>, %n: tensor<i64>) -> tensor<1x8x2xf32> {
  %none = onnx.NoValue
  %y = onnx.DFT %x, %n, %none : (tensor<1x8x1xf32>, tensor<i64>, none) -> tensor<1x8x2xf32>
  return %y : tensor<1x8x2xf32>
}

// -----

// CHECK: error: 'onnx.DFT' op axis 2 is outside [-3, -2] and [0, 1]
func.func @dft_axis_on_components(%x: tensor<1x8x1xf32>) -> tensor<1x8x2xf32> {
  %none = onnx.NoValue
  %axis = onnx.Constant {value = dense<2> : tensor<i64>} : tensor<i64>
  %y = onnx.DFT %x, %none, %axis : (tensor<1x8x1xf32>, none, tensor<i64>) -> tensor<1x8x2xf32>
  return %y : tensor<1x8x2xf32>
}

// -----

// CHECK: error: 'onnx.DFT' op no axis gives the result type
func.func @dft_wrong_result(%x: tensor<1x8x1xf32>) -> tensor<1x7x2xf32> {
  %none = onnx.NoValue
  %y = onnx.DFT %x, %none, %none : (tensor<1x8x1xf32>, none, none) -> tensor<1x7x2xf32>
  return %y : tensor<1x7x2xf32>
}

// -----

// CHECK: error: 'onnx.STFT' op the result has 5 bins, a frame of 16 samples gives 9
func.func @stft_wrong_bins(%s: tensor<1x128x1xf32>, %step: tensor<i64>, %w: tensor<16xf32>) -> tensor<1x15x5x2xf32> {
  %none = onnx.NoValue
  %y = onnx.STFT %s, %step, %w, %none : (tensor<1x128x1xf32>, tensor<i64>, tensor<16xf32>, none) -> tensor<1x15x5x2xf32>
  return %y : tensor<1x15x5x2xf32>
}

// -----

// CHECK: error: 'onnx.STFT' op is lowered for float32 and float64 only
func.func @stft_half(%s: tensor<1x128x1xf16>, %step: tensor<i64>, %w: tensor<16xf16>) -> tensor<1x15x9x2xf16> {
  %none = onnx.NoValue
  %y = onnx.STFT %s, %step, %w, %none : (tensor<1x128x1xf16>, tensor<i64>, tensor<16xf16>, none) -> tensor<1x15x9x2xf16>
  return %y : tensor<1x15x9x2xf16>
}

// -----

// A huge dft_length is refused by the table limit, not wrapped around.
// CHECK: error: 'onnx.DFT' op a transform of length 4398046511104 needs a table of 9223372036854775807 elements, over the limit of 67108864
func.func @dft_huge_length(%x: tensor<1x4194304x1xf32>) -> tensor<1x4398046511104x2xf32> {
  %n = onnx.Constant {value = dense<4398046511104> : tensor<i64>} : tensor<i64>
  %none = onnx.NoValue
  %y = onnx.DFT %x, %n, %none : (tensor<1x4194304x1xf32>, tensor<i64>, none) -> tensor<1x4398046511104x2xf32>
  return %y : tensor<1x4398046511104x2xf32>
}
