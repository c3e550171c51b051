//===- MappedWeights.cpp - Weights mapped from external data files --------===//

#include "lowrank/Support/MappedWeights.h"

#include "llvm/Support/Process.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>

#if defined(__unix__)
#include <sys/mman.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace lowrank {

namespace {
struct Registry {
  std::mutex mutex;
  /// Start address -> size of each registered mapping.
  std::map<uintptr_t, size_t> ranges;
};
} // namespace

static Registry &getRegistry() {
  static Registry registry;
  return registry;
}

void registerMappedWeight(const char *data, size_t size) {
  Registry &registry = getRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.ranges[reinterpret_cast<uintptr_t>(data)] = size;
}

void unregisterMappedWeight(const char *data) {
  Registry &registry = getRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.ranges.erase(reinterpret_cast<uintptr_t>(data));
}

void releaseMappedPages(const char *data, size_t size) {
#if defined(__unix__) && defined(MADV_DONTNEED)
  uintptr_t begin = reinterpret_cast<uintptr_t>(data), end = begin + size;
  {
    Registry &registry = getRegistry();
    std::lock_guard<std::mutex> lock(registry.mutex);
    auto it = registry.ranges.upper_bound(begin);
    if (it == registry.ranges.begin())
      return;
    --it;
    if (end > it->first + it->second)
      return;
  }
  // Only whole pages inside the range: its neighbours may be in use. The
  // mapping is read-only and private, so its pages were never modified and
  // MADV_DONTNEED only drops them from this process.
  uintptr_t page = llvm::sys::Process::getPageSizeEstimate();
  uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  if (first < last)
    ::madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
#else
  (void)data;
  (void)size;
#endif
}

void reuseLargeAllocations() {
#if defined(__GLIBC__)
  ::mallopt(M_MMAP_MAX, 0);
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

void releaseRetainedHeap() {
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
  // mallinfo2 walks every free block: cheap next to factoring one large
  // layer, but most of the time of a model of thousands of small ones
  // (a 20000-node chain spent 87% of its run in it). At most one look a
  // second, so that large layers are each looked after and small ones add
  // nothing measurable.
  using Clock = std::chrono::steady_clock;
  static std::atomic<Clock::rep> lastLook{0};
  Clock::rep now = Clock::now().time_since_epoch().count();
  Clock::rep last = lastLook.load(std::memory_order_relaxed);
  if (now - last <
          std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1))
              .count() ||
      !lastLook.compare_exchange_strong(last, now))
    return;
  struct mallinfo2 info = ::mallinfo2();
  constexpr size_t kRetainedLimit = size_t(1) << 30;
  if (info.fordblks > kRetainedLimit && info.fordblks > info.uordblks)
    ::malloc_trim(0);
#endif
}

} // namespace lowrank
