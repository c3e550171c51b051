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
    type through a `tensor.cast`.

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
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"4096",
           "Largest constant (in elements) the pass evaluates or creates">,
  ];
}

#endif // LOWRANK_DIALECT_ONNX_TRANSFORMS_PASSES_TD
