// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file --verify-diagnostics

// The weights are constants of the model: their shapes must be static.
func.func @lstm_dynamic_weights(%x: tensor<5x2x4xf32>, %w: tensor<1x?x4xf32>, %r: tensor<1x12x3xf32>) -> tensor<1x2x3xf32> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower onnx.LSTM: W, R, B and P must have static shapes}}
  // expected-error @+1 {{failed to legalize operation 'onnx.LSTM'}}
  %y, %yh, %yc = onnx.LSTM %x, %w, %r, %n, %n, %n, %n, %n {hidden_size = 3 : i64} : (tensor<5x2x4xf32>, tensor<1x?x4xf32>, tensor<1x12x3xf32>, none, none, none, none, none) -> (none, tensor<1x2x3xf32>, none)
  return %yh : tensor<1x2x3xf32>
}

// -----

// A result type that disagrees with the operands is refused, not cast.
func.func @gru_wrong_result(%x: tensor<5x2x4xf32>, %w: tensor<1x9x4xf32>, %r: tensor<1x9x3xf32>) -> tensor<1x3x3xf32> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower onnx.GRU: result 1 has type 'tensor<1x3x3xf32>', expected 'tensor<1x2x3xf32>'}}
  // expected-error @+1 {{failed to legalize operation 'onnx.GRU'}}
  %y, %yh = onnx.GRU %x, %w, %r, %n, %n, %n : (tensor<5x2x4xf32>, tensor<1x9x4xf32>, tensor<1x9x3xf32>, none, none, none) -> (none, tensor<1x3x3xf32>)
  return %yh : tensor<1x3x3xf32>
}
