//===- NVPTXTarget.h - PTX and cubin from the GPU pipeline ------*- C++ -*-===//
//
// The last step of the NVPTX path: registrations the GPU pipeline needs
// (NVVM target attributes, GPU and NVVM translations) and the extraction
// of the kernel binary that `lowrank-gpu-pipeline` embeds in the module.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TARGET_NVPTX_NVPTXTARGET_H
#define LOWRANK_TARGET_NVPTX_NVPTXTARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace lowrank {

/// Registers the NVVM target attribute models and the LLVM IR translations
/// of the GPU, NVVM, LLVM and builtin dialects.
void registerNVPTXTarget(mlir::DialectRegistry &registry);

/// The kernel binary (PTX text for format=isa, cubin for format=bin) of the
/// one gpu.binary in `module`; std::nullopt when the module launches no
/// kernel (a graph without computation). Emits a diagnostic when there is
/// more than one binary or the binary holds several objects.
mlir::FailureOr<std::optional<std::string>>
getKernelBinary(mlir::ModuleOp module);

/// PTX of a module without kernels, for `chip` and `ptxVersion` (80 = 8.0).
std::string getEmptyPTXModule(llvm::StringRef chip, unsigned ptxVersion);

} // namespace lowrank

#endif // LOWRANK_TARGET_NVPTX_NVPTXTARGET_H
