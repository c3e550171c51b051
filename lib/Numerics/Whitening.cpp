//===- Whitening.cpp - Activation-aware low-rank factorization ------------===//

#include "lowrank/Numerics/Whitening.h"
#include "lowrank/Numerics/GramSVD.h"

#include <cblas.h>
#include <lapacke.h>

#include <cmath>

using namespace llvm;

namespace lowrank::numerics {

/// The mean diagonal of a K x K matrix, accumulated scaled so that it
/// cannot overflow; 0 when it is not positive and finite.
static double getMeanDiagonal(const std::vector<double> &values, int64_t dim) {
  double largest = 0;
  for (int64_t i = 0; i < dim; ++i)
    largest = std::max(largest, std::abs(values[i * dim + i]));
  if (!(largest > 0) || !std::isfinite(largest))
    return 0;
  double mean = 0;
  for (int64_t i = 0; i < dim; ++i)
    mean += values[i * dim + i] / largest;
  mean = mean / dim * largest;
  return mean > 0 && std::isfinite(mean) ? mean : 0;
}

MatrixD makeGramMatrix(const std::vector<double> &values, int64_t dim) {
  assert(static_cast<int64_t>(values.size()) == dim * dim && "not K x K");
  MatrixD gram(dim, dim, values.data());
  if (double mean = getMeanDiagonal(values, dim))
    for (int64_t i = 0; i < dim * dim; ++i)
      gram.data()[i] /= mean;
  return gram;
}

llvm::Expected<MatrixF>
computeCrossCorrectedWeight(const MatrixF &w,
                            const std::vector<double> &gramValues,
                            const std::vector<double> &crossValues) {
  int64_t k = w.rows(), n = w.cols();
  if (static_cast<int64_t>(gramValues.size()) != k * k ||
      static_cast<int64_t>(crossValues.size()) != k * k)
    return llvm::createStringError("the statistics are not %lld x %lld",
                                   static_cast<long long>(k),
                                   static_cast<long long>(k));
  // G and C scaled alike: W* = G^-1 C W does not change.
  double mean = getMeanDiagonal(gramValues, k);
  if (mean == 0)
    return llvm::createStringError("the Gram matrix has no positive diagonal");
  MatrixD gram(k, k), cross(k, k), target(k, n), weight(k, n);
  for (int64_t i = 0; i < k * k; ++i) {
    gram.data()[i] = gramValues[i] / mean;
    cross.data()[i] = crossValues[i] / mean;
  }
  for (int64_t i = 0; i < w.size(); ++i)
    weight.data()[i] = w.data()[i];
  llvm::Expected<CholeskyFactor> chol = computeCholeskyWithJitter(gram);
  if (!chol)
    return chol.takeError();
  // C W, then two triangular solves with L L^T.
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, n, k, 1.0,
              cross.data(), k, weight.data(), n, 0.0, target.data(), n);
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit,
              k, n, 1.0, chol->L.data(), k, target.data(), n);
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, k,
              n, 1.0, chol->L.data(), k, target.data(), n);
  MatrixF result(k, n);
  for (int64_t i = 0; i < target.size(); ++i) {
    result.data()[i] = static_cast<float>(target.data()[i]);
    if (!std::isfinite(result.data()[i]))
      return llvm::createStringError(
          "the corrected weight is not finite in float32");
  }
  return result;
}

/// dpotrf on a copy of `gram` + `jitter` I; the factor when it succeeds and
/// every pivot squared is at least `minPivot` (a numerically singular G
/// factors with tiny pivots whose inverse would blow up A = L^-T U).
static std::optional<MatrixD> tryCholesky(const MatrixD &gram, double jitter,
                                          double minPivot) {
  lapack_int k = gram.rows();
  MatrixD l(gram);
  for (lapack_int i = 0; i < k; ++i)
    l(i, i) += jitter;
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', k, l.data(), k) != 0)
    return std::nullopt;
  for (lapack_int i = 0; i < k; ++i) {
    if (!(l(i, i) * l(i, i) >= minPivot))
      return std::nullopt;
    for (lapack_int j = i + 1; j < k; ++j)
      l(i, j) = 0;
  }
  return l;
}

Expected<CholeskyFactor> computeCholeskyWithJitter(const MatrixD &gram) {
  if (gram.rows() != gram.cols() || gram.rows() == 0)
    return createStringError("the Gram matrix is %lld x %lld, not square",
                             (long long)gram.rows(), (long long)gram.cols());
  int64_t k = gram.rows();
  double trace = 0;
  for (int64_t i = 0; i < gram.size(); ++i)
    if (!std::isfinite(gram.data()[i]))
      return createStringError("Gram entry (%lld, %lld) is not finite",
                               (long long)(i / k), (long long)(i % k));
  for (int64_t i = 0; i < k; ++i)
    trace += gram(i, i);
  if (!(trace > 0))
    return createStringError("the Gram matrix has trace %g: the layer's "
                             "calibration inputs are all zero",
                             trace);
  double meanEigenvalue = trace / static_cast<double>(k);
  double minPivot = 1e-12 * meanEigenvalue;

  CholeskyFactor result;
  if (std::optional<MatrixD> l = tryCholesky(gram, 0.0, minPivot)) {
    result.L = std::move(*l);
    return result;
  }
  for (double eps = 1e-10; eps <= 0.11; eps *= 10) {
    double jitter = eps * meanEigenvalue;
    if (std::optional<MatrixD> l = tryCholesky(gram, jitter, minPivot)) {
      result.L = std::move(*l);
      result.jitter = jitter;
      result.relativeJitter = eps;
      return result;
    }
  }
  return createStringError("the Gram matrix is not positive definite even "
                           "with 0.1 x trace/K added to its diagonal");
}

MatrixD whiten(const MatrixF &w, const CholeskyFactor &chol) {
  int64_t k = w.rows(), n = w.cols();
  MatrixD m(k, n);
  for (int64_t i = 0; i < w.size(); ++i)
    m.data()[i] = w.data()[i];
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, k,
              n, 1.0, chol.L.data(), k, m.data(), n);
  return m;
}

static Error checkShapes(const MatrixF &w, const CholeskyFactor &chol) {
  if (w.rows() != chol.L.rows())
    return createStringError("the weight has %lld rows (d_in) but the Gram "
                             "matrix is %lld x %lld",
                             (long long)w.rows(), (long long)chol.L.rows(),
                             (long long)chol.L.rows());
  if (w.size() == 0)
    return createStringError("cannot factor an empty matrix");
  return checkFinite(w);
}

static Error gesddError(lapack_int info) {
  return createStringError("LAPACK dgesdd failed on the whitened weight "
                           "(info = %d)",
                           (int)info);
}

Expected<WhitenedSVD> computeWhitenedSVD(const MatrixF &w,
                                         const CholeskyFactor &chol,
                                         int64_t components) {
  if (Error err = checkShapes(w, chol))
    return std::move(err);
  MatrixD m = whiten(w, chol);
  lapack_int rows = m.rows(), cols = m.cols(), k = std::min(rows, cols);
  if (isGramRouteCheaper(rows, cols)) {
    Expected<GramSVD> svd = computeSVDFromGram(
        m, components > 0 ? std::min<int64_t>(components, k) : k);
    if (!svd)
      return svd.takeError();
    return WhitenedSVD{std::move(svd->U), std::move(svd->S),
                       std::move(svd->Vt)};
  }
  WhitenedSVD result;
  result.U = MatrixD(rows, k);
  result.Vt = MatrixD(k, cols);
  result.S.resize(k);
  lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', rows, cols, m.data(),
                                   cols, result.S.data(), result.U.data(), k,
                                   result.Vt.data(), cols);
  if (info != 0)
    return gesddError(info);
  return result;
}

Expected<std::vector<double>>
computeWhitenedSpectrum(const MatrixF &w, const CholeskyFactor &chol) {
  if (Error err = checkShapes(w, chol))
    return std::move(err);
  MatrixD m = whiten(w, chol);
  lapack_int rows = m.rows(), cols = m.cols();
  if (isGramRouteCheaper(rows, cols))
    return computeSingularValuesFromGram(m);
  std::vector<double> s(std::min(rows, cols));
  // No vectors are referenced, but row-major LAPACKE checks ldvt >= cols.
  double unused = 0;
  lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'N', rows, cols, m.data(),
                                   cols, s.data(), &unused, 1, &unused, cols);
  if (info != 0)
    return gesddError(info);
  return s;
}

FactorPair unwhitenFactors(const WhitenedSVD &svd, const CholeskyFactor &chol,
                           int64_t r) {
  int64_t k = svd.U.rows(), n = svd.Vt.cols();
  assert(r > 0 && r <= static_cast<int64_t>(svd.S.size()) && "bad rank");
  MatrixD a(k, r);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < r; ++j)
      a(i, j) = svd.U(i, j) * std::sqrt(svd.S[j]);
  // A = L^-T (U_r sqrt(S_r)): a triangular solve, never an inverse.
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, k,
              r, 1.0, chol.L.data(), k, a.data(), r);
  FactorPair pair{MatrixF(k, r), MatrixF(r, n)};
  for (int64_t i = 0; i < a.size(); ++i)
    pair.A.data()[i] = static_cast<float>(a.data()[i]);
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < n; ++j)
      pair.B(i, j) = static_cast<float>(std::sqrt(svd.S[i]) * svd.Vt(i, j));
  return pair;
}

/// tr(D^T G D) for a K x n matrix D, as the sum of G o (D D^T) over the
/// lower triangles: a rank-n update (K^2 n flops) instead of the product
/// G D (2 K^2 n).
static double quadraticTrace(const MatrixD &d, const MatrixD &gram) {
  int64_t k = d.rows(), n = d.cols();
  MatrixD outer(k, k);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, k, n, 1.0, d.data(), n,
              0.0, outer.data(), k);
  double diagonal = 0, offDiagonal = 0;
  for (int64_t i = 0; i < k; ++i) {
    diagonal += gram(i, i) * outer(i, i);
    for (int64_t j = 0; j < i; ++j)
      offDiagonal += (gram(i, j) + gram(j, i)) * outer(i, j);
  }
  return diagonal + offDiagonal;
}

double computeSquaredOutputError(const MatrixF &w, const MatrixF &a,
                                 const MatrixF &b, const MatrixD &gram) {
  int64_t k = w.rows(), n = w.cols(), r = a.cols();
  MatrixD d(k, n), ad(k, r), bd(r, n);
  for (int64_t i = 0; i < w.size(); ++i)
    d.data()[i] = w.data()[i];
  for (int64_t i = 0; i < a.size(); ++i)
    ad.data()[i] = a.data()[i];
  for (int64_t i = 0; i < b.size(); ++i)
    bd.data()[i] = b.data()[i];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, n, r, -1.0,
              ad.data(), r, bd.data(), n, 1.0, d.data(), n);
  return quadraticTrace(d, gram);
}

double computeSquaredOutputEnergy(const MatrixF &w, const MatrixD &gram) {
  MatrixD d(w.rows(), w.cols());
  for (int64_t i = 0; i < w.size(); ++i)
    d.data()[i] = w.data()[i];
  return quadraticTrace(d, gram);
}

} // namespace lowrank::numerics
