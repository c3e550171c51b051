//===- SpilledBytesTest.cpp - Computed weights kept in a spill file -------===//

#include "lowrank/Support/SpilledBytes.h"

#include "llvm/Support/Process.h"
#include "gtest/gtest.h"

#include <cstring>
#include <numeric>
#include <vector>

namespace {

std::vector<char> makeBytes(size_t size, unsigned seed) {
  std::vector<char> bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<char>((i * 131 + seed) % 251);
  return bytes;
}

TEST(SpilledBytesTest, ReadsBackWhatWasSpilled) {
  size_t page = llvm::sys::Process::getPageSizeEstimate();
  // Sizes that are and are not multiples of the page size, one after the
  // other in the file.
  std::vector<std::vector<char>> originals = {
      makeBytes(lowrank::kMinSpilledBytes + 1, 1), makeBytes(3 * page, 2),
      makeBytes(17, 3)};
  std::vector<lowrank::SpilledBytes> spilled;
  for (const std::vector<char> &bytes : originals) {
    std::optional<lowrank::SpilledBytes> copy = lowrank::spillBytes(bytes);
    ASSERT_TRUE(copy.has_value());
    EXPECT_EQ(copy->size, bytes.size());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(copy->data) % page, 0u);
    EXPECT_EQ(copy->fileOffset % page, 0u);
    spilled.push_back(*copy);
  }
  // The copies are independent of the originals and of each other.
  for (std::vector<char> &bytes : originals)
    std::memset(bytes.data(), 0, bytes.size());
  for (auto [i, copy] : llvm::enumerate(spilled)) {
    std::vector<char> expected = makeBytes(copy.size, i + 1);
    EXPECT_EQ(std::memcmp(copy.data, expected.data(), copy.size), 0);
  }
  // Released copies give their space back; the next ones still read right.
  for (lowrank::SpilledBytes copy : spilled)
    lowrank::releaseSpilledBytes(copy);
  std::vector<char> again = makeBytes(2 * lowrank::kMinSpilledBytes, 9);
  std::optional<lowrank::SpilledBytes> copy = lowrank::spillBytes(again);
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(std::memcmp(copy->data, again.data(), again.size()), 0);
  lowrank::releaseSpilledBytes(*copy);
}

TEST(SpilledBytesTest, NothingToSpill) {
  EXPECT_FALSE(lowrank::spillBytes({}).has_value());
  lowrank::releaseSpilledBytes({}); // does nothing
}

} // namespace
