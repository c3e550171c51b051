//===- InputFilesTest.cpp - Bounded input files and the fault handler -----===//

#include "lowrank/Support/InputFiles.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "gtest/gtest.h"

#include <unistd.h>

using namespace llvm;

namespace {

/// A temporary file of `size` bytes, removed at the end of the test.
struct ScratchFile {
  SmallString<128> path;
  explicit ScratchFile(size_t size) {
    int fd;
    EXPECT_FALSE(
        sys::fs::createTemporaryFile("lowrank-input", "bin", fd, path));
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << std::string(size, 'x');
  }
  ~ScratchFile() { sys::fs::remove(path); }
};

TEST(InputFilesTest, ReadsRegularFiles) {
  ScratchFile file(100);
  auto buffer = lowrank::readInputFile(file.path);
  ASSERT_TRUE(bool(buffer)) << toString(buffer.takeError());
  EXPECT_EQ((*buffer)->getBufferSize(), 100u);
}

TEST(InputFilesTest, RefusesDevicesFoldersAndLargeFiles) {
  auto device = lowrank::readInputFile("/dev/zero");
  ASSERT_FALSE(bool(device));
  EXPECT_EQ(toString(device.takeError()), "not a regular file");
  auto folder = lowrank::readInputFile("/");
  ASSERT_FALSE(bool(folder));
  EXPECT_EQ(toString(folder.takeError()), "not a regular file");
  ScratchFile file(100);
  auto large = lowrank::readInputFile(file.path, /*maxBytes=*/99);
  ASSERT_FALSE(bool(large));
  EXPECT_EQ(toString(large.takeError()),
            "100 bytes, more than the 99 accepted");
}

// A mapped input that another program truncates raises SIGBUS on the next
// access of a vanished page; the handler turns it into an error exit.
TEST(InputFilesDeathTest, TruncatedMappedFileIsAnError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // Not a multiple of the page size: MemoryBuffer maps such a file (the
  // NUL after its end lies in the last page) instead of reading it.
  constexpr size_t kSize = (1 << 20) + 100;
  ScratchFile file(kSize);
  auto buffer = lowrank::readInputFile(file.path);
  ASSERT_TRUE(bool(buffer)) << toString(buffer.takeError());
  const volatile char *bytes = (*buffer)->getBufferStart();
  EXPECT_EXIT(
      {
        lowrank::installInputFileFaultHandler("tool");
        if (::truncate(file.path.c_str(), 0) != 0)
          _exit(2);
        size_t sum = 0;
        for (size_t i = 0; i < kSize; i += 4096)
          sum += bytes[i];
        _exit(sum == 0 ? 3 : 4);
      },
      testing::ExitedWithCode(1),
      "tool: error: an input file changed while it was being read");
}

} // namespace
