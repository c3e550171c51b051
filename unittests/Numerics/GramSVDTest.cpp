//===- GramSVDTest.cpp - SVD through the smaller Gram matrix --------------===//
//
// On matrices of known singular values, wide and tall, the Gram route gives
// every value to about eps * s_1, a truncation error equal to the tail of the
// spectrum, orthonormal leading vectors, and zero vectors past the rank of a
// rank-deficient matrix.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Numerics/GramSVD.h"
#include "lowrank/Numerics/MemberSpectra.h"

#include "TestMatrices.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace lowrank::numerics;
using namespace lowrank::numerics::testing;

namespace {

std::vector<double> decaying(int64_t k) {
  std::vector<double> s(k);
  for (int64_t i = 0; i < k; ++i)
    s[i] = std::exp(-4.0 * i / k);
  return s;
}

void expectExactSVD(int64_t rows, int64_t cols) {
  int64_t k = std::min(rows, cols), r = 100;
  std::vector<double> s = decaying(k);
  MatrixD m = makeMatrixWithSpectrum(rows, cols, s, rows * 7 + cols);
  auto svd = computeSVDFromGram(m, r);
  ASSERT_TRUE(static_cast<bool>(svd)) << llvm::toString(svd.takeError());
  ASSERT_EQ(static_cast<int64_t>(svd->S.size()), k);
  for (int64_t i = 0; i < k; ++i)
    EXPECT_NEAR(svd->S[i], s[i], 1e-12) << "value " << i;
  ASSERT_EQ(svd->U.rows(), rows);
  ASSERT_EQ(svd->U.cols(), r);
  ASSERT_EQ(svd->Vt.rows(), r);
  ASSERT_EQ(svd->Vt.cols(), cols);

  // Orthonormal leading vectors on both sides.
  double worst = 0;
  for (int64_t a = 0; a < r; ++a)
    for (int64_t b = 0; b <= a; ++b) {
      double u = 0, v = 0;
      for (int64_t i = 0; i < rows; ++i)
        u += svd->U(i, a) * svd->U(i, b);
      for (int64_t j = 0; j < cols; ++j)
        v += svd->Vt(a, j) * svd->Vt(b, j);
      double expected = a == b ? 1.0 : 0.0;
      worst = std::max({worst, std::abs(u - expected), std::abs(v - expected)});
    }
  EXPECT_LT(worst, 1e-10);

  // The rank-r truncation's error is the spectrum's tail (Eckart-Young).
  double error = 0, tail = 0;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      double approx = 0;
      for (int64_t l = 0; l < r; ++l)
        approx += svd->U(i, l) * svd->S[l] * svd->Vt(l, j);
      error += (m(i, j) - approx) * (m(i, j) - approx);
    }
  for (int64_t i = r; i < k; ++i)
    tail += s[i] * s[i];
  EXPECT_NEAR(std::sqrt(error), std::sqrt(tail), 1e-9 * std::sqrt(tail));

  auto values = computeSingularValuesFromGram(m);
  ASSERT_TRUE(static_cast<bool>(values));
  for (int64_t i = 0; i < k; ++i)
    EXPECT_NEAR((*values)[i], s[i], 1e-12) << "value " << i;
}

TEST(GramSVD, WideMatrixMatchesItsKnownSpectrum) { expectExactSVD(520, 700); }

TEST(GramSVD, TallMatrixMatchesItsKnownSpectrum) { expectExactSVD(700, 520); }

TEST(GramSVD, VectorsPastTheRankOfADeficientMatrixAreZero) {
  std::vector<double> s = {3.0, 2.0, 1.0, 0.5};
  MatrixD m = makeMatrixWithSpectrum(512, 600, s, 3);
  auto svd = computeSVDFromGram(m, 8);
  ASSERT_TRUE(static_cast<bool>(svd));
  for (int64_t j = 0; j < 4; ++j)
    EXPECT_NEAR(svd->S[j], s[j], 1e-12);
  for (size_t j = 4; j < svd->S.size(); ++j)
    EXPECT_LT(svd->S[j], 1e-7 * s[0]) << "value " << j;
  for (int64_t j = 4; j < 8; ++j)
    for (int64_t i = 0; i < m.cols(); ++i)
      ASSERT_EQ(svd->Vt(j, i), 0.0) << "component " << j;
}

TEST(GramSVD, SharedSpectraEqualThoseOfTheFullSVD) {
  // Members wider than, as wide as and narrower than the rows.
  std::vector<int64_t> widths = {700, 512, 64};
  MatrixD m = makeMatrixWithSpectrum(512, 1276, decaying(512), 5);
  auto shared = computeSharedSpectraFromGram(m, widths);
  ASSERT_TRUE(static_cast<bool>(shared)) << llvm::toString(shared.takeError());
  auto full = computeSVDFromGram(m, 512);
  ASSERT_TRUE(static_cast<bool>(full));
  MemberSpectra expected = getMemberSpectra(full->S, full->Vt, widths);
  ASSERT_EQ(shared->S.size(), full->S.size());
  for (size_t i = 0; i < full->S.size(); ++i)
    EXPECT_NEAR(shared->S[i], full->S[i], 1e-12);
  ASSERT_EQ(shared->energies.size(), widths.size());
  int64_t first = 0;
  for (size_t j = 0; j < widths.size(); ++j) {
    // Energies per component, and so every tail, as the full SVD's.
    double total = expected.getTotal(j);
    for (size_t i = 0; i < full->S.size(); ++i)
      EXPECT_NEAR(shared->energies[j][i], expected.energies[j][i],
                  1e-10 * total)
          << "member " << j << " component " << i;
    // Each member's own values, as those of its columns alone.
    MatrixD block(m.rows(), widths[j]);
    for (int64_t r = 0; r < m.rows(); ++r)
      for (int64_t c = 0; c < widths[j]; ++c)
        block(r, c) = m(r, first + c);
    first += widths[j];
    auto own = computeSingularValuesFromGram(block);
    ASSERT_TRUE(static_cast<bool>(own));
    ASSERT_EQ(shared->memberValues[j].size(), own->size());
    for (size_t i = 0; i < own->size(); ++i)
      EXPECT_NEAR(shared->memberValues[j][i], (*own)[i], 1e-12)
          << "member " << j << " value " << i;
  }
}

TEST(GramSVD, RouteTakenOnlyForLargeMatrices) {
  EXPECT_FALSE(isGramRouteCheaper(511, 4096));
  EXPECT_FALSE(isGramRouteCheaper(4096, 64));
  EXPECT_TRUE(isGramRouteCheaper(512, 512));
  EXPECT_TRUE(isGramRouteCheaper(5632, 2048));
}

} // namespace
