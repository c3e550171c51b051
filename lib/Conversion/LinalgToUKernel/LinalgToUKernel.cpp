//===- LinalgToUKernel.cpp - Matmuls on buffers into CPU runtime calls ----===//
//
// Each f32 linalg.matmul / linalg.batch_matmul on memrefs becomes a call of
// the runtime's `_mlir_ciface_lowrank_*` kernels through a private
// declaration with `llvm.emit_c_interface`. Operands are passed as fully
// dynamic strided memrefs so that one declaration serves every shape and
// transposed operands are plain views.
//
//===----------------------------------------------------------------------===//

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

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKLINALGTOUKERNEL
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

#define DEBUG_TYPE "lowrank-linalg-to-ukernel"

namespace {

constexpr StringLiteral kMatmul = "lowrank_matmul_f32";
constexpr StringLiteral kPackedMatmul = "lowrank_matmul_packed_f32";
constexpr StringLiteral kBatchMatmul = "lowrank_batch_matmul_f32";

/// memref<?x...x?xf32, strided<[?, ...], offset: ?>> of the given rank.
MemRefType getDynamicStridedType(MLIRContext *context, unsigned rank) {
  SmallVector<int64_t> dynamic(rank, ShapedType::kDynamic);
  auto layout =
      StridedLayoutAttr::get(context, ShapedType::kDynamic, dynamic);
  return MemRefType::get(dynamic, Float32Type::get(context), layout);
}

/// The permutation that orders the dims of an operand read through `map` as
/// `wanted` (loop dims), or failure when the map is not such a permutation.
FailureOr<SmallVector<unsigned>> getOperandPermutation(AffineMap map,
                                                       ArrayRef<unsigned>
                                                           wanted) {
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

/// The linalg.fill of zero right before `op` into its output, if any.
linalg::FillOp getZeroFillOfOutput(linalg::LinalgOp op) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode());
  if (!fill || fill.getOutputs()[0] != op.getDpsInits()[0])
    return nullptr;
  FloatAttr value;
  if (!matchPattern(fill.getInputs()[0], m_Constant(&value)) ||
      !value.getValue().isZero())
    return nullptr;
  return fill;
}

struct LinalgToUKernelPass
    : lowrank::impl::LowrankLinalgToUKernelBase<LinalgToUKernelPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<linalg::LinalgOp> products;
    module.walk([&](linalg::LinalgOp op) {
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
        products.push_back(op);
    });
    for (linalg::LinalgOp op : products)
      (void)rewrite(op, symbols);
  }

  /// The private declaration of a runtime entry point.
  func::FuncOp getOrDeclare(SymbolTable &symbols, StringRef name,
                            TypeRange inputs) {
    if (auto existing = symbols.lookup<func::FuncOp>(name))
      return existing;
    ModuleOp module = getOperation();
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
  Value createPackedSlot(OpBuilder &builder, Location loc,
                         SymbolTable &symbols) {
    ModuleOp module = getOperation();
    auto type = MemRefType::get({1}, builder.getI64Type());
    OpBuilder moduleBuilder = OpBuilder::atBlockBegin(module.getBody());
    auto init = DenseElementsAttr::get(
        RankedTensorType::get({1}, builder.getI64Type()),
        builder.getI64IntegerAttr(0).getValue());
    auto global = memref::GlobalOp::create(
        moduleBuilder, loc, "__lowrank_packed_weight",
        moduleBuilder.getStringAttr("private"), type, init,
        /*constant=*/false, /*alignment=*/IntegerAttr());
    symbols.insert(global); // renames it when the name is taken
    return memref::GetGlobalOp::create(builder, loc, type, global.getSymName());
  }

  LogicalResult rewrite(linalg::LinalgOp op, SymbolTable &symbols) {
    if (!op.hasPureBufferSemantics())
      return failure();
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = dyn_cast<MemRefType>(operand.get().getType());
      if (!type || !type.getElementType().isF32())
        return failure();
    }
    bool batched = isa<linalg::BatchMatmulOp>(op);
    // Loop dims: (m, n, k) or (b, m, n, k).
    unsigned b = 0, m = batched, n = m + 1, k = m + 2;
    SmallVector<SmallVector<unsigned>> wanted = {{m, k}, {k, n}, {m, n}};
    if (batched)
      for (SmallVector<unsigned> &dims : wanted)
        dims.insert(dims.begin(), b);

    // Match everything before building anything.
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<SmallVector<unsigned>> permutations;
    for (auto [i, map] : llvm::enumerate(maps)) {
      auto permutation = getOperandPermutation(map, wanted[i]);
      if (failed(permutation))
        return failure();
      permutations.push_back(std::move(*permutation));
    }
    // A transposed output is left to the loops.
    if (!llvm::equal(permutations[2],
                     llvm::seq<unsigned>(0, permutations[2].size())))
      return failure();

    int64_t flags = 0;
    if (linalg::FillOp fill = getZeroFillOfOutput(op)) {
      fill.erase();
      flags |= LOWRANK_GEMM_OVERWRITE;
    }

    OpBuilder builder(op);
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    SmallVector<Value> arguments;
    for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
      Value view = operand;
      ArrayRef<unsigned> permutation = permutations[i];
      if (!llvm::equal(permutation, llvm::seq<unsigned>(0, permutation.size())))
        view = memref::TransposeOp::create(
            builder, loc, view,
            AffineMapAttr::get(
                AffineMap::getPermutationMap(permutation, context)));
      arguments.push_back(memref::CastOp::create(
          builder, loc, getDynamicStridedType(context, permutation.size()),
          view));
    }

    StringRef callee = batched ? kBatchMatmul : kMatmul;
    if (!batched && isConstantGlobal(op->getOperand(1), symbols)) {
      callee = kPackedMatmul;
      arguments.push_back(createPackedSlot(builder, loc, symbols));
    }
    arguments.push_back(
        arith::ConstantIntOp::create(builder, loc, flags, /*width=*/64));
    func::FuncOp declaration =
        getOrDeclare(symbols, callee, ValueRange(arguments).getTypes());
    func::CallOp::create(builder, loc, declaration, arguments);
    op->erase();
    return success();
  }
};

} // namespace
