//===- MemberSpectra.h - Per-member errors of a shared bottleneck -*- C++
//-*-===//
//
// A shared bottleneck factors the concatenation [W_1 ... W_k] = U S V^T at
// one rank r. Member j's part of component i is u_i s_i V_j(i)^T, so its
// squared error at rank r is sum_{i >= r} s_i^2 ||V_j(i)||^2 and its energy
// the same sum from 0. A single layer is the one-member case (s_i^2). The
// rank rules and the grouping decision use these to keep every promise per
// layer, not per group.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_MEMBERSPECTRA_H
#define LOWRANK_NUMERICS_MEMBERSPECTRA_H

#include "lowrank/Numerics/Matrix.h"

#include <cstdint>
#include <vector>

namespace lowrank::numerics {

/// energies[j][i]: member j's squared norm in component i.
struct MemberSpectra {
  std::vector<std::vector<double>> energies;

  size_t getNumMembers() const { return energies.size(); }
  /// Member j's squared norm (its whole energy).
  double getTotal(size_t member) const;
  /// Member j's relative error at rank r: sqrt(tail / total).
  double getRelativeError(size_t member, int64_t rank) const;
  /// The largest member relative error at rank r.
  double getWorstRelativeError(int64_t rank) const;
  /// The sum over members of their squared relative errors at rank r.
  double getSumSquaredRelativeErrors(int64_t rank) const;
};

/// One member: energies s_i^2.
MemberSpectra getSingleMemberSpectra(const std::vector<double> &s);

/// Members with `widths` columns of V^T (k x sum(widths)), in order.
template <typename T>
MemberSpectra getMemberSpectra(const std::vector<double> &s,
                               const Matrix<T> &vt,
                               const std::vector<int64_t> &widths) {
  MemberSpectra result;
  int64_t column = 0;
  for (int64_t width : widths) {
    std::vector<double> energies(s.size(), 0.0);
    for (size_t i = 0; i < s.size(); ++i) {
      double sum = 0;
      for (int64_t c = column; c < column + width; ++c)
        sum += static_cast<double>(vt(i, c)) * vt(i, c);
      energies[i] = s[i] * s[i] * sum;
    }
    result.energies.push_back(std::move(energies));
    column += width;
  }
  return result;
}

/// The smallest rank at which every member's relative error is at most
/// `maxError`.
int64_t getRankForMemberError(const MemberSpectra &spectra, double maxError);

/// The smallest rank at which every member keeps at least `fraction` of its
/// energy.
int64_t getRankForMemberEnergy(const MemberSpectra &spectra, double fraction);

/// Pseudo singular values for the budget allocation: component i gets
/// sqrt(sum_j energies[j][i] / total_j), so that tail sums are sums of the
/// members' squared relative errors (a member without energy adds none).
std::vector<double> getRelativeSpectrum(const MemberSpectra &spectra);

/// Rounds `rank` up to a multiple of `multiple`, capped at `maxRank`, so
/// that a bound met at `rank` still holds.
int64_t roundRankUp(int64_t rank, int64_t multiple, int64_t maxRank);

/// A shared bottleneck against separate factorizations of its members at
/// the same parameter count.
struct GroupingComparison {
  int64_t groupRank = 0;
  int64_t params = 0;
  /// Member relative errors inside the group.
  std::vector<double> groupErrors;
  /// Ranks of the members factored alone within the same parameters
  /// (min(m, n_j) when a member is best kept dense), and their errors.
  std::vector<int64_t> separateRanks;
  std::vector<double> separateErrors;
  /// The largest member error either way (reported, not decisive).
  double groupWorst = 0, separateWorst = 0;
  /// The sum of the members' squared relative errors is no larger with the
  /// shared bottleneck: each member counts by its error relative to its
  /// own energy, however small its norm, as in the budget allocation.
  bool shared = false;
};

/// Compares the group `group` (an m x sum(widths) concatenation) at rank
/// `groupRank` with its members factored alone, their ranks allocated
/// under the same parameters to minimize the sum of squared relative
/// errors; `memberSpectra[j]` are member j's own singular values.
GroupingComparison compareGrouping(
    const MemberSpectra &group, int64_t m, const std::vector<int64_t> &widths,
    const std::vector<std::vector<double>> &memberSpectra, int64_t groupRank);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_MEMBERSPECTRA_H
