//===- ReadOnlyArguments.cpp - The caller's inputs are not written --------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKREADONLYARGUMENTS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {
struct ReadOnlyArgumentsPass
    : lowrank::impl::LowrankReadOnlyArgumentsBase<ReadOnlyArgumentsPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || !func.isPublic())
      return;
    auto readOnly = BoolAttr::get(&getContext(), false);
    for (BlockArgument argument : func.getArguments())
      if (isa<TensorType>(argument.getType()))
        func.setArgAttr(argument.getArgNumber(),
                        bufferization::BufferizationDialect::kWritableAttrName,
                        readOnly);
  }
};
} // namespace
