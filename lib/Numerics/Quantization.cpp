//===- Quantization.cpp - Per-channel and group-wise quantization --------===//

#include "lowrank/Numerics/Quantization.h"

#include <lapacke.h>

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace llvm;

namespace lowrank::numerics {

int getQuantizationMax(int bits) { return (1 << (bits - 1)) - 1; }

MatrixF QuantizedMatrix::dequantize() const {
  MatrixF w(rows, cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      w(i, j) = static_cast<float>(values[i * cols + j]) * getScale(i, j);
  return w;
}

/// Sets the scales of `group` to max|m| / qmax over its rows of `m` (a
/// MatrixF or MatrixD of q's shape); an all-zero column of the group gets
/// scale 1 so that dequantization never divides by zero.
template <typename Matrix>
static void setGroupScales(QuantizedMatrix &q, int64_t group, const Matrix &m) {
  float *scales = &q.scales[group * q.cols];
  int64_t begin = q.groupSize == 0 ? 0 : group * q.groupSize;
  int64_t end =
      q.groupSize == 0 ? q.rows : std::min(q.rows, begin + q.groupSize);
  std::fill(scales, scales + q.cols, 0.0f);
  for (int64_t i = begin; i < end; ++i)
    for (int64_t j = 0; j < q.cols; ++j)
      scales[j] = std::max(scales[j], static_cast<float>(std::fabs(m(i, j))));
  float qmax = static_cast<float>(getQuantizationMax(q.bits));
  for (int64_t j = 0; j < q.cols; ++j)
    scales[j] = scales[j] == 0.0f ? 1.0f : scales[j] / qmax;
}

static int8_t roundToGrid(double value, float scale, int qmax) {
  double q = std::nearbyint(value / scale);
  return static_cast<int8_t>(std::clamp<double>(q, -qmax, qmax));
}

static QuantizedMatrix makeEmpty(const MatrixF &w, int bits,
                                 int64_t groupSize) {
  assert(bits >= 2 && bits <= 8 && "unsupported bit width");
  assert(groupSize >= 0 && "negative group size");
  QuantizedMatrix q;
  q.bits = bits;
  q.rows = w.rows();
  q.cols = w.cols();
  q.groupSize = groupSize >= w.rows() ? 0 : groupSize;
  q.values.assign(w.size(), 0);
  q.scales.assign(q.getNumGroups() * q.cols, 1.0f);
  return q;
}

QuantizedMatrix quantizeToNearest(const MatrixF &w, int bits,
                                  int64_t groupSize) {
  QuantizedMatrix q = makeEmpty(w, bits, groupSize);
  for (int64_t g = 0; g < q.getNumGroups(); ++g)
    setGroupScales(q, g, w);
  int qmax = getQuantizationMax(bits);
  for (int64_t i = 0; i < w.rows(); ++i)
    for (int64_t j = 0; j < w.cols(); ++j)
      q.values[i * w.cols() + j] = roundToGrid(w(i, j), q.getScale(i, j), qmax);
  return q;
}

/// The upper Cholesky factor of G^-1 (row-major n x n), with the damping
/// GPTQ uses: 1% of the mean diagonal added, dead inputs given diagonal 1.
static Expected<std::vector<double>> inverseCholeskyUpper(const double *gram,
                                                          int64_t n) {
  std::vector<double> h(gram, gram + n * n);
  double meanDiag = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(h[i * n + i]))
      return createStringError("the Gram matrix holds a non-finite value");
    meanDiag += h[i * n + i] / static_cast<double>(n);
  }
  for (int64_t i = 0; i < n; ++i)
    if (h[i * n + i] <= 0)
      h[i * n + i] = 1;
  for (double damp = 0.01 * (meanDiag > 0 ? meanDiag : 1);; damp *= 10) {
    std::vector<double> a = h;
    for (int64_t i = 0; i < n; ++i)
      a[i * n + i] += damp;
    lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', n, a.data(), n);
    if (info == 0)
      info = LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'U', n, a.data(), n);
    if (info == 0) {
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < i; ++j)
          a[i * n + j] = a[j * n + i];
      info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', n, a.data(), n);
      if (info == 0) {
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < i; ++j)
            a[i * n + j] = 0;
        return a;
      }
    }
    if (info < 0 || damp > 1e6 * (meanDiag > 0 ? meanDiag : 1))
      return createStringError(
          "the Gram matrix is not positive semi-definite (LAPACK info %d)",
          (int)info);
  }
}

Expected<QuantizedMatrix> quantizeErrorAware(const MatrixF &w, int bits,
                                             const double *gram,
                                             int64_t groupSize) {
  if (!gram)
    return quantizeToNearest(w, bits, groupSize);
  int64_t n = w.rows(), m = w.cols();
  auto hinv = inverseCholeskyUpper(gram, n);
  if (!hinv)
    return hinv.takeError();
  QuantizedMatrix q = makeEmpty(w, bits, groupSize);
  int qmax = getQuantizationMax(bits);
  MatrixD work(n, m);
  for (int64_t i = 0; i < w.size(); ++i)
    work.data()[i] = w.data()[i];
  std::vector<double> err(m);
  for (int64_t i = 0; i < n; ++i) {
    // Per-column scales are fixed by the weights; a group's scales by its
    // rows once the earlier groups' errors have been fed into them.
    if (q.groupSize == 0 && i == 0)
      setGroupScales(q, 0, w);
    else if (q.groupSize != 0 && i % q.groupSize == 0)
      setGroupScales(q, q.getGroupOf(i), work);
    double d = (*hinv)[i * n + i];
    for (int64_t j = 0; j < m; ++j) {
      float scale = q.getScale(i, j);
      int8_t v = roundToGrid(work(i, j), scale, qmax);
      q.values[i * m + j] = v;
      err[j] = (work(i, j) - static_cast<double>(v) * scale) / d;
    }
    // The rows still to be rounded absorb this row's error.
    for (int64_t k = i + 1; k < n; ++k) {
      double h = (*hinv)[i * n + k];
      if (h == 0)
        continue;
      for (int64_t j = 0; j < m; ++j)
        work(k, j) -= h * err[j];
    }
  }
  return q;
}

} // namespace lowrank::numerics
