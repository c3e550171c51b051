//===- MicroKernelsAVX512.cpp - 14x32 AVX-512 GEMM micro-kernels ----------===//
//
// Built with -mavx512f -mfma; only called after the host check in
// selectHostKernels. 28 zmm accumulators, two B loads and fourteen
// broadcasts per k step keep both FMA pipes busy. Nothing from the C++
// library is used here, so no AVX-512 code leaks into shared inline
// functions.
//
//===----------------------------------------------------------------------===//

#include "MicroKernels.h"

#include <immintrin.h>
#include <utility>

namespace lowrank::runtime {
namespace {

constexpr int MR = 14;
constexpr int NR = 32;

inline __m512 finish(__m512 acc, float *c, __mmask16 mask, const Epilogue &e,
                     const float *bias, const float *rowBias,
                     const float *addend) {
  if (e.accumulate)
    acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(mask, c));
  if (bias)
    acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(mask, bias));
  if (rowBias)
    acc = _mm512_add_ps(acc, _mm512_set1_ps(*rowBias));
  if (addend)
    acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(mask, addend));
  if (e.relu)
    acc = _mm512_max_ps(_mm512_setzero_ps(), acc); // NaN stays NaN
  return acc;
}

template <int R, bool Direct>
void kernel(int64_t kc, const float *a, int64_t lda, const float *b, float *c,
            int64_t ldc, int64_t nr, const Epilogue &e) {
  __m512 lo[R], hi[R];
#pragma clang loop unroll(full)
  for (int i = 0; i < R; ++i)
    lo[i] = hi[i] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_loadu_ps(b);
    __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma clang loop unroll(full)
    for (int i = 0; i < R; ++i) {
      __m512 ai = _mm512_set1_ps(Direct ? a[i * lda] : a[i]);
      lo[i] = _mm512_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm512_fmadd_ps(ai, b1, hi[i]);
    }
    a += Direct ? 1 : MR;
    b += NR;
  }
  __mmask16 mlo = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1);
  __mmask16 mhi = nr >= 32   ? 0xFFFF
                  : nr <= 16 ? 0
                             : (__mmask16)((1u << (nr - 16)) - 1);
  const float *bias0 = e.bias, *bias1 = e.bias ? e.bias + 16 : nullptr;
#pragma clang loop unroll(full)
  for (int i = 0; i < R; ++i) {
    float *ci = c + i * ldc;
    const float *rowBias = e.rowBias ? e.rowBias + i : nullptr;
    const float *addend = e.addend ? e.addend + i * e.ldAddend : nullptr;
    _mm512_mask_storeu_ps(ci, mlo,
                          finish(lo[i], ci, mlo, e, bias0, rowBias, addend));
    if (mhi)
      _mm512_mask_storeu_ps(ci + 16, mhi,
                            finish(hi[i], ci + 16, mhi, e, bias1, rowBias,
                                   addend ? addend + 16 : nullptr));
  }
}

template <int... Rs>
constexpr KernelFamily makeFamily(std::integer_sequence<int, Rs...>) {
  return KernelFamily{"avx512",
                      MR,
                      NR,
                      {nullptr, &kernel<Rs + 1, false>...},
                      {nullptr, &kernel<Rs + 1, true>...}};
}

} // namespace

const KernelFamily &getAVX512Kernels() {
  static const KernelFamily family =
      makeFamily(std::make_integer_sequence<int, MR>());
  return family;
}

} // namespace lowrank::runtime
