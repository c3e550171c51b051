//===- Conv.h - Direct 2-D convolution on the GEMM kernels ------*- C++ -*-===//

#ifndef LOWRANK_RUNTIME_CPU_CONV_H
#define LOWRANK_RUNTIME_CPU_CONV_H

#include "ConvImages.h"

#include <cstdint>

namespace lowrank::runtime {

/// out[n, f, oh, ow] (+)= bias[f] + addend[n, f, oh, ow] +
///   sum_{c, kh, kw} w[f, c, kh, kw] * (input at tap (kh, kw) of (oh, ow))
/// as ConvImages describes, with F filters of C x KH x KW.
struct ConvProblem : ConvImages {
  int64_t filters, kernelH, kernelW;
  const float *weights;
  int64_t weightStrides[4];
  // A tensor of the output's shape added before the ReLU, or null.
  const float *addend;
  int64_t addendStrides[4];
  int64_t *packedSlot; // where the constant weights stay packed, or null
};

/// Runs the convolution as a product of the weights (filters x C*KH*KW) and
/// the input's columns, which are gathered panel by panel into the layout of
/// the micro-kernels (no im2col matrix), on the thread pool when `parallel`.
void conv2d(const ConvProblem &problem, bool parallel);

/// Which operand of the micro-kernels the weights are.
enum class ConvLayout {
  Automatic,  // chosen per problem
  FilterRows, // weights are A (MR filters per block), pixels B
  PixelRows,  // pixels are A (MR pixels per block), weights B
};

/// Makes every later convolution use `layout` (tests cover both layouts
/// with it); Automatic restores the choice per problem.
void setConvLayoutOverride(ConvLayout layout);

} // namespace lowrank::runtime

#endif // LOWRANK_RUNTIME_CPU_CONV_H
