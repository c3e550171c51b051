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

static bool isCastableType(Type type) {
  return isa<FloatType>(type) || isa<IntegerType>(type);
}

namespace {

struct CastOpLowering : OpConversionPattern<onnx::CastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type from = getElementType(op.getInput());
    Type to = getElementType(op.getOutput());
    // Strings and 8-bit floats have no arith counterpart.
    if (!isCastableType(from) || !isCastableType(to))
      return rewriter.notifyMatchFailure(
          op, "only float, integer and bool element types are supported");
    if (isa<FloatType>(from) &&
        cast<FloatType>(from).getWidth() < 16)
      return rewriter.notifyMatchFailure(op, "8-bit floats are not supported");
    if (isa<FloatType>(to) && cast<FloatType>(to).getWidth() < 16)
      return rewriter.notifyMatchFailure(op, "8-bit floats are not supported");
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getInput(),
        [&](OpBuilder &builder, Location loc, ValueRange args) {
          return convertScalar(builder, loc, args[0], from, to);
        });
  }
};

} // namespace

void populateCastPatterns(RewritePatternSet &patterns) {
  patterns.add<CastOpLowering>(patterns.getContext());
}

} // namespace lowrank
