//===- CPUTarget.h - LLVM IR and object code for the host CPU ---*- C++ -*-===//
//
// The last step of the CPU path: an LLVM-dialect module (the output of
// `lowrank-cpu-pipeline`) to optimized LLVM IR or a relocatable object file
// for the host CPU.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TARGET_CPU_CPUTARGET_H
#define LOWRANK_TARGET_CPU_CPUTARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/IR/Module.h"

#include <memory>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace lowrank {

/// Registers the translations of the dialects the CPU pipeline leaves.
void registerCPUTranslations(mlir::DialectRegistry &registry);

/// Translates `module` (LLVM dialect) to LLVM IR for the host, optimized at
/// `optLevel` (0 to 3). Emits a diagnostic on failure.
std::unique_ptr<llvm::Module>
translateToHostLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &llvmContext,
                      unsigned optLevel = 3);

/// Writes `llvmModule` as a relocatable object file for the host CPU.
mlir::LogicalResult emitHostObjectFile(llvm::Module &llvmModule,
                                       llvm::raw_pwrite_stream &os);

} // namespace lowrank

#endif // LOWRANK_TARGET_CPU_CPUTARGET_H
