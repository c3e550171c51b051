//===- QuantizationTest.cpp - Per-channel int8/int4 quantization ----------===//

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
    QuantizedMatrix q = quantizePerColumn(w, bits);
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
  QuantizedMatrix q = quantizePerColumn(w, 8);
  EXPECT_FLOAT_EQ(q.scales[0], 1.0f / 127);
  EXPECT_FLOAT_EQ(q.scales[1], 2.0f / 127);
  EXPECT_FLOAT_EQ(q.scales[2], 1.0f); // an all-zero column
  EXPECT_EQ(q.values[0], 127);
  EXPECT_EQ(q.values[1], -127);
  EXPECT_EQ(q.values[3], -64); // -0.5 * 127 = -63.5 rounds to even -64
  QuantizedMatrix q4 = quantizePerColumn(w, 4);
  EXPECT_EQ(q4.values[0], 7);
  EXPECT_EQ(q4.values[1], -7);
}

TEST(Quantization, Int8IsFinerThanInt4) {
  MatrixF w = randomMatrix(128, 64, 2);
  auto error = [&](int bits) {
    MatrixF back = quantizePerColumn(w, bits).dequantize();
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

TEST(Quantization, LDLQBeatsNearestOnTheWeightedError) {
  int64_t n = 48;
  MatrixF w = randomMatrix(n, 32, 3);
  // Correlated inputs: G = X^T X for rows x with a strong common component.
  MatrixF x = randomMatrix(400, n, 4);
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
  auto weightedError = [&](const QuantizedMatrix &q) {
    MatrixF back = q.dequantize();
    MatrixF e(n, w.cols());
    for (int64_t i = 0; i < e.size(); ++i)
      e.data()[i] = w.data()[i] - back.data()[i];
    return *getWeightedNorm(e, gram.data());
  };
  auto ldlq = quantizePerColumnLDLQ(w, 4, gram.data());
  ASSERT_TRUE(static_cast<bool>(ldlq)) << llvm::toString(ldlq.takeError());
  double nearest = weightedError(quantizePerColumn(w, 4));
  EXPECT_LT(weightedError(*ldlq), 0.8 * nearest);
  // Without a Gram the error-aware rounding is rounding to nearest.
  auto plain = quantizePerColumnLDLQ(w, 4, nullptr);
  ASSERT_TRUE(static_cast<bool>(plain));
  EXPECT_EQ(plain->values, quantizePerColumn(w, 4).values);
}

} // namespace
