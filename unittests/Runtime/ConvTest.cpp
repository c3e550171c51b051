//===- ConvTest.cpp - The runtime's convolutions against a naive loop -----===//

#include "lowrank/Runtime/CPU/Runtime.h"

#include "../../lib/Runtime/CPU/Conv.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace {

constexpr double kTolerance = 1e-5;

struct ConvCase {
  int64_t batch, channels, height, width;
  int64_t filters; // ignored when depthwise (one filter per channel)
  int64_t kernelH, kernelW;
  int64_t strideH, strideW, dilationH, dilationW;
  int64_t padTop, padLeft, padBottom, padRight;
  bool depthwise = false;
  bool bias = false;
  bool relu = false;
  bool accumulate = false;
  bool addend = false; // a residual tensor added (with the bias)
  // Extra floats at the end of every input and output row, so that the
  // kernels are checked to honour strides and to stay inside each row.
  int64_t rowPadding = 0;

  int64_t outH() const {
    return (height + padTop + padBottom - (kernelH - 1) * dilationH - 1) /
               strideH +
           1;
  }
  int64_t outW() const {
    return (width + padLeft + padRight - (kernelW - 1) * dilationW - 1) /
               strideW +
           1;
  }
  int64_t outChannels() const { return depthwise ? channels : filters; }
};

std::vector<float> randomValues(size_t count, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float &v : values)
    v = dist(rng);
  return values;
}

LowrankMemRefF32x4 describe4(float *data, const int64_t (&sizes)[4],
                             const int64_t (&strides)[4]) {
  LowrankMemRefF32x4 d{data, data, 0, {}, {}};
  for (int i = 0; i < 4; ++i) {
    d.sizes[i] = sizes[i];
    d.strides[i] = strides[i];
  }
  return d;
}

/// Runs the case twice (the second call reuses the packed weights) and
/// compares both with a double-precision loop.
void checkCase(const ConvCase &c) {
  SCOPED_TRACE(testing::Message()
               << "N=" << c.batch << " C=" << c.channels << " H=" << c.height
               << " W=" << c.width << " F=" << c.filters << " k=" << c.kernelH
               << "x" << c.kernelW << " s=" << c.strideH << "," << c.strideW
               << " d=" << c.dilationH << "," << c.dilationW
               << " pads=" << c.padTop << "," << c.padLeft << "," << c.padBottom
               << "," << c.padRight << " depthwise=" << c.depthwise << " bias="
               << c.bias << " relu=" << c.relu << " acc=" << c.accumulate
               << " addend=" << c.addend << " rowPadding=" << c.rowPadding
               << " threads=" << lowrank_cpu_get_num_threads());
  std::mt19937 rng(c.channels * 131 + c.height * 17 + c.kernelH);
  const int64_t oh = c.outH(), ow = c.outW(), f = c.outChannels();
  const int64_t inRow = c.width + c.rowPadding, outRow = ow + c.rowPadding;
  std::vector<float> input =
      randomValues(c.batch * c.channels * c.height * inRow, rng);
  int64_t perFilter = (c.depthwise ? 1 : c.channels) * c.kernelH * c.kernelW;
  std::vector<float> weights = randomValues(f * perFilter, rng);
  std::vector<float> bias = randomValues(f, rng);
  std::vector<float> initial = randomValues(c.batch * f * oh * outRow, rng);
  std::vector<float> residual = randomValues(c.batch * f * oh * outRow, rng);

  std::vector<double> expected(c.batch * f * oh * ow);
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t m = 0; m < f; ++m)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x) {
          double sum =
              c.accumulate ? initial[((n * f + m) * oh + y) * outRow + x] : 0.0;
          if (c.bias)
            sum += bias[m];
          if (c.addend)
            sum += residual[((n * f + m) * oh + y) * outRow + x];
          int64_t c0 = c.depthwise ? m : 0;
          int64_t c1 = c.depthwise ? m + 1 : c.channels;
          for (int64_t ch = c0; ch < c1; ++ch)
            for (int64_t kh = 0; kh < c.kernelH; ++kh)
              for (int64_t kw = 0; kw < c.kernelW; ++kw) {
                int64_t ih = y * c.strideH + kh * c.dilationH - c.padTop;
                int64_t iw = x * c.strideW + kw * c.dilationW - c.padLeft;
                if (ih < 0 || ih >= c.height || iw < 0 || iw >= c.width)
                  continue;
                int64_t wc = c.depthwise ? 0 : ch;
                sum +=
                    double(weights[((m * (c.depthwise ? 1 : c.channels) + wc) *
                                        c.kernelH +
                                    kh) *
                                       c.kernelW +
                                   kw]) *
                    input[((n * c.channels + ch) * c.height + ih) * inRow + iw];
              }
          if (c.relu && sum < 0.0)
            sum = 0.0;
          expected[((n * f + m) * oh + y) * ow + x] = sum;
        }

  int64_t slot = 0;
  for (int call = 0; call < 2; ++call) {
    std::vector<float> output = initial;
    LowrankMemRefF32x4 in =
        describe4(input.data(), {c.batch, c.channels, c.height, c.width},
                  {c.channels * c.height * inRow, c.height * inRow, inRow, 1});
    LowrankMemRefF32x4 out =
        describe4(output.data(), {c.batch, f, oh, ow},
                  {f * oh * outRow, oh * outRow, outRow, 1});
    LowrankMemRefF32x1 biasRef{bias.data(), bias.data(), 0, {f}, {1}};
    LowrankMemRefI64x1 slotRef{&slot, &slot, 0, {1}, {1}};
    int64_t flags = (c.accumulate ? 0 : LOWRANK_GEMM_OVERWRITE) |
                    (c.relu ? LOWRANK_GEMM_RELU : 0);
    if (c.depthwise) {
      LowrankMemRefF32x3 w{weights.data(),
                           weights.data(),
                           0,
                           {f, c.kernelH, c.kernelW},
                           {c.kernelH * c.kernelW, c.kernelW, 1}};
      if (c.bias)
        _mlir_ciface_lowrank_depthwise_conv2d_bias_f32(
            &in, &w, &biasRef, &out, c.strideH, c.strideW, c.dilationH,
            c.dilationW, c.padTop, c.padLeft, flags);
      else
        _mlir_ciface_lowrank_depthwise_conv2d_f32(
            &in, &w, &out, c.strideH, c.strideW, c.dilationH, c.dilationW,
            c.padTop, c.padLeft, flags);
    } else {
      LowrankMemRefF32x4 w =
          describe4(weights.data(), {f, c.channels, c.kernelH, c.kernelW},
                    {perFilter, c.kernelH * c.kernelW, c.kernelW, 1});
      flags |= LOWRANK_CONV_CONSTANT_WEIGHTS;
      LowrankMemRefF32x4 add =
          describe4(residual.data(), {c.batch, f, oh, ow},
                    {f * oh * outRow, oh * outRow, outRow, 1});
      if (c.addend)
        _mlir_ciface_lowrank_conv2d_bias_add_f32(
            &in, &w, &biasRef, &add, &out, &slotRef, c.strideH, c.strideW,
            c.dilationH, c.dilationW, c.padTop, c.padLeft, flags);
      else if (c.bias)
        _mlir_ciface_lowrank_conv2d_bias_f32(
            &in, &w, &biasRef, &out, &slotRef, c.strideH, c.strideW,
            c.dilationH, c.dilationW, c.padTop, c.padLeft, flags);
      else
        _mlir_ciface_lowrank_conv2d_f32(&in, &w, &out, &slotRef, c.strideH,
                                        c.strideW, c.dilationH, c.dilationW,
                                        c.padTop, c.padLeft, flags);
    }
    double scale = std::sqrt(double(perFilter)) + 1.0;
    for (int64_t i = 0; i < c.batch * f * oh; ++i) {
      for (int64_t x = 0; x < ow; ++x)
        ASSERT_NEAR(output[i * outRow + x], expected[i * ow + x],
                    kTolerance * scale)
            << "row " << i << " column " << x << " call " << call;
      // The row padding is never written.
      for (int64_t x = ow; x < outRow; ++x)
        ASSERT_EQ(output[i * outRow + x], initial[i * outRow + x]);
    }
  }
}

std::vector<ConvCase> getCases() {
  std::vector<ConvCase> cases = {
      // ResNet-like 3x3 and 1x1, panels that straddle output rows.
      {1, 16, 14, 14, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
      {1, 8, 9, 9, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
      // Stride 2, a 7x7 stem with three-pixel padding, dilation, asymmetric
      // and zero padding, non-square images.
      {1, 6, 17, 15, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
      {1, 3, 23, 23, 16, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3},
      {2, 5, 12, 10, 7, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},
      {1, 4, 11, 13, 9, 2, 3, 1, 2, 1, 1, 0, 1, 1, 0},
      {1, 4, 6, 40, 3, 3, 1, 3, 1, 1, 3, 0, 2, 2, 0},
      // A 1x1 convolution to one pixel (a squeeze-and-excitation block's),
      // which runs as a product.
      {2, 40, 1, 1, 37, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
      // More filters than one register block, more depth than one K block.
      {1, 40, 8, 8, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
      // A 7x7 image (one pixel block part empty) with a part-filled filter
      // panel; an image whose gathered pixels take several groups.
      {1, 32, 7, 7, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
      {1, 64, 30, 34, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
      // Depthwise: 3x3 and 5x5, strides 1 and 2, dilation, odd pads.
      {1, 7, 13, 11, 0, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true},
      {2, 5, 15, 16, 0, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, true},
      {1, 3, 9, 20, 0, 3, 3, 2, 1, 2, 1, 0, 1, 2, 1, true},
      {1, 4, 7, 7, 0, 5, 3, 1, 3, 1, 1, 2, 1, 2, 1, true},
      // A narrow input (channels interleaved in blocks of 16): a full block
      // and a partial one, strides and dilation.
      {1, 20, 12, 9, 0, 3, 3, 2, 1, 2, 2, 2, 1, 1, 2, true},
  };
  std::vector<ConvCase> all;
  for (const ConvCase &base : cases)
    for (int variant = 0; variant < 6; ++variant) {
      ConvCase c = base;
      c.bias = variant & 1 || variant >= 4;
      c.relu = variant & 2 || variant == 4;
      c.accumulate = variant == 1 || variant == 2 || variant == 5;
      c.rowPadding = variant == 3 || variant == 5 ? 5 : 0;
      // Residual additions exist for full convolutions with a bias.
      c.addend = variant >= 4;
      if (c.addend && c.depthwise)
        continue;
      all.push_back(c);
    }
  return all;
}

TEST(ConvTest, MatchesNaiveLoopOnOneThread) {
  lowrank_cpu_set_num_threads(1);
  for (const ConvCase &c : getCases())
    checkCase(c);
  lowrank_cpu_set_num_threads(0);
}

TEST(ConvTest, MatchesNaiveLoopOnTwoThreads) {
  lowrank_cpu_set_num_threads(2);
  for (const ConvCase &c : getCases())
    checkCase(c);
  lowrank_cpu_set_num_threads(0);
}

TEST(ConvTest, EachLayoutMatchesNaiveLoop) {
  using lowrank::runtime::ConvLayout;
  for (ConvLayout layout : {ConvLayout::FilterRows, ConvLayout::PixelRows}) {
    SCOPED_TRACE(layout == ConvLayout::FilterRows ? "filter rows"
                                                  : "pixel rows");
    lowrank::runtime::setConvLayoutOverride(layout);
    for (int threads : {1, 2}) {
      lowrank_cpu_set_num_threads(threads);
      for (const ConvCase &c : getCases())
        if (!c.depthwise)
          checkCase(c);
    }
  }
  lowrank::runtime::setConvLayoutOverride(ConvLayout::Automatic);
  lowrank_cpu_set_num_threads(0);
}

TEST(ConvTest, ReluKeepsNaN) {
  // One NaN input reaches every output of a 1x1 convolution of one channel.
  std::vector<float> input = {std::numeric_limits<float>::quiet_NaN(), -1.0f};
  std::vector<float> weights = {1.0f};
  std::vector<float> output(2, 0.0f);
  LowrankMemRefF32x4 in = describe4(input.data(), {1, 1, 1, 2}, {2, 2, 2, 1});
  LowrankMemRefF32x4 w = describe4(weights.data(), {1, 1, 1, 1}, {1, 1, 1, 1});
  LowrankMemRefF32x4 out = describe4(output.data(), {1, 1, 1, 2}, {2, 2, 2, 1});
  int64_t slot = 0;
  LowrankMemRefI64x1 slotRef{&slot, &slot, 0, {1}, {1}};
  _mlir_ciface_lowrank_conv2d_f32(&in, &w, &out, &slotRef, 1, 1, 1, 1, 0, 0,
                                  LOWRANK_GEMM_OVERWRITE | LOWRANK_GEMM_RELU);
  EXPECT_TRUE(std::isnan(output[0]));
  EXPECT_EQ(output[1], 0.0f);
  LowrankMemRefF32x3 dw{
      weights.data(), weights.data(), 0, {1, 1, 1}, {1, 1, 1}};
  output.assign(2, 0.0f);
  _mlir_ciface_lowrank_depthwise_conv2d_f32(&in, &dw, &out, 1, 1, 1, 1, 0, 0,
                                            LOWRANK_GEMM_OVERWRITE |
                                                LOWRANK_GEMM_RELU);
  EXPECT_TRUE(std::isnan(output[0]));
  EXPECT_EQ(output[1], 0.0f);
}

} // namespace
