//===- MicroKernels.h - Register-blocked GEMM kernels -----------*- C++ -*-===//
//
// A micro-kernel computes an mr x nr block of C from an A micro-panel
// (packed: kc steps of MR values, row i of the block at lane i; direct: mr
// rows of a row-major A, lda floats apart, read in place) and a packed B
// micro-panel (kc steps of NR values, zero beyond column nr), then applies
// the epilogue while the block is in registers: accumulate into C or
// overwrite it, add a bias row or a bias per row, add another block, ReLU.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_RUNTIME_CPU_MICROKERNELS_H
#define LOWRANK_RUNTIME_CPU_MICROKERNELS_H

#include <cstdint>

namespace lowrank::runtime {

/// What the kernel does with the block after the products.
struct Epilogue {
  bool accumulate;   // C += block, else C = block
  const float *bias; // nr values added to every row, or null
  bool relu;
  const float *rowBias = nullptr; // one value per row of the block, or null
  // A block of the same shape as C added before the ReLU (row i at
  // addend + i * ldAddend), or null.
  const float *addend = nullptr;
  int64_t ldAddend = 0;
};

using MicroKernelFn = void (*)(int64_t kc, const float *a, int64_t lda,
                               const float *b, float *c, int64_t ldc,
                               int64_t nr, const Epilogue &epilogue);

/// The largest MR of any kernel family.
constexpr int kMaxMR = 16;

/// One kernel family: kernels[mr] handles blocks of mr <= MR rows of a
/// packed A (lda is ignored), directKernels[mr] the same rows of a row-major
/// A read in place, which saves packing when A has unit column stride.
struct KernelFamily {
  const char *name;
  int mr, nr;
  MicroKernelFn kernels[kMaxMR + 1];
  MicroKernelFn directKernels[kMaxMR + 1];
};

/// Families compiled for specific instruction sets; they may only be called
/// on hosts that have them.
const KernelFamily &getAVX512Kernels();
const KernelFamily &getAVX2Kernels();
const KernelFamily &getGenericKernels();

/// The best family for the host CPU.
const KernelFamily &selectHostKernels();

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_MICROKERNELS_H
