//===- BufferCache.cpp - Reused heap buffers for compiled models ----------===//
//
// Compiled models allocate their intermediate buffers on every call and
// free them before returning. Large malloc blocks come from mmap, so each
// call would fault in fresh zeroed pages; keeping freed blocks per size and
// handing them out again makes repeated calls allocation-free. The CPU
// pipeline (with ukernels) lowers memref.alloc/dealloc to these generic
// allocation functions of MLIR's memref-to-llvm conversion.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Runtime/CPU/Runtime.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace {

/// Stored right before every block handed out.
struct alignas(16) Header {
  size_t size;      // requested bytes
  size_t alignment; // of the returned pointer
  void *raw;        // what aligned_alloc returned
  size_t padding;
};

// Blocks kept for reuse beyond this many bytes are freed instead.
constexpr size_t kMaxCachedBytes = size_t(1) << 31;

class BufferCache {
public:
  void *allocate(size_t size, size_t alignment) {
    if (alignment < alignof(Header))
      alignment = alignof(Header);
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = freeBlocks.find({size, alignment});
      if (it != freeBlocks.end() && !it->second.empty()) {
        void *block = it->second.back();
        it->second.pop_back();
        cachedBytes -= size;
        return block;
      }
    }
    // The header goes in the `offset` bytes before the returned pointer.
    size_t offset = (sizeof(Header) + alignment - 1) / alignment * alignment;
    size_t total = (offset + size + alignment - 1) / alignment * alignment;
    void *raw = std::aligned_alloc(alignment, total);
    if (!raw)
      return nullptr;
    char *block = static_cast<char *>(raw) + offset;
    *reinterpret_cast<Header *>(block - sizeof(Header)) = {size, alignment, raw,
                                                           0};
    return block;
  }

  void release(void *block) {
    if (!block)
      return;
    Header header = *reinterpret_cast<Header *>(static_cast<char *>(block) -
                                                sizeof(Header));
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (cachedBytes + header.size <= kMaxCachedBytes) {
        freeBlocks[{header.size, header.alignment}].push_back(block);
        cachedBytes += header.size;
        return;
      }
    }
    std::free(header.raw);
  }

private:
  std::mutex mutex;
  std::map<std::pair<size_t, size_t>, std::vector<void *>> freeBlocks;
  size_t cachedBytes = 0;
};

BufferCache &getBufferCache() {
  // Never destroyed: compiled code may free buffers from static destructors.
  static BufferCache *cache = new BufferCache();
  return *cache;
}

} // namespace

extern "C" void *_mlir_memref_to_llvm_alloc(size_t size) {
  return getBufferCache().allocate(size, 16);
}

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment,
                                                    size_t size) {
  return getBufferCache().allocate(size, alignment);
}

extern "C" void _mlir_memref_to_llvm_free(void *pointer) {
  getBufferCache().release(pointer);
}
