//===- RefineProductTypes.cpp - Static result types of products ----------===//
//
// MatMul, Gemm and Einsum get their result sizes from their operands' (the
// broadcast batch, the rows of one and the columns of the other, the sizes
// of the letters an equation keeps); NonZero its row count from its input's
// rank.
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/EinsumEquation.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

using namespace mlir;
using namespace lowrank;

static constexpr int64_t kDynamic = ShapedType::kDynamic;

namespace {

/// MatMul: the broadcast batch dims, then M and N (1-D operands drop theirs).
struct MatMulRefine : OpRewritePattern<onnx::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::MatMulOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> a = getRankedShape(op.getA());
    std::optional<SmallVector<int64_t>> b = getRankedShape(op.getB());
    if (!a || !b || a->empty() || b->empty())
      return rewriter.notifyMatchFailure(op, "operands unranked or scalar");
    bool vectorA = a->size() == 1, vectorB = b->size() == 1;
    SmallVector<int64_t> batchA(a->begin(), a->end() - (vectorA ? 0 : 2));
    SmallVector<int64_t> batchB(b->begin(), b->end() - (vectorB ? 0 : 2));
    if (vectorA)
      batchA.clear();
    if (vectorB)
      batchB.clear();
    std::optional<SmallVector<int64_t>> shape =
        broadcastShapes({batchA, batchB});
    if (!shape)
      return rewriter.notifyMatchFailure(op, "batch dims conflict");
    if (!vectorA)
      shape->push_back((*a)[a->size() - 2]);
    if (!vectorB)
      shape->push_back(b->back());
    return refineToShape(rewriter, op, *shape);
  }
};

/// Gemm: the rows of op(A) and the columns of op(B).
struct GemmRefine : OpRewritePattern<onnx::GemmOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::GemmOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> a = getRankedShape(op.getA());
    std::optional<SmallVector<int64_t>> b = getRankedShape(op.getB());
    if (!a || !b || a->size() != 2 || b->size() != 2)
      return rewriter.notifyMatchFailure(op, "operands are not matrices");
    return refineToShape(
        rewriter, op,
        {(*a)[op.getTransA() ? 1 : 0], (*b)[op.getTransB() ? 0 : 1]});
  }
};

/// Einsum: each result dimension's size from an input dimension of the same
/// letter (a size other than 1 where broadcast dimensions differ).
struct EinsumRefine : OpRewritePattern<onnx::EinsumOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::EinsumOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<SmallVector<int64_t>> shapes;
    SmallVector<int64_t> ranks;
    for (Value input : op.getInputs()) {
      std::optional<SmallVector<int64_t>> shape = getRankedShape(input);
      if (!shape)
        return rewriter.notifyMatchFailure(op, "an input is unranked");
      ranks.push_back(shape->size());
      shapes.push_back(std::move(*shape));
    }
    std::string error;
    FailureOr<onnx::EinsumEquation> equation =
        onnx::parseEinsumEquation(op.getEquation(), ranks, error);
    if (failed(equation))
      return rewriter.notifyMatchFailure(op, "equation does not parse");
    // Per loop: the static size, 1 when every size seen is 1, else dynamic.
    SmallVector<int64_t> sizes(equation->numLoops, 1);
    SmallVector<bool> dynamic(equation->numLoops, false);
    for (auto [shape, loops] : llvm::zip(shapes, equation->inputLoops))
      for (auto [size, loop] : llvm::zip(shape, loops)) {
        if (ShapedType::isDynamic(size))
          dynamic[loop] = true;
        else if (size != 1)
          sizes[loop] = size;
      }
    SmallVector<int64_t> result;
    for (int64_t loop : equation->outputLoops)
      result.push_back(sizes[loop] == 1 && dynamic[loop] ? kDynamic
                                                         : sizes[loop]);
    return refineToShape(rewriter, op, result);
  }
};

/// NonZero: one row per input dimension; the column count depends on the
/// values.
struct NonZeroRefine : OpRewritePattern<onnx::NonZeroOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::NonZeroOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "input unranked");
    return refineToShape(rewriter, op,
                         {std::max<int64_t>(type.getRank(), 1), kDynamic});
  }
};

} // namespace

void lowrank::populateRefineProductTypesPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulRefine, GemmRefine, EinsumRefine, NonZeroRefine>(
      patterns.getContext());
}
