//===- FileUtils.cpp - Output files that are never half-written -----------===//

#include "lowrank/Support/FileUtils.h"
#include "lowrank/Support/TemporaryFiles.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace mlir;

namespace lowrank {

OutputFolderLock::OutputFolderLock(StringRef outputPath) {
  if (outputPath.empty() || outputPath == "-")
    return;
  SmallString<256> folder(llvm::sys::path::parent_path(outputPath));
  if (folder.empty())
    folder = ".";
  folderFD = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folderFD < 0)
    return;
  while (::flock(folderFD, LOCK_EX) != 0) {
    if (errno == EINTR)
      continue;
    ::close(folderFD);
    folderFD = -1;
    return;
  }
}

OutputFolderLock::~OutputFolderLock() {
  if (folderFD >= 0)
    ::close(folderFD); // Releases the lock.
}

void keepPermissions(llvm::StringRef path, int fd) {
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(path, status) &&
      status.type() == llvm::sys::fs::file_type::regular_file)
    (void)llvm::sys::fs::setPermissions(fd, status.permissions());
}

LogicalResult
writeFileAtomically(StringRef path, ArrayRef<char> bytes, Location loc,
                    llvm::function_ref<LogicalResult(StringRef)> validate) {
  // An existing output that is not a regular file (/dev/null, a terminal, a
  // pipe) is written in place: renaming over it would replace the device.
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(path, status) && llvm::sys::fs::exists(status) &&
      status.type() != llvm::sys::fs::file_type::regular_file) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
    if (!ec) {
      os.write(bytes.data(), bytes.size());
      os.close();
      if (os.has_error()) {
        ec = os.error();
        os.clear_error();
      }
    }
    if (ec)
      return emitError(loc) << path << ": write failed: " << ec.message();
    return success();
  }
  // TempFile removes the file when the process is interrupted (SIGINT,
  // SIGTERM, ...) before keep() or discard(); only SIGKILL can leave it.
  llvm::Expected<llvm::sys::fs::TempFile> temp =
      llvm::sys::fs::TempFile::create(getTemporaryFileModel(path, ".tmp"));
  if (!temp)
    return emitError(loc) << path << ": cannot create a temporary file: "
                          << llvm::toString(temp.takeError());
  auto discard = [&]() { llvm::consumeError(temp->discard()); };
  keepPermissions(path, temp->FD);
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    os.write(bytes.data(), bytes.size());
    os.flush();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      discard();
      return emitError(loc) << path << ": write failed: " << message;
    }
  }
  if (validate && failed(validate(temp->TmpName))) {
    discard();
    return failure();
  }
  if (llvm::Error err = temp->keep(path)) {
    std::string message = llvm::toString(std::move(err));
    discard();
    return emitError(loc) << path
                          << ": cannot rename the temporary file: " << message;
  }
  return success();
}

} // namespace lowrank
