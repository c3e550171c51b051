//===- ReshapeOps.cpp - onnx to linalg: Reshape, Flatten, (Un)Squeeze -----===//
//
// All four only regroup the row-major element sequence, so each lowers from
// its static result type alone: the shape and axes operands need not be
// constant. With symbolic sizes, the result sizes are computed from the
// input's sizes (and Reshape's shape operand) and the op becomes a
// tensor.reshape.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
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
  auto flatType =
      RankedTensorType::get({resultType.getNumElements()}, elementType);
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

/// The product of `sizes`: a constant when they all are, else an index
/// value multiplying the symbolic ones by the product of the others.
static OpFoldResult createProduct(OpBuilder &builder, Location loc,
                                  ArrayRef<OpFoldResult> sizes) {
  int64_t staticProduct = 1;
  Value product;
  for (OpFoldResult size : sizes) {
    if (std::optional<int64_t> constant = getConstantIntValue(size)) {
      staticProduct *= *constant;
      continue;
    }
    Value value = cast<Value>(size);
    product = product ? arith::MulIOp::create(builder, loc, product, value)
                      : value;
  }
  if (!product)
    return builder.getIndexAttr(staticProduct);
  if (staticProduct == 1)
    return product;
  return arith::MulIOp::create(
             builder, loc, product,
             arith::ConstantIndexOp::create(builder, loc, staticProduct))
      .getResult();
}

/// Reshapes `source` to `sizes` (as many as the rank of `resultType`, whose
/// dynamic sizes they give) with a tensor.reshape.
static Value reshapeToSizes(OpBuilder &builder, Location loc, Value source,
                            RankedTensorType resultType,
                            ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> values = llvm::map_to_vector(sizes, [&](OpFoldResult s) {
    return getValueOrCreateConstantIndexOp(builder, loc, s);
  });
  auto shapeType =
      RankedTensorType::get({resultType.getRank()}, builder.getIndexType());
  Value shape = tensor::FromElementsOp::create(builder, loc, shapeType, values);
  return tensor::ReshapeOp::create(builder, loc, resultType, source, shape);
}

/// The result sizes of Flatten, Squeeze and Unsqueeze from the sizes of
/// their input; failure when the axes are not constant.
static FailureOr<SmallVector<OpFoldResult>>
getReshapeLikeSizes(OpBuilder &builder, Location loc, Operation *op,
                    Value source, RankedTensorType resultType) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(builder, loc, source);
  int64_t rank = sizes.size();
  if (auto flatten = dyn_cast<onnx::FlattenOp>(op)) {
    int64_t axis = normalizeAxis(flatten.getAxis(), rank);
    ArrayRef<OpFoldResult> all(sizes);
    return SmallVector<OpFoldResult>{
        createProduct(builder, loc, all.take_front(axis)),
        createProduct(builder, loc, all.drop_front(axis))};
  }
  if (auto unsqueeze = dyn_cast<onnx::UnsqueezeOp>(op)) {
    auto axes = getConstantIntValues(unsqueeze.getAxes());
    if (!axes)
      return failure();
    int64_t resultRank = resultType.getRank();
    SmallVector<bool> inserted(resultRank, false);
    for (int64_t axis : *axes)
      inserted[normalizeAxis(axis, resultRank)] = true;
    SmallVector<OpFoldResult> result;
    auto next = sizes.begin();
    for (bool one : inserted)
      result.push_back(one ? builder.getIndexAttr(1) : *next++);
    return result;
  }
  if (auto squeeze = dyn_cast<onnx::SqueezeOp>(op)) {
    if (isNoneValue(squeeze.getAxes()))
      return failure();
    auto axes = getConstantIntValues(squeeze.getAxes());
    if (!axes)
      return failure();
    SmallVector<bool> removed(rank, false);
    for (int64_t axis : *axes)
      removed[normalizeAxis(axis, rank)] = true;
    SmallVector<OpFoldResult> result;
    for (int64_t i = 0; i < rank; ++i)
      if (!removed[i])
        result.push_back(sizes[i]);
    return result;
  }
  return failure();
}

/// The result sizes of Reshape from its run-time shape operand: 0 copies
/// the input's size at that position (unless `allowzero`), -1 takes what
/// the other sizes leave of the element count. The element counts are
/// checked to agree.
static SmallVector<OpFoldResult>
getReshapeSizes(OpBuilder &builder, Location loc, onnx::ReshapeOp op,
                Value source, Value shape, int64_t resultRank) {
  SmallVector<OpFoldResult> sourceSizes =
      tensor::getMixedSizes(builder, loc, source);
  Value count = getValueOrCreateConstantIndexOp(
      builder, loc, createProduct(builder, loc, sourceSizes));
  std::optional<SmallVector<int64_t>> constant = getConstantIntValues(shape);
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value minusOne = arith::ConstantIndexOp::create(builder, loc, -1);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < resultRank; ++i) {
    Value size;
    if (constant) {
      size = arith::ConstantIndexOp::create(builder, loc, (*constant)[i]);
    } else {
      Value index = arith::ConstantIndexOp::create(builder, loc, i);
      Value element = tensor::ExtractOp::create(builder, loc, shape, index);
      size = arith::IndexCastOp::create(builder, loc, builder.getIndexType(),
                                        element);
    }
    if (!op.getAllowzero() && i < static_cast<int64_t>(sourceSizes.size())) {
      Value isZero = arith::CmpIOp::create(
          builder, loc, arith::CmpIPredicate::eq, size, zero);
      size = arith::SelectOp::create(
          builder, loc, isZero,
          getValueOrCreateConstantIndexOp(builder, loc, sourceSizes[i]), size);
    }
    sizes.push_back(size);
  }
  // The product of the known sizes, with -1 counted as 1.
  Value known = one;
  for (Value size : sizes) {
    Value isInferred = arith::CmpIOp::create(
        builder, loc, arith::CmpIPredicate::eq, size, minusOne);
    known = arith::MulIOp::create(
        builder, loc, known,
        arith::SelectOp::create(builder, loc, isInferred, one, size));
  }
  Value safeKnown = arith::SelectOp::create(
      builder, loc,
      arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq, known,
                            zero),
      one, known);
  Value inferred = arith::DivSIOp::create(builder, loc, count, safeKnown);
  SmallVector<OpFoldResult> result;
  Value total = one;
  Value nonNegative = arith::ConstantIntOp::create(builder, loc, 1, 1);
  for (Value size : sizes) {
    Value isInferred = arith::CmpIOp::create(
        builder, loc, arith::CmpIPredicate::eq, size, minusOne);
    size = arith::SelectOp::create(builder, loc, isInferred, inferred, size);
    nonNegative = arith::AndIOp::create(
        builder, loc, nonNegative,
        arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::sge, size,
                              zero));
    total = arith::MulIOp::create(builder, loc, total, size);
    result.push_back(size);
  }
  Value sameCount = arith::AndIOp::create(
      builder, loc, nonNegative,
      arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq, total,
                            count));
  cf::AssertOp::create(builder, loc, sameCount,
                       getNodePrefix(op) +
                           "Reshape to a shape of another element count");
  return result;
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
    auto sourceType =
        dyn_cast<RankedTensorType>(adaptor.getOperands()[0].getType());
    if constexpr (std::is_same_v<OpTy, onnx::SqueezeOp>) {
      if (!resultType && sourceType && isNoneValue(op.getAxes()) &&
          !sourceType.hasStaticShape())
        return op.emitError()
               << getNodePrefix(op)
               << "Squeeze without axes of a size known only at run time: "
                  "the result's rank depends on whether that size is 1 (give "
                  "the input's sizes with --onnx-input-shape)";
    }
    if (!resultType || !sourceType)
      return rewriter.notifyMatchFailure(op, "needs ranked tensors");
    if (!resultType.hasStaticShape())
      return lowerSymbolic(op, adaptor, rewriter, resultType);
    FailureOr<Value> reshaped = reshapeToType(
        rewriter, op.getLoc(), adaptor.getOperands()[0], resultType);
    if (failed(reshaped))
      return rewriter.notifyMatchFailure(
          op, "the input cannot be regrouped into the result type");
    rewriter.replaceOp(op, *reshaped);
    return success();
  }

  /// A result of symbolic sizes: computed at run time, then tensor.reshape.
  LogicalResult lowerSymbolic(OpTy op, typename OpTy::Adaptor adaptor,
                              ConversionPatternRewriter &rewriter,
                              RankedTensorType resultType) const {
    Location loc = op.getLoc();
    Value source = adaptor.getOperands()[0];
    SmallVector<OpFoldResult> sizes;
    if constexpr (std::is_same_v<OpTy, onnx::ReshapeOp>) {
      auto shapeType = dyn_cast<RankedTensorType>(adaptor.getShape().getType());
      if (!shapeType || shapeType.getRank() != 1 ||
          shapeType.getDimSize(0) != resultType.getRank())
        return rewriter.notifyMatchFailure(op, "shape of unknown length");
      sizes = getReshapeSizes(rewriter, loc, op, source, adaptor.getShape(),
                              resultType.getRank());
    } else {
      auto computed =
          getReshapeLikeSizes(rewriter, loc, op, source, resultType);
      if (failed(computed))
        return rewriter.notifyMatchFailure(op, "axes are not constant");
      sizes = std::move(*computed);
    }
    if (static_cast<int64_t>(sizes.size()) != resultType.getRank())
      return rewriter.notifyMatchFailure(op, "sizes disagree with the rank");
    rewriter.replaceOp(
        op, reshapeToSizes(rewriter, loc, source, resultType, sizes));
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
