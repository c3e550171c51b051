//===- ChecksToStatus.cpp - Failed checks as an error status --------------===//
//
// The lowered ONNX ops assert what ONNX Runtime checks (index ranges, zero
// divisors). A compiled model must not abort its caller's process on a bad
// input: lowrank-checks-to-status makes the entry point return the number of
// the first failed check, after freeing what it allocated, and adds a
// function that names each number's message. lowrank-drop-checks erases the
// checks for targets that cannot evaluate them on the host.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"
#include "lowrank/Support/NodeName.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/SymbolTable.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKCHECKSTOSTATUS
#define GEN_PASS_DEF_LOWRANKDROPCHECKS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {

/// A check and the buffers that are live where it fails: allocated before
/// it and freed only after it.
struct Check {
  cf::AssertOp assertion;
  SmallVector<Value> liveBuffers;
};

/// Whether `func` is an entry point: public, defined, returning nothing (its
/// results are out-parameters) and not called from inside `module`.
static bool isEntryPoint(func::FuncOp func, ModuleOp module) {
  return func.isPublic() && !func.isExternal() &&
         func.getFunctionType().getNumResults() == 0 &&
         SymbolTable::symbolKnownUseEmpty(func, module);
}

/// The buffers of `func` that are allocated before `point` and deallocated
/// after it, on every path: what a return at `point` must free.
static SmallVector<Value> getLiveBuffers(func::FuncOp func, Operation *point,
                                         DominanceInfo &dominance) {
  SmallVector<Value> live;
  func.walk([&](memref::AllocOp alloc) {
    if (!dominance.properlyDominates(alloc.getOperation(), point))
      return;
    bool freed = false, freedBefore = false;
    for (Operation *user : alloc->getUsers()) {
      if (!isa<memref::DeallocOp>(user))
        continue;
      freed = true;
      freedBefore |= dominance.properlyDominates(user, point);
    }
    if (freed && !freedBefore)
      live.push_back(alloc.getResult());
  });
  return live;
}

/// Adds a check after each heap allocation of `func` that the allocator did
/// not return null: running out of memory is a status like any other, and
/// the code after it would write through a null pointer.
static void checkAllocations(func::FuncOp func) {
  OpBuilder builder(func.getContext());
  func.walk([&](memref::AllocOp alloc) {
    Location loc = alloc.getLoc();
    builder.setInsertionPointAfter(alloc);
    Value address = memref::ExtractAlignedPointerAsIndexOp::create(
        builder, loc, alloc.getResult());
    Value null = arith::ConstantIndexOp::create(builder, loc, 0);
    Value allocated = arith::CmpIOp::create(
        builder, loc, arith::CmpIPredicate::ne, address, null);
    std::string message;
    llvm::raw_string_ostream os(message);
    if (std::optional<std::string> node = lowrank::getNodeName(alloc))
      os << "node '" << *node << "': ";
    os << "cannot allocate a buffer of type " << alloc.getType();
    cf::AssertOp::create(builder, loc, allocated, message);
  });
}

/// `status` as an i32 constant at `builder`'s insertion point.
static Value createStatus(OpBuilder &builder, Location loc, int32_t status) {
  return arith::ConstantIntOp::create(builder, loc, status, 32);
}

/// Rewrites `func` to return an i32 status: 0 at every existing return, the
/// check's number where one fails.
static void convertChecks(func::FuncOp func, ArrayRef<Check> checks) {
  OpBuilder builder(func.getContext());
  func.walk([&](func::ReturnOp ret) {
    builder.setInsertionPoint(ret);
    func::ReturnOp::create(builder, ret.getLoc(),
                           createStatus(builder, ret.getLoc(), 0));
    ret.erase();
  });
  for (auto [index, check] : llvm::enumerate(checks)) {
    cf::AssertOp assertion = check.assertion;
    Location loc = assertion.getLoc();
    Block *before = assertion->getBlock();
    Block *after = before->splitBlock(assertion->getNextNode());
    Block *failed = builder.createBlock(after);
    for (Value buffer : check.liveBuffers)
      memref::DeallocOp::create(builder, loc, buffer);
    func::ReturnOp::create(builder, loc, createStatus(builder, loc, index + 1));
    builder.setInsertionPoint(assertion);
    cf::CondBranchOp::create(builder, loc, assertion.getArg(), after,
                             ValueRange(), failed, ValueRange());
    assertion.erase();
  }
  func.setFunctionType(FunctionType::get(
      func.getContext(), func.getArgumentTypes(), {builder.getI32Type()}));
}

/// Adds `llvm.func @<entry>_error_message(i32) -> !llvm.ptr`, returning the
/// NUL-terminated message of check `status` (1-based), null otherwise.
static void createMessageFunction(ModuleOp module, StringRef entry,
                                  ArrayRef<std::string> messages) {
  MLIRContext *context = module.getContext();
  Location loc = module.getLoc();
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  auto pointerType = LLVM::LLVMPointerType::get(context);
  auto i32Type = IntegerType::get(context, 32);
  auto function = LLVM::LLVMFuncOp::create(
      builder, loc, (entry + "_error_message").str(),
      LLVM::LLVMFunctionType::get(pointerType, {i32Type}));
  Block *entryBlock = function.addEntryBlock(builder);
  Region &body = function.getBody();

  Block *unknown = builder.createBlock(&body, body.end());
  Value null = LLVM::ZeroOp::create(builder, loc, pointerType);
  LLVM::ReturnOp::create(builder, loc, null);

  SmallVector<int32_t> cases;
  SmallVector<Block *> destinations;
  for (auto [index, message] : llvm::enumerate(messages)) {
    Block *block = builder.createBlock(&body, body.end());
    std::string name = (entry + "_error_" + Twine(index + 1)).str();
    Value text = LLVM::createGlobalString(loc, builder, name, message + '\0',
                                          LLVM::Linkage::Internal);
    LLVM::ReturnOp::create(builder, loc, text);
    cases.push_back(index + 1);
    destinations.push_back(block);
  }
  builder.setInsertionPointToEnd(entryBlock);
  SmallVector<ValueRange> caseOperands(cases.size(), ValueRange());
  LLVM::SwitchOp::create(builder, loc, entryBlock->getArgument(0), unknown,
                         ValueRange(), cases, destinations, caseOperands);
}

struct ChecksToStatusPass
    : lowrank::impl::LowrankChecksToStatusBase<ChecksToStatusPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (isEntryPoint(func, module))
        entries.push_back(func);
    SymbolTable symbols(module);
    for (func::FuncOp func : entries) {
      std::string messageFunction = (func.getName() + "_error_message").str();
      if (symbols.lookup(messageFunction)) {
        func.emitError() << "cannot add @" << messageFunction
                         << ": the module already defines it";
        return signalPassFailure();
      }
      checkAllocations(func);
      DominanceInfo dominance(func);
      SmallVector<Check> checks;
      SmallVector<std::string> messages;
      WalkResult walk = func.walk([&](cf::AssertOp assertion) {
        if (assertion->getParentOp() != func) {
          assertion.emitError("a check inside a region of '")
              << assertion->getParentOp()->getName()
              << "' cannot return a status; lower the region to cf first";
          return WalkResult::interrupt();
        }
        checks.push_back(
            {assertion, getLiveBuffers(func, assertion, dominance)});
        messages.push_back(assertion.getMsg().str());
        return WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return signalPassFailure();
      convertChecks(func, checks);
      createMessageFunction(module, func.getName(), messages);
    }
  }
};

struct DropChecksPass : lowrank::impl::LowrankDropChecksBase<DropChecksPass> {
  using Base::Base;

  void runOnOperation() override {
    getOperation().walk([](cf::AssertOp assertion) { assertion.erase(); });
  }
};

} // namespace
