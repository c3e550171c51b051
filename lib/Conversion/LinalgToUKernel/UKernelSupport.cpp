//===- UKernelSupport.cpp - Shared helpers of the runtime-call rewrites ---===//

#include "UKernelSupport.h"

#include "lowrank/Conversion/BufferViews.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using lowrank::getRootBuffer;

namespace lowrank::ukernel {

/// memref<?x...x?xf32, strided<[?, ...], offset: ?>> of the given rank.
MemRefType getDynamicStridedType(MLIRContext *context, unsigned rank) {
  SmallVector<int64_t> dynamic(rank, ShapedType::kDynamic);
  auto layout = StridedLayoutAttr::get(context, ShapedType::kDynamic, dynamic);
  return MemRefType::get(dynamic, Float32Type::get(context), layout);
}

Value castToDynamicStrided(OpBuilder &builder, Location loc, Value value) {
  auto type = cast<MemRefType>(value.getType());
  return memref::CastOp::create(
      builder, loc, getDynamicStridedType(builder.getContext(), type.getRank()),
      value);
}

/// A weight: a view of a constant global.
bool isConstantGlobal(Value value, SymbolTable &symbols) {
  while (Operation *def = value.getDefiningOp()) {
    if (auto getGlobal = dyn_cast<memref::GetGlobalOp>(def)) {
      auto global = symbols.lookup<memref::GlobalOp>(getGlobal.getName());
      return global && global.getConstant();
    }
    if (!isa<memref::CollapseShapeOp, memref::ExpandShapeOp, memref::CastOp,
             memref::TransposeOp>(def))
      return false;
    value = def->getOperand(0);
  }
  return false;
}

bool isZeroConstant(Value value) {
  FloatAttr attr;
  return matchPattern(value, m_Constant(&attr)) && attr.getValue().isZero();
}

namespace {

bool isZeroFill(linalg::FillOp fill) {
  return isZeroConstant(fill.getInputs()[0]);
}

/// Whether `buffer` is an allocation that holds zeros where `copy` reads it:
/// filled with zero before `copy` in the same block, and until `copy` only
/// read by other copies. Bufferization produces this when several products
/// share one zero-filled init tensor (the last of them may then reuse the
/// buffer in place).
bool isZeroBufferAt(Value buffer, memref::CopyOp copy) {
  if (!buffer.getDefiningOp<memref::AllocOp>())
    return false;
  linalg::FillOp fill;
  for (Operation *user : buffer.getUsers()) {
    if (user == copy)
      continue;
    if (user->getBlock() != copy->getBlock())
      return false;
    if (auto userFill = dyn_cast<linalg::FillOp>(user)) {
      if (fill || !isZeroFill(userFill) || !userFill->isBeforeInBlock(copy))
        return false;
      fill = userFill;
      continue;
    }
    auto userCopy = dyn_cast<memref::CopyOp>(user);
    bool onlyReads = userCopy && userCopy.getSource() == buffer &&
                     userCopy.getTarget() != buffer;
    if (!onlyReads && !copy->isBeforeInBlock(user))
      return false;
  }
  return static_cast<bool>(fill);
}

} // namespace

Operation *getInitializerOfOutput(linalg::LinalgOp op) {
  Value output = op.getDpsInits()[0];
  Value root = getRootBuffer(output);
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (auto writer = dyn_cast<linalg::LinalgOp>(prev))
      if (llvm::is_contained(writer.getDpsInits(), output))
        return prev;
    if (auto copy = dyn_cast<memref::CopyOp>(prev))
      if (copy.getTarget() == output)
        return prev;
    // Anything with regions or without known effects may touch it.
    if (prev->getNumRegions() && !isa<linalg::LinalgOp>(prev))
      return nullptr;
    for (Value operand : prev->getOperands())
      if (isa<BaseMemRefType>(operand.getType()) &&
          getRootBuffer(operand) == root)
        return nullptr;
    if (!isa<linalg::LinalgOp, memref::CopyOp>(prev) &&
        !isMemoryEffectFree(prev) &&
        !isa<memref::AllocOp, memref::AllocaOp>(prev))
      return nullptr;
  }
  return nullptr;
}

Operation *getZeroInitOfOutput(linalg::LinalgOp op) {
  Operation *init = getInitializerOfOutput(op);
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(init))
    return isZeroFill(fill) ? init : nullptr;
  if (auto copy = dyn_cast_or_null<memref::CopyOp>(init))
    return isZeroBufferAt(copy.getSource(), copy) ? init : nullptr;
  return nullptr;
}

/// Whether `value` is available at `point`: a block argument of an
/// enclosing region or the result of an op before it in its block.
bool isAvailableAt(Value value, Operation *point) {
  if (auto argument = dyn_cast<BlockArgument>(value))
    return argument.getOwner()->getParentOp()->isAncestor(point);
  Operation *def = value.getDefiningOp();
  return def->getBlock() == point->getBlock() && def->isBeforeInBlock(point);
}

/// The private declaration of a runtime entry point.
func::FuncOp getOrDeclare(ModuleOp module, SymbolTable &symbols, StringRef name,
                          TypeRange inputs) {
  if (auto existing = symbols.lookup<func::FuncOp>(name))
    return existing;
  OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
  auto type = builder.getFunctionType(inputs, {});
  auto func = func::FuncOp::create(builder, module.getLoc(), name, type);
  func.setPrivate();
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                builder.getUnitAttr());
  symbols.insert(func);
  return func;
}

/// A fresh zero-initialized slot where the runtime keeps a packed weight.
Value createPackedSlot(OpBuilder &builder, Location loc, ModuleOp module,
                       SymbolTable &symbols) {
  auto type = MemRefType::get({1}, builder.getI64Type());
  OpBuilder moduleBuilder = OpBuilder::atBlockBegin(module.getBody());
  auto init =
      DenseElementsAttr::get(RankedTensorType::get({1}, builder.getI64Type()),
                             builder.getI64IntegerAttr(0).getValue());
  auto global = memref::GlobalOp::create(
      moduleBuilder, loc, "__lowrank_packed_weight",
      moduleBuilder.getStringAttr("private"), type, init,
      /*constant=*/false, /*alignment=*/IntegerAttr());
  symbols.insert(global); // renames it when the name is taken
  return memref::GetGlobalOp::create(builder, loc, type, global.getSymName());
}

/// Whether `map` reads an operand of `type` at the loop indices, allowing a
/// constant 0 for a unit dim (as broadcasts of unit dims are written).
bool isIdentityUpToUnitDims(AffineMap map, MemRefType type) {
  if (map.getNumResults() != map.getNumDims() ||
      type.getRank() != map.getNumResults())
    return false;
  for (auto [p, expr] : llvm::enumerate(map.getResults())) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      if (dim.getPosition() == p)
        continue;
    auto constant = dyn_cast<AffineConstantExpr>(expr);
    if (!constant || constant.getValue() != 0 || type.getDimSize(p) != 1)
      return false;
  }
  return true;
}

LogicalResult visitUsesThroughViews(
    Value buffer, Block *block,
    function_ref<LogicalResult(OpOperand &, Operation *)> visit) {
  SmallVector<Value> worklist = {getRootBuffer(buffer)};
  while (!worklist.empty()) {
    Value view = worklist.pop_back_val();
    for (OpOperand &use : view.getUses()) {
      Operation *user = use.getOwner();
      if (isa<ViewLikeOpInterface>(user)) {
        llvm::append_range(worklist, user->getResults());
        continue;
      }
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor || failed(visit(use, ancestor)))
        return failure();
    }
  }
  return success();
}

bool canWriteResultEarly(Value output, Operation *producer,
                         Operation *consumer) {
  auto outputAlloc = output.getDefiningOp<memref::AllocOp>();
  if (!isAvailableAt(output, producer) &&
      !(outputAlloc && outputAlloc->getBlock() == producer->getBlock() &&
        outputAlloc->getNumOperands() == 0))
    return false;
  // Readers and writers of the output (through views) strictly between the
  // producer and the consumer would see it early; those before or after are
  // fine.
  Block *block = producer->getBlock();
  return succeeded(
      visitUsesThroughViews(output, block, [&](OpOperand &, Operation *op) {
        // The producer itself must not read it (the output parameter is
        // often reused for intermediates).
        if (op == producer)
          return failure();
        bool between = op != consumer && producer->isBeforeInBlock(op) &&
                       op->isBeforeInBlock(consumer);
        return failure(between);
      }));
}

} // namespace lowrank::ukernel
