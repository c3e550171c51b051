//===- LowRank.h - Factor pairs, parity and truncation error ----*- C++ -*-===//
//
// The arithmetic of the aspect-ratio parity rule: an m x n weight at rank r
// costs r(m + n) parameters instead of mn, so factoring only shrinks it
// below the parity rank r* = floor(mn / (m + n)).
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_LOWRANK_H
#define LOWRANK_NUMERICS_LOWRANK_H

#include "lowrank/Numerics/SVD.h"

#include <cstdint>
#include <vector>

namespace lowrank::numerics {

/// floor(mn / (m + n)): the largest rank at which r(m+n) <= mn.
int64_t getParityRank(int64_t m, int64_t n);

/// Parameters of the factor pair at rank r: r(m + n).
int64_t getFactoredParams(int64_t m, int64_t n, int64_t r);

/// Whether rank r stores fewer parameters than the dense m x n matrix.
bool isBelowParity(int64_t m, int64_t n, int64_t r);

/// min(m, n) / max(m, n), in (0, 1].
double getAspectRatio(int64_t m, int64_t n);

/// Rounds `rank` down to a multiple of `multiple` (at least `multiple`
/// when rank > 0), capped at `maxRank`.
int64_t roundRank(int64_t rank, int64_t multiple, int64_t maxRank);

/// Frobenius error of the best rank-r approximation (Eckart-Young):
/// sqrt(sum_{i >= r} s_i^2).
double getTruncationError(const std::vector<double> &singularValues,
                          int64_t r);

/// The truncation error relative to ||W||_F.
double getRelativeTruncationError(const std::vector<double> &singularValues,
                                  int64_t r);

/// The smallest rank keeping at least `fraction` of the energy sum s_i^2.
int64_t getRankForEnergy(const std::vector<double> &singularValues,
                         double fraction);

/// W (m x n) ~ A (m x r) B (r x n).
struct FactorPair {
  MatrixF A;
  MatrixF B;
};

/// Splits the leading r triplets of an SVD as A = U_r sqrt(S_r) and
/// B = sqrt(S_r) Vt_r, which balances the factors' magnitudes.
FactorPair splitFactors(const SVDResult &svd, int64_t r);

/// A (m x r) times B (r x n).
MatrixF multiply(const MatrixF &a, const MatrixF &b);

/// ||A - B||_F.
double frobeniusDistance(const MatrixF &a, const MatrixF &b);

/// ||A||_F.
double frobeniusNorm(const MatrixF &a);

/// ||W - A B||_F and ||W||_F, where W is the `b.cols()` columns of `w` from
/// `column` on. A B is formed a block of rows at a time, so a large weight's
/// error costs no second copy of it.
std::pair<double, double> getFactorError(const MatrixF &a, const MatrixF &b,
                                         const MatrixF &w, int64_t column);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_LOWRANK_H
