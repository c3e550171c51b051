//===- InputFiles.cpp - Input files read with bounds ----------------------===//

#include "lowrank/Support/InputFiles.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Signals.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace llvm;

namespace lowrank {

/// Reads the stream open as `file` to its end, failing past `maxBytes`.
static Expected<std::unique_ptr<MemoryBuffer>>
readStream(sys::fs::file_t file, StringRef name, uint64_t maxBytes) {
  SmallString<0> bytes;
  constexpr size_t kChunk = 1 << 16;
  while (true) {
    size_t size = bytes.size();
    bytes.resize_for_overwrite(size + kChunk);
    Expected<size_t> read = sys::fs::readNativeFile(
        file, MutableArrayRef<char>(bytes.data() + size, kChunk));
    if (!read)
      return read.takeError();
    bytes.truncate(size + *read);
    if (*read == 0)
      break;
    if (bytes.size() > maxBytes)
      return createStringError("longer than %llu bytes",
                               static_cast<unsigned long long>(maxBytes));
  }
  return MemoryBuffer::getMemBufferCopy(bytes, name);
}

Expected<std::unique_ptr<MemoryBuffer>> readInputFile(StringRef path,
                                                      uint64_t maxBytes) {
  if (path == "-")
    return readStream(sys::fs::getStdinHandle(), "<stdin>", maxBytes);
  sys::fs::file_status status;
  if (std::error_code ec = sys::fs::status(path, status))
    return createStringError(ec, "cannot read file: %s", ec.message().c_str());
  if (status.type() == sys::fs::file_type::fifo_file) {
    Expected<sys::fs::file_t> file = sys::fs::openNativeFileForRead(path);
    if (!file)
      return file.takeError();
    auto buffer = readStream(*file, path, maxBytes);
    sys::fs::closeFile(*file);
    return buffer;
  }
  if (status.type() != sys::fs::file_type::regular_file)
    return createStringError("not a regular file");
  if (status.getSize() > maxBytes)
    return createStringError("%llu bytes, more than the %llu accepted",
                             static_cast<unsigned long long>(status.getSize()),
                             static_cast<unsigned long long>(maxBytes));
  // Null-terminated: the MLIR parser reads text buffers up to the NUL.
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return createStringError(buffer.getError(), "cannot read file: %s",
                             buffer.getError().message().c_str());
  return std::move(*buffer);
}

/// The message the SIGBUS handler writes, built before any fault.
static char faultMessage[256];
static size_t faultMessageLength;

/// Async-signal-safe: write(2), LLVM's interrupt handlers (which only unlink
/// registered files) and _exit(2).
static void handleInputFileFault(int) {
  ssize_t written = ::write(STDERR_FILENO, faultMessage, faultMessageLength);
  (void)written;
  llvm::sys::RunInterruptHandlers();
  ::_exit(1);
}

void installInputFileFaultHandler(const char *toolName) {
  int length = std::snprintf(faultMessage, sizeof(faultMessage),
                             "%s: error: an input file changed while it was "
                             "being read (it was truncated or replaced)\n",
                             toolName);
  faultMessageLength =
      std::min(sizeof(faultMessage) - 1, static_cast<size_t>(length));
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = handleInputFileFault;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGBUS, &action, nullptr);
}

} // namespace lowrank
