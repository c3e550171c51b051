//===- RandomizedSVD.cpp - Randomized range finder SVD ---------------------===//
//
// Algorithm 4.4 and 5.1 of Halko, Martinsson and Tropp, "Finding structure
// with randomness" (2011): sketch the range of W with a Gaussian test
// matrix, sharpen it with power iterations (re-orthonormalized each time to
// keep small singular directions from being lost to rounding), then take
// the exact SVD of the small projected matrix Q^T W.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Numerics/SVD.h"

#include <cblas.h>
#include <lapacke.h>

#include <random>

using namespace llvm;

namespace lowrank::numerics {

/// C = op(A) op(B) for row-major float matrices.
static MatrixF gemm(const MatrixF &a, bool transA, const MatrixF &b,
                    bool transB) {
  int64_t m = transA ? a.cols() : a.rows();
  int64_t k = transA ? a.rows() : a.cols();
  int64_t n = transB ? b.rows() : b.cols();
  MatrixF c(m, n);
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a.data(),
              a.cols(), b.data(), b.cols(), 0.0f, c.data(), n);
  return c;
}

/// Replaces the columns of `y` (rows x k, rows >= k) by an orthonormal basis
/// of their span (Householder QR).
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
  int64_t m = w.rows(), n = w.cols(), minDim = std::min(m, n);
  if (rank <= 0 || rank > minDim)
    return createStringError("rank %lld is outside [1, %lld]",
                             (long long)rank, (long long)minDim);
  if (Error err = checkFinite(w))
    return std::move(err);
  int64_t sketch = std::min(rank + std::max<int64_t>(options.oversampling, 0),
                            minDim);

  std::mt19937_64 generator(options.seed);
  std::normal_distribution<float> normal;
  MatrixF omega(n, sketch);
  for (int64_t i = 0; i < omega.size(); ++i)
    omega.data()[i] = normal(generator);

  MatrixF q = gemm(w, false, omega, false); // m x sketch
  if (Error err = orthonormalize(q))
    return std::move(err);
  for (int64_t i = 0; i < options.powerIterations; ++i) {
    MatrixF z = gemm(w, true, q, false); // n x sketch
    if (Error err = orthonormalize(z))
      return std::move(err);
    q = gemm(w, false, z, false);
    if (Error err = orthonormalize(q))
      return std::move(err);
  }

  MatrixF projected = gemm(q, true, w, false); // sketch x n
  auto small = computeThinSVD(projected);
  if (!small)
    return small.takeError();
  MatrixF u = gemm(q, false, small->U, false); // m x sketch

  SVDResult result;
  result.S.assign(small->S.begin(), small->S.begin() + rank);
  result.U = MatrixF(m, rank);
  for (int64_t r = 0; r < m; ++r)
    std::copy(&u(r, 0), &u(r, 0) + rank, &result.U(r, 0));
  result.Vt = MatrixF(rank, n, small->Vt.data());
  return result;
}

} // namespace lowrank::numerics
