//===- MemberSpectra.cpp - Per-member errors of a shared bottleneck -------===//

#include "lowrank/Numerics/MemberSpectra.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/RankAllocation.h"

#include <algorithm>
#include <cmath>

namespace lowrank::numerics {

static double getTail(const std::vector<double> &energies, int64_t rank) {
  // The small tail first keeps the rounding error small.
  double tail = 0;
  for (int64_t i = static_cast<int64_t>(energies.size()) - 1;
       i >= std::max<int64_t>(rank, 0); --i)
    tail += energies[i];
  return tail;
}

double MemberSpectra::getTotal(size_t member) const {
  return getTail(energies[member], 0);
}

double MemberSpectra::getRelativeError(size_t member, int64_t rank) const {
  double total = getTotal(member);
  return total > 0 ? std::sqrt(getTail(energies[member], rank) / total) : 0.0;
}

double MemberSpectra::getWorstRelativeError(int64_t rank) const {
  double worst = 0;
  for (size_t j = 0; j < energies.size(); ++j)
    worst = std::max(worst, getRelativeError(j, rank));
  return worst;
}

double MemberSpectra::getSumSquaredRelativeErrors(int64_t rank) const {
  double sum = 0;
  for (size_t j = 0; j < energies.size(); ++j) {
    double error = getRelativeError(j, rank);
    sum += error * error;
  }
  return sum;
}

MemberSpectra getSingleMemberSpectra(const std::vector<double> &s) {
  MemberSpectra result;
  std::vector<double> energies(s.size());
  for (size_t i = 0; i < s.size(); ++i)
    energies[i] = s[i] * s[i];
  result.energies.push_back(std::move(energies));
  return result;
}

static int64_t getNumComponents(const MemberSpectra &spectra) {
  return spectra.energies.empty()
             ? 0
             : static_cast<int64_t>(spectra.energies.front().size());
}

int64_t getRankForMemberError(const MemberSpectra &spectra, double maxError) {
  int64_t components = getNumComponents(spectra);
  for (int64_t r = 0; r < components; ++r)
    if (spectra.getWorstRelativeError(r) <= maxError)
      return r;
  return components;
}

int64_t getRankForMemberEnergy(const MemberSpectra &spectra, double fraction) {
  int64_t components = getNumComponents(spectra);
  for (int64_t r = 0; r < components; ++r) {
    bool kept = true;
    for (size_t j = 0; j < spectra.getNumMembers() && kept; ++j) {
      double total = spectra.getTotal(j);
      kept = total - getTail(spectra.energies[j], r) >= fraction * total;
    }
    if (kept)
      return r;
  }
  return components;
}

std::vector<double> getRelativeSpectrum(const MemberSpectra &spectra) {
  std::vector<double> result(getNumComponents(spectra), 0.0);
  for (size_t j = 0; j < spectra.getNumMembers(); ++j) {
    double total = spectra.getTotal(j);
    if (total <= 0)
      continue;
    for (size_t i = 0; i < result.size(); ++i)
      result[i] += spectra.energies[j][i] / total;
  }
  for (double &value : result)
    value = std::sqrt(value);
  return result;
}

int64_t roundRankUp(int64_t rank, int64_t multiple, int64_t maxRank) {
  if (rank <= 0)
    return 0;
  if (multiple > 1)
    rank = (rank + multiple - 1) / multiple * multiple;
  return std::min(rank, maxRank);
}

GroupingComparison compareGrouping(
    const MemberSpectra &group, int64_t m, const std::vector<int64_t> &widths,
    const std::vector<std::vector<double>> &memberSpectra, int64_t groupRank) {
  GroupingComparison result;
  int64_t n = 0;
  for (int64_t width : widths)
    n += width;
  result.groupRank = groupRank;
  result.params = getFactoredParams(m, n, groupRank);
  for (size_t j = 0; j < widths.size(); ++j)
    result.groupErrors.push_back(group.getRelativeError(j, groupRank));

  // The same parameters spread over the members alone, each spectrum
  // scaled to unit energy so that the allocation minimizes the summed
  // squared relative errors, as the group's rank does.
  std::vector<RankCandidate> candidates;
  for (size_t j = 0; j < widths.size(); ++j) {
    std::vector<double> s = memberSpectra[j];
    double norm = 0;
    for (double v : s)
      norm += v * v;
    norm = std::sqrt(norm);
    for (double &v : s)
      v = norm > 0 ? v / norm : 0.0;
    candidates.push_back({m, widths[j], std::move(s)});
  }
  std::vector<RankDecision> decisions =
      allocateRanksForBudget(candidates, result.params, /*rankMultiple=*/1);
  double groupSum = 0, separateSum = 0, groupWorst = 0, separateWorst = 0;
  for (size_t j = 0; j < widths.size(); ++j) {
    const RankDecision &d = decisions[j];
    result.separateRanks.push_back(d.rank);
    double error =
        d.dense ? 0.0 : getRelativeTruncationError(memberSpectra[j], d.rank);
    result.separateErrors.push_back(error);
    separateSum += error * error;
    separateWorst = std::max(separateWorst, error);
    groupSum += result.groupErrors[j] * result.groupErrors[j];
    groupWorst = std::max(groupWorst, result.groupErrors[j]);
  }
  // A relative slack absorbs rounding when both are equal (e.g. zero).
  const double slack = 1e-9;
  result.shared = groupSum <= separateSum * (1 + slack) + slack;
  result.groupWorst = groupWorst;
  result.separateWorst = separateWorst;
  return result;
}

} // namespace lowrank::numerics
