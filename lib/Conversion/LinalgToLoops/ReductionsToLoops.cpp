//===- ReductionsToLoops.cpp - Reductions with register accumulators ------===//
//
// convert-linalg-to-loops lowers a reduction to loads and stores of the
// output element in every iteration. LLVM cannot keep that element in a
// register (the output may alias an input as far as it knows) and, without
// permission to reassociate, cannot vectorize the chain of additions: a
// softmax's row sums ran one scalar add at a time. Here the parallel loops
// go outside, the reduction loops inside carry the accumulators as loop
// values, and the combining operations may be reassociated.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKREDUCTIONSTOLOOPS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {

/// Whether `op` is a reduction this pass lowers: on buffers, every output
/// indexed by parallel dims only (a reduction's definition), and a body of
/// arithmetic without side effects or nested regions.
bool isLowerableReduction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumReductionLoops() == 0)
    return false;
  for (Operation &bodyOp : op.getBlock()->without_terminator())
    if (bodyOp.getNumRegions() || !isMemoryEffectFree(&bodyOp))
      return false;
  return llvm::all_of(op->getOperands(), [](Value operand) {
    return isa<MemRefType>(operand.getType());
  });
}

/// Marks the ops that combine an accumulator with a new value as
/// reassociable, so that LLVM may split the chain across vector lanes.
void allowReassociation(Operation *combine) {
  if (auto fastMath = dyn_cast<arith::ArithFastMathInterface>(combine))
    combine->setAttr(
        fastMath.getFastMathAttrName(),
        arith::FastMathFlagsAttr::get(
            combine->getContext(), fastMath.getFastMathFlagsAttr().getValue() |
                                       arith::FastMathFlags::reassoc));
}

/// The indices of an operand read through `map` at the loop indices `ivs`
/// (null for loops not yet built or already closed, which the map may name
/// without using).
SmallVector<Value> getIndices(OpBuilder &builder, Location loc, AffineMap map,
                              ArrayRef<Value> ivs) {
  SmallVector<Value> indices;
  SmallVector<Value> dims;
  for (AffineExpr expr : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      assert(ivs[dim.getPosition()] && "an index of a loop not yet built");
      indices.push_back(ivs[dim.getPosition()]);
      continue;
    }
    if (auto constant = dyn_cast<AffineConstantExpr>(expr)) {
      indices.push_back(
          arith::ConstantIndexOp::create(builder, loc, constant.getValue()));
      continue;
    }
    if (dims.empty()) {
      Value zero;
      for (Value iv : ivs) {
        if (!iv && !zero)
          zero = arith::ConstantIndexOp::create(builder, loc, 0);
        dims.push_back(iv ? iv : zero);
      }
    }
    indices.push_back(affine::AffineApplyOp::create(
        builder, loc, AffineMap::get(map.getNumDims(), 0, expr), dims));
  }
  return indices;
}

void lowerReduction(linalg::GenericOp op) {
  OpBuilder builder(op);
  Location loc = op.getLoc();
  SmallVector<Range, 4> ranges =
      cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(builder, loc);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  unsigned numLoops = ranges.size();
  SmallVector<Value> ivs(numLoops);

  // Loop bounds, built once at the op's place.
  SmallVector<Value> lowers, uppers, steps;
  for (Range &range : ranges) {
    lowers.push_back(
        getValueOrCreateConstantIndexOp(builder, loc, range.offset));
    uppers.push_back(getValueOrCreateConstantIndexOp(builder, loc, range.size));
    steps.push_back(
        getValueOrCreateConstantIndexOp(builder, loc, range.stride));
  }
  auto makeLoop = [&](unsigned dim, ValueRange inits,
                      function_ref<SmallVector<Value>(ValueRange)> body) {
    auto loop = scf::ForOp::create(
        builder, loc, lowers[dim], uppers[dim], steps[dim], inits,
        [&](OpBuilder &nested, Location, Value iv, ValueRange iterArgs) {
          ivs[dim] = iv;
          OpBuilder::InsertionGuard guard(builder);
          builder.setInsertionPoint(nested.getInsertionBlock(),
                                    nested.getInsertionPoint());
          SmallVector<Value> results = body(iterArgs);
          scf::YieldOp::create(builder, loc, results);
        });
    return SmallVector<Value>(loop.getResults());
  };

  SmallVector<unsigned> parallelDims, reductionDims;
  for (unsigned d = 0; d < numLoops; ++d)
    (iterators[d] == utils::IteratorType::reduction ? reductionDims
                                                    : parallelDims)
        .push_back(d);

  // The reduction loops, innermost, on the accumulators `accs`.
  std::function<SmallVector<Value>(size_t, ValueRange)> buildReduction =
      [&](size_t level, ValueRange accs) -> SmallVector<Value> {
    if (level < reductionDims.size())
      return makeLoop(reductionDims[level], accs, [&](ValueRange iterArgs) {
        return buildReduction(level + 1, iterArgs);
      });
    IRMapping mapping;
    Block *body = op.getBlock();
    for (OpOperand *input : op.getDpsInputOperands())
      mapping.map(
          body->getArgument(input->getOperandNumber()),
          memref::LoadOp::create(
              builder, loc, input->get(),
              getIndices(builder, loc, maps[input->getOperandNumber()], ivs)));
    for (auto [i, init] : llvm::enumerate(op.getDpsInitsMutable()))
      mapping.map(body->getArgument(init.getOperandNumber()), accs[i]);
    for (Operation &bodyOp : body->without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(bodyOp)) {
        mapping.map(index.getResult(), ivs[index.getDim()]);
        continue;
      }
      Operation *clone = builder.clone(bodyOp, mapping);
      if (llvm::any_of(clone->getOperands(), [&](Value operand) {
            return llvm::is_contained(accs, operand);
          }))
        allowReassociation(clone);
    }
    SmallVector<Value> results;
    for (Value yielded : body->getTerminator()->getOperands())
      results.push_back(mapping.lookupOrDefault(yielded));
    return results;
  };

  // The parallel loops outside: load the outputs, reduce, store them.
  std::function<void(size_t)> buildParallel = [&](size_t level) {
    if (level < parallelDims.size()) {
      makeLoop(parallelDims[level], {}, [&](ValueRange) {
        buildParallel(level + 1);
        return SmallVector<Value>();
      });
      return;
    }
    // Outputs are indexed by the parallel loops only.
    for (unsigned d : reductionDims)
      ivs[d] = nullptr;
    SmallVector<Value> accs;
    for (OpOperand &init : op.getDpsInitsMutable())
      accs.push_back(memref::LoadOp::create(
          builder, loc, init.get(),
          getIndices(builder, loc, maps[init.getOperandNumber()], ivs)));
    SmallVector<Value> results = buildReduction(0, accs);
    for (unsigned d : reductionDims)
      ivs[d] = nullptr;
    for (auto [i, init] : llvm::enumerate(op.getDpsInitsMutable())) {
      memref::StoreOp::create(
          builder, loc, results[i], init.get(),
          getIndices(builder, loc, maps[init.getOperandNumber()], ivs));
    }
  };
  buildParallel(0);
  op->erase();
}

struct ReductionsToLoopsPass
    : lowrank::impl::LowrankReductionsToLoopsBase<ReductionsToLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> reductions;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (isLowerableReduction(op))
        reductions.push_back(op);
    });
    for (linalg::GenericOp op : reductions)
      lowerReduction(op);
  }
};

} // namespace
