// RUN: lowrank-opt %s --split-input-file --verify-diagnostics

func.func @bad_direction(%x: tensor<5x2x4xf32>, %w: tensor<1x3x4xf32>, %r: tensor<1x3x3xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{direction must be forward, reverse or bidirectional, got 'backward'}}
  %y, %yh = onnx.RNN %x, %w, %r, %n, %n, %n {direction = "backward"} : (tensor<5x2x4xf32>, tensor<1x3x4xf32>, tensor<1x3x3xf32>, none, none, none) -> (none, tensor<1x2x3xf32>)
  return
}

// -----

func.func @activation_count(%x: tensor<5x2x4xf32>, %w: tensor<2x3x4xf32>, %r: tensor<2x3x3xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{expects 2 activations, got 1}}
  %y, %yh = onnx.RNN %x, %w, %r, %n, %n, %n {direction = "bidirectional", activations = ["Relu"]} : (tensor<5x2x4xf32>, tensor<2x3x4xf32>, tensor<2x3x3xf32>, none, none, none) -> (none, tensor<2x2x3xf32>)
  return
}

// -----

func.func @unknown_activation(%x: tensor<5x2x4xf32>, %w: tensor<1x3x4xf32>, %r: tensor<1x3x3xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{unknown activation 'Gelu'}}
  %y, %yh = onnx.RNN %x, %w, %r, %n, %n, %n {activations = ["Gelu"]} : (tensor<5x2x4xf32>, tensor<1x3x4xf32>, tensor<1x3x3xf32>, none, none, none) -> (none, tensor<1x2x3xf32>)
  return
}

// -----

func.func @weights_rows(%x: tensor<5x2x4xf32>, %w: tensor<1x9x4xf32>, %r: tensor<1x9x3xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{W dimension 1 is 9, expected 12}}
  %y, %yh, %yc = onnx.LSTM %x, %w, %r, %n, %n, %n, %n, %n : (tensor<5x2x4xf32>, tensor<1x9x4xf32>, tensor<1x9x3xf32>, none, none, none, none, none) -> (none, tensor<1x2x3xf32>, none)
  return
}

// -----

func.func @lens_type(%x: tensor<5x2x4xf32>, %w: tensor<1x9x4xf32>, %r: tensor<1x9x3xf32>, %lens: tensor<2xi64>) {
  %n = onnx.NoValue
  // expected-error @+1 {{sequence_lens must hold int32}}
  %y, %yh = onnx.GRU %x, %w, %r, %n, %lens, %n : (tensor<5x2x4xf32>, tensor<1x9x4xf32>, tensor<1x9x3xf32>, none, tensor<2xi64>, none) -> (none, tensor<1x2x3xf32>)
  return
}

// -----

func.func @initial_h_batch_first(%x: tensor<2x5x4xf32>, %w: tensor<1x3x4xf32>, %r: tensor<1x3x3xf32>, %h: tensor<1x2x3xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{initial_h dimension 0 is 1, expected 2}}
  %y, %yh = onnx.RNN %x, %w, %r, %n, %n, %h {layout = 1 : i64} : (tensor<2x5x4xf32>, tensor<1x3x4xf32>, tensor<1x3x3xf32>, none, none, tensor<1x2x3xf32>) -> (none, tensor<2x1x3xf32>)
  return
}
