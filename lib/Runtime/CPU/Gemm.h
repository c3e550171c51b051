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

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_GEMM_H
