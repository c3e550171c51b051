//===- MappedWeights.h - Weights mapped from data files ---------*- C++ -*-===//
//
// The importer maps large external-data weights instead of reading them
// (see ONNXImporter.cpp). Their pages are clean pages of the data file: once
// a pass has copied a weight into a matrix of its own, they can be dropped
// from the process and are faulted back from the page cache if read again.
// That keeps a model's weights from all staying resident while its layers
// are analysed and factored one at a time.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_SUPPORT_MAPPEDWEIGHTS_H
#define LOWRANK_SUPPORT_MAPPEDWEIGHTS_H

#include <cstddef>

namespace lowrank {

/// Records `[data, data + size)` as a read-only mapping of a file.
void registerMappedWeight(const char *data, size_t size);

/// Forgets the mapping starting at `data` (before it is unmapped).
void unregisterMappedWeight(const char *data);

/// Drops the resident pages of `[data, data + size)` when the range lies in
/// a registered mapping; does nothing for any other memory.
void releaseMappedPages(const char *data, size_t size);

/// Makes freed large blocks reusable by the next allocation. Factoring a
/// model allocates and frees matrices of hundreds of MiB per layer; glibc
/// serves each from a fresh mapping whose pages the kernel zeroes again on
/// first touch, which took a fifth of the time of compressing a Llama-shaped
/// model. Served from the heap, freed blocks are reused; a free top of the
/// heap over 1 GiB is still returned. Call once, first thing in main.
void reuseLargeAllocations();

/// Gives the pages of free heap blocks back to the system when more than
/// 1 GiB of the heap, and more than is in use, is free. Blocks of the many
/// sizes a model's layers need (weights, Gram matrices, factors of each
/// shape) leave free holes that reuse alone does not fill: compressing a
/// 7B-parameter model retained 5 GiB of them. Call between layers: it
/// looks at the heap at most once a second.
void releaseRetainedHeap();

} // namespace lowrank

#endif // LOWRANK_SUPPORT_MAPPEDWEIGHTS_H
