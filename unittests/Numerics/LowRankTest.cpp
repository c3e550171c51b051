//===- LowRankTest.cpp - Parity arithmetic --------------------------------===//

#include "lowrank/Numerics/LowRank.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace lowrank::numerics;

namespace {

TEST(Parity, SquareMatricesBreakEvenAtHalfRank) {
  EXPECT_EQ(getParityRank(4096, 4096), 2048);
  EXPECT_EQ(getParityRank(768, 768), 384);
  EXPECT_FALSE(isBelowParity(4096, 4096, 2048));
  EXPECT_TRUE(isBelowParity(4096, 4096, 2047));
}

TEST(Parity, FourToOneMatricesBreakEvenAtFourFifths) {
  // r* = mn / (m + n) = 4n^2 / 5n: only an 80% rank (20% reduction) of the
  // smaller dimension pays.
  EXPECT_EQ(getParityRank(768, 3072), 614);
  EXPECT_EQ(getParityRank(3072, 768), 614);
  EXPECT_DOUBLE_EQ(getAspectRatio(768, 3072), 0.25);
  EXPECT_EQ(getFactoredParams(768, 3072, 614), 614 * 3840);
  EXPECT_TRUE(isBelowParity(768, 3072, 614));
  EXPECT_FALSE(isBelowParity(768, 3072, 615));
}

TEST(Parity, LlamaShapes) {
  EXPECT_EQ(getParityRank(4096, 11008), 4096LL * 11008 / 15104);
  EXPECT_TRUE(isBelowParity(4096, 11008, getParityRank(4096, 11008)));
  EXPECT_FALSE(isBelowParity(4096, 11008, getParityRank(4096, 11008) + 1));
}

TEST(Rounding, MultiplesAndCaps) {
  EXPECT_EQ(roundRank(37, 8, 100), 32);
  EXPECT_EQ(roundRank(5, 8, 100), 8);
  EXPECT_EQ(roundRank(37, 1, 100), 37);
  EXPECT_EQ(roundRank(200, 8, 100), 100);
  EXPECT_EQ(roundRank(0, 8, 100), 0);
}

TEST(Spectrum, TruncationErrorAndEnergy) {
  std::vector<double> s = {4, 3, 2, 1};
  EXPECT_DOUBLE_EQ(getTruncationError(s, 0), std::sqrt(30.0));
  EXPECT_DOUBLE_EQ(getTruncationError(s, 2), std::sqrt(5.0));
  EXPECT_DOUBLE_EQ(getTruncationError(s, 4), 0.0);
  EXPECT_DOUBLE_EQ(getRelativeTruncationError(s, 2), std::sqrt(5.0 / 30.0));
  EXPECT_EQ(getRankForEnergy(s, 0.5), 1);  // 16/30 >= 0.5
  EXPECT_EQ(getRankForEnergy(s, 0.8), 2);  // 25/30 >= 0.8
  EXPECT_EQ(getRankForEnergy(s, 0.99), 4); // 29/30 < 0.99
}

} // namespace

// The blockwise error of a factor pair against a column slice of a wider
// matrix equals the error of the fully formed product.
TEST(FactorError, MatchesTheFormedProduct) {
  int64_t rows = 3000, cols = 7, rank = 2, column = 3, width = 2;
  MatrixF w(rows, cols), a(rows, rank), b(rank, width), slice(rows, width);
  for (int64_t i = 0; i < w.size(); ++i)
    w.data()[i] = std::sin(0.37 * i);
  for (int64_t i = 0; i < a.size(); ++i)
    a.data()[i] = std::cos(0.11 * i);
  for (int64_t i = 0; i < b.size(); ++i)
    b.data()[i] = 0.5f - 0.25f * i;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < width; ++c)
      slice(r, c) = w(r, column + c);
  auto [error, norm] = getFactorError(a, b, w, column);
  EXPECT_NEAR(error, frobeniusDistance(multiply(a, b), slice), 1e-3);
  EXPECT_NEAR(norm, frobeniusNorm(slice), 1e-6);
  // A zero-rank pair leaves the whole slice as the error.
  auto [zeroError, zeroNorm] =
      getFactorError(MatrixF(rows, 0), MatrixF(0, width), w, column);
  EXPECT_DOUBLE_EQ(zeroError, zeroNorm);
}
