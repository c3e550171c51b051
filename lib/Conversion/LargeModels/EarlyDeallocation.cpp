//===- EarlyDeallocation.cpp - Free buffers after their last use ----------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKEARLYDEALLOCATION
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

/// Whether `user` reads or writes a memref operand without keeping a
/// pointer to it past its own execution.
static bool isTransientUse(Operation *user) {
  if (isa<memref::LoadOp, memref::StoreOp, memref::CopyOp, memref::DimOp,
          memref::DeallocOp>(user))
    return true;
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(user))
    return linalgOp.hasPureBufferSemantics();
  // Calls of the runtime's kernels; a callee returning a memref might
  // return this one.
  if (auto call = dyn_cast<func::CallOp>(user))
    return llvm::none_of(call.getResultTypes(), llvm::IsaPred<BaseMemRefType>);
  return false;
}

/// The memref results of `user` that alias its operand `value`, if `user`
/// only makes views of it; std::nullopt when `user` is not a view.
static std::optional<SmallVector<Value>> getViews(Operation *user,
                                                  Value value) {
  if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
    if (view.getViewSource() != value)
      return std::nullopt;
    return SmallVector<Value>(user->getResults());
  }
  if (auto metadata = dyn_cast<memref::ExtractStridedMetadataOp>(user))
    return SmallVector<Value>{metadata.getBaseBuffer()};
  return std::nullopt;
}

namespace {
/// Finds where each buffer of one block can be freed. Positions are numbered
/// once: asking MLIR for the order of operations after every move would
/// renumber the block each time.
class LastUseFinder {
public:
  explicit LastUseFinder(Block &block) : block(block) {
    for (auto [index, op] : llvm::enumerate(block))
      positions[&op] = index;
  }

  /// The last operation of the block that uses `buffer` or a view of it
  /// other than `dealloc`, or null when a use may keep a pointer to it
  /// (the buffer is then freed where it was).
  Operation *find(Value buffer, Operation *dealloc) {
    Operation *last = buffer.getDefiningOp();
    SmallVector<Value> worklist = {buffer};
    while (!worklist.empty()) {
      Value value = worklist.pop_back_val();
      for (Operation *user : value.getUsers()) {
        if (user == dealloc)
          continue;
        if (std::optional<SmallVector<Value>> views = getViews(user, value))
          worklist.append(*views);
        else if (!isTransientUse(user))
          return nullptr;
        Operation *top = block.findAncestorOpInBlock(*user);
        if (!top)
          return nullptr;
        if (positions.lookup(top) > positions.lookup(last))
          last = top;
      }
    }
    return positions.lookup(last) < positions.lookup(dealloc) ? last : nullptr;
  }

private:
  Block &block;
  DenseMap<Operation *, unsigned> positions;
};

struct EarlyDeallocationPass
    : lowrank::impl::LowrankEarlyDeallocationBase<EarlyDeallocationPass> {
  using Base::Base;
  void runOnOperation() override {
    for (Block &block : getOperation().getBody()) {
      LastUseFinder finder(block);
      SmallVector<std::pair<Operation *, Operation *>> moves;
      for (auto dealloc : block.getOps<memref::DeallocOp>()) {
        auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
        if (!alloc || alloc->getBlock() != &block)
          continue;
        if (Operation *last = finder.find(alloc.getResult(), dealloc))
          moves.push_back({dealloc, last});
      }
      for (auto [dealloc, last] : moves)
        dealloc->moveAfter(last);
    }
  }
};
} // namespace
