//===- GroupedHeads.cpp - The lowrank-onnx-grouped-heads pass -------------===//
//
// Grouped-query attention shares each key/value head among R query heads.
// Exporters repeat the key/value heads R times (Unsqueeze, Expand, Reshape:
// transformers' repeat_kv) before the two batched products, a copy of the
// whole cache per layer and step. The R query heads of a group are instead
// R x S rows of one matrix, multiplied by their key/value head once:
//
//   MatMul(A [b, G*R, S, K], repeat(Y [b, G, K, N], R))
//     = Reshape(MatMul(Reshape(A, [b, G, R*S, K]), Y), [b, G*R, S, N])
//
// (and the same with the last two dims of Y transposed, for the keys).
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Dialect/ONNX/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKONNXGROUPEDHEADS
#include "lowrank/Dialect/ONNX/Transforms/Passes.h.inc"
} // namespace lowrank

using namespace mlir;
using namespace lowrank;

namespace {

/// The static shape of `value`, or nullopt.
std::optional<ArrayRef<int64_t>> getStaticShape(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  return type.getShape();
}

/// Looks through Reshapes that keep the last two dims and only regroup the
/// leading (batch) dims: each matrix keeps its place in row-major order.
Value skipBatchReshapes(Value value) {
  while (auto reshape = value.getDefiningOp<onnx::ReshapeOp>()) {
    std::optional<ArrayRef<int64_t>> from = getStaticShape(reshape.getData());
    std::optional<ArrayRef<int64_t>> to = getStaticShape(reshape.getResult());
    if (!from || !to || from->size() < 2 || to->size() < 2 ||
        from->take_back(2) != to->take_back(2))
      break;
    value = reshape.getData();
  }
  return value;
}

/// A value that repeats each head of `heads` ([b, G, T, D]) `repeats` times
/// along its head dim, with its last two dims swapped when `transposed`.
struct RepeatedHeads {
  Value heads;
  int64_t repeats;
  bool transposed;
};

/// Matches Expand(Unsqueeze(heads) : [b, G, 1, T, D]) : [b, G, R, T, D]
/// seen through Reshapes of the batch dims (which merge G and R into the
/// head dim, and b too when the exporter flattens it) and a Transpose of
/// the last two dims. The caller checks the shape it is read as.
std::optional<RepeatedHeads> matchRepeatedHeads(Value value) {
  RepeatedHeads match{Value(), 0, false};
  value = skipBatchReshapes(value);
  if (auto transpose = value.getDefiningOp<onnx::TransposeOp>()) {
    std::optional<ArrayRef<int64_t>> perm = transpose.getPerm();
    int64_t rank = cast<ShapedType>(transpose.getType()).getRank();
    if (!perm || rank < 2)
      return std::nullopt;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t expected = d < rank - 2 ? d : (d == rank - 2 ? rank - 1 : d - 1);
      if ((*perm)[d] != expected)
        return std::nullopt;
    }
    match.transposed = true;
    value = skipBatchReshapes(transpose.getData());
  }
  auto expand = value.getDefiningOp<onnx::ExpandOp>();
  if (!expand)
    return std::nullopt;
  std::optional<ArrayRef<int64_t>> expanded =
      getStaticShape(expand.getResult());
  std::optional<ArrayRef<int64_t>> single = getStaticShape(expand.getInput());
  if (!expanded || !single || expanded->size() != 5)
    return std::nullopt;
  int64_t b = (*expanded)[0], groups = (*expanded)[1], repeats = (*expanded)[2],
          t = (*expanded)[3], d = (*expanded)[4];
  SmallVector<int64_t> singleShape = {b, groups, 1, t, d};
  if (*single != ArrayRef<int64_t>(singleShape))
    return std::nullopt;
  // One unit dim inserted into [b, G, T, D] keeps every element in place,
  // whichever op inserts it.
  Operation *insert = expand.getInput().getDefiningOp();
  if (!isa_and_nonnull<onnx::UnsqueezeOp, onnx::ReshapeOp>(insert))
    return std::nullopt;
  match.heads = insert->getOperand(0);
  SmallVector<int64_t> headsShape = {b, groups, t, d};
  if (getStaticShape(match.heads) != ArrayRef<int64_t>(headsShape))
    return std::nullopt;
  match.repeats = repeats;
  return match;
}

Value createShape(OpBuilder &builder, Location loc, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get({static_cast<int64_t>(shape.size())},
                                    builder.getI64Type());
  return createIntConstant(builder, loc, type, shape);
}

Value createReshape(OpBuilder &builder, Location loc, Value value,
                    ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(
      shape, cast<ShapedType>(value.getType()).getElementType());
  return onnx::ReshapeOp::create(builder, loc, type, value,
                                 createShape(builder, loc, shape),
                                 builder.getI64IntegerAttr(0));
}

struct MultiplyGroupsOnce : OpRewritePattern<onnx::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::MatMulOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<ArrayRef<int64_t>> lhs = getStaticShape(op.getA());
    std::optional<ArrayRef<int64_t>> result = getStaticShape(op.getY());
    std::optional<ArrayRef<int64_t>> rhs = getStaticShape(op.getB());
    if (!lhs || !result || !rhs || lhs->size() != 4 || rhs->size() != 4 ||
        result->size() != 4)
      return rewriter.notifyMatchFailure(op, "not a 4-D static product");
    std::optional<RepeatedHeads> repeated = matchRepeatedHeads(op.getB());
    if (!repeated)
      return rewriter.notifyMatchFailure(op, "right operand not repeated");
    ArrayRef<int64_t> heads = *getStaticShape(repeated->heads);
    int64_t b = heads[0], groups = heads[1], r = repeated->repeats;
    int64_t s = (*lhs)[2], k = (*lhs)[3], n = (*result)[3];
    int64_t headK = repeated->transposed ? heads[3] : heads[2];
    int64_t headN = repeated->transposed ? heads[2] : heads[3];
    // Every batch dim as it is, no broadcasting: the batch reshapes kept
    // the repeated matrices in [b, G, R] order.
    SmallVector<int64_t> expectedLhs = {b, groups * r, s, k};
    SmallVector<int64_t> expectedRhs = {b, groups * r, k, n};
    SmallVector<int64_t> expectedResult = {b, groups * r, s, n};
    if (*lhs != ArrayRef<int64_t>(expectedLhs) ||
        *rhs != ArrayRef<int64_t>(expectedRhs) ||
        *result != ArrayRef<int64_t>(expectedResult) || headK != k ||
        headN != n)
      return rewriter.notifyMatchFailure(op, "heads do not line up");
    // The repetition pays to avoid where it is the largest tensor of the
    // product (the cache in a decoding step); elsewhere the reshapes may
    // cost views the kernels would otherwise take.
    if (ShapedType::getNumElements(*rhs) <=
        ShapedType::getNumElements(*lhs) + ShapedType::getNumElements(*result))
      return rewriter.notifyMatchFailure(op, "repetition not the largest");

    Location loc = op.getLoc();
    Value grouped =
        createReshape(rewriter, loc, op.getA(), {b, groups, r * s, k});
    Value right = repeated->heads;
    if (repeated->transposed) {
      auto type = RankedTensorType::get(
          {b, groups, k, n},
          cast<ShapedType>(right.getType()).getElementType());
      right = onnx::TransposeOp::create(
          rewriter, loc, type, right,
          rewriter.getDenseI64ArrayAttr({0, 1, 3, 2}));
    }
    auto productType = RankedTensorType::get(
        {b, groups, r * s, n}, cast<ShapedType>(op.getType()).getElementType());
    Value product =
        onnx::MatMulOp::create(rewriter, loc, productType, grouped, right);
    rewriter.replaceOp(op, createReshape(rewriter, loc, product, *result));
    return success();
  }
};

struct GroupedHeadsPass
    : lowrank::impl::LowrankONNXGroupedHeadsBase<GroupedHeadsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MultiplyGroupsOnce>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
