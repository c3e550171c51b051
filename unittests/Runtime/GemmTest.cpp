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

TEST_P(GemmTest, RowSplits) {
  // Products the threads share by even row ranges: rows that fit one
  // micro-kernel call per thread but not in all (16 and 27 rows), and a
  // few column panels that do not divide among the threads (136 columns),
  // whose row ranges end inside a micro-kernel block; K of one and of
  // several K blocks, bias and accumulation in the epilogue.
  for (int64_t k : {200, 600}) {
    checkCase({16, 384, k, false, false, true, false, true});
    checkCase({27, 100, k, true, true, false, false, true});
    checkCase({128, 136, k, false, true, true, true, true});
    checkCase({130, 40, k, false, false, false, false, false});
  }
}

TEST_P(GemmTest, LargeParallel) {
  checkCase({300, 200, 600, false, true, true, false, true});
  checkCase({5, 1000, 300, true, false, false, false, true});
}

/// A factor pair: T = X * A, then Y (+)= T * B (+ bias), by the pair entry
/// point against two packed products. With enough rows and several threads
/// each thread computes its rows of both; otherwise the two products run
/// one after the other.
void checkPair(int64_t m, int64_t k, int64_t r, int64_t n, bool bias,
               bool accumulate, int64_t padT) {
  SCOPED_TRACE(testing::Message()
               << "M=" << m << " K=" << k << " R=" << r << " N=" << n
               << " bias=" << bias << " acc=" << accumulate << " padT=" << padT
               << " threads=" << lowrank_cpu_get_num_threads());
  std::mt19937 rng(m * 7 + k * 5 + r * 3 + n);
  std::vector<float> x = randomValues(m * k, rng), a = randomValues(k * r, rng);
  std::vector<float> b = randomValues(r * n, rng), bs = randomValues(n, rng);
  std::vector<float> initial = randomValues(m * n, rng);
  int64_t ldT = r + padT;
  auto describe = [](std::vector<float> &v, int64_t rows, int64_t cols,
                     int64_t ld) {
    return LowrankMemRefF32x2{v.data(), v.data(), 0, {rows, cols}, {ld, 1}};
  };
  int64_t flagsB = accumulate ? 0 : LOWRANK_GEMM_OVERWRITE;
  std::vector<float> expectedT(m * ldT, 0.0f), expectedY = initial;
  lowrank_sgemm(m, r, k, x.data(), k, 1, a.data(), r, 1, expectedT.data(), ldT,
                1, nullptr, LOWRANK_GEMM_OVERWRITE, nullptr);
  lowrank_sgemm(m, n, r, expectedT.data(), ldT, 1, b.data(), n, 1,
                expectedY.data(), n, 1, bias ? bs.data() : nullptr, flagsB,
                nullptr);

  int64_t slots[2] = {0, 0};
  LowrankMemRefI64x1 slotA{&slots[0], &slots[0], 0, {1}, {1}};
  LowrankMemRefI64x1 slotB{&slots[1], &slots[1], 0, {1}, {1}};
  for (int repeat = 0; repeat < 2; ++repeat) {
    std::vector<float> t(m * ldT, 0.0f), y = initial;
    LowrankMemRefF32x2 dx = describe(x, m, k, k), da = describe(a, k, r, r);
    LowrankMemRefF32x2 dt = describe(t, m, r, ldT), db = describe(b, r, n, n);
    LowrankMemRefF32x2 dy = describe(y, m, n, n);
    LowrankMemRefF32x1 dbias{bs.data(), bs.data(), 0, {n}, {1}};
    if (bias)
      _mlir_ciface_lowrank_matmul_pair_bias_f32(&dx, &da, &dt, &db, &dy, &dbias,
                                                &slotA, &slotB,
                                                LOWRANK_GEMM_OVERWRITE, flagsB);
    else
      _mlir_ciface_lowrank_matmul_pair_f32(&dx, &da, &dt, &db, &dy, &slotA,
                                           &slotB, LOWRANK_GEMM_OVERWRITE,
                                           flagsB);
    for (int64_t i = 0; i < m * ldT; ++i)
      ASSERT_NEAR(t[i], expectedT[i], kTolerance * (k + 1))
          << "T at " << i << ", call " << repeat;
    for (int64_t i = 0; i < m * n; ++i)
      ASSERT_NEAR(y[i], expectedY[i], kTolerance * (k + r + 1))
          << "Y at " << i << ", call " << repeat;
  }
  EXPECT_NE(slots[0], 0);
  EXPECT_NE(slots[1], 0);
}

TEST_P(GemmTest, FactorPairs) {
  // Rows enough for the row-split pair (one or two K blocks, a partial
  // last micro-panel, 8 rows a thread), and a few rows (two products in
  // turn).
  checkPair(130, 70, 37, 50, /*bias=*/true, /*accumulate=*/false, 0);
  checkPair(200, 300, 19, 97, false, true, 3);
  checkPair(128, 384, 136, 384, true, true, 0);
  checkPair(16, 384, 136, 384, true, false, 0);
  checkPair(7, 40, 5, 33, true, false, 1);
  checkPair(1, 64, 8, 64, false, false, 0);
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
