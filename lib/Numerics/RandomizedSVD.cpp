//===- RandomizedSVD.cpp - Randomized subspace-iteration SVD --------------===//
//
// Algorithms 4.4 and 5.1 of Halko, Martinsson and Tropp, "Finding structure
// with randomness" (2011), arranged so that every step is a BLAS-3 product
// on the short side of W:
//
//   * with W m x n and m <= n (else the same on W^T), the Gram matrix
//     G = W W^T (m x m) is formed once; each power iteration is then one
//     m x m x k product instead of two m x n x k ones;
//   * intermediate iterates are normalized by an LU factorization (the
//     unit lower factor spans the same space and is well conditioned);
//     only the final basis Q gets a Householder QR;
//   * the small problem is solved through the k x k eigenproblem of
//     B B^T = Q^T G Q instead of an SVD of the k x n matrix B = Q^T W.
//
// Forming G squares the condition number, which costs accuracy only for
// singular values below about sqrt(eps) s_max; truncation keeps far larger
// ones.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Numerics/SVD.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace lowrank::numerics {

/// C (rows x cols) = op(A) op(B), row-major, with leading dimensions taken
/// from the stored shapes.
static void gemm(bool transA, bool transB, int64_t rows, int64_t cols,
                 int64_t inner, const float *a, int64_t lda, const float *b,
                 int64_t ldb, float *c) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, rows, cols, inner, 1.0f, a,
              lda, b, ldb, 0.0f, c, cols);
}

/// Replaces the columns of `y` (rows x k) by the unit lower factor of its
/// pivoted LU factorization: the same span, cheaply kept well scaled.
static Error normalizeByLU(MatrixF &y) {
  std::vector<lapack_int> pivots(y.cols());
  lapack_int info = LAPACKE_sgetrf(LAPACK_ROW_MAJOR, y.rows(), y.cols(),
                                   y.data(), y.cols(), pivots.data());
  if (info < 0)
    return createStringError("LAPACK getrf failed (info = %d)", (int)info);
  // Keep L (unit diagonal, zeros above) and undo the row pivoting.
  for (int64_t r = 0; r < y.rows(); ++r)
    for (int64_t c = r; c < y.cols(); ++c)
      y(r, c) = r == c ? 1.0f : 0.0f;
  for (int64_t i = y.cols() - 1; i >= 0; --i) {
    int64_t other = pivots[i] - 1;
    if (other != i)
      for (int64_t c = 0; c < y.cols(); ++c)
        std::swap(y(i, c), y(other, c));
  }
  return Error::success();
}

/// Replaces the columns of `y` by an orthonormal basis of their span.
static Error orthonormalize(MatrixF &y) {
  lapack_int rows = y.rows(), k = y.cols();
  std::vector<float> tau(k);
  lapack_int info =
      LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, rows, k, y.data(), k, tau.data());
  if (info == 0)
    info = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, rows, k, k, y.data(), k,
                          tau.data());
  if (info != 0)
    return createStringError("LAPACK QR failed (info = %d)", (int)info);
  return Error::success();
}

Expected<SVDResult> computeRandomizedSVD(const MatrixF &w, int64_t rank,
                                         const RandomizedSVDOptions &options) {
  int64_t minDim = std::min(w.rows(), w.cols());
  if (rank <= 0 || rank > minDim)
    return createStringError("rank %lld is outside [1, %lld]",
                             (long long)rank, (long long)minDim);
  if (Error err = checkFinite(w))
    return std::move(err);
  int64_t k = std::min(rank + std::max<int64_t>(options.oversampling, 0),
                       minDim);

  // Work on the short side: s x l with s <= l; `wide` says whether that is
  // W itself (m <= n) or W^T.
  bool wide = w.rows() <= w.cols();
  int64_t s = wide ? w.rows() : w.cols(), l = wide ? w.cols() : w.rows();
  const float *data = w.data();
  int64_t ld = w.cols();

  // G = W W^T (or W^T W): s x s, upper triangle (syrk halves the work).
  MatrixF gram(s, s);
  cblas_ssyrk(CblasRowMajor, CblasUpper, wide ? CblasNoTrans : CblasTrans, s,
              l, 1.0f, data, ld, 0.0f, gram.data(), s);
  auto multiplyByGram = [&](const MatrixF &x) {
    MatrixF product(s, x.cols());
    cblas_ssymm(CblasRowMajor, CblasLeft, CblasUpper, s, x.cols(), 1.0f,
                gram.data(), s, x.data(), x.cols(), 0.0f, product.data(),
                x.cols());
    return product;
  };

  // The sketch G Omega = W (W^T Omega) spans the same kind of range as
  // W Omega' with one half power iteration for free, at s x s x k cost.
  // LAPACK's generator fills millions of normal samples far faster than
  // <random>; its seed is four integers in [0, 4095], the last odd.
  MatrixF omega(s, k);
  lapack_int seed[4] = {
      static_cast<lapack_int>(options.seed & 4095),
      static_cast<lapack_int>((options.seed >> 12) & 4095),
      static_cast<lapack_int>((options.seed >> 24) & 4095),
      static_cast<lapack_int>(((options.seed >> 36) & 4095) | 1)};
  LAPACKE_slarnv(/*idist=normal*/ 3, seed, omega.size(), omega.data());
  MatrixF y = multiplyByGram(omega);
  for (int64_t i = 0; i < options.powerIterations; ++i) {
    if (Error err = normalizeByLU(y))
      return std::move(err);
    y = multiplyByGram(y);
  }
  if (Error err = orthonormalize(y))
    return std::move(err);
  const MatrixF &q = y;

  // B = Q^T W' (k x l); B B^T = Q^T G Q, whose eigenvectors are B's left
  // singular vectors and eigenvalues its squared singular values.
  MatrixF gq = multiplyByGram(q), small(k, k);
  gemm(true, false, k, k, s, q.data(), k, gq.data(), k, small.data());
  std::vector<float> eigenvalues(k);
  lapack_int info = LAPACKE_ssyevd(LAPACK_ROW_MAJOR, 'V', 'U', k, small.data(),
                                   k, eigenvalues.data());
  if (info != 0)
    return createStringError("LAPACK syevd failed (info = %d)", (int)info);

  // Eigenvalues ascend: the leading `rank` pairs are the last columns.
  MatrixF ub(k, rank);
  std::vector<double> singular(rank);
  for (int64_t j = 0; j < rank; ++j) {
    int64_t source = k - 1 - j;
    singular[j] = std::sqrt(std::max(0.0f, eigenvalues[source]));
    for (int64_t r = 0; r < k; ++r)
      ub(r, j) = small(r, source);
  }
  // Short-side singular vectors: Q U_B (s x rank). The long-side ones are
  // W'^T (Q U_B S^-1), computed directly in the layout the result needs.
  MatrixF shortVectors(s, rank), scaled(s, rank);
  gemm(false, false, s, rank, k, q.data(), k, ub.data(), rank,
       shortVectors.data());
  for (int64_t r = 0; r < s; ++r)
    for (int64_t j = 0; j < rank; ++j)
      scaled(r, j) = singular[j] > 0
                         ? static_cast<float>(shortVectors(r, j) / singular[j])
                         : 0.0f;
  SVDResult result;
  if (wide) {
    result.Vt = MatrixF(rank, l);
    gemm(true, false, rank, l, s, scaled.data(), rank, data, ld,
         result.Vt.data());
    result.U = std::move(shortVectors);
  } else {
    result.U = MatrixF(l, rank);
    gemm(false, false, l, rank, s, data, ld, scaled.data(), rank,
         result.U.data());
    result.Vt = transposed(shortVectors);
  }
  result.S = std::move(singular);
  return result;
}

bool isRandomizedSVDCheaper(int64_t rows, int64_t cols, int64_t rank) {
  int64_t minDim = std::min(rows, cols);
  return minDim >= 1024 && 4 * rank < minDim;
}

Expected<std::vector<double>>
computeLeadingSingularValues(const MatrixF &w, int64_t count,
                             const RandomizedSVDOptions &options) {
  Expected<SVDResult> svd = computeRandomizedSVD(w, count, options);
  if (!svd)
    return svd.takeError();
  double total = 0, leading = 0;
  for (int64_t i = 0, e = w.size(); i < e; ++i)
    total += static_cast<double>(w.data()[i]) * w.data()[i];
  for (double s : svd->S)
    leading += s * s;
  std::vector<double> values = std::move(svd->S);
  values.push_back(std::sqrt(std::max(0.0, total - leading)));
  return values;
}

} // namespace lowrank::numerics
