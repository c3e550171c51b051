//===- Packing.cpp - Panel layouts of the GEMM kernels --------------------===//

#include "Packing.h"

#include <cstdlib>
#include <cstring>

namespace lowrank::runtime {

void packA(const float *a, int64_t rs, int64_t cs, int64_t mc, int64_t kc,
           int mr, float *packed) {
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    int64_t rows = mc - i0 < mr ? mc - i0 : mr;
    float *panel = packed + i0 * kc;
    const float *block = a + i0 * rs;
    if (cs == 1) {
      // Row-major A: each row is contiguous; write it with stride mr.
      for (int64_t i = 0; i < rows; ++i) {
        const float *row = block + i * rs;
        for (int64_t k = 0; k < kc; ++k)
          panel[k * mr + i] = row[k];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t i = 0; i < rows; ++i)
          panel[k * mr + i] = block[i * rs + k * cs];
    }
    if (rows < mr)
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t i = rows; i < mr; ++i)
          panel[k * mr + i] = 0.0f;
  }
}

void packB(const float *b, int64_t rs, int64_t cs, int64_t kc, int64_t nc,
           int nr, float *packed, int64_t panelStride) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    int64_t cols = nc - j0 < nr ? nc - j0 : nr;
    float *panel = packed + (j0 / nr) * panelStride;
    const float *block = b + j0 * cs;
    if (cs == 1) {
      for (int64_t k = 0; k < kc; ++k) {
        std::memcpy(panel + k * nr, block + k * rs, cols * sizeof(float));
        for (int64_t j = cols; j < nr; ++j)
          panel[k * nr + j] = 0.0f;
      }
    } else {
      // Transposed B (rows of B^T contiguous): read each column in order.
      for (int64_t j = 0; j < cols; ++j)
        for (int64_t k = 0; k < kc; ++k)
          panel[k * nr + j] = block[j * cs + k * rs];
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t j = cols; j < nr; ++j)
          panel[k * nr + j] = 0.0f;
    }
  }
}

float *allocateFloats(int64_t count) {
  size_t bytes = (static_cast<size_t>(count) * sizeof(float) + 63) / 64 * 64;
  return static_cast<float *>(std::aligned_alloc(64, bytes ? bytes : 64));
}

void freeFloats(float *buffer) { std::free(buffer); }

} // namespace lowrank::runtime
