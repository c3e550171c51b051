//===- ReshapeOps.cpp - onnx to linalg: Reshape, Flatten, (Un)Squeeze -----===//
//
// All four only regroup the row-major element sequence, so each lowers from
// its static result type alone: the shape and axes operands need not be
// constant.
//
//===----------------------------------------------------------------------===//

#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// All dims of a rank-`rank` tensor in one group (none for rank 0).
static SmallVector<ReassociationIndices> getSingleGroup(int64_t rank) {
  if (rank == 0)
    return {};
  ReassociationIndices group;
  for (int64_t i = 0; i < rank; ++i)
    group.push_back(i);
  return {group};
}

/// Reshapes `source` to the static `resultType`: a single collapse_shape or
/// expand_shape when the result regroups adjacent dims, otherwise a collapse
/// to 1-D followed by an expand, which keeps the reshape a view after
/// bufferization.
static FailureOr<Value> reshapeToType(OpBuilder &builder, Location loc,
                                      Value source,
                                      RankedTensorType resultType) {
  auto sourceType = dyn_cast<RankedTensorType>(source.getType());
  if (!sourceType || !resultType.hasStaticShape())
    return failure();
  if (sourceType == resultType)
    return source;
  int64_t sourceRank = sourceType.getRank();
  int64_t resultRank = resultType.getRank();
  if (sourceType.hasStaticShape()) {
    if (sourceType.getNumElements() != resultType.getNumElements())
      return failure();
    // Zero-sized dims make the regrouping ambiguous; the 1-D path is exact.
    if (sourceType.getNumElements() != 0) {
      if (sourceRank > resultRank) {
        if (auto groups = getReassociationIndicesForCollapse(
                sourceType.getShape(), resultType.getShape()))
          return Value(tensor::CollapseShapeOp::create(builder, loc, resultType,
                                                       source, *groups));
      } else if (sourceRank < resultRank) {
        if (auto groups = getReassociationIndicesForCollapse(
                resultType.getShape(), sourceType.getShape()))
          return Value(tensor::ExpandShapeOp::create(builder, loc, resultType,
                                                     source, *groups));
      }
    }
  }

  Type elementType = resultType.getElementType();
  auto flatType = RankedTensorType::get({resultType.getNumElements()},
                                        elementType);
  Value flat;
  if (sourceRank == 0) {
    flat = tensor::ExpandShapeOp::create(builder, loc, flatType, source,
                                         getSingleGroup(0));
  } else {
    flat = tensor::CollapseShapeOp::create(builder, loc, source,
                                           getSingleGroup(sourceRank));
    flat = castToType(builder, loc, flat, flatType);
  }
  if (resultRank == 1)
    return flat;
  if (resultRank == 0)
    return Value(tensor::CollapseShapeOp::create(builder, loc, resultType, flat,
                                                 getSingleGroup(0)));
  return Value(tensor::ExpandShapeOp::create(builder, loc, resultType, flat,
                                             getSingleGroup(resultRank)));
}

namespace {

/// Lowers any op whose result is its first operand regrouped to the result
/// type.
template <typename OpTy>
struct ReshapeLikeLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(
          op, "the result shape is not static; run lowrank-onnx-fold-shapes");
    FailureOr<Value> reshaped = reshapeToType(
        rewriter, op.getLoc(), adaptor.getOperands()[0], resultType);
    if (failed(reshaped))
      return rewriter.notifyMatchFailure(
          op, "the input cannot be regrouped into the result type");
    rewriter.replaceOp(op, *reshaped);
    return success();
  }
};

} // namespace

void lowrank::populateONNXReshapeLikeToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReshapeLikeLowering<onnx::ReshapeOp>,
               ReshapeLikeLowering<onnx::FlattenOp>,
               ReshapeLikeLowering<onnx::SqueezeOp>,
               ReshapeLikeLowering<onnx::UnsqueezeOp>>(patterns.getContext());
}
