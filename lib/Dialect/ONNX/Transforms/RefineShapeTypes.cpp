//===- RefineShapeTypes.cpp - Static result types from constant shapes ----===//
//
// Once a shape operand is constant, the result type of Reshape, Expand,
// ConstantOfShape and Tile follows from it, that of Slice from constant
// bounds, and that of Squeeze and Unsqueeze from constant axes; the refined
// type then flows through elementwise users and the ops that move dims
// (Transpose, Concat, Gather), whose result shape follows from their
// operands. Shape's length follows from its input's rank.
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

LogicalResult lowrank::refineToShape(PatternRewriter &rewriter, Operation *op,
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

std::optional<SmallVector<int64_t>>
lowrank::broadcastShapes(ArrayRef<SmallVector<int64_t>> shapes) {
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

std::optional<SmallVector<int64_t>>
lowrank::getReshapeResultShape(onnx::ReshapeOp op, int64_t maxElements) {
  std::optional<IntTensor> target = getIntTensor(op.getShape(), maxElements);
  auto inputType = dyn_cast<RankedTensorType>(op.getData().getType());
  if (!target || !inputType)
    return std::nullopt;
  SmallVector<int64_t> shape;
  int64_t inferred = -1;
  for (auto [i, size] : llvm::enumerate(target->values)) {
    if (size == 0 && !op.getAllowzero()) {
      // 0 copies the input's size there.
      if (static_cast<int64_t>(i) >= inputType.getRank())
        return std::nullopt;
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
  return shape;
}

/// The entries of a shape operand of static length whose values are only
/// partly known: those of constant pieces of a Concat (through Casts), and
/// nullopt for the others.
static std::optional<SmallVector<std::optional<int64_t>>>
getPartialShapeEntries(Value shape) {
  auto isStaticVector = [](Value value) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    return type && type.getRank() == 1 && !type.isDynamicDim(0);
  };
  if (!isStaticVector(shape))
    return std::nullopt;
  SmallVector<Value> pieces = {shape};
  if (auto concat = shape.getDefiningOp<onnx::ConcatOp>())
    pieces.assign(concat->operand_begin(), concat->operand_end());
  SmallVector<std::optional<int64_t>> entries;
  for (Value piece : pieces) {
    if (!isStaticVector(piece))
      return std::nullopt;
    int64_t length = cast<RankedTensorType>(piece.getType()).getDimSize(0);
    Value source = piece;
    while (auto cast = source.getDefiningOp<onnx::CastOp>())
      source = cast.getInput();
    std::optional<IntTensor> values = getIntTensor(source, length);
    for (int64_t k = 0; k < length; ++k)
      entries.push_back(values && int64_t(values->values.size()) == length
                            ? std::optional<int64_t>(values->values[k])
                            : std::nullopt);
  }
  if (int64_t(entries.size()) !=
      cast<RankedTensorType>(shape.getType()).getDimSize(0))
    return std::nullopt;
  return entries;
}

/// The result shape of a Reshape whose target has a static length but
/// values known only in part (a batch read from Shape beside constant
/// sizes): its rank, the constant sizes, 0 copying a ranked input's size,
/// and the others dynamic.
static std::optional<SmallVector<int64_t>>
getPartialReshapeResultShape(onnx::ReshapeOp op) {
  std::optional<SmallVector<std::optional<int64_t>>> entries =
      getPartialShapeEntries(op.getShape());
  if (!entries)
    return std::nullopt;
  auto inputType = dyn_cast<RankedTensorType>(op.getData().getType());
  SmallVector<int64_t> shape;
  for (auto [i, entry] : llvm::enumerate(*entries)) {
    if (entry && *entry > 0)
      shape.push_back(*entry);
    else if (entry && *entry == 0 && !op.getAllowzero() && inputType &&
             static_cast<int64_t>(i) < inputType.getRank())
      shape.push_back(inputType.getDimSize(i));
    else
      shape.push_back(kDynamic);
  }
  return shape;
}

std::optional<SmallVector<int64_t>> lowrank::getRankedShape(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return std::nullopt;
  return SmallVector<int64_t>(type.getShape());
}

namespace {

struct ReshapeRefine : ConstantOperandPattern<onnx::ReshapeOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> shape =
        getReshapeResultShape(op, maxElements);
    if (!shape)
      shape = getPartialReshapeResultShape(op);
    if (!shape)
      return rewriter.notifyMatchFailure(op, "shape of unknown length");
    return refineToShape(rewriter, op, *shape);
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
    if (!sameShape && !op->hasTrait<onnx::BroadcastableShape>())
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

/// `axis` in [-rank, rank) counted from the front; none outside.
static std::optional<int64_t> normalizeAxisIn(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

/// Unsqueeze with constant axes: size-1 dims inserted into the data shape.
struct UnsqueezeRefine : ConstantOperandPattern<onnx::UnsqueezeOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::UnsqueezeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> data = getRankedShape(op.getData());
    std::optional<IntTensor> axes = getIntTensor(op.getAxes(), maxElements);
    if (!data || !axes)
      return rewriter.notifyMatchFailure(op, "data unranked or axes unknown");
    int64_t rank = data->size() + axes->values.size();
    SmallVector<bool> inserted(rank, false);
    for (int64_t axis : axes->values) {
      std::optional<int64_t> index = normalizeAxisIn(axis, rank);
      if (!index || inserted[*index])
        return rewriter.notifyMatchFailure(op, "invalid axes");
      inserted[*index] = true;
    }
    SmallVector<int64_t> shape;
    auto next = data->begin();
    for (int64_t d = 0; d < rank; ++d)
      shape.push_back(inserted[d] ? 1 : *next++);
    return refineToShape(rewriter, op, shape);
  }
};

/// Squeeze with constant axes (or none: every static size-1 dim).
struct SqueezeRefine : ConstantOperandPattern<onnx::SqueezeOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::SqueezeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> data = getRankedShape(op.getData());
    if (!data)
      return rewriter.notifyMatchFailure(op, "data unranked");
    int64_t rank = data->size();
    SmallVector<bool> removed(rank, false);
    if (isa<NoneType>(op.getAxes().getType())) {
      if (llvm::any_of(*data, ShapedType::isDynamic))
        return rewriter.notifyMatchFailure(op, "dynamic dims without axes");
      for (int64_t d = 0; d < rank; ++d)
        removed[d] = (*data)[d] == 1;
    } else {
      std::optional<IntTensor> axes = getIntTensor(op.getAxes(), maxElements);
      if (!axes)
        return rewriter.notifyMatchFailure(op, "axes unknown");
      for (int64_t axis : axes->values) {
        std::optional<int64_t> index = normalizeAxisIn(axis, rank);
        if (!index)
          return rewriter.notifyMatchFailure(op, "invalid axes");
        removed[*index] = true;
      }
    }
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < rank; ++d)
      if (!removed[d])
        shape.push_back((*data)[d]);
    return refineToShape(rewriter, op, shape);
  }
};

/// Shape of a ranked value: its length is the number of selected dims,
/// whatever their sizes.
struct ShapeRefine : OpRewritePattern<onnx::ShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ShapeOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "data unranked");
    auto [start, end] = op.getDimRange(type.getRank());
    return refineToShape(rewriter, op, {std::max<int64_t>(end - start, 0)});
  }
};

struct TransposeRefine : OpRewritePattern<onnx::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> data = getRankedShape(op.getData());
    if (!data)
      return rewriter.notifyMatchFailure(op, "data unranked");
    int64_t rank = data->size();
    SmallVector<int64_t> perm;
    if (std::optional<ArrayRef<int64_t>> given = op.getPerm())
      perm.assign(given->begin(), given->end());
    else
      for (int64_t d = rank - 1; d >= 0; --d)
        perm.push_back(d);
    if (static_cast<int64_t>(perm.size()) != rank)
      return rewriter.notifyMatchFailure(op, "perm does not match rank");
    SmallVector<int64_t> shape;
    for (int64_t p : perm) {
      if (p < 0 || p >= rank)
        return rewriter.notifyMatchFailure(op, "invalid perm");
      shape.push_back((*data)[p]);
    }
    return refineToShape(rewriter, op, shape);
  }
};

struct ConcatRefine : OpRewritePattern<onnx::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ConcatOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<SmallVector<int64_t>> shapes;
    for (Value input : op.getInputs()) {
      std::optional<SmallVector<int64_t>> shape = getRankedShape(input);
      if (!shape || (!shapes.empty() && shape->size() != shapes[0].size()))
        return rewriter.notifyMatchFailure(op, "inputs unranked or mixed");
      shapes.push_back(std::move(*shape));
    }
    if (shapes.empty())
      return failure();
    int64_t rank = shapes[0].size();
    std::optional<int64_t> axis =
        normalizeAxisIn(static_cast<int64_t>(op.getAxis()), rank);
    if (!axis)
      return rewriter.notifyMatchFailure(op, "invalid axis");
    SmallVector<int64_t> shape(rank, kDynamic);
    int64_t total = 0;
    for (const SmallVector<int64_t> &input : shapes) {
      for (int64_t d = 0; d < rank; ++d)
        if (d != *axis && !ShapedType::isDynamic(input[d]))
          shape[d] = input[d];
      if (ShapedType::isDynamic(input[*axis]) || total == kDynamic)
        total = kDynamic;
      else
        total += input[*axis];
    }
    shape[*axis] = total;
    return refineToShape(rewriter, op, shape);
  }
};

/// Gather: data dims before the axis, the indices' dims, data dims after.
struct GatherRefine : OpRewritePattern<onnx::GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::GatherOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> data = getRankedShape(op.getData());
    std::optional<SmallVector<int64_t>> indices =
        getRankedShape(op.getIndices());
    if (!data || !indices)
      return rewriter.notifyMatchFailure(op, "operands unranked");
    std::optional<int64_t> axis =
        normalizeAxisIn(static_cast<int64_t>(op.getAxis()), data->size());
    if (!axis)
      return rewriter.notifyMatchFailure(op, "invalid axis");
    SmallVector<int64_t> shape(data->begin(), data->begin() + *axis);
    llvm::append_range(shape, *indices);
    shape.append(data->begin() + *axis + 1, data->end());
    return refineToShape(rewriter, op, shape);
  }
};

/// GatherND: the indices' dims but the last, then data's unindexed dims.
struct GatherNDRefine : OpRewritePattern<onnx::GatherNDOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::GatherNDOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> data = getRankedShape(op.getData());
    std::optional<SmallVector<int64_t>> indices =
        getRankedShape(op.getIndices());
    if (!data || !indices || indices->empty() ||
        ShapedType::isDynamic(indices->back()))
      return rewriter.notifyMatchFailure(op, "index tuple size unknown");
    int64_t batchDims = static_cast<int64_t>(op.getBatchDims());
    int64_t indexed = batchDims + indices->back();
    if (batchDims < 0 || indexed > static_cast<int64_t>(data->size()))
      return rewriter.notifyMatchFailure(op, "invalid index tuples");
    SmallVector<int64_t> shape(indices->begin(), indices->end() - 1);
    shape.append(data->begin() + indexed, data->end());
    return refineToShape(rewriter, op, shape);
  }
};

/// Split: the input's shape with each part's size along the axis, from a
/// constant `split` or the num_outputs rule.
struct SplitRefine : ConstantOperandPattern<onnx::SplitOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::SplitOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> input = getRankedShape(op.getInput());
    if (!input)
      return rewriter.notifyMatchFailure(op, "input unranked");
    std::optional<int64_t> axis =
        normalizeAxisIn(static_cast<int64_t>(op.getAxis()), input->size());
    if (!axis || ShapedType::isDynamic((*input)[*axis]))
      return rewriter.notifyMatchFailure(op, "invalid or dynamic axis");
    SmallVector<int64_t> parts;
    if (isa<NoneType>(op.getSplit().getType())) {
      parts = onnx::SplitOp::getUnsplitPartSizes((*input)[*axis],
                                                 op.getOutputs().size());
    } else if (std::optional<IntTensor> split =
                   getIntTensor(op.getSplit(), maxElements)) {
      parts = split->values;
    } else {
      return rewriter.notifyMatchFailure(op, "split sizes not constant");
    }
    int64_t left = (*input)[*axis];
    for (int64_t part : parts) {
      if (part < 0 || part > left)
        return rewriter.notifyMatchFailure(op, "parts exceed the axis");
      left -= part;
    }
    if (parts.size() != op.getOutputs().size() || left != 0)
      return rewriter.notifyMatchFailure(op, "parts do not cover the axis");
    bool refined = false;
    for (auto [result, part] : llvm::zip(op->getResults(), parts)) {
      SmallVector<int64_t> shape(*input);
      shape[*axis] = part;
      auto elementType = cast<TensorType>(result.getType()).getElementType();
      refined |= succeeded(refineResultType(
          rewriter, result, RankedTensorType::get(shape, elementType)));
    }
    return success(refined);
  }
};

/// Ops whose result has the shape of their first operand without the
/// SameOperandsAndResultShape trait (other operands are scalars, types or
/// parameters), or of their second (GatherElements: the indices).
template <typename OpTy, unsigned ShapeOperand = 0>
struct OperandShapeRefine : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> shape =
        getRankedShape(op->getOperand(ShapeOperand));
    if (!shape)
      return rewriter.notifyMatchFailure(op, "operand unranked");
    return refineToShape(rewriter, op, *shape);
  }
};

/// The other direction: a broadcasting op whose result dim is 1 needs 1 in
/// that dim of every operand (broadcasting gives 1 only from 1 and 1), so
/// a dynamic dim there in an operand computed by an onnx op is 1. Slices
/// with bounds computed at run time (a loop's iteration number) get their
/// static size this way. An op of the same shape in and out (Cast) gives
/// its operand every static size of its result: a window function whose
/// length is an input, cast to the declared output, becomes static so.
struct OperandFromResultRefine : RewritePattern {
  OperandFromResultRefine(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    bool sameShape = op->hasTrait<OpTrait::SameOperandsAndResultShape>();
    if (!isa<onnx::ONNXDialect>(op->getDialect()) || op->getNumResults() != 1 ||
        (!sameShape && !op->hasTrait<onnx::BroadcastableShape>()))
      return failure();
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType)
      return failure();
    for (Value operand : op->getOperands()) {
      auto result = dyn_cast<OpResult>(operand);
      if (!result || !isa<onnx::ONNXDialect>(result.getOwner()->getDialect()))
        continue;
      // An unranked operand of a same-shape op takes the result's type (a
      // Loop's output read by Softmax).
      auto unranked = dyn_cast<UnrankedTensorType>(operand.getType());
      if (sameShape && unranked &&
          unranked.getElementType() == resultType.getElementType() &&
          succeeded(refineResultType(rewriter, result, resultType)))
        return success();
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      if (!type || type.getRank() > resultType.getRank())
        continue;
      int64_t offset = resultType.getRank() - type.getRank();
      SmallVector<int64_t> shape(type.getShape());
      for (auto [i, dim] : llvm::enumerate(shape)) {
        int64_t resultDim = resultType.getDimSize(offset + i);
        if (ShapedType::isDynamic(dim) &&
            (resultDim == 1 ||
             (sameShape && !ShapedType::isDynamic(resultDim))))
          dim = resultDim;
      }
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
               SliceRefine, UnsqueezeRefine, SqueezeRefine, SplitRefine>(
      context, maxElements);
  patterns.add<
      ElementwiseRefine, OperandFromResultRefine, ShapeRefine, TransposeRefine,
      ConcatRefine, GatherRefine, GatherNDRefine,
      OperandShapeRefine<onnx::CastLikeOp>, OperandShapeRefine<onnx::TriluOp>,
      OperandShapeRefine<onnx::CumSumOp>, OperandShapeRefine<onnx::CumProdOp>,
      OperandShapeRefine<onnx::BatchNormalizationOp>,
      OperandShapeRefine<onnx::InstanceNormalizationOp>,
      OperandShapeRefine<onnx::LayerNormalizationOp>,
      OperandShapeRefine<onnx::LpNormalizationOp>,
      OperandShapeRefine<onnx::LRNOp>, OperandShapeRefine<onnx::ClipOp>,
      OperandShapeRefine<onnx::DropoutOp>,
      OperandShapeRefine<onnx::ReverseSequenceOp>,
      OperandShapeRefine<onnx::ScatterElementsOp>,
      OperandShapeRefine<onnx::ScatterNDOp>,
      OperandShapeRefine<onnx::ScatterOp>,
      OperandShapeRefine<onnx::GatherElementsOp, 1>>(context);
  populateRefineControlFlowTypesPatterns(patterns);
  populateRefineReductionTypesPatterns(patterns, maxElements);
  populateRefineWindowTypesPatterns(patterns);
  populateRefineRecurrentTypesPatterns(patterns);
  populateRefineProductTypesPatterns(patterns);
}
