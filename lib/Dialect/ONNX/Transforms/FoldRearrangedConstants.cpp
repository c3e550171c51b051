//===- FoldRearrangedConstants.cpp - Slice, Transpose, Reduce of constants ===//
//
// Patterns evaluating the ops that rearrange or reduce a small integer
// constant of any rank: Slice (any axes and steps), Transpose, and ReduceSum,
// ReduceProd, ReduceMax and ReduceMin. Exporters build pads by reversing a
// table (torch.stft) and count a weight's trailing elements with ReduceProd
// of a constant shape (tf2onnx).
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include <limits>

using namespace mlir;
using namespace lowrank;

/// The row-major strides of `shape`.
static SmallVector<int64_t> getStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// The elements of `data` at the offsets `indexOf` gives (summed over the
/// dimensions) for each position of a result of `shape`, in row-major order.
static SmallVector<int64_t>
gatherPositions(const IntTensor &data, ArrayRef<int64_t> shape,
                function_ref<int64_t(int64_t dim, int64_t index)> indexOf) {
  SmallVector<int64_t> values;
  int64_t count = getProduct(shape);
  values.reserve(count);
  SmallVector<int64_t> position(shape.size(), 0);
  for (int64_t n = 0; n < count; ++n) {
    int64_t offset = 0;
    for (auto [dim, index] : llvm::enumerate(position))
      offset += indexOf(dim, index);
    values.push_back(data.values[offset]);
    for (int64_t dim = static_cast<int64_t>(shape.size()) - 1; dim >= 0;
         --dim) {
      if (++position[dim] < shape[dim])
        break;
      position[dim] = 0;
    }
  }
  return values;
}

namespace {

/// Slice of a constant of any rank, along any axes and steps (shape
/// tensors, and pads built by reversing a table, as `torch.stft` exports).
struct SliceFold : ConstantOperandPattern<onnx::SliceOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::SliceOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> data = getIntTensor(op.getData(), maxElements);
    std::optional<IntTensor> starts = getIntTensor(op.getStarts(), maxElements);
    std::optional<IntTensor> ends = getIntTensor(op.getEnds(), maxElements);
    if (!data || data->shape.empty() || !starts || !ends ||
        starts->values.size() != ends->values.size())
      return rewriter.notifyMatchFailure(op, "not a constant slice");
    int64_t rank = data->shape.size();
    size_t count = starts->values.size();
    SmallVector<int64_t> axes, steps(count, 1);
    if (isa<NoneType>(op.getAxes().getType())) {
      for (size_t i = 0; i < count; ++i)
        axes.push_back(i);
    } else {
      std::optional<IntTensor> given = getIntTensor(op.getAxes(), maxElements);
      if (!given || given->values.size() != count)
        return rewriter.notifyMatchFailure(op, "axes not a constant");
      axes = given->values;
    }
    if (!isa<NoneType>(op.getSteps().getType())) {
      std::optional<IntTensor> given = getIntTensor(op.getSteps(), maxElements);
      if (!given || given->values.size() != count)
        return rewriter.notifyMatchFailure(op, "steps not a constant");
      steps = given->values;
    }
    // Per dimension: the first index taken, the step and the count.
    SmallVector<int64_t> first(rank, 0), step(rank, 1),
        shape(data->shape.begin(), data->shape.end());
    SmallVector<bool> seen(rank, false);
    for (size_t i = 0; i < count; ++i) {
      std::optional<int64_t> axis = getAxisIndex(axes[i], rank);
      if (!axis || seen[*axis] || steps[i] == 0)
        return rewriter.notifyMatchFailure(op, "invalid axes or steps");
      seen[*axis] = true;
      // Computed in 128 bits: starts and ends may be near INT64_MIN/MAX.
      __int128 size = data->shape[*axis];
      __int128 begin = starts->values[i], end = ends->values[i];
      __int128 stride = steps[i];
      if (begin < 0)
        begin += size;
      if (end < 0)
        end += size;
      __int128 taken = 0;
      if (stride > 0) {
        begin = std::clamp<__int128>(begin, 0, size);
        end = std::clamp<__int128>(end, 0, size);
        if (end > begin)
          taken = (end - begin + stride - 1) / stride;
      } else {
        begin = std::clamp<__int128>(begin, 0, size - 1);
        end = std::clamp<__int128>(end, -1, size - 1);
        if (begin > end)
          taken = (begin - end - stride - 1) / -stride;
      }
      first[*axis] = static_cast<int64_t>(begin);
      step[*axis] = steps[i];
      shape[*axis] = static_cast<int64_t>(taken);
    }
    SmallVector<int64_t> strides = getStrides(data->shape);
    SmallVector<int64_t> values =
        gatherPositions(*data, shape, [&](int64_t dim, int64_t index) {
          return (first[dim] + index * step[dim]) * strides[dim];
        });
    return replaceWithIntConstant(rewriter, op, shape, values);
  }
};

/// Transpose of a constant.
struct TransposeFold : ConstantOperandPattern<onnx::TransposeOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> data = getIntTensor(op.getData(), maxElements);
    if (!data)
      return rewriter.notifyMatchFailure(op, "not a constant");
    int64_t rank = data->shape.size();
    SmallVector<int64_t> perm;
    if (std::optional<ArrayRef<int64_t>> given = op.getPerm())
      perm.assign(given->begin(), given->end());
    else
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    if (static_cast<int64_t>(perm.size()) != rank)
      return rewriter.notifyMatchFailure(op, "perm does not match the rank");
    SmallVector<int64_t> shape;
    for (int64_t p : perm) {
      if (p < 0 || p >= rank)
        return rewriter.notifyMatchFailure(op, "perm out of range");
      shape.push_back(data->shape[p]);
    }
    SmallVector<int64_t> strides = getStrides(data->shape);
    SmallVector<int64_t> values =
        gatherPositions(*data, shape, [&](int64_t dim, int64_t index) {
          return index * strides[perm[dim]];
        });
    return replaceWithIntConstant(rewriter, op, shape, values);
  }
};

/// ReduceSum, ReduceProd, ReduceMax and ReduceMin of a small integer
/// constant (a shape's element count, as tf2onnx computes it).
template <typename ReduceOp>
struct ReduceFold : ConstantOperandPattern<ReduceOp> {
  using ConstantOperandPattern<ReduceOp>::ConstantOperandPattern;
  using Combine = int64_t (*)(int64_t, int64_t);

  ReduceFold(MLIRContext *context, int64_t maxElements, int64_t identity,
             Combine combine)
      : ConstantOperandPattern<ReduceOp>(context, maxElements),
        identity(identity), combine(combine) {}

  /// The listed axes: the attribute, or ReduceSum's constant operand; none
  /// when they are not known.
  static std::optional<SmallVector<int64_t>> getAxes(ReduceOp op,
                                                     int64_t maxElements) {
    if constexpr (std::is_same_v<ReduceOp, onnx::ReduceSumOp>) {
      if (isa<NoneType>(op.getAxes().getType()))
        return SmallVector<int64_t>{};
      std::optional<IntTensor> axes = getIntTensor(op.getAxes(), maxElements);
      if (!axes)
        return std::nullopt;
      return axes->values;
    } else {
      if (op.getDynamicAxes())
        return std::nullopt;
      if (std::optional<ArrayRef<int64_t>> axes = op.getAxes())
        return SmallVector<int64_t>(axes->begin(), axes->end());
      return SmallVector<int64_t>{};
    }
  }

  LogicalResult matchAndRewrite(ReduceOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> data =
        getIntTensor(op.getData(), this->maxElements);
    std::optional<SmallVector<int64_t>> axes = getAxes(op, this->maxElements);
    if (!data || !axes)
      return rewriter.notifyMatchFailure(op, "not a constant reduction");
    // The values are read sign-extended: unsigned maxima would compare
    // wrongly.
    if (cast<TensorType>(op.getData().getType())
            .getElementType()
            .isUnsignedInteger())
      return rewriter.notifyMatchFailure(op, "unsigned elements");
    int64_t rank = data->shape.size();
    if (axes->empty() && op.getNoopWithEmptyAxes())
      return replaceWithIntConstant(rewriter, op, data->shape, data->values);
    SmallVector<bool> reduced(rank, axes->empty());
    for (int64_t axis : *axes) {
      std::optional<int64_t> index = getAxisIndex(axis, rank);
      if (!index)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      reduced[*index] = true;
    }
    SmallVector<int64_t> kept, shape;
    for (int64_t d = 0; d < rank; ++d) {
      kept.push_back(reduced[d] ? 1 : data->shape[d]);
      if (!reduced[d] || op.getKeepdims())
        shape.push_back(kept.back());
    }
    SmallVector<int64_t> values(getProduct(kept), identity);
    SmallVector<int64_t> strides = getStrides(kept);
    SmallVector<int64_t> position(rank, 0);
    for (int64_t value : data->values) {
      int64_t offset = 0;
      for (int64_t d = 0; d < rank; ++d)
        offset += reduced[d] ? 0 : position[d] * strides[d];
      values[offset] = combine(values[offset], value);
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++position[d] < data->shape[d])
          break;
        position[d] = 0;
      }
    }
    return replaceWithIntConstant(rewriter, op, shape, values);
  }

  int64_t identity;
  Combine combine;
};

} // namespace

void lowrank::populateFoldRearrangedConstantsPatterns(
    RewritePatternSet &patterns, int64_t maxElements) {
  MLIRContext *context = patterns.getContext();
  patterns.add<SliceFold, TransposeFold>(context, maxElements);
  // Sums and products wrap in two's complement, as the compiled code does.
  patterns.add<ReduceFold<onnx::ReduceSumOp>>(
      context, maxElements, 0, [](int64_t a, int64_t b) {
        return static_cast<int64_t>(uint64_t(a) + uint64_t(b));
      });
  patterns.add<ReduceFold<onnx::ReduceProdOp>>(
      context, maxElements, 1, [](int64_t a, int64_t b) {
        return static_cast<int64_t>(uint64_t(a) * uint64_t(b));
      });
  patterns.add<ReduceFold<onnx::ReduceMaxOp>>(
      context, maxElements, std::numeric_limits<int64_t>::min(),
      [](int64_t a, int64_t b) { return std::max(a, b); });
  patterns.add<ReduceFold<onnx::ReduceMinOp>>(
      context, maxElements, std::numeric_limits<int64_t>::max(),
      [](int64_t a, int64_t b) { return std::min(a, b); });
}
