//===- BasisSelection.h - Components chosen by their energy on data -*- C++
//-*-===//
//
// The singular components u_i s_i v_i^T of W ranked by singular value are
// the best basis for the weight, not for a given application. Ranked
// instead by their energy on the application's calibration inputs,
// ||X u_i||^2 s_i^2 = s_i^2 u_i^T G u_i, the best k are kept as the input
// projection A, and the output projection is refit by least squares on that
// data: B = argmin ||X (W - A B)||_F = (A^T G A)^-1 A^T G W.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_BASISSELECTION_H
#define LOWRANK_NUMERICS_BASISSELECTION_H

#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/SVD.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace lowrank::numerics {

struct BasisSelection {
  /// A (d_in x k) and the refit B (k x d_out).
  FactorPair factors;
  /// The kept components' indices in singular-value order, ascending.
  std::vector<int64_t> kept;
  /// Squared output errors tr(D^T G D) of A times the unrefit
  /// sqrt(S_k) V_k^T, and of A times the refit B.
  double squaredErrorBeforeRefit = 0;
  double squaredErrorAfterRefit = 0;
};

/// Scores each component of `svd` (an SVD of `w`) by s_i^2 u_i^T G u_i,
/// keeps the best `k` and refits B by a Cholesky solve (LAPACK dposv, in
/// float64) of (A^T G A) B = A^T G W. Fails when the normal equations are
/// singular (the kept directions carry no data).
llvm::Expected<BasisSelection> selectBasis(const MatrixF &w,
                                           const SVDResult &svd,
                                           const MatrixD &gram, int64_t k);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_BASISSELECTION_H
