//===- InputFiles.h - Input files read with bounds ---------------*- C++
//-*-===//
//
// Every file the tools read (models, tensors, calibration statistics) goes
// through readInputFile: a device such as /dev/zero never ends and a pipe
// may not, so reading one whole would exhaust memory.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_SUPPORT_INPUTFILES_H
#define LOWRANK_SUPPORT_INPUTFILES_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>

namespace lowrank {

/// The most bytes a tensor or statistics file may hold: 2^40 (1 TiB).
constexpr uint64_t kMaxInputFileBytes = uint64_t(1) << 40;

/// Reads `path` whole; "-" reads standard input. A regular file is mapped or
/// read; a pipe (or standard input) is read up to `maxBytes`. Anything else
/// (a device, a directory, a socket) and anything longer than `maxBytes` is
/// an error whose message does not repeat the path.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readInputFile(llvm::StringRef path, uint64_t maxBytes = kMaxInputFileBytes);

/// Turns a SIGBUS into a clean error exit. Large input files (models,
/// external data) are mapped, not read: if another program truncates one
/// while the tool runs, touching the vanished pages raises SIGBUS. The
/// handler prints `<tool>: error: an input file changed while it was being
/// read`, removes the temporary files registered for removal on signals
/// (the outputs being written) and exits with status 1.
void installInputFileFaultHandler(const char *toolName);

} // namespace lowrank

#endif // LOWRANK_SUPPORT_INPUTFILES_H
