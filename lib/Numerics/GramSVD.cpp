//===- GramSVD.cpp - SVD of a large matrix through its Gram matrix --------===//

#include "lowrank/Numerics/GramSVD.h"

#include "llvm/ADT/STLExtras.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace lowrank::numerics {

/// Singular values below this fraction of the largest are at the noise
/// level of the Gram matrix's eigenvalues (sqrt(eps) is 1.5e-8).
static constexpr double kVectorCutoff = 1e-7;

bool isGramRouteCheaper(int64_t rows, int64_t cols) {
  return std::min(rows, cols) >= 512;
}

/// The smaller Gram matrix of `m` (lower triangle), k x k with
/// k = min(rows, cols): M M^T for a wide matrix, M^T M for a tall one.
static MatrixD computeSmallerGram(const MatrixD &m) {
  int64_t rows = m.rows(), cols = m.cols();
  if (rows <= cols) {
    MatrixD g(rows, rows);
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, rows, cols, 1.0,
                m.data(), cols, 0.0, g.data(), rows);
    return g;
  }
  MatrixD g(cols, cols);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, cols, rows, 1.0, m.data(),
              cols, 0.0, g.data(), cols);
  return g;
}

/// Eigenvalues (ascending) of the symmetric `g`, and in `g` its
/// eigenvectors as columns when `vectors` is set.
static Expected<std::vector<double>> computeEigen(MatrixD &g, bool vectors) {
  lapack_int k = g.rows();
  std::vector<double> values(k);
  lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, vectors ? 'V' : 'N', 'L',
                                   k, g.data(), k, values.data());
  if (info != 0)
    return createStringError("LAPACK dsyevd failed on the %lld x %lld Gram "
                             "matrix (info = %d)",
                             (long long)k, (long long)k, (int)info);
  return values;
}

static std::vector<double> toSingularValues(const std::vector<double> &eig) {
  std::vector<double> s(eig.size());
  for (size_t i = 0; i < eig.size(); ++i)
    s[i] = std::sqrt(std::max(eig[eig.size() - 1 - i], 0.0));
  return s;
}

Expected<std::vector<double>> computeSingularValuesFromGram(const MatrixD &m) {
  if (m.size() == 0)
    return createStringError("cannot factor an empty matrix");
  MatrixD g = computeSmallerGram(m);
  Expected<std::vector<double>> eig = computeEigen(g, /*vectors=*/false);
  if (!eig)
    return eig.takeError();
  return toSingularValues(*eig);
}

/// Divides the first `count` vectors of the side computed by a product
/// (`product(j, i)`: element i of vector j, of `productLength`) by their
/// singular values. Past `cutoff` the values are rounding noise: the
/// vectors of both sides (`eigen`, of `eigenLength`) become zero instead.
template <typename ProductFn, typename EigenFn>
static void divideByValues(ArrayRef<double> values, double cutoff,
                           int64_t count, int64_t productLength,
                           ProductFn product, int64_t eigenLength,
                           EigenFn eigen) {
  for (int64_t j = 0; j < count; ++j) {
    double scale = values[j] > cutoff ? 1.0 / values[j] : 0.0;
    for (int64_t i = 0; i < productLength; ++i)
      product(j, i) *= scale;
    if (scale == 0.0)
      for (int64_t i = 0; i < eigenLength; ++i)
        eigen(j, i) = 0.0;
  }
}

Expected<GramSVD> computeSVDFromGram(const MatrixD &m, int64_t components) {
  int64_t rows = m.rows(), cols = m.cols(), k = std::min(rows, cols);
  if (m.size() == 0)
    return createStringError("cannot factor an empty matrix");
  assert(components > 0 && components <= k && "bad component count");
  MatrixD g = computeSmallerGram(m);
  Expected<std::vector<double>> eig = computeEigen(g, /*vectors=*/true);
  if (!eig)
    return eig.takeError();
  GramSVD result;
  result.S = toSingularValues(*eig);
  double cutoff = kVectorCutoff * result.S.front();
  int64_t c = components;
  // The eigenvectors of the Gram matrix are the singular vectors on its
  // side, largest value last: column k-1-j of g is vector j.
  auto eigenvector = [&](int64_t i, int64_t j) { return g(i, k - 1 - j); };
  if (rows <= cols) {
    result.U = MatrixD(rows, c);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < c; ++j)
        result.U(i, j) = eigenvector(i, j);
    // V_c^T = S_c^-1 U_c^T M.
    result.Vt = MatrixD(c, cols);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c, cols, rows, 1.0,
                result.U.data(), c, m.data(), cols, 0.0, result.Vt.data(),
                cols);
    divideByValues(
        result.S, cutoff, c, cols,
        [&](int64_t j, int64_t i) -> double & { return result.Vt(j, i); }, rows,
        [&](int64_t j, int64_t i) -> double & { return result.U(i, j); });
    return result;
  }
  result.Vt = MatrixD(c, cols);
  for (int64_t j = 0; j < c; ++j)
    for (int64_t i = 0; i < cols; ++i)
      result.Vt(j, i) = eigenvector(i, j);
  // U_c = M V_c S_c^-1.
  result.U = MatrixD(rows, c);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, c, cols, 1.0,
              m.data(), cols, result.Vt.data(), cols, 0.0, result.U.data(), c);
  divideByValues(
      result.S, cutoff, c, rows,
      [&](int64_t j, int64_t i) -> double & { return result.U(i, j); }, cols,
      [&](int64_t j, int64_t i) -> double & { return result.Vt(j, i); });
  return result;
}

Expected<SharedSpectra>
computeSharedSpectraFromGram(const MatrixD &m,
                             const std::vector<int64_t> &widths) {
  int64_t rows = m.rows(), cols = m.cols();
  assert(rows <= cols && "the group's Gram matrix is not the smaller one");
  if (m.size() == 0)
    return createStringError("cannot factor an empty matrix");
  SharedSpectra result;
  MatrixD groupGram(rows, rows);
  std::vector<MatrixD> memberGrams;
  int64_t first = 0;
  for (int64_t width : widths) {
    const double *block = m.data() + first;
    first += width;
    // A member at least as wide as the rows: C_j gives its own values too.
    MatrixD own(width >= rows ? rows : width, width >= rows ? rows : width);
    if (width >= rows) {
      cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, rows, width, 1.0,
                  block, cols, 0.0, own.data(), rows);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j <= i; ++j)
          groupGram(i, j) += own(i, j);
      memberGrams.push_back(own);
    } else {
      // A narrow member: its values from M_j^T M_j, its share of the
      // group's Gram added by a rank-width update.
      cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, width, rows, 1.0,
                  block, cols, 0.0, own.data(), width);
      cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, rows, width, 1.0,
                  block, cols, 1.0, groupGram.data(), rows);
      memberGrams.emplace_back();
    }
    Expected<std::vector<double>> eig = computeEigen(own, /*vectors=*/false);
    if (!eig)
      return eig.takeError();
    result.memberValues.push_back(toSingularValues(*eig));
  }

  Expected<std::vector<double>> eig = computeEigen(groupGram, true);
  if (!eig)
    return eig.takeError();
  result.S = toSingularValues(*eig);
  // U, largest value first: column rows-1-i of the eigenvectors.
  MatrixD u(rows, rows);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < rows; ++j)
      u(i, j) = groupGram(i, rows - 1 - j);

  first = 0;
  for (auto [width, gram] : llvm::zip_equal(widths, memberGrams)) {
    std::vector<double> energies(rows, 0.0);
    if (gram.size() != 0) {
      // diag(U^T C_j U): C_j U (the lower triangle of C_j), then column
      // dot products with U.
      MatrixD cu(rows, rows);
      cblas_dsymm(CblasRowMajor, CblasLeft, CblasLower, rows, rows, 1.0,
                  gram.data(), rows, u.data(), rows, 0.0, cu.data(), rows);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t c = 0; c < rows; ++c)
          energies[c] += u(i, c) * cu(i, c);
    } else {
      // ||u_c^T M_j||^2 from U^T M_j (rows x width).
      MatrixD projected(rows, width);
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, width, rows,
                  1.0, u.data(), rows, m.data() + first, cols, 0.0,
                  projected.data(), width);
      for (int64_t c = 0; c < rows; ++c)
        for (int64_t i = 0; i < width; ++i)
          energies[c] += projected(c, i) * projected(c, i);
    }
    for (double &energy : energies)
      energy = std::max(energy, 0.0);
    result.energies.push_back(std::move(energies));
    first += width;
  }
  return result;
}

} // namespace lowrank::numerics
