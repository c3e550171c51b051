//===- MicroKernelsAVX2.cpp - 6x16 AVX2 GEMM micro-kernels ----------------===//
//
// Built with -mavx2 -mfma for hosts without AVX-512: 12 ymm accumulators.
// Column edges go through a small stack block, as AVX2 has no masked
// arithmetic worth the trouble here.
//
//===----------------------------------------------------------------------===//

#include "MicroKernels.h"

#include <immintrin.h>
#include <utility>

namespace lowrank::runtime {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

template <int R, bool Direct>
void kernel(int64_t kc, const float *a, int64_t lda, const float *b, float *c,
            int64_t ldc, int64_t nr, const Epilogue &e) {
  __m256 lo[R], hi[R];
#pragma clang loop unroll(full)
  for (int i = 0; i < R; ++i)
    lo[i] = hi[i] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m256 b0 = _mm256_loadu_ps(b);
    __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma clang loop unroll(full)
    for (int i = 0; i < R; ++i) {
      __m256 ai = _mm256_broadcast_ss(Direct ? a + i * lda : a + i);
      lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
    }
    a += Direct ? 1 : MR;
    b += NR;
  }
  alignas(32) float block[R][NR];
#pragma clang loop unroll(full)
  for (int i = 0; i < R; ++i) {
    _mm256_store_ps(block[i], lo[i]);
    _mm256_store_ps(block[i] + 8, hi[i]);
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
  return KernelFamily{"avx2",
                      MR,
                      NR,
                      {nullptr, &kernel<Rs + 1, false>...},
                      {nullptr, &kernel<Rs + 1, true>...}};
}

} // namespace

const KernelFamily &getAVX2Kernels() {
  static const KernelFamily family =
      makeFamily(std::make_integer_sequence<int, MR>());
  return family;
}

} // namespace lowrank::runtime
