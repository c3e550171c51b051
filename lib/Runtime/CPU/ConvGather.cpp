//===- ConvGather.cpp - Column panels of a convolution, portable ----------===//

#include "ConvGather.h"

#include <algorithm>

namespace lowrank::runtime {

void gatherColumns(const ColumnPanel &g, int64_t pc, int64_t kc,
                   float *packed) {
  int64_t c = pc / g.numTaps, tap = pc % g.numTaps;
  for (int64_t kk = 0; kk < kc; ++kk) {
    float *dst = packed + kk * g.nr;
    std::fill(dst, dst + g.nr, 0.0f);
    const float *plane = g.image + c * g.channelStride;
    const ColumnSegment *segments = g.segments + tap * g.segmentsPerTap;
    for (int s = 0; s < g.segmentsPerTap; ++s) {
      const ColumnSegment &segment = segments[s];
      for (int64_t j = segment.first; j < segment.last; ++j)
        dst[j] = plane[segment.offset + j * g.step];
    }
    if (++tap == g.numTaps) {
      tap = 0;
      ++c;
    }
  }
}

} // namespace lowrank::runtime
