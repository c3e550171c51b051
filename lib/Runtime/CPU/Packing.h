//===- Packing.h - Panel layouts of the GEMM kernels ------------*- C++ -*-===//
//
// A is packed into micro-panels of MR rows: for each k, MR consecutive
// values (zero past the last row). B is packed into micro-panels of NR
// columns: for each k, NR consecutive values (zero past the last column).
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_RUNTIME_CPU_PACKING_H
#define LOWRANK_RUNTIME_CPU_PACKING_H

#include <cstdint>

namespace lowrank::runtime {

/// Packs rows [0, mc) and columns [0, kc) of A (element (i, k) at
/// a[i * rs + k * cs]) into ceil(mc / mr) micro-panels of mr * kc values.
void packA(const float *a, int64_t rs, int64_t cs, int64_t mc, int64_t kc,
           int mr, float *packed);

/// Packs rows [0, kc) and columns [0, nc) of B into ceil(nc / nr)
/// micro-panels, panel p starting at packed + p * panelStride.
void packB(const float *b, int64_t rs, int64_t cs, int64_t kc, int64_t nc,
           int nr, float *packed, int64_t panelStride);

/// A buffer aligned to 64 bytes; null on failure.
float *allocateFloats(int64_t count);
void freeFloats(float *buffer);

/// Scratch space of one thread, grown on demand and kept for later calls.
struct Scratch {
  float *data = nullptr;
  int64_t capacity = 0;
  ~Scratch() { freeFloats(data); }
  float *get(int64_t count) {
    if (count > capacity) {
      freeFloats(data);
      data = allocateFloats(count);
      capacity = count;
    }
    return data;
  }
};

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_PACKING_H
