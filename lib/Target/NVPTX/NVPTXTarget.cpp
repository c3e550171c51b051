//===- NVPTXTarget.cpp - PTX and cubin from the GPU pipeline --------------===//

#include "lowrank/Target/NVPTX/NVPTXTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

using namespace mlir;

namespace lowrank {

void registerNVPTXTarget(DialectRegistry &registry) {
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

FailureOr<std::optional<std::string>> getKernelBinary(ModuleOp module) {
  auto binaries = llvm::to_vector(module.getOps<gpu::BinaryOp>());
  if (binaries.empty())
    return std::optional<std::string>();
  if (binaries.size() != 1)
    return module.emitError()
           << "expected one gpu.binary after the GPU pipeline, found "
           << binaries.size();
  ArrayAttr objects = binaries.front().getObjects();
  if (objects.size() != 1)
    return binaries.front().emitError()
           << "expected one kernel object, found " << objects.size();
  auto object = cast<gpu::ObjectAttr>(objects[0]);
  return std::optional<std::string>(object.getObject().getValue().str());
}

std::string getEmptyPTXModule(StringRef chip, unsigned ptxVersion) {
  return (".version " + Twine(ptxVersion / 10) + "." + Twine(ptxVersion % 10) +
          "\n.target " + chip + "\n.address_size 64\n")
      .str();
}

} // namespace lowrank
