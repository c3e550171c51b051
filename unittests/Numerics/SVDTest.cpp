//===- SVDTest.cpp - Exact and randomized SVD -----------------------------===//
//
// The truncated SVD is the Eckart-Young optimum: the Frobenius error of the
// rank-r factor pair equals the root of the tail singular values' squares.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/SVD.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>

using namespace lowrank::numerics;

namespace {

/// A random m x n matrix with singular values decaying like (i+1)^-decay.
MatrixF makeMatrix(int64_t m, int64_t n, double decay, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<float> normal;
  MatrixF g(m, n);
  for (int64_t i = 0; i < g.size(); ++i)
    g.data()[i] = normal(gen);
  auto svd = computeThinSVD(g);
  EXPECT_TRUE(static_cast<bool>(svd));
  for (size_t i = 0; i < svd->S.size(); ++i)
    svd->S[i] = std::pow(static_cast<double>(i + 1), -decay);
  FactorPair full = splitFactors(*svd, svd->S.size());
  return multiply(full.A, full.B);
}

double relative(double a, double b) { return std::abs(a - b) / std::abs(b); }

TEST(SVD, ReconstructsAtFullRank) {
  MatrixF w = makeMatrix(40, 24, 0.5, 1);
  auto svd = computeThinSVD(w);
  ASSERT_TRUE(static_cast<bool>(svd));
  ASSERT_EQ(svd->S.size(), 24u);
  for (size_t i = 1; i < svd->S.size(); ++i)
    EXPECT_GE(svd->S[i - 1], svd->S[i]);
  FactorPair pair = splitFactors(*svd, 24);
  EXPECT_LT(frobeniusDistance(multiply(pair.A, pair.B), w) / frobeniusNorm(w),
            1e-5);
}

class EckartYoung : public ::testing::TestWithParam<SVDPrecision> {};

TEST_P(EckartYoung, TruncationErrorIsTheTailOfTheSpectrum) {
  for (auto [m, n] : {std::pair<int64_t, int64_t>{64, 32}, {32, 96}, {50, 50}}) {
    MatrixF w = makeMatrix(m, n, 0.7, m * 131 + n);
    auto svd = computeThinSVD(w, GetParam());
    ASSERT_TRUE(static_cast<bool>(svd));
    for (int64_t r : {1, 4, 16, 31}) {
      FactorPair pair = splitFactors(*svd, r);
      ASSERT_EQ(pair.A.rows(), m);
      ASSERT_EQ(pair.A.cols(), r);
      ASSERT_EQ(pair.B.rows(), r);
      ASSERT_EQ(pair.B.cols(), n);
      double error = frobeniusDistance(multiply(pair.A, pair.B), w);
      EXPECT_LT(relative(error, getTruncationError(svd->S, r)), 1e-4)
          << m << "x" << n << " rank " << r;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, EckartYoung,
                         ::testing::Values(SVDPrecision::Float32,
                                           SVDPrecision::Float64));

TEST(SVD, FactorsShareTheSingularValuesEvenly) {
  MatrixF w = makeMatrix(30, 20, 1.0, 7);
  auto svd = computeThinSVD(w);
  ASSERT_TRUE(static_cast<bool>(svd));
  FactorPair pair = splitFactors(*svd, 5);
  for (int64_t j = 0; j < 5; ++j) {
    double colNorm = 0, rowNorm = 0;
    for (int64_t i = 0; i < 30; ++i)
      colNorm += pair.A(i, j) * pair.A(i, j);
    for (int64_t i = 0; i < 20; ++i)
      rowNorm += pair.B(j, i) * pair.B(j, i);
    EXPECT_NEAR(std::sqrt(colNorm), std::sqrt(svd->S[j]), 1e-4);
    EXPECT_NEAR(std::sqrt(rowNorm), std::sqrt(svd->S[j]), 1e-4);
  }
}

TEST(SVD, RejectsNaN) {
  MatrixF w(3, 3);
  w(1, 2) = std::numeric_limits<float>::quiet_NaN();
  auto svd = computeThinSVD(w);
  ASSERT_FALSE(static_cast<bool>(svd));
  EXPECT_EQ(llvm::toString(svd.takeError()), "matrix entry (1, 2) is NaN");
}

TEST(SVD, ZeroMatrixHasZeroSpectrum) {
  MatrixF w(8, 5);
  auto svd = computeThinSVD(w);
  ASSERT_TRUE(static_cast<bool>(svd));
  for (double s : svd->S)
    EXPECT_EQ(s, 0.0);
}

TEST(RandomizedSVD, NearOptimalOnDecayingSpectra) {
  MatrixF w = makeMatrix(300, 200, 1.0, 3);
  auto exact = computeThinSVD(w);
  ASSERT_TRUE(static_cast<bool>(exact));
  for (int64_t r : {10, 40}) {
    auto approx = computeRandomizedSVD(w, r);
    ASSERT_TRUE(static_cast<bool>(approx));
    ASSERT_EQ(approx->S.size(), static_cast<size_t>(r));
    FactorPair pair = splitFactors(*approx, r);
    double error = frobeniusDistance(multiply(pair.A, pair.B), w);
    double optimal = getTruncationError(exact->S, r);
    EXPECT_LT(error, 1.05 * optimal) << "rank " << r;
    EXPECT_GE(error, optimal * (1 - 1e-4)) << "rank " << r;
    EXPECT_LT(relative(approx->S[0], exact->S[0]), 1e-3);
  }
}

TEST(RandomizedSVD, RejectsRankOutOfRange) {
  MatrixF w = makeMatrix(10, 6, 1.0, 4);
  EXPECT_FALSE(static_cast<bool>(computeRandomizedSVD(w, 7)));
  auto zero = computeRandomizedSVD(w, 0);
  EXPECT_FALSE(static_cast<bool>(zero));
  llvm::consumeError(zero.takeError());
}

TEST(RandomizedSVD, LeadingValuesGiveTheTruncationErrors) {
  MatrixF w = makeMatrix(300, 200, 0.5, 5);
  auto exact = computeThinSVD(w, SVDPrecision::Float64);
  ASSERT_TRUE(static_cast<bool>(exact));
  const int64_t count = 20;
  auto leading = computeLeadingSingularValues(w, count);
  ASSERT_TRUE(static_cast<bool>(leading));
  // The leading values, then one holding the energy of the others.
  ASSERT_EQ(leading->size(), static_cast<size_t>(count + 1));
  // The last values of the sketch converge slowest.
  for (int64_t i = 0; i < count; ++i)
    EXPECT_LT(relative((*leading)[i], exact->S[i]), i < count / 2 ? 1e-3 : 2e-2)
        << "value " << i;
  for (int64_t r : {int64_t(1), int64_t(5), count})
    EXPECT_LT(relative(getRelativeTruncationError(*leading, r),
                       getRelativeTruncationError(exact->S, r)),
              1e-2)
        << "rank " << r;
}

TEST(RandomizedSVD, CheaperOnlyForLargeMatricesAndSmallRanks) {
  EXPECT_TRUE(isRandomizedSVDCheaper(4096, 8192, 64));
  EXPECT_FALSE(isRandomizedSVDCheaper(4096, 8192, 2048));
  EXPECT_FALSE(isRandomizedSVDCheaper(512, 8192, 16));
}

} // namespace
