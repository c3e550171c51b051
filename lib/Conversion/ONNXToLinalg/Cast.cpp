//===- Cast.cpp - onnx to linalg: Cast ------------------------------------===//
//
// Cast between any two numeric or bool element types; the scalar conversion
// lives in convertScalar, shared with ops that compute in another type.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace lowrank {

/// Strings and 8-bit floats have no arith counterpart.
static bool isCastableType(Type type) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return floatType.getWidth() >= 16;
  return isa<IntegerType>(type);
}

namespace {

/// Cast, and CastLike (a Cast to the element type of its second input).
template <typename OpTy>
struct CastOpLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type from = getElementType(op.getInput());
    Type to = getElementType(op.getOutput());
    if (!isCastableType(from) || !isCastableType(to))
      return rewriter.notifyMatchFailure(
          op, "only 16- to 64-bit float, integer and bool element types "
              "are supported");
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getInput(),
        [&](OpBuilder &builder, Location loc, ValueRange args) {
          return convertScalar(builder, loc, args[0], from, to);
        });
  }
};

} // namespace

void populateCastPatterns(RewritePatternSet &patterns) {
  patterns.add<CastOpLowering<onnx::CastOp>, CastOpLowering<onnx::CastLikeOp>>(
      patterns.getContext());
}

} // namespace lowrank
