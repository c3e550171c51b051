//===- ConvGatherAVX512.cpp - Column panels with masked loads -------------===//
//
// Built with -mavx512f; only called after the host check. A panel row of 32
// columns is two vectors, one of at most 16 columns one vector; each
// segment is one masked load per vector, with the lanes outside it masked
// off (masked-off lanes are never read, so the load may start before the
// row). Nothing from the C++ library is used
// here, so no AVX-512 code leaks into shared inline functions.
//
//===----------------------------------------------------------------------===//

#include "ConvGather.h"

#include <immintrin.h>

namespace lowrank::runtime {

namespace {

/// Bit i of the 8-bit `bits` moved to bit 2i.
inline uint32_t spreadToEvenBits(uint32_t bits) {
  bits = (bits | (bits << 4)) & 0x0F0Fu;
  bits = (bits | (bits << 2)) & 0x3333u;
  return (bits | (bits << 1)) & 0x5555u;
}

/// Lanes `lanes` (16 bits) of source[2 * j] for j in [0, 16): two masked
/// loads of the 32 floats, whose even elements are then gathered.
inline __m512 loadEvenElements(uintptr_t source, uint32_t lanes) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12,
                                        10, 8, 6, 4, 2, 0);
  __m512 first = _mm512_maskz_loadu_ps(
      static_cast<__mmask16>(spreadToEvenBits(lanes & 0xFFu)),
      reinterpret_cast<const float *>(source));
  __m512 second = _mm512_maskz_loadu_ps(
      static_cast<__mmask16>(spreadToEvenBits(lanes >> 8)),
      reinterpret_cast<const float *>(source + 16 * sizeof(float)));
  return _mm512_permutex2var_ps(first, even, second);
}

/// The rows of the panel, each from its segments: `load(lo, hi, source,
/// lanes)` merges one segment (panel column 0 at `source`, its columns in
/// `lanes`) into the two vectors of the row. Rows of 32 columns store both
/// vectors, narrower ones (at most 16) the lanes of `lo` they have.
template <typename LoadSegment>
inline void gatherRows(const ColumnPanel &g, int64_t pc, int64_t kc,
                       float *packed, LoadSegment load) {
  int64_t c = pc / g.numTaps, tap = pc % g.numTaps;
  const bool wide = g.nr == 32;
  const __mmask16 rowLanes =
      static_cast<__mmask16>(wide ? 0xFFFFu : (1u << g.nr) - 1);
  for (int64_t kk = 0; kk < kc; ++kk) {
    uintptr_t plane =
        reinterpret_cast<uintptr_t>(g.image + c * g.channelStride);
    const ColumnSegment *segments = g.segments + tap * g.segmentsPerTap;
    __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
    for (int s = 0; s < g.segmentsPerTap; ++s)
      load(lo, hi, plane + segments[s].offset * sizeof(float),
           segments[s].lanes);
    if (wide) {
      _mm512_storeu_ps(packed + kk * 32, lo);
      _mm512_storeu_ps(packed + kk * 32 + 16, hi);
    } else {
      _mm512_mask_storeu_ps(packed + kk * g.nr, rowLanes, lo);
    }
    if (++tap == g.numTaps) {
      tap = 0;
      ++c;
    }
  }
}

} // namespace

void gatherColumnsAVX512(const ColumnPanel &g, int64_t pc, int64_t kc,
                         float *packed) {
  gatherRows(
      g, pc, kc, packed,
      [](__m512 &lo, __m512 &hi, uintptr_t source, uint64_t lanes) {
        lo = _mm512_mask_loadu_ps(lo, static_cast<__mmask16>(lanes),
                                  reinterpret_cast<const float *>(source));
        hi = _mm512_mask_loadu_ps(
            hi, static_cast<__mmask16>(lanes >> 16),
            reinterpret_cast<const float *>(source + 16 * sizeof(float)));
      });
}

void gatherColumnsStride2AVX512(const ColumnPanel &g, int64_t pc, int64_t kc,
                                float *packed) {
  // Panel column j reads source + 2 j floats.
  gatherRows(g, pc, kc, packed,
             [](__m512 &lo, __m512 &hi, uintptr_t source, uint64_t lanes) {
               uint32_t lanesLo = static_cast<uint32_t>(lanes & 0xFFFFu);
               uint32_t lanesHi =
                   static_cast<uint32_t>((lanes >> 16) & 0xFFFFu);
               if (lanesLo)
                 lo = _mm512_mask_mov_ps(lo, static_cast<__mmask16>(lanesLo),
                                         loadEvenElements(source, lanesLo));
               if (lanesHi)
                 hi = _mm512_mask_mov_ps(
                     hi, static_cast<__mmask16>(lanesHi),
                     loadEvenElements(source + 32 * sizeof(float), lanesHi));
             });
}

} // namespace lowrank::runtime
