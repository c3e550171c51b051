//===- BasisSelection.cpp - Components chosen by their energy on data -----===//

#include "lowrank/Numerics/BasisSelection.h"
#include "lowrank/Numerics/Whitening.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace llvm;

namespace lowrank::numerics {

Expected<BasisSelection> selectBasis(const MatrixF &w, const SVDResult &svd,
                                     const MatrixD &gram, int64_t k) {
  int64_t dIn = w.rows(), dOut = w.cols();
  int64_t available = static_cast<int64_t>(svd.S.size());
  if (gram.rows() != dIn || gram.cols() != dIn)
    return createStringError("the weight has %lld rows (d_in) but the Gram "
                             "matrix is %lld x %lld",
                             (long long)dIn, (long long)gram.rows(),
                             (long long)gram.cols());
  if (k <= 0 || k > available || svd.U.rows() != dIn || svd.U.cols() < k)
    return createStringError("cannot keep %lld of %lld components",
                             (long long)k, (long long)available);

  // Energy on the data of component i: s_i^2 u_i^T G u_i.
  int64_t width = svd.U.cols();
  MatrixD u(dIn, width), gu(dIn, width);
  for (int64_t i = 0; i < u.size(); ++i)
    u.data()[i] = svd.U.data()[i];
  cblas_dsymm(CblasRowMajor, CblasLeft, CblasLower, dIn, width, 1.0,
              gram.data(), dIn, u.data(), width, 0.0, gu.data(), width);
  std::vector<double> score(available, 0.0);
  for (int64_t i = 0; i < dIn; ++i)
    for (int64_t j = 0; j < available; ++j)
      score[j] += u(i, j) * gu(i, j);
  for (int64_t j = 0; j < available; ++j)
    score[j] *= svd.S[j] * svd.S[j];

  BasisSelection result;
  result.kept.resize(available);
  std::iota(result.kept.begin(), result.kept.end(), 0);
  std::stable_sort(result.kept.begin(), result.kept.end(),
                   [&](int64_t x, int64_t y) { return score[x] > score[y]; });
  result.kept.resize(k);
  std::sort(result.kept.begin(), result.kept.end());

  FactorPair unrefit{MatrixF(dIn, k), MatrixF(k, dOut)};
  MatrixD a(dIn, k);
  for (auto [c, index] : llvm::enumerate(result.kept)) {
    double root = std::sqrt(svd.S[index]);
    for (int64_t i = 0; i < dIn; ++i)
      a(i, c) = svd.U(i, index) * root;
    for (int64_t j = 0; j < dOut; ++j)
      unrefit.B(c, j) = static_cast<float>(svd.Vt(index, j) * root);
  }
  for (int64_t i = 0; i < a.size(); ++i)
    unrefit.A.data()[i] = static_cast<float>(a.data()[i]);

  // Normal equations (A^T G A) B = A^T G W, solved by Cholesky.
  MatrixD ga(dIn, k), normal(k, k), rhs(k, dOut), wd(dIn, dOut);
  for (int64_t i = 0; i < w.size(); ++i)
    wd.data()[i] = w.data()[i];
  cblas_dsymm(CblasRowMajor, CblasLeft, CblasLower, dIn, k, 1.0, gram.data(),
              dIn, a.data(), k, 0.0, ga.data(), k);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, dIn, 1.0, a.data(),
              k, ga.data(), k, 0.0, normal.data(), k);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, dOut, dIn, 1.0,
              ga.data(), k, wd.data(), dOut, 0.0, rhs.data(), dOut);
  lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', k, dOut, normal.data(),
                                  k, rhs.data(), dOut);
  if (info != 0)
    return createStringError(
        "the least-squares refit is singular (LAPACK dposv info = %d): the "
        "kept components carry no calibration energy",
        (int)info);

  result.factors = FactorPair{std::move(unrefit.A), MatrixF(k, dOut)};
  for (int64_t i = 0; i < rhs.size(); ++i)
    result.factors.B.data()[i] = static_cast<float>(rhs.data()[i]);
  result.squaredErrorBeforeRefit =
      computeSquaredOutputError(w, result.factors.A, unrefit.B, gram);
  result.squaredErrorAfterRefit =
      computeSquaredOutputError(w, result.factors.A, result.factors.B, gram);
  return result;
}

} // namespace lowrank::numerics
