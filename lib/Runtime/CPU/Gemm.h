//===- Gemm.h - Blocked, packed, threaded SGEMM -----------------*- C++ -*-===//

#ifndef LOWRANK_RUNTIME_CPU_GEMM_H
#define LOWRANK_RUNTIME_CPU_GEMM_H

#include <cstdint>

namespace lowrank::runtime {

/// C (+)= A * B (+ bias) with arbitrary element strides.
struct GemmProblem {
  int64_t m, n, k;
  const float *a;
  int64_t rsA, csA;
  const float *b;
  int64_t rsB, csB;
  float *c;
  int64_t rsC, csC;
  const float *bias; // n values, or null
  bool accumulate;
  bool relu;
  int64_t *packedSlot; // where a constant B stays packed, or null
};

/// Runs the product, on the thread pool when `parallel` (not from inside a
/// pool task).
void gemm(const GemmProblem &problem, bool parallel);

/// A factor pair: `first` (T = X * A), then `second` (Y (+)= T * B), where
/// `second` reads T where `first` writes it. With four rows or more per
/// thread, each thread computes its rows of T and then the same rows of Y,
/// so the bottleneck rows stay in its cache and the pool is called once;
/// otherwise two products.
void gemmPair(const GemmProblem &first, const GemmProblem &second,
              bool parallel);

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_GEMM_H
