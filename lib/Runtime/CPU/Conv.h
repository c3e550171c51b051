//===- Conv.h - Direct 2-D convolution on the GEMM kernels ------*- C++ -*-===//

#ifndef LOWRANK_RUNTIME_CPU_CONV_H
#define LOWRANK_RUNTIME_CPU_CONV_H

#include <cstdint>

namespace lowrank::runtime {

/// out[n, f, oh, ow] (+)= bias[f] + addend[n, f, oh, ow] +
///   sum_{c, kh, kw} w[f, c, kh, kw] *
///   in[n, c, oh * strideH + kh * dilationH - padTop,
///         ow * strideW + kw * dilationW - padLeft]
/// with input elements outside [0, height) x [0, width) read as zero (the
/// padding, on every side); then ReLU when asked. Element strides of the
/// four dims are given for every operand.
struct ConvProblem {
  int64_t batch, channels, height, width;
  const float *input;
  int64_t inputStrides[4];
  int64_t filters, kernelH, kernelW;
  const float *weights;
  int64_t weightStrides[4];
  int64_t outH, outW;
  float *output;
  int64_t outputStrides[4];
  int64_t strideH, strideW, dilationH, dilationW, padTop, padLeft;
  const float *bias; // `filters` values, or null
  // A tensor of the output's shape added before the ReLU, or null.
  const float *addend;
  int64_t addendStrides[4];
  bool accumulate;
  bool relu;
  int64_t *packedSlot; // where the constant weights stay packed, or null
};

/// Runs the convolution as a product of the weights (filters x C*KH*KW) and
/// the input's columns, which are gathered panel by panel into the layout of
/// the micro-kernels (no im2col matrix), on the thread pool when `parallel`.
void conv2d(const ConvProblem &problem, bool parallel);

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_CONV_H
