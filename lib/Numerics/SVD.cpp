//===- SVD.cpp - Thin SVD through LAPACK gesdd -----------------------------===//

#include "lowrank/Numerics/SVD.h"
#include "lowrank/Numerics/GramSVD.h"

#include <lapacke.h>

#include <cmath>

using namespace llvm;

namespace lowrank::numerics {

Error checkFinite(const MatrixF &w) {
  for (int64_t i = 0; i < w.size(); ++i)
    if (!std::isfinite(w.data()[i]))
      return createStringError(
          "matrix entry (%lld, %lld) is %s", (long long)(i / w.cols()),
          (long long)(i % w.cols()), std::isnan(w.data()[i]) ? "NaN" : "inf");
  return Error::success();
}

static Error lapackError(const char *routine, lapack_int info) {
  if (info > 0)
    return createStringError("LAPACK %s did not converge (info = %d)",
                             routine, (int)info);
  return createStringError("LAPACK %s rejected argument %d", routine,
                           (int)-info);
}

/// gesdd on a copy of `w` in type T; U and Vt come back as float.
template <typename T>
static Expected<SVDResult> gesdd(const MatrixF &w, bool withVectors) {
  lapack_int m = w.rows(), n = w.cols(), k = std::min(m, n);
  Matrix<T> a(m, n);
  for (int64_t i = 0; i < w.size(); ++i)
    a.data()[i] = static_cast<T>(w.data()[i]);
  std::vector<T> s(k);
  Matrix<T> u(withVectors ? m : 1, withVectors ? k : 1);
  Matrix<T> vt(withVectors ? k : 1, withVectors ? n : 1);
  char job = withVectors ? 'S' : 'N';
  lapack_int info;
  if constexpr (std::is_same_v<T, float>)
    info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, job, m, n, a.data(), n, s.data(),
                          u.data(), withVectors ? k : 1, vt.data(), n);
  else
    info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, job, m, n, a.data(), n, s.data(),
                          u.data(), withVectors ? k : 1, vt.data(), n);
  if (info != 0)
    return lapackError("gesdd", info);

  SVDResult result;
  result.S.assign(s.begin(), s.end());
  if (withVectors) {
    result.U = MatrixF(m, k);
    result.Vt = MatrixF(k, n);
    for (int64_t i = 0; i < u.size(); ++i)
      result.U.data()[i] = static_cast<float>(u.data()[i]);
    for (int64_t i = 0; i < vt.size(); ++i)
      result.Vt.data()[i] = static_cast<float>(vt.data()[i]);
  }
  return result;
}

static MatrixD toDouble(const MatrixF &w) {
  MatrixD m(w.rows(), w.cols());
  for (int64_t i = 0; i < w.size(); ++i)
    m.data()[i] = w.data()[i];
  return m;
}

Expected<SVDResult> computeThinSVD(const MatrixF &w, SVDPrecision precision) {
  if (w.size() == 0)
    return createStringError("cannot factor an empty matrix");
  if (Error err = checkFinite(w))
    return std::move(err);
  if (isGramRouteCheaper(w.rows(), w.cols())) {
    // In float64 whatever precision was asked: the Gram route in float64 is
    // at least as accurate as float32 gesdd and, being level-3 throughout,
    // several times faster on large matrices (and far more so on a loaded
    // machine, where gesdd's level-2 half stalls).
    Expected<GramSVD> svd =
        computeSVDFromGram(toDouble(w), std::min(w.rows(), w.cols()));
    if (!svd)
      return svd.takeError();
    SVDResult result{MatrixF(svd->U.rows(), svd->U.cols()), std::move(svd->S),
                     MatrixF(svd->Vt.rows(), svd->Vt.cols())};
    for (int64_t i = 0; i < result.U.size(); ++i)
      result.U.data()[i] = static_cast<float>(svd->U.data()[i]);
    for (int64_t i = 0; i < result.Vt.size(); ++i)
      result.Vt.data()[i] = static_cast<float>(svd->Vt.data()[i]);
    return result;
  }
  if (precision == SVDPrecision::Float64)
    return gesdd<double>(w, /*withVectors=*/true);
  return gesdd<float>(w, /*withVectors=*/true);
}

Expected<std::vector<double>> computeSingularValues(const MatrixF &w) {
  if (w.size() == 0)
    return createStringError("cannot factor an empty matrix");
  if (Error err = checkFinite(w))
    return std::move(err);
  if (isGramRouteCheaper(w.rows(), w.cols()))
    return computeSingularValuesFromGram(toDouble(w));
  auto svd = gesdd<float>(w, /*withVectors=*/false);
  if (!svd)
    return svd.takeError();
  return std::move(svd->S);
}

} // namespace lowrank::numerics
