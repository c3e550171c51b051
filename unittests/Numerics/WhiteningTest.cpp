//===- WhiteningTest.cpp - Activation-aware factorization -----------------===//
//
// The whitened truncated SVD attains the closed-form optimum of
// min ||X (W - W')||_F over rank-r W' (the truncated SVD of X W, pulled back
// through X), beats plain SVD on correlated inputs, predicts its own output
// error from the whitened spectrum, and survives a singular Gram matrix by
// jitter. Basis selection's least-squares refit never loses on its data.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Numerics/Whitening.h"
#include "lowrank/Numerics/BasisSelection.h"
#include "lowrank/Numerics/SVD.h"

#include "TestMatrices.h"

#include "gtest/gtest.h"

#include <cblas.h>
#include <lapacke.h>

#include <cmath>
#include <random>

using namespace lowrank::numerics;
using namespace lowrank::numerics::testing;

namespace {

MatrixD toDouble(const MatrixF &m) {
  MatrixD d(m.rows(), m.cols());
  for (int64_t i = 0; i < m.size(); ++i)
    d.data()[i] = m.data()[i];
  return d;
}

MatrixF toFloat(const MatrixD &m) {
  MatrixF f(m.rows(), m.cols());
  for (int64_t i = 0; i < m.size(); ++i)
    f.data()[i] = static_cast<float>(m.data()[i]);
  return f;
}

/// N x K inputs with strongly correlated features: Z diag(decay) Q for a
/// random rotation-like mixing Q, plus a mean offset.
MatrixD correlatedInputs(int64_t n, int64_t k, double decay,
                         std::mt19937_64 &gen) {
  MatrixD z = gaussian(n, k, gen);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j)
      z(i, j) *= std::pow(static_cast<double>(j + 1), -decay);
  MatrixD x = matmul(z, gaussian(k, k, gen));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j)
      x(i, j) += 0.3;
  return x;
}

MatrixD gramOf(const MatrixD &x) {
  MatrixD g(x.cols(), x.cols());
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, x.cols(), x.cols(),
              x.rows(), 1.0, x.data(), x.cols(), x.data(), x.cols(), 0.0,
              g.data(), g.cols());
  return g;
}

/// ||X (W - A B)||_F computed with the explicit inputs.
double outputError(const MatrixD &x, const MatrixF &w, const FactorPair &p) {
  MatrixD d = toDouble(w);
  MatrixD ab = matmul(toDouble(p.A), toDouble(p.B));
  for (int64_t i = 0; i < d.size(); ++i)
    d.data()[i] -= ab.data()[i];
  MatrixD xd = matmul(x, d);
  double sum = 0;
  for (int64_t i = 0; i < xd.size(); ++i)
    sum += xd.data()[i] * xd.data()[i];
  return std::sqrt(sum);
}

/// Singular values of a float64 matrix (descending).
std::vector<double> singularValues(MatrixD m) {
  std::vector<double> s(std::min(m.rows(), m.cols()));
  double unused;
  EXPECT_EQ(LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'N', m.rows(), m.cols(), m.data(),
                           m.cols(), s.data(), &unused, 1, &unused, m.cols()),
            0);
  return s;
}

/// The closed-form optimum: P = the rank-r truncated SVD of X W, and
/// W_opt = argmin ||X W' - P|| (X has full column rank, so X W_opt = P).
MatrixD closedFormOptimum(const MatrixD &x, const MatrixF &w, int64_t r) {
  MatrixD xw = matmul(x, toDouble(w));
  int64_t n = xw.rows(), m = xw.cols(), k = std::min(n, m);
  MatrixD u(n, k), vt(k, m), copy(xw);
  std::vector<double> s(k);
  EXPECT_EQ(LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', n, m, copy.data(), m,
                           s.data(), u.data(), k, vt.data(), m),
            0);
  MatrixD p(n, m);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      for (int64_t t = 0; t < r; ++t)
        p(i, j) += u(i, t) * s[t] * vt(t, j);
  MatrixD xCopy(x);
  EXPECT_EQ(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', x.rows(), x.cols(), m,
                          xCopy.data(), x.cols(), p.data(), m),
            0);
  MatrixD wOpt(x.cols(), m);
  for (int64_t i = 0; i < x.cols(); ++i)
    for (int64_t j = 0; j < m; ++j)
      wOpt(i, j) = p(i, j);
  return wOpt;
}

TEST(Whitening, EqualsTheClosedFormOptimum) {
  std::mt19937_64 gen(7);
  const int64_t n = 400, k = 24, dOut = 32, r = 6;
  MatrixD x = correlatedInputs(n, k, 1.0, gen);
  MatrixF w = toFloat(gaussian(k, dOut, gen));
  MatrixD gram = gramOf(x);

  auto chol = computeCholeskyWithJitter(gram);
  ASSERT_TRUE(static_cast<bool>(chol)) << llvm::toString(chol.takeError());
  EXPECT_EQ(chol->jitter, 0.0);
  auto svd = computeWhitenedSVD(w, *chol);
  ASSERT_TRUE(static_cast<bool>(svd)) << llvm::toString(svd.takeError());
  FactorPair pair = unwhitenFactors(*svd, *chol, r);

  // The error equals the tail of X W's spectrum ...
  std::vector<double> s = singularValues(matmul(x, toDouble(w)));
  double tail = 0;
  for (size_t i = r; i < s.size(); ++i)
    tail += s[i] * s[i];
  double optimum = std::sqrt(tail);
  EXPECT_NEAR(outputError(x, w, pair), optimum, 1e-4 * optimum);
  // ... and the product equals the optimal weight itself.
  MatrixD wOpt = closedFormOptimum(x, w, r);
  MatrixD ab = matmul(toDouble(pair.A), toDouble(pair.B));
  double diff = 0, norm = 0;
  for (int64_t i = 0; i < ab.size(); ++i) {
    diff += std::pow(ab.data()[i] - wOpt.data()[i], 2);
    norm += std::pow(wOpt.data()[i], 2);
  }
  EXPECT_LT(std::sqrt(diff / norm), 1e-5);
  // The whitened spectrum is X W's spectrum (whose rank is at most K).
  ASSERT_EQ(svd->S.size(), static_cast<size_t>(k));
  for (size_t i = 0; i < svd->S.size(); ++i)
    EXPECT_NEAR(svd->S[i], s[i], 1e-8 * s[0]) << i;
}

TEST(Whitening, PredictsItsOutputErrorFromTheSpectrum) {
  std::mt19937_64 gen(11);
  MatrixD x = correlatedInputs(300, 20, 1.5, gen);
  MatrixF w = toFloat(gaussian(20, 12, gen));
  MatrixD gram = gramOf(x);
  auto chol = computeCholeskyWithJitter(gram);
  ASSERT_TRUE(static_cast<bool>(chol));
  auto svd = computeWhitenedSVD(w, *chol);
  ASSERT_TRUE(static_cast<bool>(svd));
  auto spectrum = computeWhitenedSpectrum(w, *chol);
  ASSERT_TRUE(static_cast<bool>(spectrum));
  double energy = computeSquaredOutputEnergy(w, gram);
  for (int64_t r : {1, 4, 8}) {
    FactorPair pair = unwhitenFactors(*svd, *chol, r);
    double measured =
        std::sqrt(computeSquaredOutputError(w, pair.A, pair.B, gram) / energy);
    double predicted = getRelativeTruncationError(*spectrum, r);
    EXPECT_NEAR(measured, predicted, 1e-4) << "rank " << r;
    EXPECT_NEAR(outputError(x, w, pair) / std::sqrt(energy), predicted, 1e-4);
  }
}

TEST(Whitening, BeatsPlainSVDOnCorrelatedInputs) {
  std::mt19937_64 gen(3);
  const int64_t k = 48, dOut = 64;
  MatrixD x = correlatedInputs(1000, k, 1.5, gen);
  MatrixF w = toFloat(gaussian(k, dOut, gen));
  auto chol = computeCholeskyWithJitter(gramOf(x));
  ASSERT_TRUE(static_cast<bool>(chol));
  auto whitened = computeWhitenedSVD(w, *chol);
  auto plain = computeThinSVD(w, SVDPrecision::Float64);
  ASSERT_TRUE(whitened && plain);
  for (int64_t r : {4, 8, 16, 32}) {
    double whitenedError =
        outputError(x, w, unwhitenFactors(*whitened, *chol, r));
    double plainError = outputError(x, w, splitFactors(*plain, r));
    EXPECT_LT(whitenedError, 0.8 * plainError) << "rank " << r;
  }
}

TEST(Whitening, JittersARankDeficientGram) {
  std::mt19937_64 gen(5);
  // 10 samples of dimension 32: G has rank 10.
  MatrixD x = gaussian(10, 32, gen);
  MatrixD gram = gramOf(x);
  auto chol = computeCholeskyWithJitter(gram);
  ASSERT_TRUE(static_cast<bool>(chol)) << llvm::toString(chol.takeError());
  double trace = 0;
  for (int64_t i = 0; i < 32; ++i)
    trace += gram(i, i);
  EXPECT_GT(chol->jitter, 0.0);
  EXPECT_NEAR(chol->jitter, chol->relativeJitter * trace / 32, 1e-12 * trace);
  EXPECT_LE(chol->relativeJitter, 0.1);
  // L L^T = G + jitter I.
  MatrixD llt(32, 32);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 32, 32, 32, 1.0,
              chol->L.data(), 32, chol->L.data(), 32, 0.0, llt.data(), 32);
  for (int64_t i = 0; i < 32; ++i)
    for (int64_t j = 0; j < 32; ++j)
      EXPECT_NEAR(llt(i, j), gram(i, j) + (i == j ? chol->jitter : 0.0),
                  1e-9 * trace);
  // The factorization still works and fits the data it saw.
  MatrixF w = toFloat(gaussian(32, 16, gen));
  auto svd = computeWhitenedSVD(w, *chol);
  ASSERT_TRUE(static_cast<bool>(svd));
  FactorPair pair = unwhitenFactors(*svd, *chol, 10);
  double energy = computeSquaredOutputEnergy(w, gram);
  EXPECT_LT(computeSquaredOutputError(w, pair.A, pair.B, gram), 1e-6 * energy);
}

TEST(Whitening, RejectsBadGrams) {
  MatrixD zero(4, 4);
  auto chol = computeCholeskyWithJitter(zero);
  ASSERT_FALSE(static_cast<bool>(chol));
  EXPECT_NE(llvm::toString(chol.takeError()).find("all zero"),
            std::string::npos);
  MatrixD nan(2, 2);
  nan(0, 0) = nan(1, 1) = 1;
  nan(1, 0) = std::nan("");
  chol = computeCholeskyWithJitter(nan);
  ASSERT_FALSE(static_cast<bool>(chol));
  EXPECT_NE(llvm::toString(chol.takeError()).find("(1, 0) is not finite"),
            std::string::npos);
}

TEST(BasisSelection, RefitNeverLosesOnItsData) {
  for (uint64_t seed : {1, 2, 3}) {
    std::mt19937_64 gen(seed);
    MatrixD x = correlatedInputs(500, 32, 1.0, gen);
    MatrixD gram = gramOf(x);
    MatrixF w = toFloat(gaussian(32, 40, gen));
    auto svd = computeThinSVD(w, SVDPrecision::Float64);
    ASSERT_TRUE(static_cast<bool>(svd));
    for (int64_t k : {2, 8, 16}) {
      auto basis = selectBasis(w, *svd, gram, k);
      ASSERT_TRUE(static_cast<bool>(basis))
          << llvm::toString(basis.takeError());
      EXPECT_EQ(static_cast<int64_t>(basis->kept.size()), k);
      EXPECT_TRUE(std::is_sorted(basis->kept.begin(), basis->kept.end()));
      EXPECT_LE(basis->squaredErrorAfterRefit,
                basis->squaredErrorBeforeRefit * (1 + 1e-9))
          << "seed " << seed << " k " << k;
      EXPECT_NEAR(std::sqrt(basis->squaredErrorAfterRefit),
                  outputError(x, w, basis->factors),
                  1e-4 * std::sqrt(basis->squaredErrorBeforeRefit));
    }
  }
}

TEST(BasisSelection, PrefersComponentsTheDataExcites) {
  // W = diag(8, 4, 2, 1) padded; the data lives on the last two inputs, so
  // the largest singular components carry almost no output energy.
  MatrixF w(4, 4);
  w(0, 0) = 8, w(1, 1) = 4, w(2, 2) = 2, w(3, 3) = 1;
  MatrixD gram(4, 4);
  gram(0, 0) = 1e-4, gram(1, 1) = 1e-4, gram(2, 2) = 10, gram(3, 3) = 10;
  auto svd = computeThinSVD(w, SVDPrecision::Float64);
  ASSERT_TRUE(static_cast<bool>(svd));
  auto basis = selectBasis(w, *svd, gram, 2);
  ASSERT_TRUE(static_cast<bool>(basis));
  EXPECT_EQ(basis->kept, (std::vector<int64_t>{2, 3}));
  FactorPair plain = splitFactors(*svd, 2);
  EXPECT_LT(basis->squaredErrorAfterRefit,
            0.01 * computeSquaredOutputError(w, plain.A, plain.B, gram));
}

} // namespace

/// Sequential calibration: with inputs X~ = X + E (the inputs a layer sees
/// after compressed layers), W* = G~^-1 C W is the least-squares fit of the
/// original outputs X W, so no weight does better, W itself included; with
/// X~ = X it is W.
TEST(Whitening, CrossCorrectionFitsTheOriginalOutputs) {
  std::mt19937_64 gen(7);
  const int64_t n = 400, k = 12, m = 9;
  MatrixD x = correlatedInputs(n, k, 0.8, gen);
  MatrixD noise = gaussian(n, k, gen);
  MatrixD seen(n, k);
  for (int64_t i = 0; i < x.size(); ++i)
    seen.data()[i] = x.data()[i] + 0.2 * noise.data()[i];
  MatrixF w = toFloat(gaussian(k, m, gen));
  auto values = [](const MatrixD &a) {
    return std::vector<double>(a.data(), a.data() + a.size());
  };
  MatrixD cross(k, k);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, n, 1.0,
              seen.data(), k, x.data(), k, 0.0, cross.data(), k);
  auto target =
      computeCrossCorrectedWeight(w, values(gramOf(seen)), values(cross));
  ASSERT_TRUE(static_cast<bool>(target)) << llvm::toString(target.takeError());

  // ||X W - X~ V|| for a weight V.
  MatrixD original = matmul(x, toDouble(w));
  auto misfit = [&](const MatrixF &v) {
    MatrixD y = matmul(seen, toDouble(v));
    double sum = 0;
    for (int64_t i = 0; i < y.size(); ++i)
      sum += (y.data()[i] - original.data()[i]) *
             (y.data()[i] - original.data()[i]);
    return std::sqrt(sum);
  };
  double best = misfit(*target);
  EXPECT_LT(best, 0.95 * misfit(w));
  // The normal equations hold: perturbing W* only makes it worse.
  for (int trial = 0; trial < 5; ++trial) {
    MatrixF perturbed = *target;
    MatrixD step = gaussian(k, m, gen);
    for (int64_t i = 0; i < perturbed.size(); ++i)
      perturbed.data()[i] += 1e-2f * static_cast<float>(step.data()[i]);
    EXPECT_GT(misfit(perturbed), best);
  }

  // Unperturbed inputs (C = G) leave the weight as it is.
  auto same =
      computeCrossCorrectedWeight(w, values(gramOf(x)), values(gramOf(x)));
  ASSERT_TRUE(static_cast<bool>(same)) << llvm::toString(same.takeError());
  for (int64_t i = 0; i < w.size(); ++i)
    EXPECT_NEAR(same->data()[i], w.data()[i], 1e-4);

  // Statistics of the wrong size are refused.
  auto wrong = computeCrossCorrectedWeight(w, values(gramOf(x)),
                                           std::vector<double>(k, 1.0));
  EXPECT_FALSE(static_cast<bool>(wrong));
  llvm::consumeError(wrong.takeError());
}
