//===- MicroKernelTest.cpp - Every kernel family against a reference ------===//
//
// The GEMM tests reach only the family the host selects; this calls every
// family the host can run (generic always, AVX2 and AVX-512 where the CPU
// has them) on every block height, with A packed and read in place, with a
// bias row or a bias per row and an added block, and checks the block and
// that nothing beyond its nr columns is written.
//
//===----------------------------------------------------------------------===//

#include "../../lib/Runtime/CPU/MicroKernels.h"

#include "gtest/gtest.h"

#include <random>
#include <vector>

namespace {

using namespace lowrank::runtime;

std::vector<const KernelFamily *> getRunnableFamilies() {
  std::vector<const KernelFamily *> families = {&getGenericKernels()};
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    families.push_back(&getAVX2Kernels());
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma"))
    families.push_back(&getAVX512Kernels());
#endif
  return families;
}

TEST(MicroKernelTest, EveryFamilyPackedAndDirect) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const int64_t kc = 37, lda = kc + 3;
  for (const KernelFamily *family : getRunnableFamilies()) {
    const int mr = family->mr, nr = family->nr;
    // A row-major with padded rows; its packed form; B packed.
    std::vector<float> a(mr * lda), packedA(kc * mr), packedB(kc * nr);
    for (float &v : a)
      v = dist(rng);
    for (float &v : packedB)
      v = dist(rng);
    for (int64_t k = 0; k < kc; ++k)
      for (int i = 0; i < mr; ++i)
        packedA[k * mr + i] = a[i * lda + k];
    std::vector<float> bias(nr), rowBias(mr);
    for (float &v : bias)
      v = dist(rng);
    for (float &v : rowBias)
      v = dist(rng);
    // An addend block with its own padded row stride.
    const int64_t ldAddend = nr + 2;
    std::vector<float> addend(mr * ldAddend);
    for (float &v : addend)
      v = dist(rng);
    for (int rows = 1; rows <= mr; ++rows)
      for (int64_t cols : {int64_t(1), int64_t(nr / 2 + 1), int64_t(nr)})
        for (bool direct : {false, true})
          for (bool perRow : {false, true}) {
            SCOPED_TRACE(testing::Message()
                         << family->name << " rows=" << rows << " cols=" << cols
                         << " direct=" << direct << " perRow=" << perRow);
            const int64_t ldc = nr + 5;
            std::vector<float> c(rows * ldc), initial(rows * ldc);
            for (float &v : initial)
              v = dist(rng);
            c = initial;
            // Either the bias row, or a bias per row and an added block.
            Epilogue epilogue{/*accumulate=*/true,
                              perRow ? nullptr : bias.data(), /*relu=*/true};
            if (perRow) {
              epilogue.rowBias = rowBias.data();
              epilogue.addend = addend.data();
              epilogue.ldAddend = ldAddend;
            }
            MicroKernelFn kernel =
                direct ? family->directKernels[rows] : family->kernels[rows];
            ASSERT_NE(kernel, nullptr);
            kernel(kc, direct ? a.data() : packedA.data(), direct ? lda : 0,
                   packedB.data(), c.data(), ldc, cols, epilogue);
            for (int i = 0; i < rows; ++i)
              for (int64_t j = 0; j < ldc; ++j) {
                if (j >= cols) {
                  ASSERT_EQ(c[i * ldc + j], initial[i * ldc + j])
                      << "written beyond the block at (" << i << ", " << j
                      << ")";
                  continue;
                }
                double sum =
                    initial[i * ldc + j] +
                    (perRow ? rowBias[i] + addend[i * ldAddend + j] : bias[j]);
                for (int64_t k = 0; k < kc; ++k)
                  sum += double(a[i * lda + k]) * packedB[k * nr + j];
                ASSERT_NEAR(c[i * ldc + j], sum > 0 ? sum : 0.0, 1e-4)
                    << "at (" << i << ", " << j << ")";
              }
          }
  }
}

} // namespace
