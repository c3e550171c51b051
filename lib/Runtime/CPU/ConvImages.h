//===- ConvImages.h - What the runtime's convolutions share -----*- C++ -*-===//

#ifndef LOWRANK_RUNTIME_CPU_CONVIMAGES_H
#define LOWRANK_RUNTIME_CPU_CONVIMAGES_H

#include <cstdint>

namespace lowrank::runtime {

/// The images, the output, the window and the epilogue of a 2-D
/// convolution: output (n, f, oh, ow) reads input row
/// oh * strideH + kh * dilationH - padTop and column
/// ow * strideW + kw * dilationW - padLeft for filter tap (kh, kw), with
/// positions outside [0, height) x [0, width) read as zero (the padding,
/// on every side). Element strides of the four dims are given for both
/// tensors. The result is added to the output when `accumulate`, else
/// written; the bias of its channel is added, then ReLU when `relu`.
struct ConvImages {
  int64_t batch, channels, height, width;
  const float *input;
  int64_t inputStrides[4];
  int64_t outH, outW;
  float *output;
  int64_t outputStrides[4];
  int64_t strideH, strideW, dilationH, dilationW, padTop, padLeft;
  const float *bias; // one value per output channel, or null
  bool accumulate;
  bool relu;
};

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_CONVIMAGES_H
