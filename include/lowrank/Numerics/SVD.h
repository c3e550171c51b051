//===- SVD.h - Thin and randomized singular value decompositions -*- C++ -*-===//
//
// W = U diag(S) Vt for a row-major m x n matrix W, through LAPACK's divide
// and conquer gesdd (exact, float or double) or a randomized range finder
// with power iterations (Halko, Martinsson, Tropp 2011) for the leading
// singular triplets of large matrices.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_SVD_H
#define LOWRANK_NUMERICS_SVD_H

#include "lowrank/Numerics/Matrix.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace lowrank::numerics {

/// U (m x k), S (k, descending) and Vt (k x n) with k = min(m, n) for the
/// exact decomposition, or the requested rank for the randomized one.
struct SVDResult {
  MatrixF U;
  std::vector<double> S;
  MatrixF Vt;
};

enum class SVDPrecision { Float32, Float64 };

/// The thin SVD of `w` by LAPACK gesdd, computed in float32 or float64; a
/// matrix whose sides both reach 512 goes through its smaller Gram matrix
/// in float64 instead (GramSVD.h). Fails on NaN or infinite entries and
/// when LAPACK does not converge.
llvm::Expected<SVDResult> computeThinSVD(const MatrixF &w,
                                         SVDPrecision precision =
                                             SVDPrecision::Float32);

struct RandomizedSVDOptions {
  /// Extra sketch columns beyond the rank (p in Halko et al.).
  int64_t oversampling = 10;
  /// Power iterations (q); each sharpens a slowly decaying spectrum.
  int64_t powerIterations = 2;
  uint64_t seed = 0x5eed;
};

/// The leading `rank` singular triplets of `w` by a randomized range finder.
llvm::Expected<SVDResult>
computeRandomizedSVD(const MatrixF &w, int64_t rank,
                     const RandomizedSVDOptions &options = {});

/// Only the singular values of `w`, descending: gesdd without vectors, or
/// from the smaller Gram matrix in float64 when both sides reach 512.
llvm::Expected<std::vector<double>> computeSingularValues(const MatrixF &w);

/// Whether the randomized decomposition of an m x n matrix at `rank` is much
/// cheaper than the exact one: O(m n rank) against O(m n min(m, n)).
bool isRandomizedSVDCheaper(int64_t rows, int64_t cols, int64_t rank);

/// The `count` leading singular values of `w` (randomized, as
/// computeRandomizedSVD), then one value holding the energy of all the
/// others: sqrt(||w||_F^2 - the leading values' squares). Truncation errors
/// at ranks up to `count` read from it as from the whole spectrum.
llvm::Expected<std::vector<double>>
computeLeadingSingularValues(const MatrixF &w, int64_t count,
                             const RandomizedSVDOptions &options = {});

/// Fails when `w` holds a NaN or an infinity; the message names the first.
llvm::Error checkFinite(const MatrixF &w);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_SVD_H
