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
/// one gpu.binary in `module`. Emits a diagnostic when there is none or more
/// than one, or when the binary holds several objects.
mlir::FailureOr<std::string> getKernelBinary(mlir::ModuleOp module);

} // namespace lowrank

#endif // LOWRANK_TARGET_NVPTX_NVPTXTARGET_H
