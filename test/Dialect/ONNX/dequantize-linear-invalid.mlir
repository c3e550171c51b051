// RUN: lowrank-opt %s -split-input-file -verify-diagnostics

func.func @scale_size(%q: tensor<4x3xi8>, %s: tensor<4xf32>) -> tensor<4x3xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{per-axis scale has 4 entries but the input has 3 along axis 1}}
  %0 = onnx.DequantizeLinear %q, %s, %none : (tensor<4x3xi8>, tensor<4xf32>, none) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @axis_range(%q: tensor<4x3xi8>, %s: tensor<3xf32>) -> tensor<4x3xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = onnx.DequantizeLinear %q, %s, %none {axis = 2 : i64} : (tensor<4x3xi8>, tensor<3xf32>, none) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @result_type(%q: tensor<4x3xi8>, %s: tensor<3xf32>) -> tensor<4x3xf16> {
  %none = onnx.NoValue
  // expected-error @+1 {{result element type 'f16' differs from the scale's 'f32'}}
  %0 = onnx.DequantizeLinear %q, %s, %none : (tensor<4x3xi8>, tensor<3xf32>, none) -> tensor<4x3xf16>
  return %0 : tensor<4x3xf16>
}

// -----

func.func @zero_point_type(%q: tensor<4x3xi8>, %s: tensor<3xf32>, %z: tensor<3xi32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{zero point element type 'i32' differs from the input's 'i8'}}
  %0 = onnx.DequantizeLinear %q, %s, %z : (tensor<4x3xi8>, tensor<3xf32>, tensor<3xi32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @scale_rank(%q: tensor<4x3xi8>, %s: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{scale must be a scalar or 1-D, got rank 2}}
  %0 = onnx.DequantizeLinear %q, %s, %none : (tensor<4x3xi8>, tensor<4x3xf32>, none) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @float_input(%q: tensor<4x3xf32>, %s: tensor<3xf32>) -> tensor<4x3xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{operand #0 must be tensor of signless integer or unsigned integer or f8E4M3FN type}}
  %0 = onnx.DequantizeLinear %q, %s, %none : (tensor<4x3xf32>, tensor<3xf32>, none) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @blocked_scale(%q: tensor<3x4xi8>, %s: tensor<3x3xf32>) -> tensor<3x4xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{blocked scale has 3 entries along axis 1, expected 2}}
  %0 = onnx.DequantizeLinear %q, %s, %none {axis = 1 : i64, block_size = 2 : i64} : (tensor<3x4xi8>, tensor<3x3xf32>, none) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @quantize_zero_point_type(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<4xui8> {
  // expected-error @+1 {{zero point element type 'i8' differs from the result's 'ui8'}}
  %0 = onnx.QuantizeLinear %x, %s, %z : (tensor<4xf32>, tensor<f32>, tensor<i8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}
