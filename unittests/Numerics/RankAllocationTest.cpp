//===- RankAllocationTest.cpp - Global rank allocation --------------------===//

#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/RankAllocation.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace lowrank::numerics;

namespace {

RankCandidate powerLaw(int64_t m, int64_t n, double decay, double scale) {
  RankCandidate c{m, n, {}};
  for (int64_t i = 0; i < std::min(m, n); ++i)
    c.singularValues.push_back(scale * std::pow(i + 1.0, -decay));
  return c;
}

TEST(RankAllocation, RespectsTheBudget) {
  std::vector<RankCandidate> layers = {powerLaw(256, 256, 0.5, 1),
                                       powerLaw(256, 1024, 0.5, 1),
                                       powerLaw(1024, 256, 0.5, 1)};
  int64_t dense = 256 * 256 + 2 * 256 * 1024;
  auto decisions = allocateRanksForBudget(layers, dense * 6 / 10, 8);
  EXPECT_LE(getTotalParams(decisions), dense * 6 / 10);
  for (const RankDecision &d : decisions) {
    if (!d.dense)
      EXPECT_EQ(d.rank % 8, 0);
  }
}

TEST(RankAllocation, FavorsFastDecayingSpectraLess) {
  // Same shapes, one spectrum decays fast: it needs fewer ranks for the
  // same error, so a global allocation gives the slow one more.
  std::vector<RankCandidate> layers = {powerLaw(128, 128, 2.0, 1),
                                       powerLaw(128, 128, 0.3, 1)};
  auto decisions = allocateRanksForBudget(layers, 128 * 128, 8);
  ASSERT_FALSE(decisions[0].dense);
  EXPECT_LT(decisions[0].rank, decisions[1].rank);
}

TEST(RankAllocation, BeatsUniformRanksAtEqualBudget) {
  std::vector<RankCandidate> layers = {powerLaw(256, 256, 1.5, 10),
                                       powerLaw(256, 256, 0.4, 1),
                                       powerLaw(256, 256, 0.8, 3)};
  int64_t uniformRank = 64;
  int64_t budget = 3 * getFactoredParams(256, 256, uniformRank);
  double uniformError = 0;
  for (const RankCandidate &c : layers)
    uniformError += std::pow(getTruncationError(c.singularValues, uniformRank), 2);
  auto decisions = allocateRanksForBudget(layers, budget, 8);
  double globalError = 0;
  for (const RankDecision &d : decisions)
    globalError += d.squaredError;
  EXPECT_LE(getTotalParams(decisions), budget);
  EXPECT_LT(globalError, uniformError);
}

TEST(RankAllocation, GoesDenseInsteadOfReachingParity) {
  std::vector<RankCandidate> layers = {powerLaw(64, 64, 0.1, 1)};
  auto decisions = allocateRanksForBudget(layers, 64 * 64, 8);
  EXPECT_TRUE(decisions[0].dense);
  EXPECT_EQ(decisions[0].params, 64 * 64);
  EXPECT_EQ(decisions[0].squaredError, 0);
}

TEST(RankAllocation, KeepsTheMinimumWhenTheBudgetIsTooSmall) {
  std::vector<RankCandidate> layers = {powerLaw(64, 64, 1, 1)};
  auto decisions = allocateRanksForBudget(layers, 10, 8);
  EXPECT_EQ(decisions[0].rank, 8);
  EXPECT_GT(getTotalParams(decisions), 10);
}

} // namespace
