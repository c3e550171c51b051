//===- TestMatrices.h - Random and structured matrices for tests -*- C++
//-*-===//
//
// Matrices the numerics tests build their cases from: Gaussian ones,
// orthonormal bases, products, and matrices of known singular values.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_UNITTESTS_NUMERICS_TESTMATRICES_H
#define LOWRANK_UNITTESTS_NUMERICS_TESTMATRICES_H

#include "lowrank/Numerics/Matrix.h"

#include "gtest/gtest.h"

#include <cblas.h>
#include <lapacke.h>

#include <random>
#include <vector>

namespace lowrank::numerics::testing {

/// rows x cols of independent standard normal entries.
inline MatrixD gaussian(int64_t rows, int64_t cols, std::mt19937_64 &gen) {
  std::normal_distribution<double> normal;
  MatrixD m(rows, cols);
  for (int64_t i = 0; i < m.size(); ++i)
    m.data()[i] = normal(gen);
  return m;
}

/// a b, through BLAS.
inline MatrixD matmul(const MatrixD &a, const MatrixD &b,
                      CBLAS_TRANSPOSE transposeB = CblasNoTrans) {
  int64_t inner = a.cols();
  int64_t cols = transposeB == CblasNoTrans ? b.cols() : b.rows();
  MatrixD c(a.rows(), cols);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, transposeB, a.rows(), cols, inner,
              1.0, a.data(), a.cols(), b.data(), b.cols(), 0.0, c.data(),
              c.cols());
  return c;
}

/// n x k with orthonormal columns (Q of a Gaussian matrix).
inline MatrixD makeOrthonormal(int64_t n, int64_t k, std::mt19937_64 &gen) {
  MatrixD q = gaussian(n, k, gen);
  std::vector<double> tau(k);
  EXPECT_EQ(LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, n, k, q.data(), k, tau.data()), 0);
  EXPECT_EQ(LAPACKE_dorgqr(LAPACK_ROW_MAJOR, n, k, k, q.data(), k, tau.data()),
            0);
  return q;
}

/// Q1 diag(s) Q2^T, rows x cols, with the singular values `s`.
inline MatrixD makeMatrixWithSpectrum(int64_t rows, int64_t cols,
                                      const std::vector<double> &s,
                                      uint64_t seed) {
  std::mt19937_64 gen(seed);
  int64_t k = s.size();
  MatrixD left = makeOrthonormal(rows, k, gen);
  MatrixD right = makeOrthonormal(cols, k, gen);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t l = 0; l < k; ++l)
      left(i, l) *= s[l];
  return matmul(left, right, CblasTrans);
}

} // namespace lowrank::numerics::testing

#endif // LOWRANK_UNITTESTS_NUMERICS_TESTMATRICES_H
