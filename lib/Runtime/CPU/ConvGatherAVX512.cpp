//===- ConvGatherAVX512.cpp - Column panels with masked loads -------------===//
//
// Built with -mavx512f; only called after the host check. A panel row of 32
// columns is two vectors; each segment is one masked load per vector, with
// the lanes outside it masked off (masked-off lanes are never read, so the
// load may start before the row). Nothing from the C++ library is used
// here, so no AVX-512 code leaks into shared inline functions.
//
//===----------------------------------------------------------------------===//

#include "ConvGather.h"

#include <immintrin.h>

namespace lowrank::runtime {

void gatherColumnsAVX512(const ColumnPanel &g, int64_t pc, int64_t kc,
                         float *packed) {
  int64_t c = pc / g.numTaps, tap = pc % g.numTaps;
  for (int64_t kk = 0; kk < kc; ++kk) {
    uintptr_t plane =
        reinterpret_cast<uintptr_t>(g.image + c * g.channelStride);
    const ColumnSegment *segments = g.segments + tap * g.segmentsPerTap;
    __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
    for (int s = 0; s < g.segmentsPerTap; ++s) {
      // The address of panel column 0; only the segment's lanes are read.
      uintptr_t source = plane + segments[s].offset * sizeof(float);
      uint64_t lanes = segments[s].lanes;
      lo = _mm512_mask_loadu_ps(lo, static_cast<__mmask16>(lanes),
                                reinterpret_cast<const float *>(source));
      hi = _mm512_mask_loadu_ps(
          hi, static_cast<__mmask16>(lanes >> 16),
          reinterpret_cast<const float *>(source + 16 * sizeof(float)));
    }
    _mm512_storeu_ps(packed + kk * 32, lo);
    _mm512_storeu_ps(packed + kk * 32 + 16, hi);
    if (++tap == g.numTaps) {
      tap = 0;
      ++c;
    }
  }
}

} // namespace lowrank::runtime
