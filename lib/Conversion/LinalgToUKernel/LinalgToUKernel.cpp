//===- LinalgToUKernel.cpp - Matmuls on buffers into CPU runtime calls ----===//
//
// Each f32 linalg.matmul / linalg.batch_matmul on memrefs becomes a call of
// the runtime's `_mlir_ciface_lowrank_*` kernels through a private
// declaration with `llvm.emit_c_interface`. Operands are passed as fully
// dynamic strided memrefs so that one declaration serves every shape and
// transposed operands are plain views.
//
//===----------------------------------------------------------------------===//

#include "UKernelSupport.h"
#include "lowrank/Conversion/BufferViews.h"
#include "lowrank/Conversion/Passes.h"
#include "lowrank/Runtime/CPU/Runtime.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SmallBitVector.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKLINALGTOUKERNEL
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;
using lowrank::getRootBuffer;
using namespace lowrank::ukernel;

#define DEBUG_TYPE "lowrank-linalg-to-ukernel"

namespace {

/// The permutation that orders the dims of an operand read through `map` as
/// `wanted` (loop dims), or failure when the map is not such a permutation.
FailureOr<SmallVector<unsigned>>
getOperandPermutation(AffineMap map, ArrayRef<unsigned> wanted) {
  if (map.getNumResults() != wanted.size())
    return failure();
  SmallVector<unsigned> permutation;
  for (unsigned dim : wanted) {
    std::optional<unsigned> position =
        map.getResultPosition(getAffineDimExpr(dim, map.getContext()));
    if (!position)
      return failure();
    permutation.push_back(*position);
  }
  return permutation;
}

/// Collapses the leading `numBatch` dims of a batched operand into one,
/// keeping the two matrix dims.
SmallVector<ReassociationIndices> getBatchCollapse(size_t numBatch) {
  ReassociationIndices batch =
      llvm::to_vector(llvm::seq<int64_t>(0, static_cast<int64_t>(numBatch)));
  return {batch,
          {static_cast<int64_t>(numBatch)},
          {static_cast<int64_t>(numBatch) + 1}};
}

/// The indexing maps of `op` without its unit dims, and per operand the
/// positions dropped: loop dims of extent 1 and constant-0 indices of unit
/// operand dims (ONNX MatMul lowers broadcast unit batch dims that way;
/// elementwise fusion moves reshapes so that a product keeps a unit row
/// dim). Failure if some other index expression remains.
struct ReducedMaps {
  SmallVector<AffineMap> maps;
  SmallVector<SmallVector<int64_t>> droppedPositions;
};

FailureOr<ReducedMaps> getUnitDimFreeMaps(linalg::LinalgOp op) {
  SmallVector<int64_t> loopRanges = op.getStaticLoopRanges();
  SmallVector<AffineMap> originalMaps = op.getIndexingMapsArray();
  // Which operands index each loop dim (bit i for operand i): A and B and C
  // is a batch dim, A and C an m dim, B and C an n dim, A and B a k dim. A
  // unit batch (or broadcast) dim is always dropped; a unit m, n or k dim
  // only when another dim of the same role remains (M = 1 keeps its row
  // dim).
  unsigned numLoops = loopRanges.size();
  SmallVector<unsigned> roles(numLoops, 0);
  for (auto [i, map] : llvm::enumerate(originalMaps))
    for (AffineExpr expr : map.getResults())
      if (auto dim = dyn_cast<AffineDimExpr>(expr))
        roles[dim.getPosition()] |= 1u << i;
  llvm::SmallBitVector unitLoops(numLoops);
  for (unsigned d = 0; d < numLoops; ++d) {
    if (loopRanges[d] != 1)
      continue;
    bool otherOfSameRole = false;
    for (unsigned e = 0; e < numLoops; ++e)
      if (e != d && roles[e] == roles[d] && !unitLoops.test(e))
        otherOfSameRole = true;
    // Only the output indexes it: the inputs read that unit dim at 0.
    bool broadcast = roles[d] == 0b100;
    if (roles[d] == 0b111 || broadcast || otherOfSameRole)
      unitLoops.set(d);
  }
  ReducedMaps reduced;
  for (auto [i, map] : llvm::enumerate(originalMaps)) {
    auto type = cast<MemRefType>(op->getOperand(i).getType());
    SmallVector<int64_t> dropped;
    SmallVector<AffineExpr> kept;
    for (auto [p, expr] : llvm::enumerate(map.getResults())) {
      auto constant = dyn_cast<AffineConstantExpr>(expr);
      auto dim = dyn_cast<AffineDimExpr>(expr);
      if ((constant && constant.getValue() == 0 && type.getDimSize(p) == 1) ||
          (dim && unitLoops.test(dim.getPosition()))) {
        dropped.push_back(p);
        continue;
      }
      if (!dim)
        return failure();
      kept.push_back(expr);
    }
    reduced.maps.push_back(compressDims(
        AffineMap::get(map.getNumDims(), 0, kept, op.getContext()), unitLoops));
    reduced.droppedPositions.push_back(std::move(dropped));
  }
  return reduced;
}

/// The type of dropUnitDims's view.
MemRefType getUnitDimFreeType(MemRefType type, ArrayRef<int64_t> positions) {
  if (positions.empty())
    return type;
  MLIRContext *context = type.getContext();
  SmallVector<int64_t> shape;
  for (auto [p, size] : llvm::enumerate(type.getShape()))
    if (!llvm::is_contained(positions, static_cast<int64_t>(p)))
      shape.push_back(size);
  Builder builder(context);
  SmallVector<OpFoldResult> offsets(type.getRank(), builder.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(type.getRank(), builder.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes;
  for (int64_t size : type.getShape())
    sizes.push_back(builder.getIndexAttr(size));
  return memref::SubViewOp::inferRankReducedResultType(shape, type, offsets,
                                                       sizes, strides);
}

/// A view of `value` without the dims at `positions` (all of size 1).
Value dropUnitDims(OpBuilder &builder, Location loc, Value value,
                   ArrayRef<int64_t> positions) {
  if (positions.empty())
    return value;
  auto type = cast<MemRefType>(value.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), builder.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(type.getRank(), builder.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes;
  for (int64_t size : type.getShape())
    sizes.push_back(builder.getIndexAttr(size));
  return memref::SubViewOp::create(builder, loc,
                                   getUnitDimFreeType(type, positions), value,
                                   offsets, sizes, strides);
}

/// Whether the body of `op` is `out + in0 * in1` in f32.
bool hasMultiplyAddBody(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getNumOperands() != 1 ||
      body->getOperations().size() != 3)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body->getArgument(2);
  Value product = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  if (add.getLhs() != acc && add.getRhs() != acc)
    return false;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  Value a = body->getArgument(0), b = body->getArgument(1);
  return (mul.getLhs() == a && mul.getRhs() == b) ||
         (mul.getLhs() == b && mul.getRhs() == a);
}

/// A bias addition that consumes a product: `D = C + bias` row-wise, where
/// C (possibly through one reshaping view) is read only by it.
struct BiasEpilogue {
  linalg::GenericOp add;
  Value bias;      // memref<N x f32>
  Value output;    // D, with identity layout
  Operation *view; // the reshape of C that `add` reads, or null
  memref::DeallocOp deallocOfC;
};

/// Matches the bias addition of docs/Design.md's epilogue fusion on the
/// output buffer of the 2-D product `op`.
FailureOr<BiasEpilogue> matchBiasEpilogue(linalg::LinalgOp op) {
  Value product = op.getDpsInits()[0];
  if (!product.getDefiningOp<memref::AllocOp>())
    return failure();
  BiasEpilogue epilogue{};
  Value read = product;
  for (Operation *user : product.getUsers()) {
    if (user == op)
      continue;
    if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
      epilogue.deallocOfC = dealloc;
      continue;
    }
    if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(user) &&
        !epilogue.view && user->hasOneUse()) {
      epilogue.view = user;
      read = user->getResult(0);
      continue;
    }
    if (isa<linalg::GenericOp>(user) && !epilogue.add) {
      epilogue.add = cast<linalg::GenericOp>(user);
      continue;
    }
    return failure();
  }
  if (epilogue.view) {
    if (epilogue.add)
      return failure();
    epilogue.add = dyn_cast<linalg::GenericOp>(*read.getUsers().begin());
  }
  linalg::GenericOp add = epilogue.add;
  if (!add || add.getNumDpsInputs() != 2 || add.getNumDpsInits() != 1 ||
      add.getNumReductionLoops() != 0 || add.getDpsInputs()[0] != read ||
      add->getBlock() != op->getBlock() || !op->isBeforeInBlock(add))
    return failure();

  // The body: yield in0 + in1.
  Block *body = add.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto sum = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (body->getOperations().size() != 2 || !sum ||
      !((sum.getLhs() == body->getArgument(0) &&
         sum.getRhs() == body->getArgument(1)) ||
        (sum.getLhs() == body->getArgument(1) &&
         sum.getRhs() == body->getArgument(0))))
    return failure();

  // Maps: C and D identity, the bias indexed by the last loop only.
  SmallVector<AffineMap> maps = add.getIndexingMapsArray();
  unsigned numLoops = add.getNumLoops();
  AffineMap lastDim = AffineMap::get(
      numLoops, 0, getAffineDimExpr(numLoops - 1, op.getContext()));
  epilogue.bias = add.getDpsInputs()[1];
  epilogue.output = add.getDpsInits()[0];
  auto biasType = dyn_cast<MemRefType>(epilogue.bias.getType());
  auto outputType = dyn_cast<MemRefType>(epilogue.output.getType());
  if (!isIdentityUpToUnitDims(maps[0], cast<MemRefType>(read.getType())) ||
      !maps[2].isIdentity() || maps[1] != lastDim || !biasType ||
      biasType.getRank() != 1 || !biasType.getElementType().isF32() ||
      !outputType || outputType != read.getType() ||
      !outputType.getLayout().isIdentity())
    return failure();

  // The product will write D where it wrote C: D and the bias must exist
  // there, and nothing may use D before the addition.
  if (!isAvailableAt(epilogue.bias, op) ||
      getRootBuffer(epilogue.bias) == getRootBuffer(epilogue.output))
    return failure();
  if (!canWriteResultEarly(epilogue.output, op, add))
    return failure();
  return epilogue;
}

struct LinalgToUKernelPass
    : lowrank::impl::LowrankLinalgToUKernelBase<LinalgToUKernelPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<linalg::LinalgOp> products;
    // Fills erased along the way are never in this list.
    SmallVector<linalg::LinalgOp> convolutions;
    module.walk([&](linalg::LinalgOp op) {
      if (isa<linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNchwChwOp>(*op))
        convolutions.push_back(op);
      else if (op.getNumDpsInputs() == 2 && op.getNumReductionLoops() == 1)
        products.push_back(op);
    });
    for (linalg::LinalgOp op : products)
      (void)rewrite(op, symbols);
    for (linalg::LinalgOp conv : convolutions)
      (void)rewriteConvolution(conv, module, symbols);
    if (fusePairs)
      fuseFactorPairs(module, symbols);
  }

  LogicalResult rewrite(linalg::LinalgOp op, SymbolTable &symbols) {
    if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
        op.getNumDpsInits() != 1 || !hasMultiplyAddBody(op))
      return failure();
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = dyn_cast<MemRefType>(operand.get().getType());
      if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
        return failure();
    }
    FailureOr<ReducedMaps> reduced = getUnitDimFreeMaps(op);
    if (failed(reduced))
      return failure();
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(reduced->maps);
    if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
        dims->k.size() != 1)
      return failure();
    unsigned m = dims->m[0], n = dims->n[0], k = dims->k[0];
    size_t numBatch = dims->batch.size();
    SmallVector<SmallVector<unsigned>> wanted = {{m, k}, {k, n}, {m, n}};
    for (SmallVector<unsigned> &operandDims : wanted)
      operandDims.insert(operandDims.begin(), dims->batch.begin(),
                         dims->batch.end());

    // Match everything before building anything: batch dims lead every
    // operand in loop order, the two matrix dims may be swapped (except in
    // the output), and several batch dims must be collapsible into one.
    SmallVector<SmallVector<unsigned>> permutations;
    for (auto [i, map] : llvm::enumerate(reduced->maps)) {
      auto permutation = getOperandPermutation(map, wanted[i]);
      if (failed(permutation))
        return failure();
      for (size_t d = 0; d < numBatch; ++d)
        if ((*permutation)[d] != d)
          return failure();
      if (i == 2 && (*permutation)[numBatch] != numBatch)
        return failure();
      if (numBatch > 1 &&
          !memref::CollapseShapeOp::isGuaranteedCollapsible(
              getUnitDimFreeType(cast<MemRefType>(op->getOperand(i).getType()),
                                 reduced->droppedPositions[i]),
              getBatchCollapse(numBatch)))
        return failure();
      permutations.push_back(std::move(*permutation));
    }

    int64_t flags = 0;
    if (Operation *init = getZeroInitOfOutput(op)) {
      init->erase();
      flags |= LOWRANK_GEMM_OVERWRITE;
    }

    bool isWeight = !numBatch && isConstantGlobal(op->getOperand(1), symbols);
    FailureOr<BiasEpilogue> epilogue = failure();
    if (isWeight && (flags & LOWRANK_GEMM_OVERWRITE) && fuseBias)
      epilogue = matchBiasEpilogue(op);

    OpBuilder builder(op);
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    unsigned rank = numBatch ? 3 : 2;
    SmallVector<Value> operands(op->getOperands());
    if (succeeded(epilogue)) {
      // The product writes the addition's output directly.
      if (Operation *alloc = epilogue->output.getDefiningOp())
        if (!isAvailableAt(epilogue->output, op))
          alloc->moveBefore(op);
      operands[2] = epilogue->output;
      if (auto expand = dyn_cast_or_null<memref::ExpandShapeOp>(epilogue->view))
        operands[2] = memref::CollapseShapeOp::create(
            builder, loc, epilogue->output, expand.getReassociationIndices());
      else if (auto collapse =
                   dyn_cast_or_null<memref::CollapseShapeOp>(epilogue->view))
        operands[2] = memref::ExpandShapeOp::create(
            builder, loc, op->getOperand(2).getType(), epilogue->output,
            collapse.getReassociationIndices());
    }
    SmallVector<Value> arguments;
    for (auto [i, operand] : llvm::enumerate(operands)) {
      Value view =
          dropUnitDims(builder, loc, operand, reduced->droppedPositions[i]);
      SmallVector<unsigned> permutation(permutations[i]);
      if (numBatch > 1) {
        view = memref::CollapseShapeOp::create(builder, loc, view,
                                               getBatchCollapse(numBatch));
        permutation = {0, permutation[numBatch] - unsigned(numBatch) + 1,
                       permutation[numBatch + 1] - unsigned(numBatch) + 1};
      }
      if (!llvm::equal(permutation, llvm::seq<unsigned>(0, rank)))
        view = memref::TransposeOp::create(
            builder, loc, view,
            AffineMapAttr::get(
                AffineMap::getPermutationMap(permutation, context)));
      arguments.push_back(memref::CastOp::create(
          builder, loc, getDynamicStridedType(context, rank), view));
    }

    StringRef callee = numBatch ? kBatchMatmul : kMatmul;
    if (succeeded(epilogue)) {
      callee = kPackedBiasMatmul;
      arguments.push_back(memref::CastOp::create(
          builder, loc, getDynamicStridedType(context, 1), epilogue->bias));
    }
    if (isWeight) {
      if (callee != kPackedBiasMatmul)
        callee = kPackedMatmul;
      arguments.push_back(
          createPackedSlot(builder, loc, getOperation(), symbols));
    }
    arguments.push_back(
        arith::ConstantIntOp::create(builder, loc, flags, /*width=*/64));
    func::FuncOp declaration = getOrDeclare(getOperation(), symbols, callee,
                                            ValueRange(arguments).getTypes());
    func::CallOp::create(builder, loc, declaration, arguments);
    Value product = op.getDpsInits()[0];
    op->erase();
    if (succeeded(epilogue)) {
      epilogue->add->erase();
      if (epilogue->view)
        epilogue->view->erase();
      if (epilogue->deallocOfC)
        epilogue->deallocOfC->erase();
      product.getDefiningOp()->erase();
    }
    return success();
  }
};

} // namespace
