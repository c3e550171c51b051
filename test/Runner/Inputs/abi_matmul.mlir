// a * I + b with a constant weight: compiled to a call of the CPU runtime's
// packed matmul, so the object needs liblowrank_cpu_runtime.
func.func @main_graph(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>)
    -> tensor<2x3xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0],
                             [0.0, 0.0, 1.0]]> : tensor<3x3xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<2x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x3xf32>)
      -> tensor<2x3xf32>
  %p = linalg.matmul ins(%a, %w : tensor<2x3xf32>, tensor<3x3xf32>)
                     outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  %s = linalg.add ins(%p, %b : tensor<2x3xf32>, tensor<2x3xf32>)
                  outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %s : tensor<2x3xf32>
}
