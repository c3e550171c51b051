//===- RefineReductionTypes.cpp - Result types of reductions and Pad -----===//
//
// Reductions and Pad whose axes or pads an exporter computes (a Range over
// the rank, a Concat of shape values) have result types shape inference
// could not know; once those operands are constant the result shape
// follows. Axes known only at run time still give the rank where their
// count is static. Types also flow backwards through ops whose operand has
// the result's shape (elementwise unary ops, Cast, CastLike), so that a
// graph output's declared shape reaches the reduction that computes it.
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/OpDefinition.h"

using namespace mlir;
using namespace lowrank;

static constexpr int64_t kDynamic = ShapedType::kDynamic;

/// The result shape of a reduction of `input` over `axes` (none: every
/// axis, or none with `noop`); nullopt for an axis out of range.
static std::optional<SmallVector<int64_t>>
getReducedShape(ArrayRef<int64_t> input, ArrayRef<int64_t> axes, bool keepDims,
                bool noop) {
  int64_t rank = input.size();
  SmallVector<bool> reduced(rank, axes.empty() && !noop);
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank)
      return std::nullopt;
    reduced[axis < 0 ? axis + rank : axis] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[d])
      shape.push_back(input[d]);
    else if (keepDims)
      shape.push_back(1);
  }
  return shape;
}

/// The result shape when only the number of axes, `count`, is known (or
/// not, when dynamic): each kept size is its input size or 1.
static std::optional<SmallVector<int64_t>>
getRuntimeReducedShape(ArrayRef<int64_t> input, int64_t count, bool keepDims,
                       bool noop) {
  int64_t rank = input.size();
  if (keepDims) {
    SmallVector<int64_t> shape;
    for (int64_t size : input)
      shape.push_back(size == 1 ? 1 : kDynamic);
    return shape;
  }
  if (ShapedType::isDynamic(count) || (count == 0 && noop) || count > rank)
    return std::nullopt;
  if (count == 0)
    return SmallVector<int64_t>{};
  return SmallVector<int64_t>(rank - count, kDynamic);
}

/// The more static of two shapes of one rank.
static SmallVector<int64_t> mergeShapes(ArrayRef<int64_t> a,
                                        ArrayRef<int64_t> b) {
  SmallVector<int64_t> merged(a);
  for (auto [dim, other] : llvm::zip_equal(merged, b))
    if (ShapedType::isDynamic(dim))
      dim = other;
  return merged;
}

/// Refines `result` to `shape`, kept as static as its current type where
/// that has the same rank.
static LogicalResult refineTo(PatternRewriter &rewriter, OpResult result,
                              ArrayRef<int64_t> shape) {
  auto current = cast<TensorType>(result.getType());
  SmallVector<int64_t> refined(shape);
  if (auto ranked = dyn_cast<RankedTensorType>(current)) {
    if (ranked.getRank() != static_cast<int64_t>(shape.size()))
      return failure();
    refined = mergeShapes(ranked.getShape(), shape);
  }
  return refineResultType(
      rewriter, result,
      RankedTensorType::get(refined, current.getElementType()));
}

namespace {

/// Reductions whose axes are an operand (ReduceSum, or the others' axes read
/// at run time) or an attribute.
template <typename OpTy> struct ReductionRefine : ConstantOperandPattern<OpTy> {
  using ConstantOperandPattern<OpTy>::ConstantOperandPattern;

  static Value getAxesOperand(OpTy op) {
    if constexpr (std::is_same_v<OpTy, onnx::ReduceSumOp>)
      return isa<NoneType>(op.getAxes().getType()) ? Value() : op.getAxes();
    else
      return op.getDynamicAxes();
  }

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(op.getData().getType());
    if (!inputType)
      return rewriter.notifyMatchFailure(op, "unranked input");
    bool keepDims = op.getKeepdims() != 0;
    bool noop = op.getNoopWithEmptyAxes() != 0;
    SmallVector<int64_t> axes;
    std::optional<SmallVector<int64_t>> shape;
    Value axesOperand = getAxesOperand(op);
    if constexpr (!std::is_same_v<OpTy, onnx::ReduceSumOp>) {
      if (!axesOperand) {
        axes.assign(op.getAxes().value_or(ArrayRef<int64_t>{}).begin(),
                    op.getAxes().value_or(ArrayRef<int64_t>{}).end());
        noop = false;
      }
    }
    if (axesOperand) {
      if (std::optional<IntTensor> constant =
              getIntTensor(axesOperand, this->maxElements)) {
        axes = constant->values;
      } else {
        auto axesType = dyn_cast<RankedTensorType>(axesOperand.getType());
        if (!axesType || axesType.getRank() != 1)
          return rewriter.notifyMatchFailure(op, "axes of unknown count");
        shape = getRuntimeReducedShape(inputType.getShape(),
                                       axesType.getDimSize(0), keepDims, noop);
        if (!shape)
          return rewriter.notifyMatchFailure(op, "rank not known");
        return refineTo(rewriter, op->getResult(0), *shape);
      }
    }
    shape = getReducedShape(inputType.getShape(), axes, keepDims, noop);
    if (!shape)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    return refineTo(rewriter, op->getResult(0), *shape);
  }
};

/// Pad with constant pads (and axes): each size grows by its pads.
struct PadRefine : ConstantOperandPattern<onnx::PadOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::PadOp op,
                                PatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(op.getData().getType());
    std::optional<IntTensor> pads = getIntTensor(op.getPads(), maxElements);
    if (!inputType || !pads)
      return rewriter.notifyMatchFailure(op, "pads not constant or unranked");
    int64_t rank = inputType.getRank();
    SmallVector<int64_t> axes;
    if (op.getAxes()) {
      std::optional<IntTensor> constantAxes =
          getIntTensor(op.getAxes(), maxElements);
      if (!constantAxes)
        return rewriter.notifyMatchFailure(op, "axes not constant");
      axes = constantAxes->values;
    } else {
      for (int64_t d = 0; d < rank; ++d)
        axes.push_back(d);
    }
    int64_t count = axes.size();
    if (static_cast<int64_t>(pads->values.size()) != 2 * count)
      return rewriter.notifyMatchFailure(op, "pads of another count");
    SmallVector<int64_t> shape(inputType.getShape());
    for (auto [i, axis] : llvm::enumerate(axes)) {
      if (axis < -rank || axis >= rank)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      int64_t &size = shape[axis < 0 ? axis + rank : axis];
      if (!ShapedType::isDynamic(size))
        size += pads->values[i] + pads->values[i + count];
      if (!ShapedType::isDynamic(size) && size < 0)
        return rewriter.notifyMatchFailure(op, "negative size");
    }
    return refineTo(rewriter, op->getResult(0), shape);
  }
};

/// Backwards: the operand of an op that keeps its shape (elementwise unary
/// ops, Cast, CastLike's input) takes a more static result shape.
struct SameShapeOperandRefine : RewritePattern {
  SameShapeOperandRefine(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<onnx::ONNXDialect>(op->getDialect()) || op->getNumResults() != 1 ||
        op->getNumOperands() == 0)
      return failure();
    if (!op->hasTrait<OpTrait::SameOperandsAndResultShape>() &&
        !isa<onnx::CastLikeOp>(op))
      return failure();
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    auto producer = dyn_cast<OpResult>(op->getOperand(0));
    if (!resultType || !producer ||
        !isa<onnx::ONNXDialect>(producer.getOwner()->getDialect()) ||
        producer.getOwner()->getNumResults() != 1)
      return failure();
    return refineTo(rewriter, producer, resultType.getShape());
  }
};

} // namespace

void lowrank::populateRefineReductionTypesPatterns(RewritePatternSet &patterns,
                                                   int64_t maxElements) {
  MLIRContext *context = patterns.getContext();
  patterns.add<
      ReductionRefine<onnx::ReduceSumOp>, ReductionRefine<onnx::ReduceMeanOp>,
      ReductionRefine<onnx::ReduceMaxOp>, ReductionRefine<onnx::ReduceMinOp>,
      ReductionRefine<onnx::ReduceProdOp>, ReductionRefine<onnx::ReduceL1Op>,
      ReductionRefine<onnx::ReduceL2Op>, ReductionRefine<onnx::ReduceLogSumOp>,
      ReductionRefine<onnx::ReduceLogSumExpOp>,
      ReductionRefine<onnx::ReduceSumSquareOp>, PadRefine>(context,
                                                           maxElements);
  patterns.add<SameShapeOperandRefine>(context);
}
