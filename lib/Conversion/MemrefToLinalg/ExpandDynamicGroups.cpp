//===- ExpandDynamicGroups.cpp - expand_shape of dynamic groups -----------===//
//
// Rewrites memref.expand_shape ops that give one reassociation group more
// than one dynamic size into memref.reinterpret_cast, which the strided
// metadata expansion and the LLVM lowering handle for any sizes.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKEXPANDDYNAMICGROUPS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {
/// Whether some reassociation group of `op` has two or more dynamic sizes.
bool hasGroupOfDynamicSizes(memref::ExpandShapeOp op) {
  MemRefType resultType = op.getResultType();
  for (const ReassociationIndices &group : op.getReassociationIndices())
    if (llvm::count_if(
            group, [&](int64_t i) { return resultType.isDynamicDim(i); }) > 1)
      return true;
  return false;
}

struct ExpandShapeToReinterpretCast : OpRewritePattern<memref::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::ExpandShapeOp op,
                                PatternRewriter &rewriter) const override {
    MemRefType sourceType = op.getSrcType();
    MemRefType resultType = op.getResultType();
    if (!hasGroupOfDynamicSizes(op))
      return rewriter.notifyMatchFailure(op, "expand-strided-metadata copes");
    if (!sourceType.getLayout().isIdentity() ||
        !resultType.getLayout().isIdentity())
      return rewriter.notifyMatchFailure(op, "source is not contiguous");

    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    // Row-major strides: the product of the sizes after each dimension.
    SmallVector<OpFoldResult> strides(sizes.size());
    OpFoldResult stride = rewriter.getIndexAttr(1);
    for (int64_t i = static_cast<int64_t>(sizes.size()) - 1; i >= 0; --i) {
      strides[i] = stride;
      std::optional<int64_t> size = getConstantIntValue(sizes[i]);
      std::optional<int64_t> current = getConstantIntValue(stride);
      if (size && current) {
        stride = rewriter.getIndexAttr(*size * *current);
        continue;
      }
      stride = arith::MulIOp::create(
                   rewriter, loc,
                   getValueOrCreateConstantIndexOp(rewriter, loc, sizes[i]),
                   getValueOrCreateConstantIndexOp(rewriter, loc, stride))
                   .getResult();
    }
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        op, resultType, op.getSrc(), rewriter.getIndexAttr(0), sizes, strides);
    return success();
  }
};

struct ExpandDynamicGroupsPass
    : lowrank::impl::LowrankExpandDynamicGroupsBase<ExpandDynamicGroupsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandShapeToReinterpretCast>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
