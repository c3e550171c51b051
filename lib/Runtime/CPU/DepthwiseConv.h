//===- DepthwiseConv.h - Depthwise 2-D convolution --------------*- C++ -*-===//

#ifndef LOWRANK_RUNTIME_CPU_DEPTHWISECONV_H
#define LOWRANK_RUNTIME_CPU_DEPTHWISECONV_H

#include <cstdint>

namespace lowrank::runtime {

/// out[n, c, oh, ow] (+)= bias[c] + sum_{kh, kw} w[c, kh, kw] *
///   in[n, c, oh * strideH + kh * dilationH - padTop,
///         ow * strideW + kw * dilationW - padLeft]
/// with input elements outside the image read as zero; then ReLU when
/// asked. Element strides of every dim are given for every operand.
struct DepthwiseConvProblem {
  int64_t batch, channels, height, width;
  const float *input;
  int64_t inputStrides[4];
  int64_t kernelH, kernelW;
  const float *weights;
  int64_t weightStrides[3];
  int64_t outH, outW;
  float *output;
  int64_t outputStrides[4];
  int64_t strideH, strideW, dilationH, dilationW, padTop, padLeft;
  const float *bias; // `channels` values, or null
  bool accumulate;
  bool relu;
};

/// Runs the channel planes on the thread pool when `parallel`: each plane is
/// copied into a zero-bordered scratch buffer, and every output row is
/// accumulated tap by tap along the row (contiguous, so vectorized).
void depthwiseConv2d(const DepthwiseConvProblem &problem, bool parallel);

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_DEPTHWISECONV_H
