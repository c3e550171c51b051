//===- DeviceMemory.cpp - Buffers and weights in GPU memory ---------------===//
//
// Host functions allocate their intermediate buffers on the device and read
// constant weights from device copies that the runtime uploads once.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/LinalgToGPU/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKGPUDEVICEMEMORY
#include "lowrank/Conversion/LinalgToGPU/Passes.h.inc"
} // namespace lowrank

#define DEBUG_TYPE "lowrank-gpu-device-memory"

using namespace mlir;

namespace {

static bool isHostOp(Operation *op) {
  return !op->getParentOfType<gpu::LaunchOp>() &&
         !op->getParentOfType<gpu::GPUModuleOp>();
}

/// The memref descriptor `{ptr, ptr, offset, sizes, strides}` of a
/// contiguous buffer of `type` at `pointer`, cast to `type`.
static Value buildDescriptor(OpBuilder &b, Location loc, MemRefType type,
                             Value pointer) {
  MLIRContext *context = b.getContext();
  Type i64 = b.getI64Type();
  SmallVector<Type> fields = {pointer.getType(), pointer.getType(), i64};
  int64_t rank = type.getRank();
  if (rank > 0) {
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
  }
  auto structType = LLVM::LLVMStructType::getLiteral(context, fields);
  Value descriptor = LLVM::PoisonOp::create(b, loc, structType);
  auto constant = [&](int64_t v) {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
  };
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, pointer,
                                           ArrayRef<int64_t>{0});
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, pointer,
                                           ArrayRef<int64_t>{1});
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, constant(0),
                                           ArrayRef<int64_t>{2});
  SmallVector<int64_t> strides = type.getStridesAndOffset().first;
  for (int64_t d = 0; d < rank; ++d) {
    descriptor = LLVM::InsertValueOp::create(b, loc, descriptor,
                                             constant(type.getDimSize(d)),
                                             ArrayRef<int64_t>{3, d});
    descriptor = LLVM::InsertValueOp::create(
        b, loc, descriptor, constant(strides[d]), ArrayRef<int64_t>{4, d});
  }
  return UnrealizedConversionCastOp::create(b, loc, type, descriptor)
      .getResult(0);
}

struct GPUDeviceMemoryPass
    : lowrank::impl::LowrankGPUDeviceMemoryBase<GPUDeviceMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<memref::AllocOp> allocs;
    SmallVector<memref::DeallocOp> deallocs;
    SmallVector<memref::GetGlobalOp> globals;
    module.walk([&](Operation *op) {
      if (!isHostOp(op))
        return;
      if (auto alloc = dyn_cast<memref::AllocOp>(op))
        allocs.push_back(alloc);
      else if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
        deallocs.push_back(dealloc);
      else if (auto global = dyn_cast<memref::GetGlobalOp>(op))
        globals.push_back(global);
    });

    for (memref::AllocOp alloc : allocs) {
      OpBuilder b(alloc);
      auto deviceAlloc = gpu::AllocOp::create(
          b, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          ValueRange{}, alloc.getDynamicSizes(), alloc.getSymbolOperands());
      alloc.replaceAllUsesWith(deviceAlloc.getMemref());
      alloc.erase();
    }
    for (memref::DeallocOp dealloc : deallocs) {
      OpBuilder b(dealloc);
      gpu::DeallocOp::create(b, dealloc.getLoc(), /*asyncToken=*/Type(),
                             ValueRange{}, dealloc.getMemref());
      dealloc.erase();
    }
    if (failed(placeConstants(module, symbols, globals)))
      signalPassFailure();
  }

  LogicalResult placeConstants(ModuleOp module, SymbolTable &symbols,
                               ArrayRef<memref::GetGlobalOp> uses) {
    if (uses.empty())
      return success();
    MLIRContext *context = module.getContext();
    OpBuilder b(context);
    Type ptrType = LLVM::LLVMPointerType::get(context);
    Type i64 = b.getI64Type();

    auto runtimeFunction =
        symbols.lookup<func::FuncOp>(lowrank::kDeviceConstantFunction);
    if (!runtimeFunction) {
      b.setInsertionPointToStart(module.getBody());
      runtimeFunction = func::FuncOp::create(
          b, module.getLoc(), lowrank::kDeviceConstantFunction,
          b.getFunctionType({ptrType, ptrType, i64}, {ptrType}));
      runtimeFunction.setPrivate();
      symbols.insert(runtimeFunction);
    }

    llvm::StringMap<LLVM::GlobalOp> slots;
    for (memref::GetGlobalOp use : uses) {
      auto global = symbols.lookup<memref::GlobalOp>(use.getName());
      MemRefType type = use.getType();
      if (!global || !global.getConstant() || !global.getInitialValue() ||
          !type.hasStaticShape() || !type.getLayout().isIdentity() ||
          !type.getElementType().isIntOrFloat())
        return use.emitOpError()
               << "reads a global that is not a constant, contiguous buffer "
                  "of numbers; the GPU pipeline cannot place it on the device";

      LLVM::GlobalOp &slot = slots[use.getName()];
      if (!slot) {
        b.setInsertionPoint(global);
        slot = LLVM::GlobalOp::create(
            b, global.getLoc(), ptrType, /*isConstant=*/false,
            LLVM::Linkage::Internal,
            ("__lowrank_device_" + use.getName()).str(), Attribute());
        Block *init = b.createBlock(&slot.getInitializerRegion());
        b.setInsertionPointToStart(init);
        Value null = LLVM::ZeroOp::create(b, global.getLoc(), ptrType);
        LLVM::ReturnOp::create(b, global.getLoc(), null);
        symbols.insert(slot);
      }

      Location loc = use.getLoc();
      b.setInsertionPointAfter(use);
      Value address =
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc, use);
      Value addressI64 = arith::IndexCastOp::create(b, loc, i64, address);
      Value hostPointer = LLVM::IntToPtrOp::create(b, loc, ptrType, addressI64);
      Value slotPointer = LLVM::AddressOfOp::create(b, loc, slot);
      int64_t bytes = type.getNumElements() *
                      llvm::divideCeil(type.getElementTypeBitWidth(), 8);
      Value size = arith::ConstantIntOp::create(b, loc, i64, bytes);
      Value devicePointer =
          func::CallOp::create(b, loc, runtimeFunction,
                               ValueRange{slotPointer, hostPointer, size})
              .getResult(0);
      Value device = buildDescriptor(b, loc, type, devicePointer);
      use.getResult().replaceUsesWithIf(device, [&](OpOperand &operand) {
        return operand.getOwner() != address.getDefiningOp();
      });
    }
    return success();
  }
};

} // namespace
