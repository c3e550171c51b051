//===- SpilledBytes.h - Computed weights kept in a spill file ---*- C++ -*-===//
//
// Compressing a model creates its new weights (the factors) one layer at a
// time and holds them until the output is written: for a 7B-parameter model
// that is over 10 GiB of float16 factors. Held on the heap, they are
// anonymous memory that only swap could move, and the process's footprint
// grows with the model. Spilled, each is written to one unlinked temporary
// file of the process and mapped back read-only: the bytes then live in the
// page cache, which the kernel writes back and evicts under pressure, and
// the process holds one layer's working set at a time whatever the model's
// size. Reading a spilled weight faults its pages back from the file.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_SUPPORT_SPILLEDBYTES_H
#define LOWRANK_SUPPORT_SPILLEDBYTES_H

#include "llvm/ADT/ArrayRef.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace lowrank {

/// Bytes written to the spill file and mapped read-only. The mapping starts
/// on a page boundary, so `data` is aligned to the page size.
struct SpilledBytes {
  const char *data = nullptr;
  size_t size = 0;
  /// Where the bytes lie in the spill file.
  uint64_t fileOffset = 0;
};

/// Spilled copies are made of byte arrays at least this large; smaller ones
/// are not worth a mapping each.
constexpr size_t kMinSpilledBytes = 256 * 1024;

/// Copies `bytes` to the spill file (created in the temporary folder on
/// first use and unlinked at once) and maps them back. Returns nothing when
/// the file cannot be created, written (a full disk) or mapped; the caller
/// then keeps the bytes in memory. The mapping is registered as a mapped
/// weight (MappedWeights.h): releaseMappedPages drops its resident pages.
std::optional<SpilledBytes> spillBytes(llvm::ArrayRef<char> bytes);

/// Unmaps `spilled` and frees its blocks of the spill file.
void releaseSpilledBytes(SpilledBytes spilled);

} // namespace lowrank

#endif // LOWRANK_SUPPORT_SPILLEDBYTES_H
