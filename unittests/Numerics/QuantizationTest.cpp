//===- QuantizationTest.cpp - Per-channel and group-wise quantization -----===//

#include "lowrank/Numerics/Quantization.h"
#include "lowrank/Numerics/QuantizedLowRank.h"

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

TEST(Quantization, RoundTripErrorIsAtMostHalfAStep) {
  MatrixF w = randomMatrix(64, 48, 1);
  for (int bits : {8, 4}) {
    QuantizedMatrix q = quantizeToNearest(w, bits);
    int qmax = getQuantizationMax(bits);
    MatrixF back = q.dequantize();
    for (int64_t i = 0; i < w.rows(); ++i)
      for (int64_t j = 0; j < w.cols(); ++j) {
        int v = q.values[i * w.cols() + j];
        EXPECT_LE(std::abs(v), qmax);
        EXPECT_LE(std::fabs(back(i, j) - w(i, j)),
                  0.5f * q.scales[j] * 1.0001f);
      }
  }
}

TEST(Quantization, ScalesArePerColumnMaxOverQmax) {
  MatrixF w(2, 3);
  float values[] = {1.0f, -2.0f, 0.0f, -0.5f, 1.0f, 0.0f};
  std::copy(values, values + 6, w.data());
  QuantizedMatrix q = quantizeToNearest(w, 8);
  EXPECT_FLOAT_EQ(q.scales[0], 1.0f / 127);
  EXPECT_FLOAT_EQ(q.scales[1], 2.0f / 127);
  EXPECT_FLOAT_EQ(q.scales[2], 1.0f); // an all-zero column
  EXPECT_EQ(q.values[0], 127);
  EXPECT_EQ(q.values[1], -127);
  EXPECT_EQ(q.values[3], -64); // -0.5 * 127 = -63.5 rounds to even -64
  QuantizedMatrix q4 = quantizeToNearest(w, 4);
  EXPECT_EQ(q4.values[0], 7);
  EXPECT_EQ(q4.values[1], -7);
}

TEST(Quantization, Int8IsFinerThanInt4) {
  MatrixF w = randomMatrix(128, 64, 2);
  auto error = [&](int bits) {
    MatrixF back = quantizeToNearest(w, bits).dequantize();
    double sum = 0, norm = 0;
    for (int64_t i = 0; i < w.size(); ++i) {
      sum += std::pow(back.data()[i] - w.data()[i], 2);
      norm += std::pow(w.data()[i], 2);
    }
    return std::sqrt(sum / norm);
  };
  // Uniform rounding noise: step / sqrt(12) per entry, step = 2 max / (2^b -
  // 2).
  EXPECT_LT(error(8), 0.01);
  EXPECT_LT(error(4), 0.2);
  EXPECT_GT(error(4), 8 * error(8));
}

/// G = X^T X for 400 inputs of dimension n with a strong common component.
std::vector<double> correlatedGram(int64_t n, unsigned seed) {
  MatrixF x = randomMatrix(400, n, seed);
  for (int64_t s = 0; s < x.rows(); ++s) {
    float common = x(s, 0);
    for (int64_t i = 0; i < n; ++i)
      x(s, i) = 0.3f * x(s, i) + common;
  }
  std::vector<double> gram(n * n, 0.0);
  for (int64_t s = 0; s < x.rows(); ++s)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        gram[i * n + j] += double(x(s, i)) * x(s, j);
  return gram;
}

/// ||C^T (W - dequantize(q))||_F for the Gram matrix G = C C^T.
double weightedError(const MatrixF &w, const QuantizedMatrix &q,
                     const std::vector<double> &gram) {
  MatrixF back = q.dequantize();
  MatrixF e(w.rows(), w.cols());
  for (int64_t i = 0; i < e.size(); ++i)
    e.data()[i] = w.data()[i] - back.data()[i];
  return *getWeightedNorm(e, gram.data());
}

TEST(Quantization, LDLQBeatsNearestOnTheWeightedError) {
  int64_t n = 48;
  MatrixF w = randomMatrix(n, 32, 3);
  std::vector<double> gram = correlatedGram(n, 4);
  auto ldlq = quantizeErrorAware(w, 4, gram.data());
  ASSERT_TRUE(static_cast<bool>(ldlq)) << llvm::toString(ldlq.takeError());
  double nearest = weightedError(w, quantizeToNearest(w, 4), gram);
  EXPECT_LT(weightedError(w, *ldlq, gram), 0.8 * nearest);
  // Without a Gram the error-aware rounding is rounding to nearest.
  auto plain = quantizeErrorAware(w, 4, nullptr);
  ASSERT_TRUE(static_cast<bool>(plain));
  EXPECT_EQ(plain->values, quantizeToNearest(w, 4).values);
}

TEST(Quantization, GroupScalesAreGroupMaxOverQmax) {
  // 5 rows in groups of 2: rows {0, 1}, {2, 3} and the partial {4}.
  MatrixF w(5, 2);
  float values[] = {1, -4, 3, 2, -6, 0, 2, 0, 0.5f, -1};
  std::copy(values, values + 10, w.data());
  QuantizedMatrix q = quantizeToNearest(w, 4, 2);
  ASSERT_EQ(q.getNumGroups(), 3);
  ASSERT_EQ(q.scales.size(), 6u);
  EXPECT_FLOAT_EQ(q.getScale(0, 0), 3.0f / 7);
  EXPECT_FLOAT_EQ(q.getScale(1, 1), 4.0f / 7);
  EXPECT_FLOAT_EQ(q.getScale(2, 0), 6.0f / 7);
  EXPECT_FLOAT_EQ(q.getScale(3, 1), 1.0f); // an all-zero group of a column
  EXPECT_FLOAT_EQ(q.getScale(4, 0), 0.5f / 7);
  EXPECT_FLOAT_EQ(q.getScale(4, 1), 1.0f / 7);
  EXPECT_EQ(q.values[2 * 2 + 0], -7);
  EXPECT_EQ(q.values[4 * 2 + 1], -7);
  EXPECT_EQ(q.storageBits(), 4 * 10 + 32 * 6);
  // A group at least as tall as the matrix is one scale per column.
  QuantizedMatrix whole = quantizeToNearest(w, 4, 8);
  EXPECT_EQ(whole.groupSize, 0);
  EXPECT_EQ(whole.values, quantizeToNearest(w, 4).values);
}

TEST(Quantization, GroupsFollowRowsOfDifferentMagnitude) {
  // Input rows whose magnitudes differ by 100x share a per-column scale
  // badly; groups of 16 rows each get their own.
  MatrixF w = randomMatrix(64, 32, 5);
  for (int64_t i = 0; i < w.rows(); ++i)
    for (int64_t j = 0; j < w.cols(); ++j)
      w(i, j) *= i < 16 ? 1.0f : 0.01f;
  auto error = [&](const QuantizedMatrix &q) {
    MatrixF back = q.dequantize();
    double sum = 0, norm = 0;
    for (int64_t i = 16; i < w.rows(); ++i) // the small rows
      for (int64_t j = 0; j < w.cols(); ++j) {
        sum += std::pow(back(i, j) - w(i, j), 2);
        norm += std::pow(w(i, j), 2);
      }
    return std::sqrt(sum / norm);
  };
  double perColumn = error(quantizeToNearest(w, 4));
  double grouped = error(quantizeToNearest(w, 4, 16));
  EXPECT_GT(perColumn, 0.9); // rounded to 0 almost everywhere
  EXPECT_LT(grouped, 0.2);
}

TEST(Quantization, GroupedLDLQBeatsGroupedNearest) {
  int64_t n = 64;
  MatrixF w = randomMatrix(n, 32, 6);
  std::vector<double> gram = correlatedGram(n, 7);
  auto ldlq = quantizeErrorAware(w, 4, gram.data(), 16);
  ASSERT_TRUE(static_cast<bool>(ldlq)) << llvm::toString(ldlq.takeError());
  EXPECT_EQ(ldlq->getNumGroups(), 4);
  for (int8_t v : ldlq->values)
    EXPECT_LE(std::abs(v), 7);
  EXPECT_LT(weightedError(w, *ldlq, gram),
            0.8 * weightedError(w, quantizeToNearest(w, 4, 16), gram));
}

} // namespace
