// The CPU pipeline bufferizes linalg on tensors, not elementwise arith ops
// on whole tensors, so compiling this fails with a diagnostic.
func.func @main_graph(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>)
    -> tensor<2x3xf32> {
  %sum = arith.addf %a, %b : tensor<2x3xf32>
  return %sum : tensor<2x3xf32>
}
