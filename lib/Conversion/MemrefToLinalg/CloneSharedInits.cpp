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
/// A linalg.generic that only broadcasts its one input into a tensor.empty
/// (as the bias of a convolution starts its accumulator).
static bool isBroadcast(linalg::GenericOp generic) {
  Block *body = generic.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  return generic.hasPureTensorSemantics() && generic.getNumDpsInputs() == 1 &&
         generic.getNumDpsInits() == 1 && generic.getNumReductionLoops() == 0 &&
         body->getOperations().size() == 1 &&
         yield.getOperand(0) == body->getArgument(0) &&
         isa_and_nonnull<tensor::EmptyOp>(
             generic.getDpsInitOperand(0)->get().getDefiningOp());
}

static bool isClonableInit(Value value) {
  Operation *def = value.getDefiningOp();
  if (isa_and_nonnull<tensor::EmptyOp>(def))
    return true;
  if (auto generic = dyn_cast_or_null<linalg::GenericOp>(def))
    return isBroadcast(generic);
  auto fill = dyn_cast_or_null<linalg::FillOp>(def);
  return fill && fill.hasPureTensorSemantics() &&
         isa_and_nonnull<tensor::EmptyOp>(
             fill.getDpsInitOperand(0)->get().getDefiningOp());
}

/// A copy of the init `value` built at the builder's insertion point.
static Value cloneInit(OpBuilder &builder, Value value) {
  Operation *def = value.getDefiningOp();
  if (isa<linalg::FillOp, linalg::GenericOp>(def)) {
    auto op = cast<DestinationStyleOpInterface>(def);
    Value empty = cloneInit(builder, op.getDpsInitOperand(0)->get());
    Operation *clone = builder.clone(*def);
    cast<DestinationStyleOpInterface>(clone).getDpsInitOperand(0)->set(empty);
    return clone->getResult(0);
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
