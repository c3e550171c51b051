//===- FactorPairs.cpp - One runtime call for the two products of a pair -===//
//
// A factorized layer is two weight products, X * A into an intermediate T
// and T * B. After the products became runtime calls, each such pair of
// adjacent calls is merged into one call of the pair entry point, which
// computes both products row block by row block on each thread.
//
//===----------------------------------------------------------------------===//

#include "UKernelSupport.h"
#include "lowrank/Conversion/BufferViews.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using lowrank::getRootBuffer;

namespace lowrank::ukernel {

namespace {

/// How far after the first product the second is looked for.
constexpr unsigned kMaxOpsBetween = 64;

bool calls(func::CallOp call, StringRef callee) {
  return call.getCallee() == callee;
}

/// Whether `op` (or an op nested in it) has an operand viewing `root`;
/// view-like ops themselves do not count.
bool touchesBuffer(Operation *op, Value root) {
  WalkResult result = op->walk([&](Operation *nested) {
    if (isa<ViewLikeOpInterface>(nested))
      return WalkResult::advance();
    for (Value operand : nested->getOperands())
      if (isa<MemRefType>(operand.getType()) && getRootBuffer(operand) == root)
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// The weight product after `first` in its block that reads its output, if
/// no op in between touches that output.
func::CallOp findSecondProduct(func::CallOp first) {
  Value bottleneck = getRootBuffer(first.getOperand(2));
  if (!bottleneck.getDefiningOp<memref::AllocOp>())
    return nullptr;
  unsigned count = 0;
  for (Operation *op = first->getNextNode(); op && count < kMaxOpsBetween;
       op = op->getNextNode(), ++count) {
    auto call = dyn_cast<func::CallOp>(op);
    if (call && (calls(call, kPackedMatmul) || calls(call, kPackedBiasMatmul)))
      if (getRootBuffer(call.getOperand(0)) == bottleneck)
        return call;
    if (!isa<ViewLikeOpInterface>(op) && touchesBuffer(op, bottleneck))
      return nullptr;
  }
  return nullptr;
}

/// Whether no op strictly between `first` and `second` touches a view of
/// `buffer`'s allocation.
bool untouchedBetween(Value buffer, func::CallOp first, func::CallOp second) {
  return succeeded(visitUsesThroughViews(
      buffer, first->getBlock(), [&](OpOperand &, Operation *op) {
        bool between = op != second && first->isBeforeInBlock(op) &&
                       op->isBeforeInBlock(second);
        return failure(between);
      }));
}

/// Collects, in `toMove`, the ops between `first` and `second` that define
/// `value` and its operands, if all are pure or allocations; fails when
/// `value` can be made available at `first` no other way.
LogicalResult collectDefinitions(Value value, func::CallOp first,
                                 func::CallOp second,
                                 llvm::SetVector<Operation *> &toMove) {
  if (isAvailableAt(value, first))
    return success();
  Operation *def = value.getDefiningOp();
  if (!def || def->getBlock() != first->getBlock() ||
      !def->isBeforeInBlock(second) || def->getNumRegions() != 0 ||
      !(isPure(def) || isa<memref::AllocOp>(def)))
    return failure();
  if (toMove.contains(def))
    return success();
  for (Value operand : def->getOperands())
    if (failed(collectDefinitions(operand, first, second, toMove)))
      return failure();
  toMove.insert(def);
  return success();
}

/// Replaces `first` and `second` by one call of the pair entry point at
/// `first`, or fails, changing nothing.
LogicalResult mergePair(func::CallOp first, func::CallOp second,
                        ModuleOp module, SymbolTable &symbols) {
  bool bias = calls(second, kPackedBiasMatmul);
  Value output = second.getOperand(2);
  if (getRootBuffer(output) == getRootBuffer(first.getOperand(2)) ||
      !untouchedBetween(output, first, second))
    return failure();
  // The second's weight and bias must hold the same values at `first`.
  for (unsigned i = 1, e = bias ? 4 : 2; i < e; ++i)
    if (!untouchedBetween(second.getOperand(i), first, second))
      return failure();
  llvm::SetVector<Operation *> toMove;
  for (Value operand : second.getOperands())
    if (failed(collectDefinitions(operand, first, second, toMove)))
      return failure();
  // Operands come before their users in `toMove`.
  for (Operation *op : toMove)
    op->moveBefore(first);

  // (X, A, T, B, Y, [bias], slotA, slotB, flagsA, flagsB)
  SmallVector<Value> arguments = {first.getOperand(0), first.getOperand(1),
                                  first.getOperand(2), second.getOperand(1),
                                  output};
  if (bias)
    arguments.push_back(second.getOperand(3));
  arguments.push_back(first.getOperand(3));
  arguments.push_back(second.getOperand(bias ? 4 : 3));
  arguments.push_back(first.getOperand(4));
  arguments.push_back(second.getOperand(bias ? 5 : 4));
  func::FuncOp declaration =
      getOrDeclare(module, symbols, bias ? kPairBiasMatmul : kPairMatmul,
                   ValueRange(arguments).getTypes());
  OpBuilder builder(first);
  func::CallOp::create(builder, first.getLoc(), declaration, arguments);
  first->erase();
  second->erase();
  return success();
}

} // namespace

unsigned fuseFactorPairs(ModuleOp module, SymbolTable &symbols) {
  SmallVector<func::CallOp> candidates;
  module.walk([&](func::CallOp call) {
    if (calls(call, kPackedMatmul))
      candidates.push_back(call);
  });
  llvm::DenseSet<Operation *> erased;
  unsigned merged = 0;
  for (func::CallOp first : candidates) {
    if (erased.contains(first))
      continue;
    func::CallOp second = findSecondProduct(first);
    if (!second)
      continue;
    Operation *secondOp = second;
    if (failed(mergePair(first, second, module, symbols)))
      continue;
    erased.insert(first);
    erased.insert(secondOp);
    ++merged;
  }
  // Declarations that only the merged calls used.
  for (StringRef name : {kPackedMatmul, kPackedBiasMatmul})
    if (auto declaration = symbols.lookup<func::FuncOp>(name))
      if (SymbolTable::symbolKnownUseEmpty(declaration, module))
        symbols.erase(declaration);
  return merged;
}

} // namespace lowrank::ukernel
