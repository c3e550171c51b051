//===- FileUtils.h - Output files that are never half-written ---*- C++ -*-===//

#ifndef LOWRANK_SUPPORT_FILEUTILS_H
#define LOWRANK_SUPPORT_FILEUTILS_H

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

namespace lowrank {

/// Writes `bytes` to a temporary file beside `path`, runs `validate` on the
/// temporary file if given, and renames it to `path` when both succeed;
/// otherwise removes it, leaving any previous `path` untouched. The
/// temporary file is removed on SIGINT/SIGTERM too. An existing `path` that
/// is not a regular file (/dev/null, a pipe) is written in place, without
/// validation. Errors are emitted at `loc`.
mlir::LogicalResult writeFileAtomically(
    llvm::StringRef path, llvm::ArrayRef<char> bytes, mlir::Location loc,
    llvm::function_ref<mlir::LogicalResult(llvm::StringRef)> validate = {});

/// Gives the file open as `fd` (a temporary file about to replace `path`)
/// the permissions of `path` when it is an existing regular file: replaced
/// outputs keep their mode (a private 0600 file stays private); new files
/// keep the umask's.
void keepPermissions(llvm::StringRef path, int fd);

} // namespace lowrank

#endif // LOWRANK_SUPPORT_FILEUTILS_H
