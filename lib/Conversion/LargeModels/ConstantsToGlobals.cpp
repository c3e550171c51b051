//===- ConstantsToGlobals.cpp - Tensor constants into memref globals ------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/SymbolTable.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKCONSTANTSTOGLOBALS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

/// The alignment one-shot bufferization gives the globals it makes.
constexpr int64_t kGlobalAlignment = 64;

namespace {
/// The constant globals of a module, found by value and type.
class ConstantGlobals {
public:
  explicit ConstantGlobals(ModuleOp module) : module(module), symbols(module) {
    for (auto global : module.getOps<memref::GlobalOp>())
      if (global.getConstant() && global.getInitialValue() &&
          global.getAlignment().value_or(0) == kGlobalAlignment)
        globals.try_emplace({*global.getInitialValue(), global.getType()},
                            global);
  }

  memref::GlobalOp getOrCreate(arith::ConstantOp constant) {
    auto type = cast<RankedTensorType>(constant.getType());
    auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
    auto [it, inserted] =
        globals.try_emplace({constant.getValue(), memrefType}, nullptr);
    if (!inserted)
      return it->second;
    std::string name;
    llvm::raw_string_ostream os(name);
    os << "__constant_";
    llvm::interleave(type.getShape(), os, "x");
    os << "x" << type.getElementType();
    OpBuilder builder(module.getContext());
    auto global = memref::GlobalOp::create(
        builder, constant.getLoc(), name, builder.getStringAttr("private"),
        memrefType, cast<ElementsAttr>(constant.getValue()),
        /*constant=*/true, builder.getI64IntegerAttr(kGlobalAlignment));
    symbols.insert(global, module.getBody()->begin());
    it->second = global;
    return global;
  }

private:
  ModuleOp module;
  SymbolTable symbols;
  DenseMap<std::pair<Attribute, Type>, memref::GlobalOp> globals;
};

struct ConstantsToGlobalsPass
    : lowrank::impl::LowrankConstantsToGlobalsBase<ConstantsToGlobalsPass> {
  using Base::Base;
  void runOnOperation() override {
    ConstantGlobals globals(getOperation());
    SmallVector<arith::ConstantOp> constants;
    getOperation().walk([&](arith::ConstantOp constant) {
      if (isa<RankedTensorType>(constant.getType()) &&
          isa<ElementsAttr>(constant.getValue()))
        constants.push_back(constant);
    });
    for (arith::ConstantOp constant : constants) {
      memref::GlobalOp global = globals.getOrCreate(constant);
      OpBuilder builder(constant);
      Value buffer = memref::GetGlobalOp::create(
          builder, constant.getLoc(), global.getType(), global.getSymName());
      auto tensor = bufferization::ToTensorOp::create(
          builder, constant.getLoc(), constant.getType(), buffer,
          /*restrict=*/true, /*writable=*/false);
      constant.replaceAllUsesWith(tensor.getResult());
      constant.erase();
    }
  }
};
} // namespace
