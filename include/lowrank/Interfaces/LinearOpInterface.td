//===- LinearOpInterface.td - Linear ops with a constant weight -*- tablegen -*-===//
//
// The one abstraction the low-rank analysis and rewrites work through, so
// the same passes serve ONNX input (onnx.MatMul, onnx.Gemm, 1x1 onnx.Conv)
// and IREE-style linalg input (linalg.matmul, linalg.batch_matmul with a
// broadcast weight, contraction linalg.generic).
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_INTERFACES_LINEAROPINTERFACE_TD
#define LOWRANK_INTERFACES_LINEAROPINTERFACE_TD

include "mlir/IR/OpBase.td"

def LowrankLinearOpInterface : OpInterface<"LinearOpInterface"> {
  let description = [{
    An op computing y = x W (+ bias) where W is a d_in x d_out matrix that
    is a compile-time constant (possibly stored transposed, possibly
    reached through a transpose). Rows of x are independent: every
    leading dimension of x is a "row". Such an op can be replaced by
    (x A) B with A d_in x r and B r x d_out.

    An op implements the interface for all its instances; `isLinear`
    says whether this instance qualifies (constant weight, supported
    attributes).
  }];
  let cppNamespace = "::lowrank";
  let methods = [
    InterfaceMethod<"Whether this instance is a linear op with a constant "
                    "weight that the passes may factor.",
      "bool", "isLinear">,
    InterfaceMethod<"The activation operand x.", "::mlir::Value",
      "getLinearInput">,
    InterfaceMethod<"The weight as a d_in x d_out row-major elements "
                    "attribute, transposing a stored d_out x d_in weight; "
                    "failure when it is not a readable f32 constant.",
      "::mlir::FailureOr<::lowrank::WeightMatrix>", "getWeightMatrix">,
    InterfaceMethod<"d_in and d_out.", "std::pair<int64_t, int64_t>",
      "getLinearShape">,
    InterfaceMethod<"Rows of x the weight is applied to (the product of x's "
                    "non-feature dimensions), or ShapedType::kDynamic.",
      "int64_t", "getNumInputRows">,
    InterfaceMethod<[{
        Builds x A for this op's input form at the builder's insertion
        point, where `a` is the d_in x r factor; its constant is named
        after `name`. The result is what `buildOutputProjection` consumes;
        ops with equal input form keys can share it.
      }],
      "::mlir::Value", "buildInputProjection",
      (ins "::mlir::OpBuilder &":$builder,
           "const ::lowrank::WeightMatrix &":$a, "::llvm::StringRef":$name)>,
    InterfaceMethod<[{
        Builds the op's replacement from the bottleneck (x A) and the
        r x d_out factor `b`, keeping bias and scaling.
      }],
      "::mlir::Value", "buildOutputProjection",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Value":$bottleneck,
           "const ::lowrank::WeightMatrix &":$b, "::llvm::StringRef":$name)>,
    InterfaceMethod<"A key equal for ops whose input projections can be "
                    "shared: same input value, same d_in, same input form.",
      "std::string", "getInputFormKey">,
  ];
}

#endif // LOWRANK_INTERFACES_LINEAROPINTERFACE_TD
