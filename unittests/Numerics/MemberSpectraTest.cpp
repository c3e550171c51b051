//===- MemberSpectraTest.cpp - Per-member errors of a shared bottleneck ---===//
//
// A group member's error computed from the shared SVD equals the error of
// its columns of the truncated product; the rank rules meet their bound for
// every member, before and after rounding up; the grouping comparison keeps
// a bottleneck that costs nothing and refuses one that starves a member.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Numerics/MemberSpectra.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/RankAllocation.h"
#include "lowrank/Numerics/SVD.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace lowrank::numerics;

namespace {

/// A rows x cols matrix with singular values decaying like (i + 1)^-decay,
/// times `scale`.
MatrixF decaying(int64_t rows, int64_t cols, double decay, double scale,
                 unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<float> normal;
  MatrixF noise(rows, cols);
  for (int64_t i = 0; i < noise.size(); ++i)
    noise.data()[i] = normal(gen);
  auto svd = computeThinSVD(noise, SVDPrecision::Float64);
  EXPECT_TRUE(static_cast<bool>(svd));
  for (size_t i = 0; i < svd->S.size(); ++i)
    svd->S[i] = scale * std::pow(i + 1.0, -decay);
  FactorPair pair = splitFactors(*svd, svd->S.size());
  return multiply(pair.A, pair.B);
}

MatrixF concatenate(const std::vector<const MatrixF *> &parts) {
  int64_t cols = 0;
  for (const MatrixF *part : parts)
    cols += part->cols();
  MatrixF result(parts.front()->rows(), cols);
  int64_t column = 0;
  for (const MatrixF *part : parts) {
    for (int64_t r = 0; r < part->rows(); ++r)
      for (int64_t c = 0; c < part->cols(); ++c)
        result(r, column + c) = (*part)(r, c);
    column += part->cols();
  }
  return result;
}

struct Group {
  MatrixF matrix;
  std::vector<int64_t> widths;
  SVDResult svd;
  MemberSpectra spectra;
  std::vector<std::vector<double>> memberValues;
};

Group makeGroup(const std::vector<const MatrixF *> &parts) {
  Group g{concatenate(parts), {}, {}, {}, {}};
  for (const MatrixF *part : parts) {
    g.widths.push_back(part->cols());
    g.memberValues.push_back(computeThinSVD(*part, SVDPrecision::Float64)->S);
  }
  g.svd = std::move(*computeThinSVD(g.matrix, SVDPrecision::Float64));
  g.spectra = getMemberSpectra(g.svd.S, g.svd.Vt, g.widths);
  return g;
}

TEST(MemberSpectra, MatchTheTruncatedProductPerMember) {
  MatrixF big = decaying(48, 40, 0.5, 10, 1);
  MatrixF small = decaying(48, 16, 0.5, 0.1, 2);
  Group g = makeGroup({&big, &small});
  for (int64_t r : {4, 12, 30}) {
    FactorPair pair = splitFactors(g.svd, r);
    int64_t column = 0;
    for (size_t j = 0; j < g.widths.size(); ++j) {
      MatrixF b(r, g.widths[j]);
      for (int64_t i = 0; i < r; ++i)
        for (int64_t c = 0; c < g.widths[j]; ++c)
          b(i, c) = pair.B(i, column + c);
      auto [error, norm] = getFactorError(pair.A, b, g.matrix, column);
      EXPECT_NEAR(g.spectra.getRelativeError(j, r), error / norm, 1e-4)
          << "member " << j << " at rank " << r;
      column += g.widths[j];
    }
  }
}

TEST(MemberSpectra, ErrorBoundHoldsPerMemberAfterRounding) {
  // The small member carries little of the group's energy: a bound on the
  // group as a whole would leave it with a large relative error.
  MatrixF big = decaying(64, 64, 1.0, 10, 3);
  MatrixF small = decaying(64, 32, 0.3, 0.2, 4);
  Group g = makeGroup({&big, &small});
  const double bound = 0.05;
  int64_t r = getRankForMemberError(g.spectra, bound);
  ASSERT_GT(r, 0);
  EXPECT_LE(g.spectra.getWorstRelativeError(r), bound);
  EXPECT_GT(g.spectra.getWorstRelativeError(r - 1), bound);
  // A bound on the group as a whole is met at a smaller rank, where the
  // small member's error is above it.
  int64_t groupRank = 0;
  while (getRelativeTruncationError(g.svd.S, groupRank) > bound)
    ++groupRank;
  EXPECT_LT(groupRank, r);
  EXPECT_GT(g.spectra.getRelativeError(1, groupRank), bound);
  for (int64_t multiple : {1, 3, 8, 16}) {
    int64_t rounded = roundRankUp(r, multiple, 64);
    EXPECT_GE(rounded, r);
    EXPECT_EQ(rounded % multiple == 0 || rounded == 64, true);
    EXPECT_LE(g.spectra.getWorstRelativeError(rounded), bound)
        << "multiple " << multiple;
  }
}

TEST(MemberSpectra, EnergyBoundHoldsPerMember) {
  MatrixF big = decaying(64, 64, 1.0, 10, 5);
  MatrixF small = decaying(64, 32, 0.3, 0.2, 6);
  Group g = makeGroup({&big, &small});
  int64_t r = getRankForMemberEnergy(g.spectra, 0.9);
  for (size_t j = 0; j < 2; ++j) {
    double error = g.spectra.getRelativeError(j, r);
    EXPECT_GE(1.0 - error * error, 0.9 - 1e-12) << "member " << j;
  }
  double e0 = g.spectra.getRelativeError(0, r - 1);
  double e1 = g.spectra.getRelativeError(1, r - 1);
  EXPECT_LT(std::min(1.0 - e0 * e0, 1.0 - e1 * e1), 0.9);
}

TEST(MemberSpectra, RelativeSpectrumSumsMemberErrors) {
  MatrixF big = decaying(32, 32, 1.0, 10, 7);
  MatrixF small = decaying(32, 16, 0.5, 0.1, 8);
  Group g = makeGroup({&big, &small});
  std::vector<double> relative = getRelativeSpectrum(g.spectra);
  for (int64_t r : {0, 5, 20}) {
    double tail = std::pow(getTruncationError(relative, r), 2);
    EXPECT_NEAR(tail, g.spectra.getSumSquaredRelativeErrors(r), 1e-9);
  }
  EXPECT_NEAR(std::pow(getTruncationError(relative, 0), 2), 2.0, 1e-9);
}

TEST(MemberSpectra, RoundRankUpNeverLowers) {
  EXPECT_EQ(roundRankUp(3, 8, 100), 8);
  EXPECT_EQ(roundRankUp(8, 8, 100), 8);
  EXPECT_EQ(roundRankUp(9, 8, 100), 16);
  EXPECT_EQ(roundRankUp(97, 8, 100), 100);
  EXPECT_EQ(roundRankUp(0, 8, 100), 0);
  EXPECT_EQ(roundRankUp(5, 1, 100), 5);
}

TEST(Grouping, KeepsABottleneckThatCostsNothing) {
  // Two members with the same row space: the shared A serves both, so
  // the group is better at equal parameters.
  MatrixF w = decaying(64, 64, 0.8, 1, 9);
  MatrixF scaled(64, 64);
  for (int64_t i = 0; i < w.size(); ++i)
    scaled.data()[i] = 0.5f * w.data()[i];
  Group g = makeGroup({&w, &scaled});
  GroupingComparison cmp =
      compareGrouping(g.spectra, 64, g.widths, g.memberValues, 16);
  EXPECT_TRUE(cmp.shared);
  EXPECT_EQ(cmp.params, 16 * (64 + 128));
  for (size_t j = 0; j < 2; ++j)
    EXPECT_LE(cmp.groupErrors[j], cmp.separateErrors[j] + 1e-6);
}

TEST(Grouping, RefusesABottleneckThatStarvesAMember) {
  // Independent members, one with a small norm: the shared SVD spends its
  // rank on the large one, and the small one's relative error is far worse
  // than with its own share of the parameters.
  MatrixF big = decaying(64, 128, 0.5, 10, 10);
  MatrixF small = decaying(64, 32, 0.5, 0.1, 11);
  Group g = makeGroup({&big, &small});
  GroupingComparison cmp =
      compareGrouping(g.spectra, 64, g.widths, g.memberValues, 16);
  EXPECT_FALSE(cmp.shared);
  EXPECT_GT(cmp.groupErrors[1], cmp.separateErrors[1]);
  int64_t separateParams = 0;
  for (size_t j = 0; j < 2; ++j)
    separateParams +=
        std::min(cmp.separateRanks[j] * (64 + g.widths[j]), 64 * g.widths[j]);
  EXPECT_LE(separateParams, cmp.params);
}

TEST(RelativeAllocation, DoesNotStarveSmallNormLayers) {
  // Same spectral shape, norms 100 apart: on absolute errors the budget
  // all but skips the small layer; on relative errors both get the same
  // ranks, and the summed squared relative error is no worse than that of
  // uniform ranks at the same budget.
  std::vector<double> large, small;
  for (int i = 0; i < 64; ++i) {
    large.push_back(100.0 * std::pow(i + 1.0, -0.7));
    small.push_back(std::pow(i + 1.0, -0.7));
  }
  int64_t budget = 2 * getFactoredParams(64, 64, 16);
  auto absolute =
      allocateRanksForBudget({{64, 64, large}, {64, 64, small}}, budget, 8);
  EXPECT_LT(absolute[1].rank, absolute[0].rank);
  std::vector<RankCandidate> relative;
  for (const auto &s : {large, small})
    relative.push_back(
        {64, 64, getRelativeSpectrum(getSingleMemberSpectra(s))});
  auto decisions = allocateRanksForBudget(relative, budget, 8);
  EXPECT_EQ(decisions[0].rank, decisions[1].rank);
  double allocated = 0, uniform = 0, starved = 0;
  for (size_t j = 0; j < 2; ++j) {
    const std::vector<double> &s = j == 0 ? large : small;
    allocated += std::pow(getRelativeTruncationError(s, decisions[j].rank), 2);
    uniform += std::pow(getRelativeTruncationError(s, 16), 2);
    starved += std::pow(getRelativeTruncationError(s, absolute[j].rank), 2);
  }
  EXPECT_LE(allocated, uniform + 1e-12);
  EXPECT_LT(allocated, starved);
}

} // namespace
