//===- CopyRepeatedResults.cpp - One value per returned tensor ------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/DenseSet.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKCOPYREPEATEDRESULTS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {
struct CopyRepeatedResultsPass
    : lowrank::impl::LowrankCopyRepeatedResultsBase<CopyRepeatedResultsPass> {
  using Base::Base;
  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp returnOp) {
      llvm::DenseSet<Value> seen;
      OpBuilder builder(returnOp);
      for (OpOperand &operand : returnOp->getOpOperands()) {
        auto type = dyn_cast<RankedTensorType>(operand.get().getType());
        if (!type || seen.insert(operand.get()).second)
          continue;
        SmallVector<OpFoldResult> sizes =
            tensor::getMixedSizes(builder, returnOp.getLoc(), operand.get());
        Value empty = tensor::EmptyOp::create(builder, returnOp.getLoc(),
                                              sizes, type.getElementType());
        operand.set(linalg::CopyOp::create(builder, returnOp.getLoc(),
                                           operand.get(), empty)
                        .getResult(0));
      }
    });
  }
};
} // namespace
