//===- GramSVD.h - SVD of a large matrix through its Gram matrix -*- C++
//-*-===//
//
// The singular values of an m x n matrix M are the square roots of the
// eigenvalues of its smaller Gram matrix (M M^T when m <= n, M^T M
// otherwise), and its singular vectors on the other side follow from one
// product: V_r^T = S_r^-1 U_r^T M. A symmetric rank-k update, a symmetric
// eigensolver and a matrix product are all level-3 BLAS and use every core,
// where a bidiagonalization (gesdd) is half level-2 and bound by memory:
// on a 2048 x 5632 float64 matrix the Gram route is several times faster.
//
// It is as accurate where it is used: in float64 the eigenvalues carry an
// absolute error of about eps * s_1^2, so energies (s_i^2) and every
// singular value above about 1e-7 s_1 are exact to working precision, and
// a truncation keeps components far above that. Singular vectors of values
// below the cutoff are returned as zero: they carry no energy.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_GRAMSVD_H
#define LOWRANK_NUMERICS_GRAMSVD_H

#include "lowrank/Numerics/Matrix.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace lowrank::numerics {

/// Whether the SVD of a rows x cols matrix should take the Gram route:
/// when the smaller side has at least 512 elements. Below that gesdd is
/// fast and its extra accuracy on tiny singular values is free.
bool isGramRouteCheaper(int64_t rows, int64_t cols);

/// The singular values of `m`, descending, from the eigenvalues of its
/// smaller Gram matrix.
llvm::Expected<std::vector<double>>
computeSingularValuesFromGram(const MatrixD &m);

/// A thin SVD in float64 with the leading `components` singular vectors.
struct GramSVD {
  /// rows x components.
  MatrixD U;
  /// All min(rows, cols) singular values, descending.
  std::vector<double> S;
  /// components x cols.
  MatrixD Vt;
};

/// The SVD of `m` through its smaller Gram matrix, with the singular
/// vectors of the leading `components` values (at most min(rows, cols)).
llvm::Expected<GramSVD> computeSVDFromGram(const MatrixD &m,
                                           int64_t components);

/// The spectra a shared bottleneck is judged by, for M = [M_1 ... M_k]
/// (members of `widths` columns, rows <= sum(widths)).
struct SharedSpectra {
  /// The singular values of M, descending.
  std::vector<double> S;
  /// energies[j][i] = ||u_i^T M_j||^2: member j's squared norm in the
  /// group's component i (s_i^2 ||V_j(i)||^2).
  std::vector<std::vector<double>> energies;
  /// Each member's own singular values, descending.
  std::vector<std::vector<double>> memberValues;
};

/// The shared spectra from the members' Gram matrices C_j = M_j M_j^T:
/// M M^T is their sum, so the group and each member share one rank-k
/// update per member, and member energies are diag(U^T C_j U) (or, for a
/// narrow member, the squared entries of U^T M_j), never the full V^T.
llvm::Expected<SharedSpectra>
computeSharedSpectraFromGram(const MatrixD &m,
                             const std::vector<int64_t> &widths);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_GRAMSVD_H
