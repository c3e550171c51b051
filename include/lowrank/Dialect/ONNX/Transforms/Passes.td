//===- Passes.td - Passes on the onnx dialect --------------*- tablegen -*-===//

#ifndef LOWRANK_DIALECT_ONNX_TRANSFORMS_PASSES_TD
#define LOWRANK_DIALECT_ONNX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowrankONNXFoldShapes
    : Pass<"lowrank-onnx-fold-shapes", "::mlir::func::FuncOp"> {
  let summary = "Fold shape arithmetic on small integer constants";
  let description = [{
    Exported models compute reshape targets at run time from `Shape`:
    `Shape -> Gather -> Unsqueeze -> Concat -> Reshape`, with `Cast`, `Add`,
    `Sub`, `Mul`, `Div`, `Equal`, `Where`, `Squeeze`, `Slice` and
    `ConstantOfShape` in between. Once the input shapes are pinned, all of
    that is constant. This pass evaluates those ops on constant integer
    tensors of at most `max-elements` elements into `onnx.Constant`s, and
    refines the result types of `Reshape`, `Expand`, `ConstantOfShape` and
    `Tile` (and of the elementwise ops that consume them) from the shape
    operands that became constant. Uses outside the onnx dialect keep their
    type through a `tensor.cast`. A branch of an If that the known shapes
    make invalid (an op in it no longer verifies) becomes a failed
    `cf.assert` naming the node: it fails at run time, when taken, as in
    ONNX Runtime.

    Before:
    ```mlir
    %s = onnx.Shape %x : (tensor<2x8xf32>) -> tensor<2xi64>
    %i = onnx.Constant {value = dense<0> : tensor<i64>} : tensor<i64>
    %b = onnx.Gather %s, %i {axis = 0 : i64} : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
    %a = onnx.Constant {value = dense<0> : tensor<1xi64>} : tensor<1xi64>
    %u = onnx.Unsqueeze %b, %a : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
    %c = onnx.Constant {value = dense<[2, -1]> : tensor<2xi64>} : tensor<2xi64>
    %shape = onnx.Concat %u, %c {axis = 0 : i64} : (tensor<1xi64>, tensor<2xi64>) -> tensor<3xi64>
    %y = onnx.Reshape %x, %shape : (tensor<2x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
    ```
    After:
    ```mlir
    %shape = onnx.Constant {value = dense<[2, 2, -1]> : tensor<3xi64>} : tensor<3xi64>
    %y = onnx.Reshape %x, %shape : (tensor<2x8xf32>, tensor<3xi64>) -> tensor<2x2x4xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"4096",
           "Largest constant (in elements) the pass evaluates or creates">,
  ];
}

def LowrankONNXScaleAfterProducts
    : Pass<"lowrank-onnx-scale-after-products", "::mlir::func::FuncOp"> {
  let summary = "Scale a product's result instead of a larger operand";
  let description = [{
    `MatMul(A, Mul(B, c))`, with `c` a constant of one element, becomes
    `Mul(MatMul(A, B), c)` when the product has fewer elements than the
    scaled operand (and the same on the left). Exported attention layers
    scale the keys by a constant before the score product (PyTorch's
    `scaled_dot_product_attention` multiplies queries and keys each by the
    square root of the softmax scale); in one decoding step the keys of the
    whole cache are scaled for one row of scores. The rewrite leaves the
    transposed keys as the product's direct operand, where
    `lowrank-transposes-into-products` turns the transposed copy into a
    strided view. Both forms compute the same values up to one rounding.
    Only f32 and f64 ops with static shapes are rewritten (in float16 the
    scale may be there to keep the product in range), and only when the
    scaled operand has no other reader.

    When the other operand is an f32 matrix constant (a weight) read only
    by this product, the scale is multiplied into the weight instead, and
    no multiplication is left: `MatMul(Mul(x, c), W)` becomes
    `MatMul(x, W')` with `W' = c W`. The exported GELU ends in a halving
    that would otherwise be moved between the two products of a factorized
    FFN layer, where it keeps them from being one runtime call.

    Before:
    ```mlir
    %s = onnx.Constant {value = dense<0.353553385> : tensor<f32>} : tensor<f32>
    %k = onnx.Mul %kt, %s : (tensor<1x12x64x513xf32>, tensor<f32>) -> tensor<1x12x64x513xf32>
    %y = onnx.MatMul %q, %k : (tensor<1x12x1x64xf32>, tensor<1x12x64x513xf32>) -> tensor<1x12x1x513xf32>
    ```
    After:
    ```mlir
    %p = onnx.MatMul %q, %kt : (tensor<1x12x1x64xf32>, tensor<1x12x64x513xf32>) -> tensor<1x12x1x513xf32>
    %y = onnx.Mul %p, %s : (tensor<1x12x1x513xf32>, tensor<f32>) -> tensor<1x12x1x513xf32>
    ```
  }];
}

def LowrankONNXGroupedHeads
    : Pass<"lowrank-onnx-grouped-heads", "::mlir::func::FuncOp"> {
  let summary = "Multiply each key/value head by its group of query heads "
                "instead of repeating it";
  let description = [{
    Grouped-query attention shares each of G key/value heads among R query
    heads. Exported graphs repeat the key/value heads R times before the
    two batched products (`Unsqueeze`, `Expand` to `[b, G, R, T, D]`,
    `Reshape` to `[b, G*R, T, D]`: transformers' `repeat_kv`), which copies
    the whole key/value cache in every layer and decoding step. A MatMul
    whose right operand is such a repetition (through Reshapes of leading
    unit dims, and a Transpose of the last two dims for the keys) becomes
    one product per group, its R query heads stacked as the rows of one
    matrix:

    `MatMul(A [b, G*R, S, K], repeat(Y)) = Reshape(MatMul(Reshape(A, [b, G,
    R*S, K]), Y'), [b, G*R, S, N])`, where `Y'` is `Y` or its transpose.

    The rewrite applies where the repetition is larger than the product's
    other operand and its result together (the cache against one row of
    queries per head in a decoding step); in prefill the copies are small
    and the head merge after the product stays a strided view. Static
    shapes only. The values are those of the original product.

    Before:
    ```mlir
    %u = onnx.Unsqueeze %v, %axis : (tensor<1x4x513x64xf32>, tensor<1xi64>) -> tensor<1x4x1x513x64xf32>
    %e = onnx.Expand %u, %shape : (tensor<1x4x1x513x64xf32>, tensor<5xi64>) -> tensor<1x4x3x513x64xf32>
    %r = onnx.Reshape %e, %merged : (tensor<1x4x3x513x64xf32>, tensor<4xi64>) -> tensor<1x12x513x64xf32>
    %y = onnx.MatMul %p, %r : (tensor<1x12x1x513xf32>, tensor<1x12x513x64xf32>) -> tensor<1x12x1x64xf32>
    ```
    After:
    ```mlir
    %a = onnx.Reshape %p, %c1 : (tensor<1x12x1x513xf32>, tensor<4xi64>) -> tensor<1x4x3x513xf32>
    %g = onnx.MatMul %a, %v : (tensor<1x4x3x513xf32>, tensor<1x4x513x64xf32>) -> tensor<1x4x3x64xf32>
    %y = onnx.Reshape %g, %c2 : (tensor<1x4x3x64xf32>, tensor<4xi64>) -> tensor<1x12x1x64xf32>
    ```
  }];
}

#endif // LOWRANK_DIALECT_ONNX_TRANSFORMS_PASSES_TD
