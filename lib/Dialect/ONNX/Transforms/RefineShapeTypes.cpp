//===- RefineShapeTypes.cpp - Static result types from constant shapes ----===//
//
// Once a shape operand is constant, the result type of Reshape, Expand,
// ConstantOfShape and Tile follows from it, and that of Slice from constant
// bounds; the refined type then flows
// through elementwise users, whose result shape follows from their operands.
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Dialect/ONNX/IR/SliceBounds.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/OpDefinition.h"

using namespace mlir;
using namespace lowrank;

static constexpr int64_t kDynamic = ShapedType::kDynamic;

/// Replaces the result type by `shape` with the current element type.
static LogicalResult refineToShape(PatternRewriter &rewriter, Operation *op,
                                   ArrayRef<int64_t> shape) {
  auto current = cast<TensorType>(op->getResult(0).getType());
  return refineResultType(
      rewriter, op->getResult(0),
      RankedTensorType::get(shape, current.getElementType()));
}

/// The ONNX broadcast of two dims; nullopt when they conflict.
static std::optional<int64_t> broadcastDims(int64_t a, int64_t b) {
  if (a == 1)
    return b;
  if (b == 1 || a == b)
    return a;
  if (ShapedType::isDynamic(a))
    return b;
  if (ShapedType::isDynamic(b))
    return a;
  return std::nullopt;
}

/// The ONNX multidirectional broadcast of `shapes`.
static std::optional<SmallVector<int64_t>>
broadcastShapes(ArrayRef<SmallVector<int64_t>> shapes) {
  size_t rank = 0;
  for (const SmallVector<int64_t> &shape : shapes)
    rank = std::max(rank, shape.size());
  SmallVector<int64_t> result(rank, 1);
  for (const SmallVector<int64_t> &shape : shapes) {
    size_t offset = rank - shape.size();
    for (auto [i, size] : llvm::enumerate(shape)) {
      std::optional<int64_t> dim = broadcastDims(result[offset + i], size);
      if (!dim)
        return std::nullopt;
      result[offset + i] = *dim;
    }
  }
  return result;
}

namespace {

struct ReshapeRefine : ConstantOperandPattern<onnx::ReshapeOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> target = getIntTensor(op.getShape(), maxElements);
    auto inputType = dyn_cast<RankedTensorType>(op.getData().getType());
    if (!target || !inputType)
      return rewriter.notifyMatchFailure(op, "shape not constant or unranked");
    SmallVector<int64_t> shape;
    int64_t inferred = -1;
    for (auto [i, size] : llvm::enumerate(target->values)) {
      if (size == 0 && !op.getAllowzero()) {
        if (static_cast<int64_t>(i) >= inputType.getRank())
          return rewriter.notifyMatchFailure(op, "0 copies a missing dim");
        shape.push_back(inputType.getDimSize(i));
      } else if (size == -1) {
        inferred = i;
        shape.push_back(kDynamic);
      } else {
        shape.push_back(size);
      }
    }
    if (inferred >= 0 && inputType.hasStaticShape()) {
      int64_t known = 1;
      for (auto [i, size] : llvm::enumerate(shape))
        if (static_cast<int64_t>(i) != inferred)
          known = ShapedType::isDynamic(size) ? 0 : known * size;
      if (known > 0 && inputType.getNumElements() % known == 0)
        shape[inferred] = inputType.getNumElements() / known;
    }
    return refineToShape(rewriter, op, shape);
  }
};

struct ExpandRefine : ConstantOperandPattern<onnx::ExpandOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::ExpandOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> target = getIntTensor(op.getShape(), maxElements);
    auto inputType = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!target || !inputType)
      return rewriter.notifyMatchFailure(op, "shape not constant or unranked");
    std::optional<SmallVector<int64_t>> shape = broadcastShapes(
        {SmallVector<int64_t>(inputType.getShape()), target->values});
    if (!shape)
      return rewriter.notifyMatchFailure(op, "shapes do not broadcast");
    return refineToShape(rewriter, op, *shape);
  }
};

/// Large ConstantOfShape ops stay ops (the folder only takes small ones) but
/// still get their static type.
struct ConstantOfShapeRefine : ConstantOperandPattern<onnx::ConstantOfShapeOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::ConstantOfShapeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> shape =
        getConstantShape(op.getInput(), maxElements);
    if (!shape)
      return rewriter.notifyMatchFailure(op, "shape is not constant");
    return refineToShape(rewriter, op, shape->values);
  }
};

struct TileRefine : ConstantOperandPattern<onnx::TileOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::TileOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> repeats =
        getIntTensor(op.getRepeats(), maxElements);
    auto inputType = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!repeats || !inputType ||
        static_cast<int64_t>(repeats->values.size()) != inputType.getRank())
      return rewriter.notifyMatchFailure(op, "repeats not constant");
    SmallVector<int64_t> shape;
    for (auto [size, repeat] : llvm::zip(inputType.getShape(), repeats->values))
      shape.push_back(ShapedType::isDynamic(size) ? kDynamic : size * repeat);
    return refineToShape(rewriter, op, shape);
  }
};

/// Slice with constant starts, ends, axes and steps: the sliced static dims
/// follow from the ONNX clamping rules, the others stay as they are.
struct SliceRefine : ConstantOperandPattern<onnx::SliceOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::SliceOp op,
                                PatternRewriter &rewriter) const override {
    auto dataType = dyn_cast<RankedTensorType>(op.getData().getType());
    std::optional<IntTensor> starts = getIntTensor(op.getStarts(), maxElements);
    std::optional<IntTensor> ends = getIntTensor(op.getEnds(), maxElements);
    if (!dataType || !starts || !ends ||
        starts->values.size() != ends->values.size())
      return rewriter.notifyMatchFailure(op, "data unranked or bounds unknown");
    size_t count = starts->values.size();
    int64_t rank = dataType.getRank();
    SmallVector<int64_t> axes, steps(count, 1);
    if (isa<NoneType>(op.getAxes().getType())) {
      for (size_t i = 0; i < count; ++i)
        axes.push_back(i);
    } else if (std::optional<IntTensor> given =
                   getIntTensor(op.getAxes(), maxElements)) {
      axes = given->values;
    }
    if (!isa<NoneType>(op.getSteps().getType())) {
      std::optional<IntTensor> given = getIntTensor(op.getSteps(), maxElements);
      if (!given)
        return rewriter.notifyMatchFailure(op, "steps not constant");
      steps = given->values;
    }
    if (axes.size() != count || steps.size() != count ||
        llvm::is_contained(steps, 0))
      return rewriter.notifyMatchFailure(op,
                                         "axes or steps unknown or malformed");
    SmallVector<int64_t> shape(dataType.getShape());
    for (size_t i = 0; i < count; ++i) {
      int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (axis < 0 || axis >= rank)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      if (!dataType.isDynamicDim(axis))
        shape[axis] =
            onnx::clampSliceAxis(dataType.getDimSize(axis), starts->values[i],
                                 ends->values[i], steps[i])
                .size;
    }
    return refineToShape(rewriter, op, shape);
  }
};

/// Elementwise onnx ops: the result shape is the operand shape, or the
/// broadcast of the operand shapes.
struct ElementwiseRefine : RewritePattern {
  ElementwiseRefine(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<onnx::ONNXDialect>(op->getDialect()) || op->getNumResults() != 1)
      return failure();
    bool sameShape = op->hasTrait<OpTrait::SameOperandsAndResultShape>();
    if (!sameShape && !op->hasTrait<OpTrait::ResultsBroadcastableShape>())
      return rewriter.notifyMatchFailure(op, "not an elementwise op");
    SmallVector<SmallVector<int64_t>> shapes;
    for (Value operand : op->getOperands()) {
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      if (!type)
        return rewriter.notifyMatchFailure(op, "an operand is unranked");
      shapes.emplace_back(type.getShape());
    }
    if (shapes.empty())
      return failure();
    std::optional<SmallVector<int64_t>> shape =
        sameShape ? std::optional(shapes.front()) : broadcastShapes(shapes);
    if (!shape)
      return rewriter.notifyMatchFailure(op, "operand shapes conflict");
    return refineToShape(rewriter, op, *shape);
  }
};

/// The other direction: a broadcasting op whose result dim is 1 needs 1 in
/// that dim of every operand (broadcasting gives 1 only from 1 and 1), so
/// a dynamic dim there in an operand computed by an onnx op is 1. Slices
/// with bounds computed at run time (a loop's iteration number) get their
/// static size this way.
struct BroadcastOperandRefine : RewritePattern {
  BroadcastOperandRefine(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<onnx::ONNXDialect>(op->getDialect()) || op->getNumResults() != 1 ||
        !op->hasTrait<OpTrait::ResultsBroadcastableShape>())
      return failure();
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType)
      return failure();
    for (Value operand : op->getOperands()) {
      auto result = dyn_cast<OpResult>(operand);
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      if (!result || !type || type.getRank() > resultType.getRank() ||
          !isa<onnx::ONNXDialect>(result.getOwner()->getDialect()))
        continue;
      int64_t offset = resultType.getRank() - type.getRank();
      SmallVector<int64_t> shape(type.getShape());
      for (auto [i, dim] : llvm::enumerate(shape))
        if (ShapedType::isDynamic(dim) &&
            resultType.getDimSize(offset + i) == 1)
          dim = 1;
      if (shape != type.getShape())
        return refineResultType(
            rewriter, result,
            RankedTensorType::get(shape, type.getElementType()));
    }
    return rewriter.notifyMatchFailure(op, "no operand dim to refine");
  }
};

} // namespace

void lowrank::populateRefineShapeTypesPatterns(RewritePatternSet &patterns,
                                               int64_t maxElements) {
  MLIRContext *context = patterns.getContext();
  patterns.add<ReshapeRefine, ExpandRefine, ConstantOfShapeRefine, TileRefine,
               SliceRefine>(context, maxElements);
  patterns.add<ElementwiseRefine, BroadcastOperandRefine>(context);
}
