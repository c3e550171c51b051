//===- MicroKernelsGeneric.cpp - Portable GEMM micro-kernels --------------===//
//
// For hosts with neither AVX-512 nor AVX2 (and non-x86 hosts): plain C++ the
// compiler vectorizes for the baseline instruction set, and the kernel
// family selection on every host.
//
//===----------------------------------------------------------------------===//

#include "MicroKernels.h"

#include <utility>

namespace lowrank::runtime {
namespace {

constexpr int MR = 4;
constexpr int NR = 16;

template <int R, bool Direct>
void kernel(int64_t kc, const float *a, int64_t lda, const float *b, float *c,
            int64_t ldc, int64_t nr, const Epilogue &e) {
  float block[R][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < NR; ++j)
        block[i][j] += (Direct ? a[i * lda] : a[i]) * b[j];
    a += Direct ? 1 : MR;
    b += NR;
  }
  for (int i = 0; i < R; ++i) {
    float *ci = c + i * ldc;
    for (int64_t j = 0; j < nr; ++j) {
      float v = block[i][j];
      if (e.accumulate)
        v += ci[j];
      if (e.bias)
        v += e.bias[j];
      if (e.rowBias)
        v += e.rowBias[i];
      if (e.addend)
        v += e.addend[i * e.ldAddend + j];
      if (e.relu && v < 0.0f)
        v = 0.0f;
      ci[j] = v;
    }
  }
}

template <int... Rs>
constexpr KernelFamily makeFamily(std::integer_sequence<int, Rs...>) {
  return KernelFamily{"generic",
                      MR,
                      NR,
                      {nullptr, &kernel<Rs + 1, false>...},
                      {nullptr, &kernel<Rs + 1, true>...}};
}

} // namespace

const KernelFamily &getGenericKernels() {
  static const KernelFamily family =
      makeFamily(std::make_integer_sequence<int, MR>());
  return family;
}

const KernelFamily &selectHostKernels() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma"))
    return getAVX512Kernels();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return getAVX2Kernels();
#endif
  return getGenericKernels();
}

} // namespace lowrank::runtime
