//===- SplitFunctions.cpp - Large functions into private parts ------------===//
//
// LLVM's optimizer and code generator are superlinear in the size of one
// function; a model lowered to one function of a million instructions
// compiles for minutes. The top-level operations of a large single-block
// function are cut into consecutive parts, each moved into a private
// function that the original calls in order.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

#define DEBUG_TYPE "lowrank-split-functions"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKSPLITFUNCTIONS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

/// Marks the functions a split made, for a later run with `parts-only`.
constexpr StringLiteral kPartAttr = "lowrank.function_part";

/// Operations copied into every part that reads them rather than passed:
/// those that read nothing and have no effects (constants, tensor.empty,
/// references to globals).
static bool isRematerializable(Operation *op) {
  return op->getNumOperands() == 0 && op->getNumRegions() == 0 &&
         op->getNumResults() == 1 && isMemoryEffectFree(op);
}

/// Whether `op` allocates memory that lives until its function returns.
static bool allocatesOnStack(Operation *op) {
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return false;
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  return llvm::any_of(instances, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Allocate>(e.getEffect()) &&
           isa<SideEffects::AutomaticAllocationScopeResource>(e.getResource());
  });
}

/// The size of `op` as the parts measure it: its operations and their
/// operands (a concat of many inputs becomes a copy loop for each).
static int64_t getWeight(Operation *op) {
  int64_t weight = 0;
  op->walk([&](Operation *inner) { weight += 1 + inner->getNumOperands(); });
  return weight;
}

/// Adds LLVM function attributes to `func`. `nobuiltin` keeps LLVM's
/// interprocedural passes away from a function's arguments (LLVM takes
/// such a definition as one that may be replaced): CalledValuePropagation
/// revisits a call once for each argument whose value it learns, quadratic
/// in the thousands of arguments a part or a model's entry may have (30 s
/// for a Concat of 2000 inputs).
static void addPassthrough(func::FuncOp func, ArrayRef<StringRef> names) {
  SmallVector<Attribute> attrs;
  if (auto existing = func->getAttrOfType<ArrayAttr>("passthrough"))
    attrs.append(existing.begin(), existing.end());
  for (StringRef name : names) {
    auto attr = StringAttr::get(func.getContext(), name);
    if (!llvm::is_contained(attrs, attr))
      attrs.push_back(attr);
  }
  func->setAttr("passthrough", ArrayAttr::get(func.getContext(), attrs));
}

/// Whether a value of `type` can be passed as a bare pointer: a tensor or
/// memref of static shape and layout (a tensor bufferizes to an
/// identity-layout memref at function boundaries), or no buffer at all.
static bool isBarePtrPassable(Type type) {
  if (auto tensor = dyn_cast<TensorType>(type))
    return tensor.hasStaticShape();
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref)
    return !isa<BaseMemRefType>(type);
  SmallVector<int64_t> strides;
  int64_t offset;
  return memref.hasStaticShape() &&
         succeeded(memref.getStridesAndOffset(strides, offset)) &&
         ShapedType::isStatic(offset) &&
         llvm::all_of(strides, ShapedType::isStatic);
}

/// Whether the part `func` can take its buffers as bare pointers (only the
/// aligned pointer of each descriptor, one argument instead of 3 + 2 rank):
/// every buffer is of static shape, none is returned (the caller would get
/// the aligned pointer as the allocated one) and the part frees only what
/// it allocates.
static bool canUseBarePtrCallConv(func::FuncOp func) {
  FunctionType type = func.getFunctionType();
  if (!llvm::all_of(type.getInputs(), isBarePtrPassable) ||
      !llvm::all_of(type.getResults(), isBarePtrPassable) ||
      llvm::any_of(type.getResults(), llvm::IsaPred<BaseMemRefType>))
    return false;
  WalkResult freesArgument = func.walk([](memref::DeallocOp dealloc) {
    return dealloc.getMemref().getDefiningOp<memref::AllocOp>()
               ? WalkResult::advance()
               : WalkResult::interrupt();
  });
  return !freesArgument.wasInterrupted();
}

namespace {
/// Cuts one function into parts and outlines them.
class FunctionSplitter {
public:
  FunctionSplitter(func::FuncOp func, SymbolTable &symbols)
      : func(func), body(func.getBody().front()), symbols(symbols) {}

  /// Fills `parts`; false when the function stays whole.
  bool planParts(int64_t maxSize);
  void outlineParts();

private:
  /// The top-level operation of the body that holds `value`'s definition,
  /// or null for the function's arguments.
  Operation *getTopLevelDefiner(Value value);
  /// The part the top-level operation `op` is in, if any.
  std::optional<unsigned> getPart(Operation *op) const;
  void outlinePart(unsigned index);

  func::FuncOp func;
  Block &body;
  SymbolTable &symbols;
  SmallVector<SmallVector<Operation *>> parts;
  DenseMap<Operation *, unsigned> partOf;
};
} // namespace

Operation *FunctionSplitter::getTopLevelDefiner(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def) {
    Block *owner = cast<BlockArgument>(value).getOwner();
    if (owner == &body)
      return nullptr;
    def = owner->getParentOp();
  }
  return body.findAncestorOpInBlock(*def);
}

std::optional<unsigned> FunctionSplitter::getPart(Operation *op) const {
  auto it = partOf.find(op);
  if (it == partOf.end())
    return std::nullopt;
  return it->second;
}

bool FunctionSplitter::planParts(int64_t maxSize) {
  if (getWeight(func) <= maxSize)
    return false;
  int64_t weight = 0;
  parts.emplace_back();
  for (Operation &op : body.without_terminator()) {
    if (isRematerializable(&op))
      continue;
    int64_t opWeight = getWeight(&op);
    if (weight > 0 && weight + opWeight > maxSize) {
      parts.emplace_back();
      weight = 0;
    }
    parts.back().push_back(&op);
    partOf[&op] = parts.size() - 1;
    weight += opWeight;
  }
  if (parts.size() < 2)
    return false;
  // A stack allocation read by a later part would be freed when its own
  // part returns; a tensor of dynamic shape passed from part to part would
  // need a buffer its caller cannot size.
  for (Operation &op : body.without_terminator()) {
    std::optional<unsigned> part = getPart(&op);
    for (Value result : op.getResults()) {
      auto shaped = dyn_cast<ShapedType>(result.getType());
      bool passable =
          !allocatesOnStack(&op) && (!shaped || shaped.hasStaticShape());
      if (passable || !part)
        continue;
      for (Operation *user : result.getUsers())
        if (getPart(body.findAncestorOpInBlock(*user)) != part)
          return false;
    }
  }
  return true;
}

void FunctionSplitter::outlinePart(unsigned index) {
  ArrayRef<Operation *> ops = parts[index];
  // What the part reads from outside (earlier parts' calls, the function's
  // arguments), what it copies, and what later operations read from it.
  llvm::SetVector<Value> inputs;
  llvm::SetVector<Operation *> copied;
  for (Operation *op : ops)
    op->walk([&](Operation *inner) {
      for (Value operand : inner->getOperands()) {
        Operation *definer = getTopLevelDefiner(operand);
        if (definer && getPart(definer) == index)
          continue;
        if (definer && isRematerializable(definer))
          copied.insert(definer);
        else
          inputs.insert(operand);
      }
    });
  SmallVector<Value> outputs;
  for (Operation *op : ops)
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            return getPart(body.findAncestorOpInBlock(*user)) != index;
          }))
        outputs.push_back(result);

  OpBuilder builder(func.getContext());
  auto part = func::FuncOp::create(
      builder, func.getLoc(),
      (func.getName() + "__part" + std::to_string(index)).str(),
      builder.getFunctionType(ValueRange(inputs.getArrayRef()).getTypes(),
                              ValueRange(outputs).getTypes()));
  // Internal and never inlined: LLVM would otherwise put the parts back
  // together, each having a single caller.
  part->setAttr(kPartAttr, builder.getUnitAttr());
  part.setPrivate();
  part->setAttr(
      "llvm.linkage",
      LLVM::LinkageAttr::get(func.getContext(), LLVM::Linkage::Internal));
  addPassthrough(part, {"noinline", "nobuiltin"});
  symbols.insert(part, func->getIterator());

  Block *entry = part.addEntryBlock();
  DenseMap<Value, Value> remap;
  for (auto [input, arg] : llvm::zip(inputs, entry->getArguments()))
    remap[input] = arg;
  builder.setInsertionPointToStart(entry);
  for (Operation *op : copied)
    remap[op->getResult(0)] = builder.clone(*op)->getResult(0);
  auto terminator = func::ReturnOp::create(builder, func.getLoc(), outputs);
  for (Operation *op : ops) {
    op->moveBefore(terminator);
    op->walk([&](Operation *inner) {
      for (OpOperand &operand : inner->getOpOperands())
        if (Value replacement = remap.lookup(operand.get()))
          operand.set(replacement);
    });
  }

  // Arguments as bare pointers: a part reading a thousand model inputs
  // would otherwise take seven thousand scalars, and LLVM's handling of
  // calls is superlinear in their number of arguments.
  if (canUseBarePtrCallConv(part))
    part->setAttr("llvm.bareptr", builder.getUnitAttr());

  builder.setInsertionPoint(body.getTerminator());
  auto call =
      func::CallOp::create(builder, func.getLoc(), part, inputs.getArrayRef());
  for (auto [output, result] : llvm::zip(outputs, call.getResults()))
    output.replaceUsesWithIf(result, [&](OpOperand &use) {
      return !part->isProperAncestor(use.getOwner());
    });
}

void FunctionSplitter::outlineParts() {
  // The function passes its arguments on to its parts, and its C wrapper
  // calls it with every descriptor field.
  addPassthrough(func, {"nobuiltin"});
  for (unsigned index = 0; index < parts.size(); ++index)
    outlinePart(index);
  // Constants left behind were copied into the parts that read them.
  for (Operation &op : llvm::make_early_inc_range(body.without_terminator()))
    if (isRematerializable(&op) && op.use_empty())
      op.erase();
}

namespace {
struct SplitFunctionsPass
    : lowrank::impl::LowrankSplitFunctionsBase<SplitFunctionsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (maxSize < 1) {
      getOperation().emitError("max-size must be at least 1, got ")
          << static_cast<int64_t>(maxSize);
      return signalPassFailure();
    }
    SymbolTable symbols(getOperation());
    for (auto func : llvm::to_vector(getOperation().getOps<func::FuncOp>())) {
      if (func.isExternal() || !func.getBody().hasOneBlock() ||
          (partsOnly && !func->hasAttr(kPartAttr)))
        continue;
      FunctionSplitter splitter(func, symbols);
      if (splitter.planParts(maxSize))
        splitter.outlineParts();
    }
    // LLVM IR has no place for the marks.
    if (partsOnly)
      for (auto func : getOperation().getOps<func::FuncOp>())
        func->removeAttr(kPartAttr);
  }
};
} // namespace
