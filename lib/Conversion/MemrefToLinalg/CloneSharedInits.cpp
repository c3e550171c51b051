//===- CloneSharedInits.cpp - One init value per destination-style write --===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKCLONESHAREDINITS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

/// Whether `value` is an init that costs nothing to recompute: a
/// `tensor.empty`, or a `linalg.fill` of one.
static bool isClonableInit(Value value) {
  Operation *def = value.getDefiningOp();
  if (isa_and_nonnull<tensor::EmptyOp>(def))
    return true;
  auto fill = dyn_cast_or_null<linalg::FillOp>(def);
  return fill && fill.hasPureTensorSemantics() &&
         isa_and_nonnull<tensor::EmptyOp>(
             fill.getDpsInitOperand(0)->get().getDefiningOp());
}

/// A copy of the init `value` built at the builder's insertion point.
static Value cloneInit(OpBuilder &builder, Value value) {
  Operation *def = value.getDefiningOp();
  if (auto fill = dyn_cast<linalg::FillOp>(def)) {
    Value empty = cloneInit(builder, fill.getDpsInitOperand(0)->get());
    return linalg::FillOp::create(builder, fill.getLoc(),
                                  fill.getDpsInputOperand(0)->get(), empty)
        .getResult(0);
  }
  return builder.clone(*def)->getResult(0);
}

namespace {
struct CloneSharedInitsPass
    : lowrank::impl::LowrankCloneSharedInitsBase<CloneSharedInitsPass> {
  using Base::Base;
  void runOnOperation() override {
    // The first writer keeps the original; every later one gets a copy.
    llvm::DenseSet<Value> taken;
    getOperation().walk([&](DestinationStyleOpInterface op) {
      if (!op.hasPureTensorSemantics() || isa<linalg::FillOp>(op))
        return;
      for (OpOperand &init : op.getDpsInitsMutable()) {
        if (!isClonableInit(init.get()) || init.get().hasOneUse() ||
            taken.insert(init.get()).second)
          continue;
        OpBuilder builder(op);
        init.set(cloneInit(builder, init.get()));
      }
    });
  }
};
} // namespace
