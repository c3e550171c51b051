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

/// An exclusive lock on the folder of an output path, held while a run puts
/// its outputs in place (the model, its `.data` file, the report): runs
/// writing the same output take turns, so the files of one run are never
/// left beside those of another. Other programs are not excluded (the lock
/// is advisory, flock(2)).
class OutputFolderLock {
public:
  /// Blocks until the lock on `outputPath`'s folder is held; without a lock
  /// (a folder that cannot be opened or locked, such as standard output's)
  /// the object holds nothing and the writes go ahead unserialized.
  explicit OutputFolderLock(llvm::StringRef outputPath);
  ~OutputFolderLock();
  OutputFolderLock(const OutputFolderLock &) = delete;
  OutputFolderLock &operator=(const OutputFolderLock &) = delete;

private:
  int folderFD = -1;
};

} // namespace lowrank

#endif // LOWRANK_SUPPORT_FILEUTILS_H
