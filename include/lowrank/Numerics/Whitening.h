//===- Whitening.h - Activation-aware low-rank factorization ----*- C++ -*-===//
//
// For a layer y = x W (W is d_in x d_out) and calibration inputs stacked as
// the rows of X, the output error of a replacement W' is ||X (W - W')||_F.
// With the Gram matrix G = X^T X = L L^T (Cholesky), that is
// ||L^T (W - W')||_F, so the best rank-r W' comes from the truncated SVD of
// the whitened weight L^T W = U S V^T: A = L^-T U_r sqrt(S_r) and
// B = sqrt(S_r) V_r^T. The squared output error at rank r is the tail sum
// of the whitened spectrum S. Everything is float64 over LAPACK and BLAS.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_WHITENING_H
#define LOWRANK_NUMERICS_WHITENING_H

#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/Matrix.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace lowrank::numerics {

/// G + jitter I = L L^T with L lower triangular (its upper part is zero).
struct CholeskyFactor {
  MatrixD L;
  /// What was added to the diagonal to make G positive definite; 0 when
  /// G was positive definite as given.
  double jitter = 0;
  /// jitter / (trace(G) / K): the jitter relative to the mean eigenvalue.
  double relativeJitter = 0;
};

/// The Cholesky factor of a symmetric K x K Gram matrix (LAPACK dpotrf).
/// When G is not numerically positive definite, adds eps * trace(G) / K to
/// its diagonal with eps = 1e-10, 1e-9, ... up to 1e-1 until the
/// factorization succeeds. Fails on non-finite entries, a non-square
/// matrix, a zero trace, or when even the largest jitter does not help.
llvm::Expected<CholeskyFactor> computeCholeskyWithJitter(const MatrixD &gram);

/// The SVD of the whitened weight L^T W (float64).
/// The whitened weight L^T W in float64 (W is d_in x d_out, L d_in x d_in).
MatrixD whiten(const MatrixF &w, const CholeskyFactor &chol);

struct WhitenedSVD {
  /// d_in x k.
  MatrixD U;
  /// k values, descending: the output-error spectrum.
  std::vector<double> S;
  /// k x d_out.
  MatrixD Vt;
};

/// The SVD of L^T W: by LAPACK dgesdd, or for a large weight through its
/// smaller Gram matrix (GramSVD.h), then with the singular vectors of only
/// the leading `components` values when that is positive (U and Vt have
/// that many columns and rows; S has every value).
llvm::Expected<WhitenedSVD> computeWhitenedSVD(const MatrixF &w,
                                               const CholeskyFactor &chol,
                                               int64_t components = 0);

/// Only the whitened singular values (for rank allocation).
llvm::Expected<std::vector<double>>
computeWhitenedSpectrum(const MatrixF &w, const CholeskyFactor &chol);

/// Un-whitens the leading r triplets: A = L^-T U_r sqrt(S_r) (a triangular
/// solve), B = sqrt(S_r) V_r^T.
FactorPair unwhitenFactors(const WhitenedSVD &svd, const CholeskyFactor &chol,
                           int64_t r);

/// The squared output error tr(D^T G D) for D = W - A B.
double computeSquaredOutputError(const MatrixF &w, const MatrixF &a,
                                 const MatrixF &b, const MatrixD &gram);

/// The squared output energy tr(W^T G W) = ||X W||_F^2.
double computeSquaredOutputEnergy(const MatrixF &w, const MatrixD &gram);

/// A row-major copy of a K x K float64 array as a matrix, scaled to a mean
/// diagonal of 1. Every use (whitening, output errors relative to the
/// output energy, basis scores, least-squares refits, LDLQ rounding) is
/// invariant to the scale of G, and statistics of extreme magnitude (1e200,
/// 1e-200) would otherwise overflow or underflow in the products.
MatrixD makeGramMatrix(const std::vector<double> &values, int64_t dim);

/// Sequential calibration's target weight W* = G^-1 C W for a layer whose
/// input in the compressed model is x~ (G = sum x~ x~^T, `gramValues`) and in
/// the original model x (C = sum x~ x^T, `crossValues`): of all weights, W*
/// gives outputs x~ W* closest to the original outputs x W in least
/// squares, and ||X W - X~ W'||^2 = ||X W - X~ W*||^2 + ||X~ (W* - W')||^2,
/// so the whitened truncation of W* is the best rank-r W'. G gets the
/// jitter of computeCholeskyWithJitter when it is not positive definite.
llvm::Expected<MatrixF>
computeCrossCorrectedWeight(const MatrixF &w,
                            const std::vector<double> &gramValues,
                            const std::vector<double> &crossValues);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_WHITENING_H
