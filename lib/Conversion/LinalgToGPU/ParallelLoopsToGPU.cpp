//===- ParallelLoopsToGPU.cpp - Host-level loops and accesses to kernels --===//
//
// After convert-linalg-to-parallel-loops, the non-matmul work of a function
// is a sequence of scf.parallel loops (elementwise ops, the parallel
// dimensions of reductions) plus the odd serial loop or scalar access.
// Each parallel loop becomes a linearized one-dimensional launch; serial
// memory work is moved into single-thread launches, because host code
// must not touch device buffers.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/LinalgToGPU/KernelNames.h"
#include "lowrank/Conversion/LinalgToGPU/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/MathExtras.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKPARALLELLOOPSTOGPU
#include "lowrank/Conversion/LinalgToGPU/Passes.h.inc"
} // namespace lowrank

#define DEBUG_TYPE "lowrank-parallel-loops-to-gpu"

using namespace mlir;

namespace {

/// Whether `op` or an op nested in it reads or writes a buffer (as opposed
/// to allocating, freeing or viewing one) outside the host stack.
static bool accessesMemory(Operation *op) {
  WalkResult result = op->walk([](Operation *nested) {
    if (isa<gpu::LaunchOp>(nested))
      return WalkResult::skip();
    auto effects = dyn_cast<MemoryEffectOpInterface>(nested);
    if (!effects)
      return WalkResult::advance();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &instance : instances) {
      if (!isa<MemoryEffects::Read, MemoryEffects::Write>(instance.getEffect()))
        continue;
      Value buffer = instance.getValue();
      if (buffer && buffer.getDefiningOp<memref::AllocaOp>())
        continue;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// A host-level load whose value the host needs (a slice bound read from a
/// graph input, say) reads through a one-element device buffer copied to
/// the host stack: the load itself runs in a kernel.
static void readThroughHost(memref::LoadOp load) {
  OpBuilder b(load);
  Location loc = load.getLoc();
  auto scalarType = MemRefType::get({1}, load.getType());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value staging = memref::AllocOp::create(b, loc, scalarType);
  Value host = memref::AllocaOp::create(b, loc, scalarType);
  auto copyLoad =
      memref::LoadOp::create(b, loc, load.getMemRef(), load.getIndices());
  auto copyStore =
      memref::StoreOp::create(b, loc, copyLoad, staging, ValueRange{zero});
  (void)copyStore;
  gpu::MemcpyOp::create(b, loc, /*asyncToken=*/Type(), ValueRange{}, host,
                        staging);
  Value value = memref::LoadOp::create(b, loc, host, ValueRange{zero});
  memref::DeallocOp::create(b, loc, staging);
  load.replaceAllUsesWith(value);
  load.erase();
}

static Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// The linear id of the calling thread in a one-dimensional launch.
static Value linearThreadId(OpBuilder &b, Location loc, gpu::LaunchOp launch,
                            Value blockSize) {
  Value base = arith::MulIOp::create(b, loc, launch.getBlockIds().x, blockSize);
  return arith::AddIOp::create(b, loc, base, launch.getThreadIds().x);
}

/// Replaces `loop` by a launch with one thread per iteration.
static void convertParallelLoop(scf::ParallelOp loop, int64_t blockSize) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> tripCounts;
  Value total = indexConstant(b, loc, 1);
  std::optional<int64_t> staticTotal = 1;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    Value trips = arith::CeilDivUIOp::create(b, loc, span, step);
    tripCounts.push_back(trips);
    total = arith::MulIOp::create(b, loc, total, trips);
    std::optional<int64_t> lbValue = getConstantIntValue(lb),
                           ubValue = getConstantIntValue(ub),
                           stepValue = getConstantIntValue(step);
    if (staticTotal && lbValue && ubValue && stepValue && *stepValue > 0)
      *staticTotal *= std::max<int64_t>(
          0, llvm::divideCeil(*ubValue - *lbValue, *stepValue));
    else
      staticTotal.reset();
  }
  if (staticTotal && *staticTotal == 0) {
    loop.erase();
    return;
  }
  int64_t threads = blockSize;
  if (staticTotal && *staticTotal < blockSize)
    threads = *staticTotal;
  Value blockDim = indexConstant(b, loc, threads);
  Value grid = arith::CeilDivUIOp::create(b, loc, total, blockDim);
  Value one = indexConstant(b, loc, 1);
  auto func = loop->getParentOfType<func::FuncOp>();
  std::string name = lowrank::nextKernelName(func, "elementwise");
  auto launch =
      gpu::LaunchOp::create(b, loc, grid, one, one, blockDim, one, one);
  lowrank::setKernelName(launch, name);

  b.setInsertionPointToStart(&launch.getBody().front());
  Value id = linearThreadId(b, loc, launch, blockDim);
  Value inside =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id, total);
  auto guard = scf::IfOp::create(b, loc, inside, /*withElse=*/false);
  gpu::TerminatorOp::create(b, loc);

  // Delinearize with the innermost dimension fastest.
  b.setInsertionPointToStart(guard.thenBlock());
  IRMapping mapping;
  Value remaining = id;
  unsigned rank = loop.getNumLoops();
  for (unsigned d = rank; d-- > 0;) {
    Value position = arith::RemUIOp::create(b, loc, remaining, tripCounts[d]);
    remaining = arith::DivUIOp::create(b, loc, remaining, tripCounts[d]);
    Value offset = arith::MulIOp::create(b, loc, position, loop.getStep()[d]);
    mapping.map(loop.getInductionVars()[d],
                arith::AddIOp::create(b, loc, loop.getLowerBound()[d], offset));
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  loop.erase();
}

/// Moves `ops` (consecutive in one block) into a single-thread launch.
static LogicalResult moveToSerialKernel(ArrayRef<Operation *> ops) {
  Operation *first = ops.front();
  llvm::SmallPtrSet<Operation *, 8> moved(ops.begin(), ops.end());
  for (Operation *op : ops)
    for (Value result : op->getResults())
      for (Operation *user : result.getUsers()) {
        Operation *ancestor = op->getBlock()->findAncestorOpInBlock(*user);
        if (!ancestor || !moved.contains(ancestor))
          return op->emitOpError()
                 << "reads device memory into a value the host uses; the "
                    "GPU pipeline cannot place it";
      }
  OpBuilder b(first);
  Location loc = first->getLoc();
  Value one = indexConstant(b, loc, 1);
  auto func = first->getParentOfType<func::FuncOp>();
  std::string name = lowrank::nextKernelName(func, "serial");
  auto launch = gpu::LaunchOp::create(b, loc, one, one, one, one, one, one);
  lowrank::setKernelName(launch, name);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  auto terminator = gpu::TerminatorOp::create(b, loc);
  for (Operation *op : ops)
    op->moveBefore(terminator);
  return success();
}

struct ParallelLoopsToGPUPass
    : lowrank::impl::LowrankParallelLoopsToGPUBase<ParallelLoopsToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    if (blockSize <= 0 || blockSize > 1024) {
      getOperation().emitError()
          << "lowrank-parallel-loops-to-gpu: block-size must be in [1, 1024]";
      return signalPassFailure();
    }
    // Loads whose value host code uses (index arithmetic, say); a load that
    // only feeds device work moves into the kernel with it.
    SmallVector<memref::LoadOp> hostLoads;
    for (Block &block : getOperation().getBody()) {
      auto runsOnHost = [&](Operation *user) {
        // A user in another block of the function (after control flow was
        // lowered to branches) is host code.
        Operation *top = block.findAncestorOpInBlock(*user);
        return !top || top->hasTrait<OpTrait::IsTerminator>() ||
               isa<gpu::GPUDialect>(top->getDialect()) ||
               (!isa<scf::ParallelOp>(top) && !accessesMemory(top));
      };
      for (auto load : block.getOps<memref::LoadOp>())
        if (!load.getMemRef().getDefiningOp<memref::AllocaOp>() &&
            llvm::any_of(load->getUsers(), runsOnHost))
          hostLoads.push_back(load);
    }
    for (memref::LoadOp load : hostLoads)
      readThroughHost(load);

    SmallVector<scf::ParallelOp> parallelLoops;
    SmallVector<SmallVector<Operation *>> serialRuns;
    for (Block &block : getOperation().getBody()) {
      SmallVector<Operation *> run;
      auto flush = [&] {
        if (!run.empty())
          serialRuns.push_back(std::move(run));
        run.clear();
      };
      for (Operation &op : block) {
        auto loop = dyn_cast<scf::ParallelOp>(op);
        if (loop && loop.getNumResults() == 0) {
          flush();
          parallelLoops.push_back(loop);
          continue;
        }
        // gpu ops (launches, copies) are issued by the host.
        if (op.hasTrait<OpTrait::IsTerminator>() ||
            isa<gpu::GPUDialect>(op.getDialect()) || !accessesMemory(&op)) {
          flush();
          continue;
        }
        run.push_back(&op);
      }
      flush();
    }
    for (scf::ParallelOp loop : parallelLoops)
      convertParallelLoop(loop, blockSize);
    for (ArrayRef<Operation *> run : serialRuns)
      if (failed(moveToSerialKernel(run)))
        return signalPassFailure();
  }
};

} // namespace
