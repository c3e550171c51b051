//===- CheckOutputSizes.cpp - Output buffers of the right size ------------===//
//
// A result of dynamic shape reaches the caller by a copy into the output
// buffer the caller allocated; the copy must not run when the caller's
// sizes differ from the result's.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKCHECKOUTPUTSIZES
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {
/// The name of output argument `argument` for messages: its `onnx.name`, or
/// its position.
std::string getOutputName(func::FuncOp func, BlockArgument argument) {
  if (auto name = func.getArgAttrOfType<StringAttr>(argument.getArgNumber(),
                                                    "onnx.name"))
    return name.str();
  return "#" + std::to_string(argument.getArgNumber());
}

struct CheckOutputSizesPass
    : lowrank::impl::LowrankCheckOutputSizesBase<CheckOutputSizesPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || !func.isPublic())
      return;
    Block &entry = func.getBody().front();
    // Only copies at the top level: a check must dominate the return.
    for (auto copy :
         llvm::make_early_inc_range(entry.getOps<memref::CopyOp>())) {
      auto target = dyn_cast<BlockArgument>(copy.getTarget());
      if (!target || target.getOwner() != &entry)
        continue;
      auto targetType = dyn_cast<MemRefType>(target.getType());
      if (!targetType || targetType.hasStaticShape())
        continue;
      OpBuilder builder(copy);
      Location loc = copy.getLoc();
      std::string name = getOutputName(func, target);
      for (int64_t i = 0; i < targetType.getRank(); ++i) {
        if (!targetType.isDynamicDim(i))
          continue;
        Value index = arith::ConstantIndexOp::create(builder, loc, i);
        Value resultSize =
            memref::DimOp::create(builder, loc, copy.getSource(), index);
        Value bufferSize = memref::DimOp::create(builder, loc, target, index);
        Value equal = arith::CmpIOp::create(
            builder, loc, arith::CmpIPredicate::eq, resultSize, bufferSize);
        cf::AssertOp::create(
            builder, loc, equal,
            "output '" + name + "': the buffer's size in dimension " +
                std::to_string(i) + " differs from the result's");
      }
    }
  }
};
} // namespace
