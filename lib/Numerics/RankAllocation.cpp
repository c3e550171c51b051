//===- RankAllocation.cpp - Global rank allocation under a budget ---------===//

#include "lowrank/Numerics/RankAllocation.h"
#include "lowrank/Numerics/LowRank.h"

#include <algorithm>
#include <queue>

namespace lowrank::numerics {

namespace {
/// The next move for one layer: add `rankMultiple` ranks, or go dense when
/// that would reach parity.
struct Step {
  double gainPerParam;
  size_t layer;
  bool operator<(const Step &other) const {
    return gainPerParam < other.gainPerParam;
  }
};
} // namespace

static double energy(const std::vector<double> &s, int64_t from, int64_t to) {
  double sum = 0;
  for (int64_t i = from; i < std::min<int64_t>(to, s.size()); ++i)
    sum += s[i] * s[i];
  return sum;
}

std::vector<RankDecision>
allocateRanksForBudget(const std::vector<RankCandidate> &candidates,
                       int64_t paramBudget, int64_t rankMultiple) {
  rankMultiple = std::max<int64_t>(rankMultiple, 1);
  std::vector<RankDecision> decisions(candidates.size());
  int64_t used = 0;

  auto setRank = [&](size_t i, int64_t rank) {
    const RankCandidate &c = candidates[i];
    RankDecision &d = decisions[i];
    int64_t maxRank = std::min(c.m, c.n);
    d.rank = std::min(rank, maxRank);
    d.dense = !isBelowParity(c.m, c.n, d.rank) || d.rank == maxRank;
    if (d.dense)
      d.rank = maxRank;
    d.params = d.dense ? c.m * c.n : getFactoredParams(c.m, c.n, d.rank);
    d.squaredError =
        d.dense ? 0 : energy(c.singularValues, d.rank, c.singularValues.size());
  };

  // What the next step of layer i costs and gains.
  auto nextStep = [&](size_t i, int64_t &cost, double &gain) {
    const RankCandidate &c = candidates[i];
    const RankDecision &d = decisions[i];
    int64_t next = d.rank + rankMultiple;
    if (next >= std::min(c.m, c.n) || !isBelowParity(c.m, c.n, next)) {
      cost = c.m * c.n - d.params;
      gain = d.squaredError;
    } else {
      cost = getFactoredParams(c.m, c.n, next) - d.params;
      gain = energy(c.singularValues, d.rank, next);
    }
  };

  std::priority_queue<Step> steps;
  for (size_t i = 0; i < candidates.size(); ++i) {
    setRank(i, rankMultiple);
    used += decisions[i].params;
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (decisions[i].dense)
      continue;
    int64_t cost;
    double gain;
    nextStep(i, cost, gain);
    steps.push({gain / std::max<int64_t>(cost, 1), i});
  }
  while (!steps.empty()) {
    Step step = steps.top();
    steps.pop();
    int64_t cost;
    double gain;
    nextStep(step.layer, cost, gain);
    if (used + cost > paramBudget)
      continue; // A cheaper step of another layer may still fit.
    used -= decisions[step.layer].params;
    setRank(step.layer, decisions[step.layer].rank + rankMultiple);
    used += decisions[step.layer].params;
    if (decisions[step.layer].dense)
      continue;
    nextStep(step.layer, cost, gain);
    steps.push({gain / std::max<int64_t>(cost, 1), step.layer});
  }
  return decisions;
}

int64_t getTotalParams(const std::vector<RankDecision> &decisions) {
  int64_t total = 0;
  for (const RankDecision &d : decisions)
    total += d.params;
  return total;
}

} // namespace lowrank::numerics
