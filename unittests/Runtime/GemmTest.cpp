//===- GemmTest.cpp - liblowrank_cpu_runtime against a naive product ------===//

#include "lowrank/Runtime/CPU/Runtime.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {

/// Relative-to-K tolerance for float accumulation against a double
/// reference.
constexpr double kTolerance = 1e-5;

struct Case {
  int64_t m, n, k;
  bool transposeB;
  bool accumulate;
  bool bias;
  bool relu;
  bool packed;
  // A's layout: its leading stride exceeds what its shape needs by padA,
  // and it is stored column by column when transposeA.
  int64_t padA = 0;
  bool transposeA = false;
};

std::vector<float> randomValues(size_t count, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float &v : values)
    v = dist(rng);
  return values;
}

/// Runs one case with lowrank_sgemm (twice when packed, to use the slot
/// again) and compares with a double-precision reference.
void checkCase(const Case &c) {
  SCOPED_TRACE(testing::Message()
               << "M=" << c.m << " N=" << c.n << " K=" << c.k << " transB="
               << c.transposeB << " acc=" << c.accumulate << " bias=" << c.bias
               << " relu=" << c.relu << " packed=" << c.packed
               << " padA=" << c.padA << " transA=" << c.transposeA
               << " threads=" << lowrank_cpu_get_num_threads());
  std::mt19937 rng(c.m * 131 + c.n * 17 + c.k);
  int64_t lda = (c.transposeA ? c.m : c.k) + c.padA;
  int64_t rsA = c.transposeA ? 1 : lda, csA = c.transposeA ? lda : 1;
  std::vector<float> a = randomValues((c.transposeA ? c.k : c.m) * lda, rng);
  std::vector<float> b = randomValues(c.k * c.n, rng);
  std::vector<float> bias = randomValues(c.n, rng);
  // C has a padded row stride, so that the kernels' stores are checked to
  // stay inside each row.
  int64_t ldc = c.n + 3;
  std::vector<float> initial = randomValues(c.m * ldc, rng);
  int64_t rsB = c.transposeB ? 1 : c.n, csB = c.transposeB ? c.k : 1;

  std::vector<double> expected(c.m * c.n);
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double sum = c.accumulate ? initial[i * ldc + j] : 0.0;
      for (int64_t p = 0; p < c.k; ++p)
        sum += double(a[i * rsA + p * csA]) * b[p * rsB + j * csB];
      if (c.bias)
        sum += bias[j];
      if (c.relu)
        sum = std::max(sum, 0.0);
      expected[i * c.n + j] = sum;
    }

  int64_t flags = (c.accumulate ? 0 : LOWRANK_GEMM_OVERWRITE) |
                  (c.relu ? LOWRANK_GEMM_RELU : 0);
  int64_t slot = 0;
  for (int repeat = 0; repeat < (c.packed ? 2 : 1); ++repeat) {
    std::vector<float> out = initial;
    lowrank_sgemm(c.m, c.n, c.k, a.data(), rsA, csA, b.data(), rsB, csB,
                  out.data(), ldc, 1, c.bias ? bias.data() : nullptr, flags,
                  c.packed ? &slot : nullptr);
    for (int64_t i = 0; i < c.m; ++i) {
      for (int64_t j = 0; j < c.n; ++j)
        ASSERT_NEAR(out[i * ldc + j], expected[i * c.n + j],
                    kTolerance * (c.k + 1))
            << "at (" << i << ", " << j << "), call " << repeat;
      for (int64_t j = c.n; j < ldc && i * ldc + j < c.m * ldc; ++j)
        ASSERT_EQ(out[i * ldc + j], initial[i * ldc + j])
            << "padding overwritten at (" << i << ", " << j << ")";
    }
  }
  if (c.packed)
    EXPECT_NE(slot, 0) << "the packed weight was not kept";
}

class GemmTest : public testing::TestWithParam<int> {
protected:
  void SetUp() override { lowrank_cpu_set_num_threads(GetParam()); }
  void TearDown() override { lowrank_cpu_set_num_threads(0); }
};

TEST_P(GemmTest, OddShapes) {
  const int64_t shapes[][3] = {{1, 1, 1},    {1, 33, 7},     {2, 17, 1},
                               {15, 31, 5},  {29, 65, 300},  {1, 100, 513},
                               {3, 7, 1000}, {200, 70, 260}, {64, 64, 64}};
  for (auto [m, n, k] : shapes)
    for (bool transposeB : {false, true})
      for (bool packed : {false, true})
        checkCase(
            {m, n, k, transposeB, /*accumulate=*/false, false, false, packed});
}

TEST_P(GemmTest, Epilogues) {
  for (bool accumulate : {false, true})
    for (bool bias : {false, true})
      for (bool relu : {false, true}) {
        checkCase({37, 45, 19, false, accumulate, bias, relu, false});
        checkCase({1, 50, 270, true, accumulate, bias, relu, true});
      }
}

TEST_P(GemmTest, ALayouts) {
  // Row-major A is read in place unless its rows alias in the L1 cache
  // (rows of 1024 floats); other layouts are packed. K beyond one K block
  // (256) and rows beyond one micro-panel exercise the offsets of both.
  for (int64_t k : {3, 300, 1024})
    for (int64_t padA : {0, 5})
      for (bool transposeA : {false, true}) {
        checkCase(
            {40, 70, k, false, false, true, false, true, padA, transposeA});
        checkCase({1, 33, k, true, true, false, true, false, padA, transposeA});
      }
}

TEST_P(GemmTest, LargeParallel) {
  checkCase({300, 200, 600, false, true, true, false, true});
  checkCase({5, 1000, 300, true, false, false, false, true});
}

INSTANTIATE_TEST_SUITE_P(Threads, GemmTest, testing::Values(1, 2, 3));

TEST(GemmTest, EmptyK) {
  std::vector<float> c = {1, 2, 3, 4};
  float bias[2] = {10, -10};
  lowrank_sgemm(2, 2, 0, nullptr, 0, 1, nullptr, 2, 1, c.data(), 2, 1, bias,
                LOWRANK_GEMM_RELU, nullptr);
  EXPECT_EQ(c, (std::vector<float>{11, 0, 13, 0}));
}

TEST(GemmTest, StridedOutput) {
  // C transposed in memory (column stride != 1) goes through a dense copy.
  std::vector<float> a = {1, 2, 3, 4}, b = {1, 0, 0, 1}, c(4, 0.0f);
  lowrank_sgemm(2, 2, 2, a.data(), 2, 1, b.data(), 2, 1, c.data(), 1, 2,
                nullptr, LOWRANK_GEMM_OVERWRITE, nullptr);
  EXPECT_EQ(c, (std::vector<float>{1, 3, 2, 4}));
}

TEST(GemmTest, BatchMatmulDescriptors) {
  // Two batches of 3x4 * 4x5, B transposed through its strides.
  const int64_t batches = 2, m = 3, k = 4, n = 5;
  std::mt19937 rng(3);
  std::vector<float> a = randomValues(batches * m * k, rng);
  std::vector<float> b = randomValues(batches * n * k, rng);
  std::vector<float> c(batches * m * n, 7.0f);
  LowrankMemRefF32x3 da{a.data(), a.data(), 0, {batches, m, k}, {m * k, k, 1}};
  LowrankMemRefF32x3 db{b.data(), b.data(), 0, {batches, k, n}, {n * k, 1, k}};
  LowrankMemRefF32x3 dc{c.data(), c.data(), 0, {batches, m, n}, {m * n, n, 1}};
  _mlir_ciface_lowrank_batch_matmul_f32(&da, &db, &dc, 0);
  for (int64_t t = 0; t < batches; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 7.0;
        for (int64_t p = 0; p < k; ++p)
          sum += double(a[t * m * k + i * k + p]) * b[t * n * k + j * k + p];
        EXPECT_NEAR(c[t * m * n + i * n + j], sum, 1e-5);
      }
}

TEST(GemmTest, KernelFamilyNamed) {
  std::string name = lowrank_cpu_kernel_name();
  EXPECT_TRUE(name == "avx512" || name == "avx2" || name == "generic") << name;
}

} // namespace
