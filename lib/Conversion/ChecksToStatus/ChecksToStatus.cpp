//===- ChecksToStatus.cpp - Failed checks as an error status --------------===//
//
// The lowered ONNX ops assert what ONNX Runtime checks (index ranges, zero
// divisors). A compiled model must not abort its caller's process on a bad
// input: lowrank-checks-to-status makes the entry point return the number of
// the first failed check, after freeing what it allocated, and adds a
// function that names each number's message. The private functions it calls
// (the parts of a split model) return a status too, which their callers
// pass on. lowrank-drop-checks erases the checks for targets that cannot
// evaluate them on the host.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"
#include "lowrank/Support/NodeName.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKCHECKSTOSTATUS
#define GEN_PASS_DEF_LOWRANKDROPCHECKS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {

/// A check and the buffers that are live where it fails: allocated before
/// it and freed only after it. Either an assertion, whose failure returns
/// its own number, or the call of a function that returns a status, whose
/// failure returns the callee's status.
struct Check {
  /// The cf.assert, or the arith.cmpi testing a callee's status for 0.
  Operation *point;
  /// True when the check passes.
  Value condition;
  /// The callee's status; null for an assertion.
  Value calleeStatus;
  /// The number an assertion returns.
  int32_t number = 0;
  SmallVector<Value> liveBuffers;
};

/// Whether `func` is an entry point: public, defined, returning nothing (its
/// results are out-parameters) and not used inside its module.
static bool isEntryPoint(func::FuncOp func, SymbolUserMap &users) {
  return func.isPublic() && !func.isExternal() &&
         func.getFunctionType().getNumResults() == 0 && users.useEmpty(func);
}

/// Whether a failing function can return a placeholder of `type` beside its
/// status: a zero scalar, or a poison buffer (the buffers that the later
/// parts of a split function read from the earlier ones).
static bool hasPlaceholder(Type type) {
  return isa<IntegerType, IndexType, FloatType, MemRefType>(type);
}

/// A value of `type` for the results a failing function returns beside its
/// status (its callers read only the status then).
static Value createPlaceholder(OpBuilder &builder, Location loc, Type type) {
  assert(hasPlaceholder(type) && "no placeholder for this type");
  if (isa<MemRefType>(type))
    return ub::PoisonOp::create(builder, loc, type);
  return arith::ConstantOp::create(builder, loc, builder.getZeroAttr(type));
}

/// The calls of `callee`, or failure when one of its users is not a
/// func.call at the top level of a function.
static FailureOr<SmallVector<func::CallOp>>
getTopLevelCalls(func::FuncOp callee, SymbolUserMap &users) {
  SmallVector<func::CallOp> calls;
  for (Operation *user : users.getUsers(callee)) {
    auto call = dyn_cast<func::CallOp>(user);
    if (!call || !isa<func::FuncOp>(call->getParentOp()))
      return failure();
    calls.push_back(call);
  }
  return calls;
}

/// The functions that return a status: the entry points, and the private
/// functions that allocate, check or call such a function, called only at
/// the top level of functions that return a status themselves (the parts of
/// a split model), whose results have placeholder values. The entry points
/// come first, in `entryCount`. One walk finds the users of every symbol, so
/// a model split into thousands of parts is not walked once per part.
static SetVector<func::FuncOp> getStatusFunctions(ModuleOp module,
                                                  size_t &entryCount) {
  SymbolTableCollection symbolTables;
  SymbolUserMap users(symbolTables, module);
  SetVector<func::FuncOp> entries;
  DenseMap<func::FuncOp, SmallVector<func::CallOp>> callsOf;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (isEntryPoint(func, users)) {
      entries.insert(func);
      continue;
    }
    if (!func.isPrivate() || func.isExternal() ||
        !llvm::all_of(func.getFunctionType().getResults(), hasPlaceholder))
      continue;
    FailureOr<SmallVector<func::CallOp>> calls = getTopLevelCalls(func, users);
    if (succeeded(calls) && !calls->empty())
      callsOf[func] = std::move(*calls);
  }
  // Candidates that fail on their own, then those calling them.
  SetVector<func::FuncOp> failing;
  for (auto &[func, calls] : callsOf)
    if (func.walk([](Operation *op) {
              return isa<memref::AllocOp, cf::AssertOp>(op)
                         ? WalkResult::interrupt()
                         : WalkResult::advance();
            })
            .wasInterrupted())
      failing.insert(func);
  for (size_t i = 0; i < failing.size(); ++i)
    for (func::CallOp call : callsOf[failing[i]]) {
      auto caller = cast<func::FuncOp>(call->getParentOp());
      if (callsOf.count(caller))
        failing.insert(caller);
    }
  // Drop those with a caller that cannot pass a status on, until none is.
  entryCount = entries.size();
  SetVector<func::FuncOp> status = entries;
  status.insert(failing.begin(), failing.end());
  for (bool changed = true; changed;) {
    changed = false;
    for (func::FuncOp func : failing) {
      if (!status.contains(func))
        continue;
      if (llvm::all_of(callsOf[func], [&](func::CallOp call) {
            return status.contains(cast<func::FuncOp>(call->getParentOp()));
          }))
        continue;
      status.remove(func);
      changed = true;
    }
  }
  return status;
}

/// Replaces each call of `func` to a function of `status` with one that also
/// returns the callee's status; returns the new calls.
static SmallVector<func::CallOp>
addStatusResults(func::FuncOp func, const SetVector<func::FuncOp> &status,
                 SymbolTable &symbols) {
  SmallVector<func::CallOp> calls;
  OpBuilder builder(func.getContext());
  func.walk([&](func::CallOp call) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    if (!callee || !status.contains(callee))
      return;
    SmallVector<Type> types(call.getResultTypes());
    types.push_back(builder.getI32Type());
    builder.setInsertionPoint(call);
    auto withStatus = func::CallOp::create(
        builder, call.getLoc(), call.getCallee(), types, call.getOperands());
    withStatus->setDiscardableAttrs(call->getDiscardableAttrDictionary());
    call.replaceAllUsesWith(withStatus.getResults().drop_back());
    call.erase();
    calls.push_back(withStatus);
  });
  return calls;
}

/// For each function of `module`, the buffer arguments it frees on every
/// path: a `memref.dealloc` of the argument in the entry block. A part of
/// `lowrank-split-functions` frees so a buffer that an earlier part
/// returned; it owns the buffer from its entry, and its caller hands the
/// buffer over at the call. Computed before any block is split.
using FreedArguments = DenseMap<StringAttr, SmallVector<bool>>;
static FreedArguments getFreedArguments(ModuleOp module) {
  FreedArguments freed;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    Block &entry = func.getBody().front();
    SmallVector<bool> flags;
    for (BlockArgument argument : func.getArguments())
      flags.push_back(isa<MemRefType>(argument.getType()) &&
                      llvm::any_of(argument.getUsers(), [&](Operation *user) {
                        return isa<memref::DeallocOp>(user) &&
                               user->getBlock() == &entry;
                      }));
    if (llvm::is_contained(flags, true))
      freed[func.getSymNameAttr()] = std::move(flags);
  }
  return freed;
}

/// Whether `use` hands its buffer to a callee that frees it.
static bool isHandedOver(OpOperand &use, const FreedArguments &freed) {
  auto call = dyn_cast<func::CallOp>(use.getOwner());
  if (!call)
    return false;
  auto it = freed.find(call.getCalleeAttr().getAttr());
  return it != freed.end() && use.getOperandNumber() < it->second.size() &&
         it->second[use.getOperandNumber()];
}

/// The buffers `func` owns: those it allocates, those the parts it calls
/// return to it and the arguments it frees, with the operations that end
/// its ownership of each (a dealloc, the return that hands the buffer to
/// its caller, or the call of a part that frees it). Buffers without such
/// an operation belong to someone else.
static SmallVector<std::pair<Value, SmallVector<Operation *>>>
getOwnedBuffers(func::FuncOp func, const FreedArguments &freed) {
  SmallVector<std::pair<Value, SmallVector<Operation *>>> owned;
  auto addBuffer = [&](Value buffer) {
    SmallVector<Operation *> releases;
    for (OpOperand &use : buffer.getUses())
      if (isa<memref::DeallocOp, func::ReturnOp>(use.getOwner()) ||
          isHandedOver(use, freed))
        releases.push_back(use.getOwner());
    if (!releases.empty())
      owned.push_back({buffer, std::move(releases)});
  };
  if (auto it = freed.find(func.getSymNameAttr()); it != freed.end())
    for (auto [argument, isFreed] :
         llvm::zip_equal(func.getArguments(), it->second))
      if (isFreed)
        addBuffer(argument);
  func.walk([&](Operation *op) {
    if (auto alloc = dyn_cast<memref::AllocOp>(op))
      addBuffer(alloc.getResult());
    else if (isa<func::CallOp>(op))
      for (Value result : op->getResults())
        if (isa<MemRefType>(result.getType()))
          addBuffer(result);
  });
  return owned;
}

/// The owned buffers of `func` that exist at `point` and are still owned
/// there on every path: what a return at `point` must free. A call that
/// hands a buffer over releases it even where the call itself fails (the
/// callee then frees it).
static SmallVector<Value>
getLiveBuffers(ArrayRef<std::pair<Value, SmallVector<Operation *>>> owned,
               Operation *point, DominanceInfo &dominance) {
  SmallVector<Value> live;
  for (const auto &[buffer, releases] : owned) {
    if (!isa<BlockArgument>(buffer) &&
        !dominance.properlyDominates(buffer, point))
      continue;
    if (llvm::none_of(releases, [&](Operation *release) {
          return isa<func::CallOp>(release)
                     ? dominance.dominates(release, point)
                     : dominance.properlyDominates(release, point);
        }))
      live.push_back(buffer);
  }
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

/// Rewrites `func` to return an i32 status after its results: 0 at every
/// existing return; where a check fails, its number or its callee's status.
/// A failed check branches to a block that takes the status, frees the
/// buffers live there and returns. Where the buffers live at a check include
/// all of those live at the check before (a run of allocations, each checked
/// for null), its block frees only the new ones and continues in the
/// previous check's block: code linear in the number of checks, not
/// quadratic.
static void convertChecks(func::FuncOp func, ArrayRef<Check> checks) {
  OpBuilder builder(func.getContext());
  func.walk([&](func::ReturnOp ret) {
    builder.setInsertionPoint(ret);
    SmallVector<Value> results(ret.getOperands());
    results.push_back(createStatus(builder, ret.getLoc(), 0));
    func::ReturnOp::create(builder, ret.getLoc(), results);
    ret.erase();
  });
  ArrayRef<Type> resultTypes = func.getFunctionType().getResults();
  Type statusType = builder.getI32Type();
  Block *previousFailed = nullptr;
  DenseSet<Value> previousLive;
  for (const Check &check : checks) {
    Location loc = check.point->getLoc();
    Block *before = check.point->getBlock();
    Block *after = before->splitBlock(check.point->getNextNode());
    DenseSet<Value> live(llvm::from_range, check.liveBuffers);
    bool extendsPrevious =
        previousFailed && llvm::all_of(previousLive, [&](Value buffer) {
          return live.contains(buffer);
        });
    SmallVector<Value> toFree;
    for (Value buffer : check.liveBuffers)
      if (!extendsPrevious || !previousLive.contains(buffer))
        toFree.push_back(buffer);
    Block *failed = previousFailed;
    if (!extendsPrevious || !toFree.empty()) {
      failed = builder.createBlock(after, statusType, loc);
      Value status = failed->getArgument(0);
      for (Value buffer : toFree)
        memref::DeallocOp::create(builder, loc, buffer);
      if (extendsPrevious) {
        cf::BranchOp::create(builder, loc, previousFailed, ValueRange{status});
      } else {
        SmallVector<Value> results;
        for (Type type : resultTypes)
          results.push_back(createPlaceholder(builder, loc, type));
        results.push_back(status);
        func::ReturnOp::create(builder, loc, results);
      }
    }
    builder.setInsertionPointToEnd(before);
    Value failedStatus = check.calleeStatus
                             ? check.calleeStatus
                             : createStatus(builder, loc, check.number);
    cf::CondBranchOp::create(builder, loc, check.condition, after, ValueRange(),
                             failed, ValueRange{failedStatus});
    if (isa<cf::AssertOp>(check.point))
      check.point->erase();
    previousFailed = failed;
    previousLive = std::move(live);
  }
  SmallVector<Type> withStatus(resultTypes);
  withStatus.push_back(statusType);
  func.setFunctionType(FunctionType::get(func.getContext(),
                                         func.getArgumentTypes(), withStatus));
}

/// Adds `llvm.func @<entry>_error_message(i32) -> !llvm.ptr`, returning the
/// NUL-terminated message of check `status` (1-based), null otherwise. The
/// messages are one string of NUL-terminated parts, indexed by a table of
/// offsets: a switch of one case per check costs LLVM time quadratic in
/// their number (its switch-to-table conversion), 31 s of optimization for
/// the 16000 checks of a 600-layer model.
static void createMessageFunction(ModuleOp module, StringRef entry,
                                  ArrayRef<std::string> messages) {
  MLIRContext *context = module.getContext();
  Location loc = module.getLoc();
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  auto pointerType = LLVM::LLVMPointerType::get(context);
  auto i32Type = IntegerType::get(context, 32);
  auto i64Type = IntegerType::get(context, 64);
  std::string text;
  SmallVector<int64_t> offsets;
  for (const std::string &message : messages) {
    offsets.push_back(text.size());
    text += message;
    text += '\0';
  }
  LLVM::GlobalOp offsetTable;
  if (!offsets.empty()) {
    auto tableType = LLVM::LLVMArrayType::get(i64Type, offsets.size());
    offsetTable = LLVM::GlobalOp::create(
        builder, loc, tableType, /*isConstant=*/true, LLVM::Linkage::Internal,
        (entry + "_error_offsets").str(),
        DenseElementsAttr::get(
            RankedTensorType::get({static_cast<int64_t>(offsets.size())},
                                  i64Type),
            ArrayRef<int64_t>(offsets)));
  }
  auto function = LLVM::LLVMFuncOp::create(
      builder, loc, (entry + "_error_message").str(),
      LLVM::LLVMFunctionType::get(pointerType, {i32Type}));
  Block *entryBlock = function.addEntryBlock(builder);
  Region &body = function.getBody();

  Block *unknown = builder.createBlock(&body, body.end());
  Value null = LLVM::ZeroOp::create(builder, loc, pointerType);
  LLVM::ReturnOp::create(builder, loc, null);
  if (offsets.empty()) {
    builder.setInsertionPointToEnd(entryBlock);
    LLVM::BrOp::create(builder, loc, ValueRange(), unknown);
    return;
  }

  // Status s names message s - 1; s = 0 wraps around to an index too large.
  Block *known = builder.createBlock(&body, body.end());
  builder.setInsertionPointToEnd(entryBlock);
  Value status = entryBlock->getArgument(0);
  Value one = LLVM::ConstantOp::create(builder, loc, i32Type, 1);
  Value index32 = LLVM::SubOp::create(builder, loc, status, one);
  Value index = LLVM::ZExtOp::create(builder, loc, i64Type, index32);
  Value count = LLVM::ConstantOp::create(builder, loc, i64Type,
                                         static_cast<int64_t>(offsets.size()));
  Value inRange = LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::ult,
                                       index, count);
  LLVM::CondBrOp::create(builder, loc, inRange, known, unknown);

  builder.setInsertionPointToEnd(known);
  Value table = LLVM::AddressOfOp::create(builder, loc, offsetTable);
  Value slot =
      LLVM::GEPOp::create(builder, loc, pointerType, i64Type, table,
                          ValueRange{index}, LLVM::GEPNoWrapFlags::inbounds);
  Value offset = LLVM::LoadOp::create(builder, loc, i64Type, slot);
  Value start =
      LLVM::createGlobalString(loc, builder, (entry + "_error_messages").str(),
                               text, LLVM::Linkage::Internal);
  Value message =
      LLVM::GEPOp::create(builder, loc, pointerType, builder.getI8Type(), start,
                          ValueRange{offset}, LLVM::GEPNoWrapFlags::inbounds);
  LLVM::ReturnOp::create(builder, loc, message);
}

struct ChecksToStatusPass
    : lowrank::impl::LowrankChecksToStatusBase<ChecksToStatusPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    size_t entryCount = 0;
    SetVector<func::FuncOp> status = getStatusFunctions(module, entryCount);
    SmallVector<func::FuncOp> entries(status.begin(),
                                      status.begin() + entryCount);
    SymbolTable symbols(module);
    FreedArguments freed = getFreedArguments(module);
    // The message function and its two globals.
    for (func::FuncOp func : entries) {
      for (StringRef suffix :
           {"_error_message", "_error_messages", "_error_offsets"}) {
        std::string name = (func.getName() + suffix).str();
        if (symbols.lookup(name)) {
          func.emitError() << "cannot add @" << name
                           << ": the module already defines it";
          return signalPassFailure();
        }
      }
    }
    // Numbers are unique in the module: a status a part returns is passed
    // on unchanged to the entry point's caller.
    SmallVector<std::string> messages;
    for (func::FuncOp func : status) {
      checkAllocations(func);
      SmallVector<func::CallOp> calls = addStatusResults(func, status, symbols);
      DenseSet<Operation *> statusCalls;
      for (func::CallOp call : calls)
        statusCalls.insert(call);
      DominanceInfo dominance(func);
      auto owned = getOwnedBuffers(func, freed);
      SmallVector<Check> checks;
      OpBuilder builder(func.getContext());
      WalkResult walk = func.walk([&](Operation *op) {
        if (auto assertion = dyn_cast<cf::AssertOp>(op)) {
          if (assertion->getParentOp() != func) {
            assertion.emitError("a check inside a region of '")
                << assertion->getParentOp()->getName()
                << "' cannot return a status; lower the region to cf first";
            return WalkResult::interrupt();
          }
          messages.push_back(assertion.getMsg().str());
          checks.push_back({assertion, assertion.getArg(), Value(),
                            static_cast<int32_t>(messages.size()),
                            getLiveBuffers(owned, assertion, dominance)});
          return WalkResult::advance();
        }
        if (!statusCalls.contains(op))
          return WalkResult::advance();
        // The callee freed what it allocated; the caller frees its own.
        Location loc = op->getLoc();
        builder.setInsertionPointAfter(op);
        Value calleeStatus = op->getResults().back();
        auto passed =
            arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq,
                                  calleeStatus, createStatus(builder, loc, 0));
        checks.push_back({passed, passed, calleeStatus, 0,
                          getLiveBuffers(owned, op, dominance)});
        return WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return signalPassFailure();
      convertChecks(func, checks);
    }
    for (func::FuncOp func : entries)
      createMessageFunction(module, func.getName(), messages);
  }
};

struct DropChecksPass : lowrank::impl::LowrankDropChecksBase<DropChecksPass> {
  using Base::Base;

  void runOnOperation() override {
    getOperation().walk([](cf::AssertOp assertion) { assertion.erase(); });
  }
};

} // namespace
