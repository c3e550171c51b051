// RUN: lowrank-opt %s -split-input-file -verify-diagnostics

func.func @matmul_contraction(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{contraction sizes differ: 3 vs 4}}
  %0 = onnx.MatMul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<4x5xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{operands must have rank >= 1}}
  %0 = onnx.MatMul %a, %b : (tensor<f32>, tensor<4x5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @gemm_trans(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x4xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{contraction sizes differ: 3 vs 4}}
  %0 = onnx.Gemm %a, %b, %none : (tensor<2x3xf32>, tensor<4x3xf32>, none) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @conv_groups(%x: tensor<1x6x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{input channels 6 != group 2 x W channels 4}}
  %0 = onnx.Conv %x, %w, %none {group = 2 : i64} : (tensor<1x6x8x8xf32>, tensor<4x4x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{pads has 2 values, expected 4}}
  %0 = onnx.Conv %x, %w, %none {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{perm is not a permutation}}
  %0 = onnx.Transpose %x {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>, %s: tensor<2xi64>) -> tensor<4x2xf32> {
  // expected-error @+1 {{element count changes from 6 to 8}}
  %0 = onnx.Reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @reshape_element_type(%x: tensor<2x3xf32>, %s: tensor<2xi64>) -> tensor<3x2xf16> {
  // expected-error @+1 {{data and result have the same element type}}
  %0 = onnx.Reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf16>
  return %0 : tensor<3x2xf16>
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = onnx.Softmax %x {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_axes(%x: tensor<2x3xf32>) -> tensor<f32> {
  // expected-error @+1 {{axis -1 appears twice}}
  %0 = onnx.ReduceMean %x {axes = array<i64: 1, -1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @reduce_axes_twice(%x: tensor<2x3xf32>, %axes: tensor<1xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{has both the axes attribute and axes operand}}
  %0 = onnx.ReduceMax %x, %axes {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @pad_axes_pads(%x: tensor<2x3xf32>, %pads: tensor<4xi64>, %axes: tensor<1xi64>) -> tensor<2x5xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{pads has 4 values, expected 2}}
  %0 = onnx.Pad %x, %pads, %n, %axes : (tensor<2x3xf32>, tensor<4xi64>, none, tensor<1xi64>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @cast_to(%x: tensor<2xf32>) -> tensor<2xi32> {
  // expected-error @+1 {{result element type 'i32' does not match 'to' = 7}}
  %0 = onnx.Cast %x {to = 7 : i64} : (tensor<2xf32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{operands don't have broadcast-compatible shapes}}
  %0 = onnx.Add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @clip_bounds(%x: tensor<4xf32>, %lo: tensor<2xf32>) -> tensor<4xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{min and max must be scalars}}
  %0 = onnx.Clip %x, %lo, %none : (tensor<4xf32>, tensor<2xf32>, none) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @batchnorm_training(%x: tensor<1x2x3xf32>, %p: tensor<2xf32>) -> tensor<1x2x3xf32> {
  // expected-error @+1 {{training_mode is not supported (inference only)}}
  %0:3 = onnx.BatchNormalization %x, %p, %p, %p, %p {training_mode = 1 : i64} : (tensor<1x2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x3xf32>, none, none)
  return %0#0 : tensor<1x2x3xf32>
}

// -----

func.func @constant_type() -> tensor<3xf32> {
  // expected-error @+1 {{value type 'tensor<2xf32>' does not match result type 'tensor<3xf32>'}}
  %0 = onnx.Constant {value = dense<[1.0, 2.0]> : tensor<2xf32>} : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<5x3xf32> {
  // expected-error @+1 {{inputs must have the same rank}}
  %0 = onnx.Concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

func.func @cast_round_mode(%a: tensor<4xf32>) -> tensor<4xf8E8M0FNU> {
  // expected-error @+1 {{round_mode must be "up", "down" or "nearest", got "even"}}
  %0 = onnx.Cast %a {to = 24 : i64, round_mode = "even"} : (tensor<4xf32>) -> tensor<4xf8E8M0FNU>
  return %0 : tensor<4xf8E8M0FNU>
}

// -----

func.func @scatter_axis(%d: tensor<3x3xf32>, %i: tensor<1x3xi64>, %u: tensor<1x3xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = onnx.Scatter %d, %i, %u {axis = 2 : i64} : (tensor<3x3xf32>, tensor<1x3xi64>, tensor<1x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @lrn_size(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+1 {{size must be at least 1, got 0}}
  %0 = onnx.LRN %x {size = 0 : i64} : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @reverse_sequence_axes(%x: tensor<4x2xf32>, %l: tensor<2xi64>) -> tensor<4x2xf32> {
  // expected-error @+1 {{batch_axis and time_axis must be 0 and 1 in either order, got 1 and 1}}
  %0 = onnx.ReverseSequence %x, %l {batch_axis = 1 : i64, time_axis = 1 : i64} : (tensor<4x2xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @reverse_sequence_lengths(%x: tensor<4x2xf32>, %l: tensor<3xi64>) -> tensor<4x2xf32> {
  // expected-error @+1 {{sequence_lens must have one length per batch item (2), got 3}}
  %0 = onnx.ReverseSequence %x, %l : (tensor<4x2xf32>, tensor<3xi64>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @det_not_square(%x: tensor<2x3x4xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{X must hold square matrices, got 3x4}}
  %0 = onnx.Det %x : (tensor<2x3x4xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @lppool_p(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error @+1 {{p must be at least 1, got 0}}
  %0 = onnx.LpPool %x {kernel_shape = array<i64: 2, 2>, p = 0 : i64} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

func.func @grid_sample_mode(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{unknown mode 'area'}}
  %0 = onnx.GridSample %x, %g {mode = "area"} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @grid_sample_coordinates(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x3xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{grid must hold 2 coordinates per position, got 3}}
  %0 = onnx.GridSample %x, %g : (tensor<1x1x4x4xf32>, tensor<1x2x2x3xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @einsum_terms(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{Einsum equation has 2 input terms for 1 inputs}}
  %0 = onnx.Einsum %a {equation = "ij,jk->i"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @einsum_sizes(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{equation 'ij,jk->ik' names sizes 3 and 4 alike}}
  %0 = onnx.Einsum %a, %b {equation = "ij,jk->ik"} : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @einsum_character(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{Einsum equation has the character '1' where a letter or '...' is expected}}
  %0 = onnx.Einsum %a {equation = "i1->i"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @resize_axis_out_of_range(%x: tensor<1x1x2x2xf32>, %s: tensor<1xf32>) -> tensor<1x1x2x4xf32> {
  %n = onnx.NoValue
  // expected-error @below {{'onnx.Resize' op axis 4 is out of range}}
  %y = onnx.Resize %x, %n, %s, %n {axes = array<i64: 4>} : (tensor<1x1x2x2xf32>, none, tensor<1xf32>, none) -> tensor<1x1x2x4xf32>
  return %y : tensor<1x1x2x4xf32>
}

// -----

func.func @resize_axis_twice(%x: tensor<1x1x2x2xf32>, %s: tensor<2xf32>) -> tensor<1x1x2x4xf32> {
  %n = onnx.NoValue
  // expected-error @below {{'onnx.Resize' op axis -1 is listed twice}}
  %y = onnx.Resize %x, %n, %s, %n {axes = array<i64: 3, -1>} : (tensor<1x1x2x2xf32>, none, tensor<2xf32>, none) -> tensor<1x1x2x4xf32>
  return %y : tensor<1x1x2x4xf32>
}

// -----

func.func @resize_scales_per_axis(%x: tensor<1x1x2x2xf32>, %s: tensor<4xf32>) -> tensor<1x1x2x4xf32> {
  %n = onnx.NoValue
  // expected-error @below {{'onnx.Resize' op scales and sizes need one value per resized dimension (1), got 4}}
  %y = onnx.Resize %x, %n, %s, %n {axes = array<i64: 3>} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x2x4xf32>
  return %y : tensor<1x1x2x4xf32>
}

// -----

func.func @resize_policy(%x: tensor<1x1x2x2xf32>, %s: tensor<4xi64>) -> tensor<1x1x2x4xf32> {
  %n = onnx.NoValue
  // expected-error @below {{'onnx.Resize' op unknown keep_aspect_ratio_policy 'fit'}}
  %y = onnx.Resize %x, %n, %n, %s {keep_aspect_ratio_policy = "fit"} : (tensor<1x1x2x2xf32>, none, none, tensor<4xi64>) -> tensor<1x1x2x4xf32>
  return %y : tensor<1x1x2x4xf32>
}

// -----

func.func @dft_rank(%x: tensor<8xf32>) -> tensor<8xf32> {
  %n = onnx.NoValue
  // expected-error @below {{'onnx.DFT' op input must have rank >= 2 (the signal axis and the complex dimension)}}
  %y = onnx.DFT %x, %n, %n : (tensor<8xf32>, none, none) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

func.func @dft_components(%x: tensor<1x8x3xf32>) -> tensor<1x8x2xf32> {
  %n = onnx.NoValue
  // expected-error @below {{'onnx.DFT' op input must end in a dimension of 1 (real) or 2 (complex)}}
  %y = onnx.DFT %x, %n, %n : (tensor<1x8x3xf32>, none, none) -> tensor<1x8x2xf32>
  return %y : tensor<1x8x2xf32>
}

// -----

func.func @dft_real_inverse(%x: tensor<1x5x2xf32>) -> tensor<1x8x2xf32> {
  %n = onnx.NoValue
  // expected-error @below {{'onnx.DFT' op output must end in a dimension of 1}}
  %y = onnx.DFT %x, %n, %n {inverse = 1 : i64, onesided = 1 : i64} : (tensor<1x5x2xf32>, none, none) -> tensor<1x8x2xf32>
  return %y : tensor<1x8x2xf32>
}

// -----

func.func @stft_signal_rank(%s: tensor<1x2x128x1xf32>, %step: tensor<i64>) -> tensor<1x15x9x2xf32> {
  %n = onnx.NoValue
  // expected-error @below {{'onnx.STFT' op signal must be [batch, length, 1 or 2] or [batch, length]}}
  %y = onnx.STFT %s, %step, %n, %n : (tensor<1x2x128x1xf32>, tensor<i64>, none, none) -> tensor<1x15x9x2xf32>
  return %y : tensor<1x15x9x2xf32>
}
