//===- TuckerTest.cpp - Tucker-2 of convolution weights
//--------------------===//

#include "lowrank/Numerics/Tucker.h"
#include "lowrank/Numerics/LowRank.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace lowrank::numerics;

namespace {

MatrixF randomMatrix(int64_t rows, int64_t cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  MatrixF m(rows, cols);
  for (int64_t i = 0; i < m.size(); ++i)
    m.data()[i] = dist(gen);
  return m;
}

TEST(Tucker2, ParamsAndParity) {
  ConvWeightShape s{64, 32, 9};
  EXPECT_EQ(getTucker2Params(s, 16, 8), 32 * 8 + 16 * 8 * 9 + 64 * 16);
  // A factor at full rank folds into the core.
  EXPECT_EQ(getTucker2Params(s, 64, 8), 32 * 8 + 64 * 8 * 9);
  EXPECT_EQ(getTucker2Params(s, 16, 32), 16 * 32 * 9 + 64 * 16);
  EXPECT_EQ(getTucker2Params(s, 64, 32), 64 * 32 * 9);
  double f = getTucker2ParityFraction(s);
  int64_t below = static_cast<int64_t>(f * 0.99 * 64);
  int64_t above = static_cast<int64_t>(f * 1.01 * 64) + 1;
  EXPECT_LT(getTucker2Params(s, below, below / 2), 64 * 32 * 9);
  EXPECT_GT(getTucker2Params(s, above, above / 2 + 1), 64 * 32 * 9);
}

TEST(Tucker2, FullRankIsExact) {
  ConvWeightShape s{12, 8, 9};
  MatrixF w = randomMatrix(12, 8 * 9, 1);
  auto t = computeTucker2(w, s, 12, 8);
  ASSERT_TRUE(static_cast<bool>(t)) << llvm::toString(t.takeError());
  EXPECT_LT(t->relativeError, 1e-5);
}

TEST(Tucker2, FoldedFactorsStandForTheSameWeight) {
  // A core with one factor multiplied in, decomposed again with an identity
  // factor in its place, reconstructs the same weight.
  ConvWeightShape s{10, 7, 9};
  Tucker2Result t{randomMatrix(10, 4, 11), randomMatrix(7, 3, 12),
                  randomMatrix(4, 3 * 9, 13)};
  MatrixF expected = reconstructTucker2(t, s);
  auto identity = [](int64_t n) {
    MatrixF m(n, n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        m.data()[i * n + j] = i == j ? 1.0f : 0.0f;
    return m;
  };
  Tucker2Result outFolded{identity(10), t.inFactor,
                          foldTucker2Factors(t, s, true, false)};
  Tucker2Result inFolded{t.outFactor, identity(7),
                         foldTucker2Factors(t, s, false, true)};
  for (const Tucker2Result *folded : {&outFolded, &inFolded}) {
    MatrixF actual = reconstructTucker2(*folded, s);
    ASSERT_EQ(actual.rows(), expected.rows());
    ASSERT_EQ(actual.cols(), expected.cols());
    for (int64_t i = 0; i < expected.rows() * expected.cols(); ++i)
      EXPECT_NEAR(actual.data()[i], expected.data()[i], 1e-4);
  }
}

TEST(Tucker2, RecoversALowMultilinearRankWeight) {
  // W = core x_0 A x_1 B with ranks (4, 3) is reproduced at those ranks.
  ConvWeightShape s{16, 12, 9};
  MatrixF core = randomMatrix(4, 3 * 9, 2);
  Tucker2Result truth{randomMatrix(16, 4, 3), randomMatrix(12, 3, 4), core};
  MatrixF w = reconstructTucker2(truth, s);
  auto t = computeTucker2(w, s, 4, 3);
  ASSERT_TRUE(static_cast<bool>(t));
  EXPECT_LT(t->relativeError, 1e-4);
}

TEST(Tucker2, ErrorShrinksWithRankAndHOOIDoesNotHurt) {
  ConvWeightShape s{32, 24, 9};
  MatrixF w = randomMatrix(32, 24 * 9, 5);
  double previous = 2;
  for (int64_t r : {4, 8, 16, 24}) {
    auto t = computeTucker2(w, s, r, std::min<int64_t>(r, 24), 0);
    ASSERT_TRUE(static_cast<bool>(t));
    EXPECT_LT(t->relativeError, previous);
    previous = t->relativeError;
    auto refined = computeTucker2(w, s, r, std::min<int64_t>(r, 24), 3);
    ASSERT_TRUE(static_cast<bool>(refined));
    EXPECT_LE(refined->relativeError, t->relativeError + 1e-6);
  }
}

TEST(Tucker2, GlobalAllocationFollowsTheSpectraWithinTheBudget) {
  // Two equal shapes: a flat spectrum (every step helps) and a fast decay.
  ConvWeightShape s{32, 32, 9};
  Tucker2Candidate flat{s, std::vector<double>(32, 1.0),
                        std::vector<double>(32, 1.0)};
  Tucker2Candidate fast{s, {}, {}};
  for (int i = 0; i < 32; ++i) {
    fast.outSpectrum.push_back(std::pow(0.3, i));
    fast.inSpectrum.push_back(std::pow(0.3, i));
  }
  double budget = 0.25 * 2 * 32 * 32 * 9;
  auto ranks = allocateTucker2Ranks({flat, fast}, budget, 8);
  ASSERT_EQ(ranks.size(), 2u);
  EXPECT_LE(getTucker2Params(s, ranks[0].first, ranks[0].second) +
                getTucker2Params(s, ranks[1].first, ranks[1].second),
            budget);
  EXPECT_GT(ranks[0].first + ranks[0].second,
            ranks[1].first + ranks[1].second);
  // From rank 24 the full output rank frees parameters (its factor folds
  // into the core), so the flat spectrum gets it.
  EXPECT_EQ(ranks[0].first, 32);
  EXPECT_EQ(ranks[1].second, 8);
  // Each convolution stays below its dense size.
  EXPECT_LT(getTucker2Params(s, ranks[0].first, ranks[0].second), 32 * 32 * 9);
}

TEST(Tucker2, ModeSpectraOfALowRankWeight) {
  ConvWeightShape s{16, 12, 9};
  Tucker2Result truth{randomMatrix(16, 4, 7), randomMatrix(12, 3, 8),
                      randomMatrix(4, 3 * 9, 9)};
  auto candidate = getTucker2Candidate(reconstructTucker2(truth, s), s);
  ASSERT_TRUE(static_cast<bool>(candidate));
  ASSERT_EQ(candidate->outSpectrum.size(), 16u);
  ASSERT_EQ(candidate->inSpectrum.size(), 12u);
  EXPECT_GT(candidate->outSpectrum[3], 1e-3);
  EXPECT_LT(candidate->outSpectrum[4], 1e-4 * candidate->outSpectrum[0]);
  EXPECT_LT(candidate->inSpectrum[3], 1e-4 * candidate->inSpectrum[0]);
}

TEST(Tucker2, RejectsRanksOutsideTheModes) {
  ConvWeightShape s{8, 4, 9};
  MatrixF w = randomMatrix(8, 36, 6);
  auto t = computeTucker2(w, s, 9, 2);
  ASSERT_FALSE(static_cast<bool>(t));
  EXPECT_NE(llvm::toString(t.takeError()).find("ranks (9, 2)"),
            std::string::npos);
}

} // namespace
