// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file --verify-diagnostics

// A square root of an integer sum has no integer lowering.
func.func @reduce_l2_int(%x: tensor<2x3xi32>) -> tensor<2x1xi32> {
  // expected-error @+1 {{failed to legalize operation 'onnx.ReduceL2'}}
  %0 = onnx.ReduceL2 %x {axes = array<i64: 1>} : (tensor<2x3xi32>) -> tensor<2x1xi32>
  return %0 : tensor<2x1xi32>
}

// -----

// Unsigned values order as signless ones of twice the width; uint64 has
// none.
func.func @reduce_max_unsigned_64(%x: tensor<2x3xui64>) -> tensor<2x1xui64> {
  // expected-error @+1 {{failed to legalize operation 'onnx.ReduceMax'}}
  %0 = onnx.ReduceMax %x {axes = array<i64: 1>} : (tensor<2x3xui64>) -> tensor<2x1xui64>
  return %0 : tensor<2x1xui64>
}
