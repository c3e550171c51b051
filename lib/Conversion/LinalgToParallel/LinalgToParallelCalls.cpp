//===- LinalgToParallelCalls.cpp - Large loop nests on the runtime pool ---===//
//
// Everything but the matmuls lowers to loops on one thread. For a large
// linalg op on buffers this pass outlines the op into a function that runs a
// range [begin, end) of one parallel dimension (its operands sliced with
// memref.subview), packs the operands' memref descriptors into a stack
// struct, and calls lowrank_parallel_for, which runs the ranges on the CPU
// runtime's threads.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/BufferViews.h"
#include "lowrank/Conversion/Passes.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKLINALGTOPARALLELCALLS
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;
using lowrank::getRootBuffer;

namespace {

constexpr StringLiteral kParallelFor = "lowrank_parallel_for";
/// Marks the functions this pass creates: their ops already run on a
/// worker, and a second application must not nest another parallel run.
constexpr StringLiteral kOutlinedAttr = "lowrank.parallel_outlined";

/// The loop dimension to cut: the first parallel one with more than one
/// iteration that every output indexes directly and no operand indexes by
/// an expression of it. None when the op is too small, dynamic or reads its
/// own indices.
std::optional<unsigned> getSplitDim(linalg::GenericOp op, int64_t minWork) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() == 0)
    return std::nullopt;
  for (Value operand : op->getOperands())
    if (!isa<MemRefType>(operand.getType()))
      return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t work = 1;
  for (int64_t range : ranges) {
    if (ShapedType::isDynamic(range))
      return std::nullopt;
    work *= range;
  }
  if (work < minWork || !op.getBody()->getOps<linalg::IndexOp>().empty())
    return std::nullopt;
  // The body moves to another function: it may capture constants only.
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op.getRegion(), captured);
  if (!llvm::all_of(captured, [](Value value) {
        Operation *def = value.getDefiningOp();
        return def && def->hasTrait<OpTrait::ConstantLike>();
      }))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < ranges.size(); ++d) {
    if (iterators[d] != utils::IteratorType::parallel || ranges[d] < 2)
      continue;
    AffineExpr dim = getAffineDimExpr(d, op.getContext());
    bool inEveryOutput =
        llvm::all_of(op.getDpsInitsMutable(), [&](OpOperand &init) {
          return op.getMatchingIndexingMap(&init).getResultPosition(dim) !=
                 std::nullopt;
        });
    // Each operand is sliced along the result that is `d` itself, so no
    // other result may involve it (windows such as d2 * 2 + d4 of a pooling
    // may index the other dims).
    bool sliceable = llvm::all_of(maps, [&](AffineMap map) {
      return llvm::all_of(map.getResults(), [&](AffineExpr result) {
        return result == dim || !result.isFunctionOfDim(d);
      });
    });
    if (inEveryOutput && sliceable)
      return d;
  }
  return std::nullopt;
}

/// Whether `buffers[index]` shares no memory with the other buffers. Two
/// function arguments may be the same buffer; distinct allocations and
/// globals never are.
bool isDisjoint(ArrayRef<Value> buffers, unsigned index) {
  Value root = getRootBuffer(buffers[index]);
  for (auto [i, other] : llvm::enumerate(buffers)) {
    if (i == index)
      continue;
    Value otherRoot = getRootBuffer(other);
    if (root == otherRoot ||
        (isa<BlockArgument>(root) && isa<BlockArgument>(otherRoot)))
      return false;
  }
  return true;
}

struct LinalgToParallelCallsPass
    : lowrank::impl::LowrankLinalgToParallelCallsBase<
          LinalgToParallelCallsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // Copies and transposes are loop nests like any other.
    SmallVector<linalg::LinalgOp> named;
    module.walk([&](linalg::LinalgOp op) {
      if (isa<linalg::CopyOp, linalg::TransposeOp>(op))
        named.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      (void)linalg::generalizeNamedOp(rewriter, op);
    }
    SmallVector<std::pair<linalg::GenericOp, unsigned>> work;
    module.walk([&](linalg::GenericOp op) {
      auto func = op->getParentOfType<func::FuncOp>();
      if (!func || func->hasAttr(kOutlinedAttr))
        return;
      if (std::optional<unsigned> dim = getSplitDim(op, minIterations))
        work.emplace_back(op, *dim);
    });
    LLVMTypeConverter converter(&getContext());
    for (auto [op, dim] : work)
      outline(op, dim, converter, symbols);
  }

  void outline(linalg::GenericOp op, unsigned dim,
               const LLVMTypeConverter &converter, SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = op.getLoc();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    // Each buffer once: an op updating a buffer in place reads and writes
    // it through one pointer, which LLVM knows to be safe.
    llvm::SetVector<Value> uniqueOperands(op->operand_begin(),
                                          op->operand_end());
    ArrayRef<Value> operands = uniqueOperands.getArrayRef();
    SmallVector<Type> descriptorTypes;
    for (Value operand : operands)
      descriptorTypes.push_back(converter.convertType(operand.getType()));
    auto packedType = LLVM::LLVMStructType::getLiteral(ctx, descriptorTypes);
    auto bodyType = FunctionType::get(ctx, {ptrType, i64, i64}, {});

    // The slice function: the op over iterations [begin, end) of `dim`.
    // A buffer that shares memory with no other is `llvm.noalias`: LLVM
    // then hoists broadcast loads and vectorizes without runtime checks.
    ModuleOp module = getOperation();
    OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
    SmallVector<Type> sliceInputs;
    for (Value operand : operands)
      sliceInputs.push_back(operand.getType());
    sliceInputs.append(2, moduleBuilder.getIndexType());
    auto slice =
        func::FuncOp::create(moduleBuilder, loc, "__lowrank_parallel_slice",
                             FunctionType::get(ctx, sliceInputs, {}));
    slice.setPrivate();
    slice->setAttr(kOutlinedAttr, moduleBuilder.getUnitAttr());
    symbols.insert(slice); // renames on collision
    for (unsigned i = 0; i < operands.size(); ++i)
      if (isDisjoint(operands, i))
        slice.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(),
                         moduleBuilder.getUnitAttr());
    Block *entry = slice.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    SmallVector<Value> wholes;
    for (Value operand : op->getOperands())
      wholes.push_back(
          entry->getArgument(llvm::find(operands, operand) - operands.begin()));
    Value begin = entry->getArgument(operands.size());
    Value end = entry->getArgument(operands.size() + 1);
    // One iteration of `dim` at a time: the slices keep static shapes, so
    // the loops inside lower and vectorize as they would have in place.
    Value step = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(b, loc, begin, end, step);
    b.setInsertionPointToStart(loop.getBody());
    Value iv = loop.getInductionVar();
    AffineExpr dimExpr = b.getAffineDimExpr(dim);
    SmallVector<Value> slices;
    for (auto [i, whole] : llvm::enumerate(wholes)) {
      auto type = cast<MemRefType>(whole.getType());
      std::optional<unsigned> position =
          op.getIndexingMapsArray()[i].getResultPosition(dimExpr);
      if (!position) {
        slices.push_back(whole);
        continue;
      }
      SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes,
          strides(type.getRank(), b.getIndexAttr(1));
      // A buffer may keep a dynamic size where the loop range is static
      // (a cast result): that size is read from the buffer.
      for (auto [d, extent] : llvm::enumerate(type.getShape()))
        sizes.push_back(
            ShapedType::isDynamic(extent)
                ? OpFoldResult(
                      memref::DimOp::create(b, loc, whole, d).getResult())
                : b.getIndexAttr(extent));
      offsets[*position] = iv;
      sizes[*position] = b.getIndexAttr(1);
      slices.push_back(
          memref::SubViewOp::create(b, loc, whole, offsets, sizes, strides));
    }
    ValueRange sliceRange(slices);
    auto sliced = linalg::GenericOp::create(
        b, loc, TypeRange{}, sliceRange.take_front(op.getNumDpsInputs()),
        sliceRange.drop_front(op.getNumDpsInputs()), op.getIndexingMapsArray(),
        op.getIteratorTypesArray());
    IRMapping mapping;
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(op.getRegion(), captured);
    OpBuilder constants = OpBuilder::atBlockBegin(entry);
    for (Value value : captured)
      mapping.map(value, constants.clone(*value.getDefiningOp())->getResult(0));
    op.getRegion().cloneInto(&sliced.getRegion(), mapping);
    b.setInsertionPointToEnd(entry);
    func::ReturnOp::create(b, loc);

    // The body the runtime calls: unpack the descriptors, call the slice.
    auto body = func::FuncOp::create(moduleBuilder, loc,
                                     "__lowrank_parallel_body", bodyType);
    body.setPrivate();
    body->setAttr(kOutlinedAttr, moduleBuilder.getUnitAttr());
    symbols.insert(body);
    Block *bodyEntry = body.addEntryBlock();
    OpBuilder bb = OpBuilder::atBlockBegin(bodyEntry);
    Value packed =
        LLVM::LoadOp::create(bb, loc, packedType, bodyEntry->getArgument(0));
    SmallVector<Value> callOperands;
    for (auto [i, operand] : llvm::enumerate(operands)) {
      Value descriptor = LLVM::ExtractValueOp::create(bb, loc, packed, i);
      callOperands.push_back(UnrealizedConversionCastOp::create(
                                 bb, loc, operand.getType(), descriptor)
                                 .getResult(0));
    }
    for (unsigned i = 1; i <= 2; ++i)
      callOperands.push_back(arith::IndexCastOp::create(
          bb, loc, bb.getIndexType(), bodyEntry->getArgument(i)));
    func::CallOp::create(bb, loc, slice, callOperands);
    func::ReturnOp::create(bb, loc);

    // The call site: descriptors into a stack struct, then the runtime.
    OpBuilder call(op);
    Value all = LLVM::PoisonOp::create(call, loc, packedType);
    for (auto [i, operand] : llvm::enumerate(operands)) {
      Value descriptor = UnrealizedConversionCastOp::create(
                             call, loc, descriptorTypes[i], operand)
                             .getResult(0);
      all = LLVM::InsertValueOp::create(call, loc, all, descriptor, i);
    }
    Value one = LLVM::ConstantOp::create(call, loc, i64, 1);
    Value args = LLVM::AllocaOp::create(call, loc, ptrType, packedType, one);
    LLVM::StoreOp::create(call, loc, all, args);
    Value bodyRef =
        func::ConstantOp::create(call, loc, bodyType, SymbolRefAttr::get(body));
    Value extent = arith::ConstantOp::create(
        call, loc, call.getI64IntegerAttr(op.getStaticLoopRanges()[dim]));
    func::CallOp::create(call, loc, getOrDeclareParallelFor(symbols),
                         ValueRange{bodyRef, args, extent});
    op.erase();
  }

  func::FuncOp getOrDeclareParallelFor(SymbolTable &symbols) {
    if (auto existing = symbols.lookup<func::FuncOp>(kParallelFor))
      return existing;
    MLIRContext *ctx = &getContext();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    auto bodyType = FunctionType::get(ctx, {ptrType, i64, i64}, {});
    OpBuilder builder = OpBuilder::atBlockBegin(getOperation().getBody());
    auto type = FunctionType::get(ctx, {bodyType, ptrType, i64}, {});
    auto decl = func::FuncOp::create(builder, getOperation().getLoc(),
                                     kParallelFor, type);
    decl.setPrivate();
    decl->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                  builder.getUnitAttr());
    symbols.insert(decl);
    return decl;
  }
};

} // namespace
