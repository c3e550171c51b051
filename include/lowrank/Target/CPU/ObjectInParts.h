//===- ObjectInParts.h - One object file, optimized on several threads -*-===//
//
// LLVM's optimization and code generation take most of the time of a large
// model's `--emit=obj`, and each runs on one thread. Here a large module is
// cut into parts (llvm::SplitModule), each part is optimized and compiled to
// an object on its own thread in its own LLVMContext, and the parts'
// objects are joined by a relocatable link (`ld.lld -r`) into the one object
// the caller asked for. The symbols that were local to the module before the
// cut are made local again in the joined object, so that two compiled models
// link into one program without clashes, as they do when compiled whole.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TARGET_CPU_OBJECTINPARTS_H
#define LOWRANK_TARGET_CPU_OBJECTINPARTS_H

#include "lowrank/Target/CPU/CPUTarget.h"

#include "mlir/Support/Timing.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace llvm {
class ThreadPoolInterface;
} // namespace llvm

namespace lowrank {

/// The default size of a part, in LLVM instructions before optimization.
/// A module of fewer is compiled whole. Parts give up inlining across
/// parts, and their weights go through bitcode, temporary objects, the
/// link and the localization: a BERT-base encoder (53000 instructions,
/// 440 MB of weights) took 11.9 s to an object in three parts against 7.9 s
/// whole. It and all-MiniLM-L6-v2 (54000) are compiled whole; 40 small
/// encoder layers of hidden size 64 make a part.
constexpr uint64_t kDefaultInstructionsPerPart = 100000;

struct HostObjectOptions {
  /// LLVM optimization level, 0 to 3.
  unsigned optLevel = kModelOptLevel;
  /// A module of N instructions is compiled in ceil(N / instructionsPerPart)
  /// parts (at most one per function); 0 compiles it whole. The number of
  /// parts depends on the module only, not on the threads that compile
  /// them: the object is the same on any machine.
  uint64_t instructionsPerPart = kDefaultInstructionsPerPart;
};

/// The program that links relocatable objects into one (`-r`): ld.lld of
/// the LLVM the project is built with, else `ld.lld` or `ld` on PATH; none
/// when there is none.
std::optional<std::string> findRelocatableLinker();

/// Optimizes `llvmModule` (translated, not yet optimized) and writes it to
/// `os` as one relocatable object file for the host CPU: whole, or in parts
/// (see HostObjectOptions) compiled on the threads of `pool` (on this thread
/// without one) and joined by findRelocatableLinker's linker; whole when
/// there is no linker. Timing scopes nest under `timing`.
llvm::Error compileToHostObject(std::unique_ptr<llvm::Module> llvmModule,
                                const HostObjectOptions &options,
                                llvm::ThreadPoolInterface *pool,
                                llvm::raw_pwrite_stream &os,
                                mlir::TimingScope &timing);

} // namespace lowrank

#endif // LOWRANK_TARGET_CPU_OBJECTINPARTS_H
