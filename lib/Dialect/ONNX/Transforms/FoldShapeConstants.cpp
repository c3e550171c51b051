//===- FoldShapeConstants.cpp - Evaluate onnx ops on shape constants ------===//
//
// Patterns that replace an onnx op by an onnx.Constant when its operands are
// small integer constants (or, for Shape and Gather of Shape, when the dims
// it reads are static).
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <functional>

#include <limits>

using namespace mlir;
using namespace lowrank;

using ElementFn = std::function<std::optional<int64_t>(ArrayRef<int64_t>)>;

int64_t lowrank::getProduct(ArrayRef<int64_t> sizes) {
  int64_t product = 1;
  for (int64_t size : sizes)
    product *= size;
  return product;
}

/// Replaces the single result of `op` by `replacement`, which may be more
/// static; non-onnx users read it through a tensor.cast to the old type.
static void replaceWithMoreStatic(PatternRewriter &rewriter, Operation *op,
                                  Value replacement) {
  Value result = op->getResult(0);
  if (result.getType() != replacement.getType()) {
    Value cast;
    for (OpOperand &use : llvm::make_early_inc_range(result.getUses())) {
      if (isa<onnx::ONNXDialect>(use.getOwner()->getDialect()) ||
          isa<tensor::CastOp>(use.getOwner()))
        continue;
      if (!cast)
        cast = tensor::CastOp::create(rewriter, op->getLoc(), result.getType(),
                                      replacement);
      rewriter.modifyOpInPlace(use.getOwner(), [&] { use.set(cast); });
    }
  }
  rewriter.replaceOp(op, replacement);
}

LogicalResult lowrank::replaceWithIntConstant(PatternRewriter &rewriter,
                                              Operation *op,
                                              ArrayRef<int64_t> shape,
                                              ArrayRef<int64_t> values) {
  auto resultType = cast<TensorType>(op->getResult(0).getType());
  if (!resultType.getElementType().isInteger())
    return rewriter.notifyMatchFailure(op, "result is not an integer tensor");
  auto type = RankedTensorType::get(shape, resultType.getElementType());
  if (type != resultType && !isMoreStatic(type, resultType))
    return rewriter.notifyMatchFailure(op, "evaluated shape contradicts type");
  Value constant = createIntConstant(rewriter, op->getLoc(), type, values);
  replaceWithMoreStatic(rewriter, op, constant);
  return success();
}

/// Applies `fn` elementwise under ONNX multidirectional broadcasting.
static std::optional<IntTensor>
evaluateElementwise(ArrayRef<IntTensor> operands, const ElementFn &fn) {
  size_t rank = 0;
  for (const IntTensor &operand : operands)
    rank = std::max(rank, operand.shape.size());
  SmallVector<int64_t> shape(rank, 1);
  for (const IntTensor &operand : operands) {
    size_t offset = rank - operand.shape.size();
    for (auto [i, size] : llvm::enumerate(operand.shape)) {
      int64_t &target = shape[offset + i];
      if (size != target && size != 1 && target != 1)
        return std::nullopt;
      if (target == 1)
        target = size;
    }
  }
  IntTensor result{shape, {}};
  int64_t count = getProduct(shape);
  SmallVector<int64_t> index(rank, 0);
  SmallVector<int64_t> args(operands.size());
  for (int64_t linear = 0; linear < count; ++linear) {
    int64_t remainder = linear;
    for (int64_t d = rank - 1; d >= 0; --d) {
      index[d] = remainder % shape[d];
      remainder /= shape[d];
    }
    for (auto [k, operand] : llvm::enumerate(operands)) {
      size_t offset = rank - operand.shape.size();
      int64_t position = 0;
      for (auto [i, size] : llvm::enumerate(operand.shape))
        position = position * size + (size == 1 ? 0 : index[offset + i]);
      args[k] = operand.values[position];
    }
    std::optional<int64_t> value = fn(args);
    if (!value)
      return std::nullopt;
    result.values.push_back(*value);
  }
  return result;
}

std::optional<int64_t> lowrank::getAxisIndex(uint64_t axis, int64_t rank) {
  int64_t index = static_cast<int64_t>(axis);
  if (index < 0)
    index += rank;
  if (index < 0 || index >= rank)
    return std::nullopt;
  return index;
}

namespace {

/// Any elementwise op (with broadcasting) whose operands are all constant.
struct ElementwiseFold : RewritePattern {
  ElementwiseFold(StringRef opName, MLIRContext *context, int64_t maxElements,
                  ElementFn fn,
                  std::function<bool(Operation *)> applies = nullptr)
      : RewritePattern(opName, /*benefit=*/1, context),
        maxElements(maxElements), fn(std::move(fn)),
        applies(std::move(applies)) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (applies && !applies(op))
      return rewriter.notifyMatchFailure(op, "attributes not folded");
    SmallVector<IntTensor> operands;
    for (Value operand : op->getOperands()) {
      std::optional<IntTensor> value = getIntTensor(operand, maxElements);
      if (!value)
        return rewriter.notifyMatchFailure(op, "an operand is not constant");
      operands.push_back(std::move(*value));
    }
    std::optional<IntTensor> result = evaluateElementwise(operands, fn);
    if (!result || static_cast<int64_t>(result->values.size()) > maxElements)
      return rewriter.notifyMatchFailure(op, "cannot evaluate on constants");
    return replaceWithIntConstant(rewriter, op, result->shape, result->values);
  }

  int64_t maxElements;
  ElementFn fn;
  /// Whether the op's attributes give it the semantics `fn` computes.
  std::function<bool(Operation *)> applies;
};

/// Ops that only regroup their data keep its values under the result shape.
template <typename OpTy> struct RegroupFold : ConstantOperandPattern<OpTy> {
  using ConstantOperandPattern<OpTy>::ConstantOperandPattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> data =
        getIntTensor(op->getOperand(0), this->maxElements);
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!data || !resultType || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(
          op, "data is not constant or the result shape is not static");
    return replaceWithIntConstant(rewriter, op, resultType.getShape(),
                                  data->values);
  }
};

struct ConcatFold : ConstantOperandPattern<onnx::ConcatOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::ConcatOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<IntTensor> inputs;
    for (Value input : op.getInputs()) {
      std::optional<IntTensor> value = getIntTensor(input, maxElements);
      if (!value)
        return rewriter.notifyMatchFailure(op, "an input is not constant");
      inputs.push_back(std::move(*value));
    }
    std::optional<int64_t> axisIndex =
        getAxisIndex(op.getAxis(), inputs.front().shape.size());
    if (!axisIndex)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    int64_t axis = *axisIndex;
    SmallVector<int64_t> shape = inputs.front().shape;
    shape[axis] = 0;
    for (const IntTensor &input : inputs)
      shape[axis] += input.shape[axis];
    int64_t outer = getProduct(ArrayRef(shape).take_front(axis));
    SmallVector<int64_t> values;
    for (int64_t o = 0; o < outer; ++o)
      for (const IntTensor &input : inputs) {
        int64_t chunk = getProduct(ArrayRef(input.shape).drop_front(axis));
        llvm::append_range(values,
                           ArrayRef(input.values).slice(o * chunk, chunk));
      }
    return replaceWithIntConstant(rewriter, op, shape, values);
  }
};

/// Range over integer constants (position ids, attention mask positions).
struct RangeFold : ConstantOperandPattern<onnx::RangeOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::RangeOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<int64_t> scalars;
    for (Value v : {op.getStart(), op.getLimit(), op.getDelta()}) {
      std::optional<IntTensor> value = getIntTensor(v, 1);
      if (!value || value->values.size() != 1)
        return rewriter.notifyMatchFailure(op, "inputs are not constant");
      scalars.push_back(value->values[0]);
    }
    int64_t start = scalars[0], limit = scalars[1], delta = scalars[2];
    if (delta == 0)
      return rewriter.notifyMatchFailure(op, "delta is zero");
    // Counted in 128 bits: limit - start may overflow int64.
    __int128 span = static_cast<__int128>(limit) - start;
    __int128 count = span / delta;
    if (count * delta != span && ((span < 0) == (delta < 0)))
      ++count;
    if (count < 0)
      count = 0;
    if (count > maxElements)
      return rewriter.notifyMatchFailure(op, "result too large to fold");
    SmallVector<int64_t> values;
    for (int64_t i = 0; i < static_cast<int64_t>(count); ++i)
      values.push_back(static_cast<int64_t>(start + static_cast<__int128>(i) *
                                                        delta));
    return replaceWithIntConstant(rewriter, op, {static_cast<int64_t>(count)},
                                  values);
  }
};

/// Size of a statically shaped tensor.
struct SizeFold : OpRewritePattern<onnx::SizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::SizeOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    if (!type || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "input shape is not static");
    return replaceWithIntConstant(rewriter, op, {}, {type.getNumElements()});
  }
};

struct GatherFold : ConstantOperandPattern<onnx::GatherOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::GatherOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> data = getIntTensor(op.getData(), maxElements);
    std::optional<IntTensor> indices =
        getIntTensor(op.getIndices(), maxElements);
    if (!data || !indices)
      return rewriter.notifyMatchFailure(op, "data or indices not constant");
    std::optional<int64_t> axisIndex =
        getAxisIndex(op.getAxis(), data->shape.size());
    if (!axisIndex)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    int64_t axis = *axisIndex;
    int64_t axisSize = data->shape[axis];
    int64_t outer = getProduct(ArrayRef(data->shape).take_front(axis));
    int64_t inner = getProduct(ArrayRef(data->shape).drop_front(axis + 1));
    SmallVector<int64_t> shape(data->shape.begin(), data->shape.begin() + axis);
    llvm::append_range(shape, indices->shape);
    shape.append(data->shape.begin() + axis + 1, data->shape.end());
    SmallVector<int64_t> values;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t index : indices->values) {
        if (index < 0)
          index += axisSize;
        if (index < 0 || index >= axisSize)
          return rewriter.notifyMatchFailure(op, "index out of range");
        llvm::append_range(values,
                           ArrayRef(data->values)
                               .slice((o * axisSize + index) * inner, inner));
      }
    return replaceWithIntConstant(rewriter, op, shape, values);
  }
};

/// Shape of a value whose selected dims are static, also when the result
/// type is not (the Shape folder needs a static result type).
struct ShapeOfPartlyStaticFold : OpRewritePattern<onnx::ShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ShapeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> dims = op.getStaticSelectedDims();
    if (!dims)
      return rewriter.notifyMatchFailure(op, "a selected dim is dynamic");
    return replaceWithIntConstant(rewriter, op,
                                  {static_cast<int64_t>(dims->size())}, *dims);
  }
};

/// Gather of single dims out of Shape: only the gathered dims need be static.
struct GatherOfShapeFold : ConstantOperandPattern<onnx::GatherOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::GatherOp op,
                                PatternRewriter &rewriter) const override {
    auto shape = op.getData().getDefiningOp<onnx::ShapeOp>();
    std::optional<IntTensor> indices =
        getIntTensor(op.getIndices(), maxElements);
    if (!shape || !indices)
      return rewriter.notifyMatchFailure(op, "not a constant gather of Shape");
    auto inputType = dyn_cast<RankedTensorType>(shape.getData().getType());
    if (!inputType)
      return rewriter.notifyMatchFailure(op, "shape of an unranked value");
    auto [start, end] = shape.getDimRange(inputType.getRank());
    SmallVector<int64_t> values;
    for (int64_t index : indices->values) {
      if (index < 0)
        index += end - start;
      if (index < 0 || index >= end - start)
        return rewriter.notifyMatchFailure(op, "index out of range");
      if (inputType.isDynamicDim(start + index))
        return rewriter.notifyMatchFailure(op, "a gathered dim is dynamic");
      values.push_back(inputType.getDimSize(start + index));
    }
    return replaceWithIntConstant(rewriter, op, indices->shape, values);
  }
};

/// A small ConstantOfShape becomes a splat constant of any element type.
struct ConstantOfShapeFold : ConstantOperandPattern<onnx::ConstantOfShapeOp> {
  using ConstantOperandPattern::ConstantOperandPattern;

  LogicalResult matchAndRewrite(onnx::ConstantOfShapeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> shape =
        getConstantShape(op.getInput(), maxElements);
    if (!shape)
      return rewriter.notifyMatchFailure(op, "shape is not constant");
    if (getProduct(shape->values) > maxElements)
      return rewriter.notifyMatchFailure(op, "result too large to fold");
    auto resultType = cast<TensorType>(op.getType());
    auto type =
        RankedTensorType::get(shape->values, resultType.getElementType());
    Attribute element = rewriter.getZeroAttr(type.getElementType());
    // Without a `value` attribute the getter gives a null attribute.
    if (ElementsAttr value = op.getValueAttr()) {
      auto values = value.tryGetValues<Attribute>();
      if (!values)
        return rewriter.notifyMatchFailure(op, "value is not readable");
      element = *values->begin();
    }
    if (type != resultType && !isMoreStatic(type, resultType))
      return rewriter.notifyMatchFailure(op, "shape contradicts result type");
    auto attr = DenseElementsAttr::get(type, element);
    replaceWithMoreStatic(
        rewriter, op,
        onnx::ConstantOp::create(rewriter, op.getLoc(), type, attr));
    return success();
  }
};

} // namespace

void lowrank::populateFoldShapeConstantsPatterns(RewritePatternSet &patterns,
                                                 int64_t maxElements) {
  MLIRContext *context = patterns.getContext();
  auto add = [&](StringRef name, ElementFn fn) {
    patterns.add<ElementwiseFold>(name, context, maxElements, std::move(fn));
  };
  auto binary = [&](StringRef name,
                    std::function<std::optional<int64_t>(int64_t, int64_t)> f) {
    add(name, [f](ArrayRef<int64_t> v) { return f(v[0], v[1]); });
  };
  // Integer arithmetic wraps in two's complement, as the compiled code's
  // does (signed overflow in C++ is undefined). Division by zero and
  // INT64_MIN / -1 trap on the host: they are left to run time.
  auto wrap = [](uint64_t v) { return static_cast<int64_t>(v); };
  binary("onnx.Add", [wrap](int64_t a, int64_t b) {
    return wrap(uint64_t(a) + uint64_t(b));
  });
  binary("onnx.Sub", [wrap](int64_t a, int64_t b) {
    return wrap(uint64_t(a) - uint64_t(b));
  });
  binary("onnx.Mul", [wrap](int64_t a, int64_t b) {
    return wrap(uint64_t(a) * uint64_t(b));
  });
  binary("onnx.Div", [](int64_t a, int64_t b) -> std::optional<int64_t> {
    if (b == 0 || (b == -1 && a == std::numeric_limits<int64_t>::min()))
      return std::nullopt;
    return a / b;
  });
  // Integer Mod (fmod = 0): the remainder takes the divisor's sign.
  patterns.add<ElementwiseFold>(
      "onnx.Mod", context, maxElements,
      [](ArrayRef<int64_t> v) -> std::optional<int64_t> {
        int64_t a = v[0], b = v[1];
        if (b == 0 || (b == -1 && a == std::numeric_limits<int64_t>::min()))
          return std::nullopt;
        int64_t r = a % b;
        if (r != 0 && ((r < 0) != (b < 0)))
          r += b;
        return r;
      },
      [](Operation *op) { return cast<onnx::ModOp>(op).getFmod() == 0; });
  binary("onnx.Equal", [](int64_t a, int64_t b) { return a == b; });
  binary("onnx.Less", [](int64_t a, int64_t b) { return a < b; });
  binary("onnx.LessOrEqual", [](int64_t a, int64_t b) { return a <= b; });
  binary("onnx.Greater", [](int64_t a, int64_t b) { return a > b; });
  binary("onnx.GreaterOrEqual", [](int64_t a, int64_t b) { return a >= b; });
  binary("onnx.And", [](int64_t a, int64_t b) { return a && b; });
  binary("onnx.Or", [](int64_t a, int64_t b) { return a || b; });
  binary("onnx.Xor", [](int64_t a, int64_t b) { return (a != 0) != (b != 0); });
  add("onnx.Not", [](ArrayRef<int64_t> v) { return int64_t(v[0] == 0); });
  add("onnx.Neg",
      [wrap](ArrayRef<int64_t> v) { return wrap(-uint64_t(v[0])); });
  add("onnx.Abs", [wrap](ArrayRef<int64_t> v) {
    return v[0] < 0 ? wrap(-uint64_t(v[0])) : v[0];
  });
  // Truncation to the target width happens when the constant is built.
  add("onnx.Cast", [](ArrayRef<int64_t> v) { return v[0]; });
  add("onnx.Where", [](ArrayRef<int64_t> v) { return v[0] ? v[1] : v[2]; });
  add("onnx.Min", [](ArrayRef<int64_t> v) { return *llvm::min_element(v); });
  add("onnx.Max", [](ArrayRef<int64_t> v) { return *llvm::max_element(v); });
  add("onnx.Sum", [wrap](ArrayRef<int64_t> v) {
    uint64_t sum = 0;
    for (int64_t x : v)
      sum += uint64_t(x);
    return wrap(sum);
  });
  patterns.add<RegroupFold<onnx::ReshapeOp>, RegroupFold<onnx::SqueezeOp>,
               RegroupFold<onnx::UnsqueezeOp>, RegroupFold<onnx::FlattenOp>,
               RegroupFold<onnx::IdentityOp>, ConcatFold, GatherFold,
               GatherOfShapeFold, ConstantOfShapeFold, RangeFold>(context,
                                                                  maxElements);
  patterns.add<ShapeOfPartlyStaticFold, SizeFold>(context);
  populateFoldRearrangedConstantsPatterns(patterns, maxElements);
}
