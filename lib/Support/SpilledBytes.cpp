//===- SpilledBytes.cpp - Computed weights kept in a spill file -----------===//

#include "lowrank/Support/SpilledBytes.h"

#include "lowrank/Support/MappedWeights.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <cerrno>
#include <cstdint>
#include <mutex>

#if defined(__unix__)
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

using namespace llvm;

namespace lowrank {

#if defined(__unix__)
namespace {
/// The process's spill file: opened on first use, never named in the
/// folder (or unlinked at once), so it disappears with the process however
/// that ends. Each spill appends at the next page boundary.
struct SpillFile {
  std::mutex mutex;
  bool opened = false;
  int fd = -1;
  uint64_t end = 0;

  int getDescriptor() {
    if (opened)
      return fd;
    opened = true;
    SmallString<128> folder;
    sys::path::system_temp_directory(/*ErasedOnReboot=*/true, folder);
#if defined(O_TMPFILE)
    fd = ::open(folder.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
      return fd;
#endif
    SmallString<128> path;
    if (sys::fs::createTemporaryFile("lowrank-spill", "bin", fd, path))
      return fd = -1;
    ::unlink(path.c_str());
    return fd;
  }
};
} // namespace

static SpillFile &getSpillFile() {
  static SpillFile file;
  return file;
}

static size_t getPageSize() {
  return llvm::sys::Process::getPageSizeEstimate();
}

/// Writes all of `bytes` at `offset`; false on any error (a full disk).
static bool writeFully(int fd, ArrayRef<char> bytes, uint64_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t written = ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(offset + done));
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      return false;
    done += static_cast<size_t>(written);
  }
  return true;
}

/// Gives the blocks of `[offset, offset + size)` back to the file system.
static void freeBlocks(int fd, uint64_t offset, size_t size) {
#if defined(FALLOC_FL_PUNCH_HOLE)
  ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
              static_cast<off_t>(offset), static_cast<off_t>(size));
#else
  (void)fd;
  (void)offset;
  (void)size;
#endif
}

std::optional<SpilledBytes> spillBytes(ArrayRef<char> bytes) {
  if (bytes.empty())
    return std::nullopt;
  SpillFile &file = getSpillFile();
  size_t page = getPageSize();
  uint64_t offset;
  int fd;
  {
    std::lock_guard<std::mutex> lock(file.mutex);
    fd = file.getDescriptor();
    if (fd < 0)
      return std::nullopt;
    offset = file.end;
    file.end += (bytes.size() + page - 1) / page * page;
  }
  // Space is reserved under the lock; the copy runs outside it.
  if (!writeFully(fd, bytes, offset)) {
    freeBlocks(fd, offset, bytes.size());
    return std::nullopt;
  }
  void *mapped = ::mmap(nullptr, bytes.size(), PROT_READ, MAP_SHARED, fd,
                        static_cast<off_t>(offset));
  if (mapped == MAP_FAILED) {
    freeBlocks(fd, offset, bytes.size());
    return std::nullopt;
  }
  // The bytes are in the page cache now; the kernel writes them back to the
  // file when it needs the memory.
  const char *data = static_cast<const char *>(mapped);
  registerMappedWeight(data, bytes.size());
  return SpilledBytes{data, bytes.size(), offset};
}

void releaseSpilledBytes(SpilledBytes spilled) {
  if (!spilled.data)
    return;
  unregisterMappedWeight(spilled.data);
  ::munmap(const_cast<char *>(spilled.data), spilled.size);
  freeBlocks(getSpillFile().fd, spilled.fileOffset, spilled.size);
}
#else
std::optional<SpilledBytes> spillBytes(ArrayRef<char>) { return std::nullopt; }
void releaseSpilledBytes(SpilledBytes) {}
#endif

} // namespace lowrank
