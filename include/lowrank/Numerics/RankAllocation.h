//===- RankAllocation.h - Global rank allocation under a budget -*- C++ -*-===//
//
// Given the singular spectra of several layers, choose one rank per layer so
// that the total parameter count fits a budget and the summed squared
// truncation error is as small as possible. Singular values decrease, so
// each layer's error reduction per added rank is concave and choosing the
// best error reduction per parameter greedily is optimal up to the rounding
// of ranks to multiples. A layer whose rank would reach parity is better
// kept dense: same or lower cost, zero error.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_RANKALLOCATION_H
#define LOWRANK_NUMERICS_RANKALLOCATION_H

#include <cstdint>
#include <vector>

namespace lowrank::numerics {

/// One factorable layer (or shared-bottleneck group): an m x n matrix and
/// its singular values (descending; for an activation-aware factorization,
/// the whitened ones, whose tail sums are output errors).
struct RankCandidate {
  int64_t m = 0;
  int64_t n = 0;
  std::vector<double> singularValues;
};

struct RankDecision {
  /// The chosen rank when factored; min(m, n) when dense.
  int64_t rank = 0;
  bool dense = true;
  int64_t params = 0;
  /// Squared Frobenius truncation error at that rank (0 when dense).
  double squaredError = 0;
};

/// Ranks in multiples of `rankMultiple` minimizing the summed squared error
/// with total parameters <= `paramBudget`. Every layer gets at least one
/// multiple; when even that does not fit, layers keep that minimum and the
/// result exceeds the budget (the caller reports it).
std::vector<RankDecision>
allocateRanksForBudget(const std::vector<RankCandidate> &candidates,
                       int64_t paramBudget, int64_t rankMultiple);

/// Parameters of a decision list.
int64_t getTotalParams(const std::vector<RankDecision> &decisions);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_RANKALLOCATION_H
