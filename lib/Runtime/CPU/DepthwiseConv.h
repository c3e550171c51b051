//===- DepthwiseConv.h - Depthwise 2-D convolution --------------*- C++ -*-===//

#ifndef LOWRANK_RUNTIME_CPU_DEPTHWISECONV_H
#define LOWRANK_RUNTIME_CPU_DEPTHWISECONV_H

#include "ConvImages.h"

#include <cstdint>

namespace lowrank::runtime {

/// out[n, c, oh, ow] (+)= bias[c] + sum_{kh, kw} w[c, kh, kw] *
///   (input of channel c at tap (kh, kw) of (oh, ow)), as ConvImages
/// describes, with one KH x KW filter per channel.
struct DepthwiseConvProblem : ConvImages {
  int64_t kernelH, kernelW;
  const float *weights;
  int64_t weightStrides[3];
};

/// Runs the channel planes on the thread pool when `parallel`: each plane is
/// copied into a zero-bordered scratch buffer, and every output row is
/// accumulated tap by tap along the row (contiguous, so vectorized); inputs
/// narrower than a vector go by blocks of 16 channels interleaved pixel by
/// pixel instead.
void depthwiseConv2d(const DepthwiseConvProblem &problem, bool parallel);

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_DEPTHWISECONV_H
