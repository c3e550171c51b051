//===- MatmulToGPU.cpp - Shared-memory tiled kernels for contractions -----===//
//
// Each matmul-like linalg op on buffers becomes one gpu.launch: blocks own
// output tiles, threads own register tiles, and the K loop stages input
// tiles through workgroup memory so that every loaded element is reused
// by a row or a column of threads.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/LinalgToGPU/KernelNames.h"
#include "lowrank/Conversion/LinalgToGPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/MathExtras.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKLINALGMATMULTOGPU
#include "lowrank/Conversion/LinalgToGPU/Passes.h.inc"
} // namespace lowrank

#define DEBUG_TYPE "lowrank-linalg-matmul-to-gpu"

using namespace mlir;

namespace {

struct TileConfig {
  int64_t tileM, tileN, tileK, threadM, threadN;
  int64_t threadsX() const { return tileN / threadN; }
  int64_t threadsY() const { return tileM / threadM; }
  int64_t numThreads() const { return threadsX() * threadsY(); }
};

/// The loops of one contraction, as positions in the op's iteration space.
struct ContractionLoops {
  SmallVector<unsigned> batch;
  unsigned m, n, k;
  SmallVector<int64_t> sizes;
  /// The input read at (m, k) and the one read at (k, n).
  unsigned lhs, rhs;
};

static FailureOr<ContractionLoops> matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.hasIndexSemantics() ||
      !op.hasOnlyProjectedPermutations() ||
      !linalg::isaContractionOpInterface(op))
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1)
    return failure();
  ContractionLoops loops;
  loops.batch.assign(dims->batch.begin(), dims->batch.end());
  loops.m = dims->m[0];
  loops.n = dims->n[0];
  loops.k = dims->k[0];
  loops.sizes = op.getStaticLoopRanges();
  if (llvm::any_of(loops.sizes, [](int64_t s) {
        return ShapedType::isDynamic(s) || s <= 0;
      }))
    return failure();
  AffineMap first = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  loops.lhs = first.isFunctionOfDim(loops.m) ? 0 : 1;
  loops.rhs = 1 - loops.lhs;
  AffineMap lhsMap =
      op.getMatchingIndexingMap(op.getDpsInputOperand(loops.lhs));
  AffineMap rhsMap =
      op.getMatchingIndexingMap(op.getDpsInputOperand(loops.rhs));
  if (lhsMap.isFunctionOfDim(loops.n) || rhsMap.isFunctionOfDim(loops.m))
    return failure();
  return loops;
}

/// Indices of an operand whose indexing map is a projected permutation.
static SmallVector<Value> operandIndices(AffineMap map, ArrayRef<Value> ivs) {
  SmallVector<Value> indices;
  for (AffineExpr expr : map.getResults())
    indices.push_back(ivs[cast<AffineDimExpr>(expr).getPosition()]);
  return indices;
}

/// Whether the fastest-varying index of the operand is loop `dim`.
static bool isContiguousIn(AffineMap map, unsigned dim) {
  return map.getNumResults() > 0 &&
         cast<AffineDimExpr>(map.getResults().back()).getPosition() == dim;
}

class KernelBuilder {
public:
  KernelBuilder(linalg::LinalgOp op, const ContractionLoops &loops,
                const TileConfig &config)
      : op(op), loops(loops), config(config), loc(op.getLoc()),
        b(op.getOperation()) {}

  void build(StringRef kernelName);

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value lessThan(Value x, int64_t bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x,
                                 index(bound));
  }
  Value clamp(Value x, int64_t bound) {
    return arith::MinUIOp::create(b, loc, x, index(bound - 1));
  }
  Value zero(Type type) {
    return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  }

  /// Loads `tileRows x tileK` elements of one input into workgroup memory
  /// `tile[kk][row]`, zero outside the operand. `rowDim` is m or n.
  void stageTile(OpOperand *operand, Value tile, unsigned rowDim,
                 int64_t tileRows, Value rowBase, Value k0, Value linearTid,
                 ArrayRef<Value> batchIvs);

  /// Clones the op's body: acc = body(a, b, acc).
  Value accumulate(Value lhsValue, Value rhsValue, Value acc);

  linalg::LinalgOp op;
  const ContractionLoops &loops;
  const TileConfig &config;
  Location loc;
  OpBuilder b;
};

void KernelBuilder::stageTile(OpOperand *operand, Value tile, unsigned rowDim,
                              int64_t tileRows, Value rowBase, Value k0,
                              Value linearTid, ArrayRef<Value> batchIvs) {
  AffineMap map = op.getMatchingIndexingMap(operand);
  Type elementType = getElementTypeOrSelf(operand->get().getType());
  int64_t rows = loops.sizes[rowDim], depth = loops.sizes[loops.k];
  // Consecutive threads read consecutive addresses of the operand.
  bool kFastest = isContiguousIn(map, loops.k);
  int64_t perThread = tileRows * config.tileK / config.numThreads();
  for (int64_t l = 0; l < perThread; ++l) {
    Value e = add(linearTid, index(l * config.numThreads()));
    Value row, kk;
    if (kFastest) {
      row = arith::DivUIOp::create(b, loc, e, index(config.tileK));
      kk = arith::RemUIOp::create(b, loc, e, index(config.tileK));
    } else {
      kk = arith::DivUIOp::create(b, loc, e, index(tileRows));
      row = arith::RemUIOp::create(b, loc, e, index(tileRows));
    }
    Value globalRow = add(rowBase, row), globalK = add(k0, kk);
    SmallVector<Value> ivs(loops.sizes.size());
    for (auto [dim, iv] : llvm::zip(loops.batch, batchIvs))
      ivs[dim] = iv;
    // Clamped indices keep every load in bounds; the select zeroes what
    // lies outside, which adds nothing to the accumulators.
    bool rowsExact = rows % tileRows == 0,
         depthExact = depth % config.tileK == 0;
    ivs[rowDim] = rowsExact ? globalRow : clamp(globalRow, rows);
    ivs[loops.k] = depthExact ? globalK : clamp(globalK, depth);
    Value value = memref::LoadOp::create(b, loc, operand->get(),
                                         operandIndices(map, ivs));
    Value inside;
    if (!rowsExact)
      inside = lessThan(globalRow, rows);
    if (!depthExact) {
      Value kInside = lessThan(globalK, depth);
      inside =
          inside ? arith::AndIOp::create(b, loc, inside, kInside) : kInside;
    }
    if (inside)
      value = arith::SelectOp::create(b, loc, inside, value, zero(elementType));
    memref::StoreOp::create(b, loc, value, tile, ValueRange{kk, row});
  }
}

Value KernelBuilder::accumulate(Value lhsValue, Value rhsValue, Value acc) {
  Block &body = op->getRegion(0).front();
  IRMapping mapping;
  mapping.map(body.getArgument(loops.lhs), lhsValue);
  mapping.map(body.getArgument(loops.rhs), rhsValue);
  mapping.map(body.getArgument(2), acc);
  for (Operation &nested : body.without_terminator()) {
    Operation *clone = b.clone(nested, mapping);
    // Multiply-adds may fuse into FMAs, as CUDA compilers do by default.
    // Some ops (extf, truncf) carry the flags as an optional attribute.
    if (auto fastMath = dyn_cast<arith::ArithFastMathInterface>(clone)) {
      arith::FastMathFlagsAttr flags = fastMath.getFastMathFlagsAttr();
      clone->setAttr(fastMath.getFastMathAttrName(),
                     arith::FastMathFlagsAttr::get(
                         b.getContext(), (flags ? flags.getValue()
                                                : arith::FastMathFlags::none) |
                                             arith::FastMathFlags::contract));
    }
  }
  return mapping.lookup(body.getTerminator()->getOperand(0));
}

void KernelBuilder::build(StringRef kernelName) {
  int64_t sizeM = loops.sizes[loops.m], sizeN = loops.sizes[loops.n],
          sizeK = loops.sizes[loops.k];
  int64_t batchCount = 1;
  for (unsigned dim : loops.batch)
    batchCount *= loops.sizes[dim];
  OpOperand *lhs = op.getDpsInputOperand(loops.lhs);
  OpOperand *rhs = op.getDpsInputOperand(loops.rhs);
  OpOperand *out = op.getDpsInitOperand(0);

  // One padding column keeps the k-fastest stores free of bank conflicts.
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto lhsTileType = MemRefType::get({config.tileK, config.tileM + 1},
                                     getElementTypeOrSelf(lhs->get().getType()),
                                     MemRefLayoutAttrInterface(), workgroup);
  auto rhsTileType = MemRefType::get({config.tileK, config.tileN + 1},
                                     getElementTypeOrSelf(rhs->get().getType()),
                                     MemRefLayoutAttrInterface(), workgroup);

  Value one = index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, index(llvm::divideCeil(sizeN, config.tileN)),
      index(llvm::divideCeil(sizeM, config.tileM)), index(batchCount),
      index(config.threadsX()), index(config.threadsY()), one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, TypeRange{lhsTileType, rhsTileType});
  lowrank::setKernelName(launch, kernelName);
  b.setInsertionPointToStart(&launch.getBody().front());
  gpu::KernelDim3 blockIds = launch.getBlockIds();
  gpu::KernelDim3 threadIds = launch.getThreadIds();
  Value lhsTile = launch.getWorkgroupAttributions()[0];
  Value rhsTile = launch.getWorkgroupAttributions()[1];

  SmallVector<Value> batchIvs;
  Value remaining = blockIds.z;
  for (unsigned dim : llvm::reverse(loops.batch)) {
    batchIvs.insert(
        batchIvs.begin(),
        arith::RemUIOp::create(b, loc, remaining, index(loops.sizes[dim])));
    remaining =
        arith::DivUIOp::create(b, loc, remaining, index(loops.sizes[dim]));
  }
  Value rowBase = mul(blockIds.y, index(config.tileM));
  Value colBase = mul(blockIds.x, index(config.tileN));
  Value linearTid =
      add(mul(threadIds.y, index(config.threadsX())), threadIds.x);

  // Thread (tx, ty) owns rows ty + i * threadsY and columns tx + j * threadsX.
  SmallVector<Value> localRows, localCols, rows, cols;
  for (int64_t i = 0; i < config.threadM; ++i) {
    localRows.push_back(add(threadIds.y, index(i * config.threadsY())));
    rows.push_back(add(rowBase, localRows.back()));
  }
  for (int64_t j = 0; j < config.threadN; ++j) {
    localCols.push_back(add(threadIds.x, index(j * config.threadsX())));
    cols.push_back(add(colBase, localCols.back()));
  }
  AffineMap outMap = op.getMatchingIndexingMap(out);
  auto outIndices = [&](int64_t i, int64_t j, bool clamped) {
    SmallVector<Value> ivs(loops.sizes.size());
    for (auto [dim, iv] : llvm::zip(loops.batch, batchIvs))
      ivs[dim] = iv;
    ivs[loops.m] =
        clamped && sizeM % config.tileM ? clamp(rows[i], sizeM) : rows[i];
    ivs[loops.n] =
        clamped && sizeN % config.tileN ? clamp(cols[j], sizeN) : cols[j];
    return operandIndices(outMap, ivs);
  };

  // Accumulators start from the output buffer, as linalg accumulates.
  SmallVector<Value> initial;
  for (int64_t i = 0; i < config.threadM; ++i)
    for (int64_t j = 0; j < config.threadN; ++j)
      initial.push_back(
          memref::LoadOp::create(b, loc, out->get(), outIndices(i, j, true)));

  auto kLoop = scf::ForOp::create(b, loc, index(0), index(sizeK),
                                  index(config.tileK), initial);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k0 = kLoop.getInductionVar();
    stageTile(lhs, lhsTile, loops.m, config.tileM, rowBase, k0, linearTid,
              batchIvs);
    stageTile(rhs, rhsTile, loops.n, config.tileN, colBase, k0, linearTid,
              batchIvs);
    gpu::BarrierOp::create(b, loc);
    // The staged depth is unrolled: shared-memory offsets become constants
    // and the accumulators stay in registers.
    SmallVector<Value> accs(kLoop.getRegionIterArgs());
    for (int64_t step = 0; step < config.tileK; ++step) {
      Value kk = index(step);
      SmallVector<Value> lhsValues, rhsValues;
      for (Value row : localRows)
        lhsValues.push_back(
            memref::LoadOp::create(b, loc, lhsTile, ValueRange{kk, row}));
      for (Value col : localCols)
        rhsValues.push_back(
            memref::LoadOp::create(b, loc, rhsTile, ValueRange{kk, col}));
      for (int64_t i = 0; i < config.threadM; ++i)
        for (int64_t j = 0; j < config.threadN; ++j) {
          Value &acc = accs[i * config.threadN + j];
          acc = accumulate(lhsValues[i], rhsValues[j], acc);
        }
    }
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, accs);
  }

  for (int64_t i = 0; i < config.threadM; ++i) {
    for (int64_t j = 0; j < config.threadN; ++j) {
      Value result = kLoop.getResult(i * config.threadN + j);
      Value inside;
      if (sizeM % config.tileM)
        inside = lessThan(rows[i], sizeM);
      if (sizeN % config.tileN) {
        Value colInside = lessThan(cols[j], sizeN);
        inside = inside ? arith::AndIOp::create(b, loc, inside, colInside)
                        : colInside;
      }
      if (!inside) {
        memref::StoreOp::create(b, loc, result, out->get(),
                                outIndices(i, j, false));
        continue;
      }
      auto guard = scf::IfOp::create(b, loc, inside, /*withElse=*/false);
      OpBuilder::InsertionGuard insideGuard(b);
      b.setInsertionPointToStart(guard.thenBlock());
      memref::StoreOp::create(b, loc, result, out->get(),
                              outIndices(i, j, false));
    }
  }
  gpu::TerminatorOp::create(b, loc);
}

struct LinalgMatmulToGPUPass
    : lowrank::impl::LowrankLinalgMatmulToGPUBase<LinalgMatmulToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    TileConfig config{tileM, tileN, tileK, threadTileM, threadTileN};
    if (config.tileM <= 0 || config.tileN <= 0 || config.tileK <= 0 ||
        config.threadM <= 0 || config.threadN <= 0 ||
        config.tileM % config.threadM || config.tileN % config.threadN ||
        config.numThreads() > 1024 ||
        (config.tileM * config.tileK) % config.numThreads() ||
        (config.tileN * config.tileK) % config.numThreads()) {
      getOperation().emitError()
          << "lowrank-linalg-matmul-to-gpu: tiles must divide into the "
             "thread tiles, use at most 1024 threads, and give each thread "
             "a whole number of staged elements";
      return signalPassFailure();
    }
    func::FuncOp func = getOperation();
    SmallVector<std::pair<linalg::LinalgOp, ContractionLoops>> matches;
    func.walk([&](linalg::LinalgOp op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      FailureOr<ContractionLoops> loops = matchContraction(op);
      if (succeeded(loops))
        matches.emplace_back(op, std::move(*loops));
    });
    for (auto &[op, loops] : matches) {
      KernelBuilder(op, loops, config)
          .build(lowrank::nextKernelName(func, "matmul"));
      op->erase();
    }
  }
};

} // namespace
