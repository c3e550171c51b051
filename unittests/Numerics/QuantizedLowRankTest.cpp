//===- QuantizedLowRankTest.cpp - W ~ Q + L R
//------------------------------===//

#include "lowrank/Numerics/QuantizedLowRank.h"
#include "lowrank/Numerics/LowRank.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace lowrank::numerics;

namespace {

MatrixF randomMatrix(int64_t rows, int64_t cols, unsigned seed,
                     float stddev = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  MatrixF m(rows, cols);
  for (int64_t i = 0; i < m.size(); ++i)
    m.data()[i] = dist(gen);
  return m;
}

/// A weight with a few strong directions plus noise, as trained layers have.
MatrixF structuredWeight(int64_t m, int64_t n, int64_t rank, unsigned seed) {
  MatrixF w =
      multiply(randomMatrix(m, rank, seed), randomMatrix(rank, n, seed + 1));
  MatrixF noise = randomMatrix(m, n, seed + 2, 0.3f);
  for (int64_t i = 0; i < w.size(); ++i)
    w.data()[i] += noise.data()[i];
  return w;
}

QuantizedLowRankResult fit(const MatrixF &w, QuantizedLowRankOptions options) {
  auto result = fitQuantizedLowRank(w, options);
  EXPECT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  return std::move(*result);
}

TEST(QuantizedLowRank, BitsPerParameter) {
  // int4 Q with a float scale per column: 4 + 32/m.
  EXPECT_DOUBLE_EQ(getQuantizedLowRankBits(64, 32, 4, 0, 0), 4.5);
  // Plus rank 8 int8 factors with per-column scales.
  EXPECT_DOUBLE_EQ(getQuantizedLowRankBits(256, 256, 4, 8, 8),
                   (4.0 * 65536 + 32 * 256 + 8.0 * 8 * 512 + 32 * (8 + 256)) /
                       65536);
  // Group-wise scales: one per column and 128 rows, 4 + 32 / 128.
  EXPECT_DOUBLE_EQ(getQuantizedLowRankBits(256, 256, 4, 0, 0, 128), 4.25);
  // A partial last group counts as a group; a group of all rows is one.
  EXPECT_DOUBLE_EQ(getQuantizedLowRankBits(100, 10, 4, 0, 0, 64),
                   (4.0 * 1000 + 32 * 2 * 10) / 1000);
  EXPECT_DOUBLE_EQ(getQuantizedLowRankBits(64, 32, 4, 0, 0, 64), 4.5);
}

TEST(QuantizedLowRank, ErrorHistoryIsNonIncreasingAndMatchesTheFactors) {
  MatrixF w = structuredWeight(96, 64, 6, 10);
  QuantizedLowRankOptions options;
  options.bits = 4;
  options.rank = 8;
  QuantizedLowRankResult r = fit(w, options);
  ASSERT_FALSE(r.errorHistory.empty());
  for (size_t i = 1; i < r.errorHistory.size(); ++i)
    EXPECT_LE(r.errorHistory[i], r.errorHistory[i - 1]);
  EXPECT_DOUBLE_EQ(r.relativeError, r.errorHistory.back());
  EXPECT_GE(r.iterations, 2);
  // The reported error is that of the returned Q, L and R.
  MatrixF approx = multiply(r.L, r.R);
  MatrixF q = r.Q.dequantize();
  for (int64_t i = 0; i < approx.size(); ++i)
    approx.data()[i] += q.data()[i];
  EXPECT_NEAR(frobeniusDistance(approx, w) / frobeniusNorm(w), r.relativeError,
              1e-5);
  EXPECT_LT(r.relativeError, r.quantizationOnlyError);
}

TEST(QuantizedLowRank, BeatsQuantizationAloneAtEqualBits) {
  // int4 + rank-8 int8 factors costs less than int5 alone here, and is
  // more accurate on a weight with dominant directions.
  MatrixF w = structuredWeight(256, 256, 8, 20);
  QuantizedLowRankOptions qlr;
  qlr.bits = 4;
  qlr.rank = 8;
  qlr.factorBits = 8;
  QuantizedLowRankResult combined = fit(w, qlr);
  QuantizedLowRankOptions alone;
  alone.bits = 5;
  QuantizedLowRankResult five = fit(w, alone);
  EXPECT_LE(combined.bitsPerParameter, five.bitsPerParameter);
  EXPECT_LT(combined.relativeError, five.relativeError);
  ASSERT_TRUE(combined.quantizedL.has_value());
  EXPECT_EQ(combined.quantizedL->bits, 8);
}

TEST(QuantizedLowRank, GroupWiseScalesRefineQ) {
  MatrixF w = structuredWeight(256, 64, 8, 25);
  QuantizedLowRankOptions perColumn;
  perColumn.bits = 4;
  perColumn.rank = 8;
  QuantizedLowRankOptions grouped = perColumn;
  grouped.groupSize = 64;
  QuantizedLowRankResult a = fit(w, perColumn);
  QuantizedLowRankResult b = fit(w, grouped);
  EXPECT_EQ(b.Q.groupSize, 64);
  EXPECT_EQ(b.Q.getNumGroups(), 4);
  EXPECT_DOUBLE_EQ(b.bitsPerParameter,
                   getQuantizedLowRankBits(256, 64, 4, 8, 0, 64));
  for (size_t i = 1; i < b.errorHistory.size(); ++i)
    EXPECT_LE(b.errorHistory[i], b.errorHistory[i - 1]);
  EXPECT_LT(b.quantizationOnlyError, a.quantizationOnlyError);
  EXPECT_LT(b.relativeError, a.relativeError);
}

TEST(QuantizedLowRank, TheGramWeightedFitWinsOnTheOutputError) {
  int64_t n = 64;
  MatrixF w = structuredWeight(n, 48, 4, 30);
  // Inputs with very unequal scales per feature.
  MatrixF x = randomMatrix(500, n, 31);
  for (int64_t s = 0; s < x.rows(); ++s)
    for (int64_t i = 0; i < n; ++i)
      x(s, i) *= (i < 8 ? 10.0f : 0.2f);
  std::vector<double> gram(n * n, 0.0);
  for (int64_t s = 0; s < x.rows(); ++s)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        gram[i * n + j] += double(x(s, i)) * x(s, j);

  QuantizedLowRankOptions weighted;
  weighted.bits = 4;
  weighted.rank = 8;
  weighted.gram = gram.data();
  QuantizedLowRankResult withGram = fit(w, weighted);
  QuantizedLowRankOptions plain = weighted;
  plain.gram = nullptr;
  QuantizedLowRankResult withoutGram = fit(w, plain);

  auto outputError = [&](const QuantizedLowRankResult &r) {
    MatrixF e = multiply(r.L, r.R);
    MatrixF q = r.Q.dequantize();
    for (int64_t i = 0; i < e.size(); ++i)
      e.data()[i] = w.data()[i] - q.data()[i] - e.data()[i];
    return *getWeightedNorm(e, gram.data());
  };
  EXPECT_LT(outputError(withGram), 0.7 * outputError(withoutGram));
}

TEST(QuantizedLowRank, RejectsBadInput) {
  MatrixF w = randomMatrix(8, 8, 40);
  QuantizedLowRankOptions options;
  options.rank = 9;
  auto result = fitQuantizedLowRank(w, options);
  ASSERT_FALSE(static_cast<bool>(result));
  EXPECT_NE(llvm::toString(result.takeError()).find("rank 9"),
            std::string::npos);
  options.rank = 2;
  w(1, 1) = NAN;
  result = fitQuantizedLowRank(w, options);
  ASSERT_FALSE(static_cast<bool>(result));
  EXPECT_NE(llvm::toString(result.takeError()).find("NaN"), std::string::npos);
  w(1, 1) = 0;
  options.groupSize = -1;
  result = fitQuantizedLowRank(w, options);
  ASSERT_FALSE(static_cast<bool>(result));
  EXPECT_NE(llvm::toString(result.takeError()).find("group size"),
            std::string::npos);
}

} // namespace
