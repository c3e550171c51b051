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
#include "mlir/Support/Timing.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CodeGen.h"

#include <memory>
#include <optional>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace lowrank {

/// Registers the translations of the dialects the CPU pipeline leaves.
void registerCPUTranslations(mlir::DialectRegistry &registry);

/// Creates an -O3 target machine for the host CPU, initializing the native
/// target first; null when the host is not supported. Object files are
/// linked into position-independent executables, hence PIC by default; the
/// JIT passes std::nullopt to keep LLVM's default for the host.
std::unique_ptr<llvm::TargetMachine> createHostTargetMachine(
    std::optional<llvm::Reloc::Model> relocationModel = llvm::Reloc::PIC_);

/// Drops the `onnx.*` attributes of the LLVM functions in `module` (the ONNX
/// names of arguments and results, the graph name): LLVM IR has no place
/// for them and translation would warn about them one by one.
void stripNonLLVMAttributes(mlir::ModuleOp module);

/// The LLVM optimization level of compiled models (objects, LLVM IR and the
/// JIT). O3 differs from O2 mostly in a doubled unroll threshold, which
/// fully unrolls the small loop nests of large models, and code generation
/// grows superlinearly with function size: 200 small encoder layers took
/// 180 s to an object at O3 and 59 s at O2 (20 layers: 13.8 s and 5.2 s),
/// with no measurable difference in the speed of the code
/// (all-MiniLM-L6-v2 at 128 tokens: 15.41-15.52 ms at O2, 15.42-15.62 ms
/// at O3, alternating runs).
constexpr unsigned kModelOptLevel = 2;

/// Translates `module` (LLVM dialect) to LLVM IR for the host, optimized at
/// `optLevel` (0 to 3). Emits a diagnostic on failure. With `timing`, the
/// translation and the optimization are timed as two nested scopes. The
/// operations of `module` are erased once translated, before the
/// optimization: a large model's MLIR and LLVM IR are not held at once.
std::unique_ptr<llvm::Module>
translateToHostLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &llvmContext,
                      unsigned optLevel = kModelOptLevel,
                      mlir::TimingScope *timing = nullptr);

/// The first half of translateToHostLLVMIR: LLVM IR for the host, not yet
/// optimized. The operations of `module` are erased once translated.
std::unique_ptr<llvm::Module>
translateToUnoptimizedHostLLVMIR(mlir::ModuleOp module,
                                 llvm::LLVMContext &llvmContext,
                                 mlir::TimingScope *timing = nullptr);

/// The second half: LLVM's optimization pipeline at `optLevel` (0 to 3) for
/// `machine`.
llvm::Error optimizeHostLLVMIR(llvm::Module &llvmModule, unsigned optLevel,
                               llvm::TargetMachine &machine);

/// Instruments every function defined in `llvmModule` with
/// AddressSanitizer, as clang's -fsanitize=address does after optimization:
/// each load and store checks the shadow memory of the process's ASan
/// runtime, so the module may only run in a process that has one (a tool
/// built with LOWRANK_SANITIZE=address).
void instrumentWithAddressSanitizer(llvm::Module &llvmModule);

/// Whether this process has the AddressSanitizer runtime (built with
/// LOWRANK_SANITIZE=address, or with the runtime preloaded), so that code
/// instrumented by instrumentWithAddressSanitizer can run in it.
bool hasAddressSanitizerRuntime();

/// Writes `llvmModule` as a relocatable object file for `machine`.
mlir::LogicalResult emitObjectFile(llvm::Module &llvmModule,
                                   llvm::TargetMachine &machine,
                                   llvm::raw_pwrite_stream &os);

} // namespace lowrank

#endif // LOWRANK_TARGET_CPU_CPUTARGET_H
