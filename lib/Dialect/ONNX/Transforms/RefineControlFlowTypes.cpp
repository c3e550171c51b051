//===- RefineControlFlowTypes.cpp - Static types through If and Scan ------===//
//
// An If whose condition is a constant is its taken branch. Otherwise its
// results take the types both branches agree on.
//
// A Scan body imported from a function expansion often declares no types:
// its arguments are unranked until the states and scan inputs outside get
// static shapes. Then each state argument takes its operand's type and each
// scan input argument the operand's type without the scan axis; the body
// refines from them, and the Scan's results take the body's yielded types
// (scan outputs with the trip count inserted at their axis). A Loop's scan
// outputs likewise take the body's yielded types after the number of
// iterations, known when the trip count is constant and the condition
// constantly true.
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace lowrank;

/// `axis` (ONNX's, negative counts from the back) within [0, rank).
static std::optional<int64_t> normalizeScanAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

/// The type two ranked tensor types of one rank and element type agree on:
/// their equal sizes, dynamic where they differ; null otherwise.
static RankedTensorType getAgreedType(Type first, Type second) {
  auto a = dyn_cast<RankedTensorType>(first);
  auto b = dyn_cast<RankedTensorType>(second);
  if (!a || !b || a.getRank() != b.getRank() ||
      a.getElementType() != b.getElementType())
    return {};
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(a.getShape(), b.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, a.getElementType());
}

/// Gives the block argument `arg` the type `refined` when it is more static
/// and every use can take it (onnx ops and tensor.cast).
static bool refineArgumentType(PatternRewriter &rewriter, Operation *owner,
                               BlockArgument arg, RankedTensorType refined) {
  if (!isMoreStatic(refined, arg.getType()))
    return false;
  for (Operation *user : arg.getUsers())
    if (!isa<onnx::ONNXDialect>(user->getDialect()) &&
        !isa<tensor::CastOp>(user))
      return false;
  rewriter.modifyOpInPlace(owner, [&] { arg.setType(refined); });
  return true;
}

namespace {

struct ScanRefine : OpRewritePattern<onnx::ScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ScanOp op,
                                PatternRewriter &rewriter) const override {
    Block &body = op.getBody().front();
    unsigned numStates = op.getNumStates();
    unsigned numOperands = op.getNumOperands();
    if (body.getNumArguments() != numOperands)
      return rewriter.notifyMatchFailure(op, "malformed body");
    auto yield = body.getTerminator();
    if (yield->getNumOperands() != op.getNumResults())
      return rewriter.notifyMatchFailure(op, "malformed yield");

    bool changed = false;
    std::optional<int64_t> tripCount;
    for (unsigned i = 0; i < numOperands; ++i) {
      auto type = dyn_cast<RankedTensorType>(op->getOperand(i).getType());
      if (!type)
        continue;
      if (i < numStates) {
        changed |= refineArgumentType(rewriter, op, body.getArgument(i), type);
        continue;
      }
      unsigned input = i - numStates;
      int64_t axis = 0;
      if (std::optional<ArrayRef<int64_t>> axes = op.getScanInputAxes())
        axis = (*axes)[input];
      std::optional<int64_t> dim = normalizeScanAxis(axis, type.getRank());
      if (!dim)
        return rewriter.notifyMatchFailure(op, "scan input axis out of range");
      if (!type.isDynamicDim(*dim) && !tripCount)
        tripCount = type.getDimSize(*dim);
      SmallVector<int64_t> slice(type.getShape());
      slice.erase(slice.begin() + *dim);
      changed |= refineArgumentType(
          rewriter, op, body.getArgument(i),
          RankedTensorType::get(slice, type.getElementType()));
    }

    for (auto [index, result] : llvm::enumerate(op->getResults())) {
      auto yielded =
          dyn_cast<RankedTensorType>(yield->getOperand(index).getType());
      if (!yielded)
        continue;
      if (index < numStates) {
        changed |= succeeded(refineResultType(rewriter, result, yielded));
        continue;
      }
      unsigned output = index - numStates;
      int64_t axis = 0;
      if (std::optional<ArrayRef<int64_t>> axes = op.getScanOutputAxes())
        axis = (*axes)[output];
      std::optional<int64_t> dim =
          normalizeScanAxis(axis, yielded.getRank() + 1);
      if (!dim)
        continue;
      SmallVector<int64_t> shape(yielded.getShape());
      shape.insert(shape.begin() + *dim,
                   tripCount.value_or(ShapedType::kDynamic));
      changed |= succeeded(refineResultType(
          rewriter, result,
          RankedTensorType::get(shape, yielded.getElementType())));
    }
    return success(changed);
  }
};

/// An If on a constant condition becomes the branch it takes.
struct ConstantIfInline : OpRewritePattern<onnx::IfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::IfOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<IntTensor> cond = getIntTensor(op.getCond(), 1);
    if (!cond || cond->values.size() != 1)
      return rewriter.notifyMatchFailure(op, "condition not constant");
    Region &taken =
        cond->values.front() ? op.getThenBranch() : op.getElseBranch();
    Block &block = taken.front();
    Operation *yield = block.getTerminator();
    if (yield->getNumOperands() != op.getNumResults())
      return rewriter.notifyMatchFailure(op, "malformed branch");
    SmallVector<Value> values(yield->getOperands());
    rewriter.inlineBlockBefore(&block, op);
    rewriter.eraseOp(yield);
    // The branch's values may be more static than the If's results; users
    // outside the onnx dialect keep seeing the old type through a cast.
    rewriter.setInsertionPoint(op);
    for (auto [result, value] : llvm::zip(op.getResults(), values)) {
      bool foreign = llvm::any_of(result.getUsers(), [](Operation *user) {
        return !isa<onnx::ONNXDialect>(user->getDialect()) &&
               !isa<tensor::CastOp>(user);
      });
      if (value.getType() != result.getType() && foreign)
        value = tensor::CastOp::create(rewriter, op.getLoc(), result.getType(),
                                       value);
    }
    rewriter.replaceOp(op, values);
    return success();
  }
};

/// The If's results take each size both branches' values agree on.
struct IfRefine : OpRewritePattern<onnx::IfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::IfOp op,
                                PatternRewriter &rewriter) const override {
    Operation *thenYield = op.getThenBranch().front().getTerminator();
    Operation *elseYield = op.getElseBranch().front().getTerminator();
    if (thenYield->getNumOperands() != op.getNumResults() ||
        elseYield->getNumOperands() != op.getNumResults())
      return rewriter.notifyMatchFailure(op, "malformed branches");
    bool changed = false;
    for (auto [index, result] : llvm::enumerate(op->getResults())) {
      if (RankedTensorType agreed =
              getAgreedType(thenYield->getOperand(index).getType(),
                            elseYield->getOperand(index).getType()))
        changed |= succeeded(refineResultType(rewriter, result, agreed));
    }
    return success(changed);
  }
};

/// A Loop's carried results take the sizes its initial and yielded values
/// agree on. Its scan outputs stack the body's yielded values: their sizes
/// follow, after the number of iterations, which is the trip count when it
/// is a constant and the body's condition is the constant true.
struct LoopRefine : OpRewritePattern<onnx::LoopOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::LoopOp op,
                                PatternRewriter &rewriter) const override {
    Operation *yield = op.getBody().front().getTerminator();
    unsigned numCarried = op.getNumCarried();
    if (yield->getNumOperands() != 1 + op.getNumResults())
      return rewriter.notifyMatchFailure(op, "malformed body");
    int64_t iterations = ShapedType::kDynamic;
    std::optional<IntTensor> bodyCondition =
        getIntTensor(yield->getOperand(0), 1);
    std::optional<IntTensor> tripCount = isa<NoneType>(op.getM().getType())
                                             ? std::nullopt
                                             : getIntTensor(op.getM(), 1);
    std::optional<IntTensor> condition = isa<NoneType>(op.getCond().getType())
                                             ? std::nullopt
                                             : getIntTensor(op.getCond(), 1);
    bool conditionTrue = isa<NoneType>(op.getCond().getType()) ||
                         (condition && condition->values.size() == 1 &&
                          condition->values.front() != 0);
    // The body keeps the condition when it yields a constant true, or its
    // own condition argument (directly or through an Identity).
    Value yieldedCondition = yield->getOperand(0);
    if (auto identity = yieldedCondition.getDefiningOp<onnx::IdentityOp>())
      yieldedCondition = identity->getOperand(0);
    bool keepsCondition =
        yieldedCondition == op.getBody().front().getArgument(1) ||
        (bodyCondition && bodyCondition->values.size() == 1 &&
         bodyCondition->values.front() != 0);
    if (tripCount && tripCount->values.size() == 1 && conditionTrue &&
        keepsCondition)
      iterations = std::max<int64_t>(tripCount->values.front(), 0);
    bool changed = false;
    // A carried value ends as it starts or as an iteration leaves it: its
    // result takes the sizes both agree on.
    for (unsigned i = 0; i < numCarried; ++i) {
      if (RankedTensorType agreed =
              getAgreedType(op.getVInitial()[i].getType(),
                            yield->getOperand(1 + i).getType()))
        changed |= succeeded(refineResultType(
            rewriter, cast<OpResult>(op.getResult(i)), agreed));
    }
    for (unsigned k = 0; k < op.getNumScanOutputs(); ++k) {
      auto yielded = dyn_cast<RankedTensorType>(
          yield->getOperand(1 + numCarried + k).getType());
      if (!yielded)
        continue;
      SmallVector<int64_t> shape = {iterations};
      llvm::append_range(shape, yielded.getShape());
      changed |= succeeded(refineResultType(
          rewriter, cast<OpResult>(op.getResult(numCarried + k)),
          RankedTensorType::get(shape, yielded.getElementType())));
    }
    return success(changed);
  }
};

} // namespace

void lowrank::populateRefineControlFlowTypesPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ScanRefine, LoopRefine, ConstantIfInline, IfRefine>(
      patterns.getContext());
}
