//===- FuseElementwise.cpp - Fuse chains of elementwise linalg ops --------===//
//
// An ONNX graph lowers one node to one linalg.generic: GELU is five passes
// over its tensor, LayerNorm's scale and shift two more. Fusing a producer
// into its only consumer keeps the chain in registers. Unlike upstream's
// linalg-fuse-elementwise-ops this never duplicates work (a producer with
// several readers stays), never fuses into contractions (they must keep
// their matmul form for the kernels) and leaves reshapes where they are.
//
// Upstream's patterns also fold a scalar or splat constant input into the
// body as an `arith.constant` of its element type, which arith accepts only
// signless: unsigned and signed constants (ONNX's uint8 zero points) are
// first given their signless type, with a cast back in the body.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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

/// Gives the scalar or splat constant inputs of `op` whose element type is
/// an unsigned or signed integer their signless type; the body casts the
/// block argument back to the type its users read.
void makeConstantInputsSignless(linalg::GenericOp op) {
  for (OpOperand *operand : op.getDpsInputOperands()) {
    auto constant = operand->get().getDefiningOp<arith::ConstantOp>();
    if (!constant)
      continue;
    auto value = dyn_cast<DenseElementsAttr>(constant.getValue());
    auto integer =
        value ? dyn_cast<IntegerType>(value.getElementType()) : IntegerType();
    if (!integer || integer.isSignless() || !value.isSplat())
      continue;
    auto signless = IntegerType::get(op.getContext(), integer.getWidth());
    OpBuilder builder(constant);
    Value replacement = arith::ConstantOp::create(builder, constant.getLoc(),
                                                  value.bitcast(signless));
    operand->set(replacement);
    BlockArgument argument = op.getMatchingBlockArgument(operand);
    argument.setType(signless);
    builder.setInsertionPointToStart(op.getBody());
    auto back = UnrealizedConversionCastOp::create(
        builder, constant.getLoc(), TypeRange{integer}, ValueRange{argument});
    argument.replaceAllUsesExcept(back.getResult(0), back);
  }
}

struct FuseElementwisePass
    : lowrank::impl::LowrankFuseElementwiseBase<FuseElementwisePass> {
  using Base::Base;
  void runOnOperation() override {
    getOperation().walk(makeConstantInputsSignless);
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
