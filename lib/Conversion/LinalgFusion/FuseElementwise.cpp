//===- FuseElementwise.cpp - Fuse chains of elementwise linalg ops --------===//
//
// An ONNX graph lowers one node to one linalg.generic: GELU is five passes
// over its tensor, LayerNorm's scale and shift two more. Fusing a producer
// into its only consumer keeps the chain in registers. Unlike upstream's
// linalg-fuse-elementwise-ops this never duplicates work (a producer with
// several readers stays), never fuses into contractions (they must keep
// their matmul form for the kernels) and leaves reshapes where they are.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKFUSEELEMENTWISE
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {

bool isElementwise(linalg::GenericOp op) {
  return op.getNumReductionLoops() == 0;
}

/// Fuses `operand`'s producer into its owner when both are elementwise
/// generics and the owner is the producer's only reader. (A bias addition
/// fused this way is no longer folded into its product by
/// lowrank-linalg-to-ukernel; it then costs one load per element of a loop
/// that runs anyway.)
bool shouldFuse(OpOperand *operand) {
  auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  return producer && consumer && isElementwise(producer) &&
         isElementwise(consumer) && operand->get().hasOneUse();
}

struct FuseElementwisePass
    : lowrank::impl::LowrankFuseElementwiseBase<FuseElementwisePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
