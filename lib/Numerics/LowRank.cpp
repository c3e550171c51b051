//===- LowRank.cpp - Factor pairs, parity and truncation error ------------===//

#include "lowrank/Numerics/LowRank.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

namespace lowrank::numerics {

int64_t getParityRank(int64_t m, int64_t n) {
  return m + n == 0 ? 0 : (m * n) / (m + n);
}

int64_t getFactoredParams(int64_t m, int64_t n, int64_t r) {
  return r * (m + n);
}

bool isBelowParity(int64_t m, int64_t n, int64_t r) {
  return getFactoredParams(m, n, r) < m * n;
}

double getAspectRatio(int64_t m, int64_t n) {
  return static_cast<double>(std::min(m, n)) /
         static_cast<double>(std::max(m, n));
}

int64_t roundRank(int64_t rank, int64_t multiple, int64_t maxRank) {
  if (rank <= 0)
    return 0;
  if (multiple > 1)
    rank = std::max(multiple, rank / multiple * multiple);
  return std::min(rank, maxRank);
}

double getTruncationError(const std::vector<double> &s, int64_t r) {
  // Summing the small tail first keeps the rounding error small.
  double tail = 0;
  for (int64_t i = static_cast<int64_t>(s.size()) - 1; i >= std::max<int64_t>(r, 0); --i)
    tail += s[i] * s[i];
  return std::sqrt(tail);
}

double getRelativeTruncationError(const std::vector<double> &s, int64_t r) {
  double total = getTruncationError(s, 0);
  return total == 0 ? 0 : getTruncationError(s, r) / total;
}

int64_t getRankForEnergy(const std::vector<double> &s, double fraction) {
  double total = 0;
  for (double v : s)
    total += v * v;
  double kept = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (kept >= fraction * total)
      return static_cast<int64_t>(i);
    kept += s[i] * s[i];
  }
  return static_cast<int64_t>(s.size());
}

FactorPair splitFactors(const SVDResult &svd, int64_t r) {
  int64_t m = svd.U.rows(), n = svd.Vt.cols();
  FactorPair pair{MatrixF(m, r), MatrixF(r, n)};
  for (int64_t j = 0; j < r; ++j) {
    float root = static_cast<float>(std::sqrt(svd.S[j]));
    for (int64_t i = 0; i < m; ++i)
      pair.A(i, j) = svd.U(i, j) * root;
    for (int64_t i = 0; i < n; ++i)
      pair.B(j, i) = svd.Vt(j, i) * root;
  }
  return pair;
}

MatrixF multiply(const MatrixF &a, const MatrixF &b) {
  MatrixF c(a.rows(), b.cols());
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, a.rows(), b.cols(),
              a.cols(), 1.0f, a.data(), a.cols(), b.data(), b.cols(), 0.0f,
              c.data(), c.cols());
  return c;
}

double frobeniusDistance(const MatrixF &a, const MatrixF &b) {
  double sum = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    double d = static_cast<double>(a.data()[i]) - b.data()[i];
    sum += d * d;
  }
  return std::sqrt(sum);
}

double frobeniusNorm(const MatrixF &a) {
  double sum = 0;
  for (int64_t i = 0; i < a.size(); ++i)
    sum += static_cast<double>(a.data()[i]) * a.data()[i];
  return std::sqrt(sum);
}

std::pair<double, double> getFactorError(const MatrixF &a, const MatrixF &b,
                                         const MatrixF &w, int64_t column) {
  int64_t n = b.cols(), rank = a.cols();
  int64_t blockRows =
      std::max<int64_t>(1, (int64_t(1) << 22) / std::max<int64_t>(n, 1));
  std::vector<float> block;
  double error = 0, norm = 0;
  for (int64_t start = 0; start < a.rows(); start += blockRows) {
    int64_t rows = std::min(blockRows, a.rows() - start);
    block.assign(rows * n, 0.0f);
    if (rank > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, rank,
                  1.0f, a.data() + start * rank, rank, b.data(), n, 0.0f,
                  block.data(), n);
    for (int64_t r = 0; r < rows; ++r) {
      const float *original = w.data() + (start + r) * w.cols() + column;
      for (int64_t c = 0; c < n; ++c) {
        double value = original[c];
        double d = value - block[r * n + c];
        error += d * d;
        norm += value * value;
      }
    }
  }
  return {std::sqrt(error), std::sqrt(norm)};
}

} // namespace lowrank::numerics
