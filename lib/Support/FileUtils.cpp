//===- FileUtils.cpp - Output files that are never half-written -----------===//

#include "lowrank/Support/FileUtils.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace lowrank {

LogicalResult
writeFileAtomically(StringRef path, ArrayRef<char> bytes, Location loc,
                    llvm::function_ref<LogicalResult(StringRef)> validate) {
  SmallString<256> tempPath;
  int fd;
  std::string pattern = (path + ".tmp-%%%%%%").str();
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(pattern, fd, tempPath))
    return emitError(loc) << path << ": cannot create a temporary file: "
                          << ec.message();
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(bytes.data(), bytes.size());
    os.close();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      llvm::sys::fs::remove(tempPath);
      return emitError(loc) << path << ": write failed: " << message;
    }
  }
  if (validate && failed(validate(tempPath))) {
    llvm::sys::fs::remove(tempPath);
    return failure();
  }
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, path)) {
    llvm::sys::fs::remove(tempPath);
    return emitError(loc) << path << ": cannot rename the temporary file: "
                          << ec.message();
  }
  return success();
}

} // namespace lowrank
