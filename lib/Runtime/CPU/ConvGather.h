//===- ConvGather.h - Column panels of a convolution ------------*- C++ -*-===//
//
// The gather of the direct convolution: rows [pc, pc + kc) and an NR-wide
// range of columns of an image's column matrix, written in the B layout of
// the micro-kernels. Row (c, tap) of the panel reads, for each filter tap,
// the same positions of channel c's plane; where they are is planned once
// per panel (a few segments per tap), so the gather itself only loads.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_RUNTIME_CPU_CONVGATHER_H
#define LOWRANK_RUNTIME_CPU_CONVGATHER_H

#include <cstdint>

namespace lowrank::runtime {

/// Panel columns [first, last) of one tap read plane[offset + j * step]
/// (j the panel column); `lanes` has bit j set for those columns. Columns
/// of no segment are zero (the padding). Empty when last <= first.
struct ColumnSegment {
  int64_t first, last, offset;
  uint64_t lanes;
};

struct ColumnPanel {
  const float *image;    // one image, C x H x W
  int64_t channelStride; // floats between channel planes
  int64_t step;          // floats between the inputs of adjacent columns
  const ColumnSegment *segments; // segmentsPerTap per tap, taps row-major
  int64_t numTaps;
  int segmentsPerTap;
  int nr;
};

/// Writes rows [pc, pc + kc) of the panel, row kk at packed + kk * nr.
void gatherColumns(const ColumnPanel &panel, int64_t pc, int64_t kc,
                   float *packed);

/// The same with AVX-512 masked loads, for nr = 32 or nr <= 16 and step = 1.
/// Only on hosts with AVX-512F.
void gatherColumnsAVX512(const ColumnPanel &panel, int64_t pc, int64_t kc,
                         float *packed);

/// The same for step = 2 (a convolution of stride 2 along rows): the even
/// elements of two masked loads per vector.
void gatherColumnsStride2AVX512(const ColumnPanel &panel, int64_t pc,
                                int64_t kc, float *packed);

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_CONVGATHER_H
