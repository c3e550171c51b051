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

} // namespace

void gatherColumnsStride2AVX512(const ColumnPanel &g, int64_t pc, int64_t kc,
                                float *packed) {
  int64_t c = pc / g.numTaps, tap = pc % g.numTaps;
  for (int64_t kk = 0; kk < kc; ++kk) {
    uintptr_t plane =
        reinterpret_cast<uintptr_t>(g.image + c * g.channelStride);
    const ColumnSegment *segments = g.segments + tap * g.segmentsPerTap;
    __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
    for (int s = 0; s < g.segmentsPerTap; ++s) {
      // Panel column j reads source + 2 j floats; only the segment's
      // columns are read.
      uintptr_t source = plane + segments[s].offset * sizeof(float);
      uint32_t lanesLo = static_cast<uint32_t>(segments[s].lanes & 0xFFFFu);
      uint32_t lanesHi =
          static_cast<uint32_t>((segments[s].lanes >> 16) & 0xFFFFu);
      if (lanesLo)
        lo = _mm512_mask_mov_ps(lo, static_cast<__mmask16>(lanesLo),
                                loadEvenElements(source, lanesLo));
      if (lanesHi)
        hi = _mm512_mask_mov_ps(
            hi, static_cast<__mmask16>(lanesHi),
            loadEvenElements(source + 32 * sizeof(float), lanesHi));
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
