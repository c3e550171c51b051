//===- DepthwiseConv.cpp - Depthwise 2-D convolution ----------------------===//
//
// A depthwise convolution does KH * KW multiply-adds per output element, too
// few to gain from the GEMM kernels. Per channel plane: the part of the
// input the windows read is copied into a scratch plane with a zero border
// (the padding), split into strideW phases of columns, so that the loops
// need no bounds tests and every tap reads contiguous floats; the output is
// accumulated tap by tap in a scratch plane (one long vectorized loop per
// tap for unit row strides), then the bias and the ReLU are applied on the
// way out. Inputs narrower than a vector go instead by blocks of 16
// channels interleaved pixel by pixel, one vector per pixel and tap
// (computeChannelBlock). Threads take contiguous ranges of planes or
// blocks.
//
//===----------------------------------------------------------------------===//

#include "DepthwiseConv.h"
#include "Packing.h"
#include "ThreadPool.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace lowrank::runtime {

namespace {

// Below this many multiply-adds a wake-up of the workers costs more than it
// saves.
constexpr int64_t kMinParallelWork = 1 << 15;

// Loops run over whole vectors of this many floats.
constexpr int64_t kVector = 16;

thread_local Scratch planeScratch;
thread_local std::vector<const float *> tapBases;
thread_local std::vector<float> tapWeights;
thread_local std::vector<int64_t> tapOffsetsScratch;

int64_t roundToVectors(int64_t count) {
  return (count + kVector - 1) / kVector * kVector;
}

struct DepthwiseJob {
  const DepthwiseConvProblem *problem;
  // The scratch plane: strideW phases of paddedH rows of `pitch` floats;
  // phase p, row r, column x holds padded input (r, x * strideW + p).
  int64_t paddedH, paddedW, pitch;
  int64_t scratchSize, accSize; // with room for whole vectors
  int64_t numPlanes;            // batch * channels
  // Channels interleaved in blocks of kVector instead of plane by plane.
  bool channelBlocks;
  int64_t numBlocks; // batch * ceil(channels / kVector)
  int numTasks;
};

/// What the taps of one plane compute: acc[r * pitch + j] = sum over taps t
/// of weights[t] * bases[t][r * rowStep + j] for j in [0, length) of each
/// of `rows` rows. Lengths are whole vectors; the scratch buffers have room
/// for the columns past the used ones (rows are written in order, so a
/// row's extra columns are overwritten by the next row).
struct TapLoops {
  const float *const *bases;
  const float *weights;
  int64_t numTaps, rows, rowStep, pitch, length;
};

/// The loops of the kernel, compiled for the widest vectors the host has:
/// one vector of outputs stays in registers while every tap is added.
#if defined(__x86_64__) && defined(__ELF__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void accumulateTaps(const TapLoops &loops, float *acc) {
  for (int64_t r = 0; r < loops.rows; ++r)
    for (int64_t j = 0; j < loops.length; j += kVector) {
      float block[kVector] = {};
      for (int64_t t = 0; t < loops.numTaps; ++t) {
        const float weight = loops.weights[t];
        const float *in = loops.bases[t] + r * loops.rowStep + j;
        for (int l = 0; l < kVector; ++l)
          block[l] += weight * in[l];
      }
      float *out = acc + r * loops.pitch + j;
      for (int l = 0; l < kVector; ++l)
        out[l] = block[l];
    }
}

/// out[j] = (acc[j] + bias (+ out[j])), then ReLU (NaN stays NaN).
void finishRow(const float *acc, float bias, bool accumulate, bool relu,
               int64_t length, float *out) {
  for (int64_t j = 0; j < length; ++j) {
    float v = acc[j] + bias + (accumulate ? out[j] : 0.0f);
    out[j] = relu && v < 0.0f ? 0.0f : v;
  }
}

void computePlane(const DepthwiseJob &job, int64_t plane, float *scratch,
                  float *acc) {
  const DepthwiseConvProblem &g = *job.problem;
  int64_t n = plane / g.channels, c = plane % g.channels;
  const float *in = g.input + n * g.inputStrides[0] + c * g.inputStrides[1];
  float *out = g.output + n * g.outputStrides[0] + c * g.outputStrides[1];
  const float *w = g.weights + c * g.weightStrides[0];
  const int64_t pitch = job.pitch, phaseSize = job.paddedH * pitch;

  // Padded column x = iw + padLeft goes to phase x % strideW, column
  // x / strideW; everything outside the input is zero.
  std::fill(scratch, scratch + job.scratchSize, 0.0f);
  int64_t rowBegin = std::max<int64_t>(0, -g.padTop);
  int64_t rowEnd = std::min(g.height, job.paddedH - g.padTop);
  int64_t colBegin = std::max<int64_t>(0, -g.padLeft);
  int64_t colEnd = std::min(g.width, job.paddedW - g.padLeft);
  for (int64_t ih = rowBegin; ih < rowEnd; ++ih) {
    const float *source = in + ih * g.inputStrides[2];
    float *row = scratch + (ih + g.padTop) * pitch;
    if (g.strideW == 1 && g.inputStrides[3] == 1) {
      std::copy(source + colBegin, source + colEnd, row + colBegin + g.padLeft);
      continue;
    }
    int64_t iw = colBegin;
    if (g.strideW == 2 && g.inputStrides[3] == 1) {
      // Pairs of columns from an even padded column on: one to each phase.
      if ((iw + g.padLeft) % 2 != 0 && iw < colEnd) {
        row[phaseSize + (iw + g.padLeft) / 2] = source[iw];
        ++iw;
      }
      float *even = row + (iw + g.padLeft) / 2, *odd = even + phaseSize;
      int64_t pairs = (colEnd - iw) / 2;
      for (int64_t i = 0; i < pairs; ++i) {
        even[i] = source[iw + 2 * i];
        odd[i] = source[iw + 2 * i + 1];
      }
      iw += 2 * pairs;
    }
    int64_t x = iw + g.padLeft;
    int64_t phase = x % g.strideW, column = x / g.strideW;
    for (; iw < colEnd; ++iw) {
      row[phase * phaseSize + column] = source[iw * g.inputStrides[3]];
      if (++phase == g.strideW) {
        phase = 0;
        ++column;
      }
    }
  }

  // Output (oh, ow) is acc[oh * pitch + ow]; tap (kh, kw) reads phase
  // (kw * dilationW) % strideW at row oh * strideH + kh * dilationH, column
  // ow + (kw * dilationW) / strideW. With strideH = 1 all rows are one flat
  // loop (columns past outW are computed and dropped), else one per row.
  std::vector<const float *> &bases = tapBases;
  std::vector<float> &weights = tapWeights;
  bases.clear();
  weights.clear();
  for (int64_t kh = 0; kh < g.kernelH; ++kh)
    for (int64_t kw = 0; kw < g.kernelW; ++kw) {
      weights.push_back(w[kh * g.weightStrides[1] + kw * g.weightStrides[2]]);
      int64_t column = kw * g.dilationW;
      bases.push_back(scratch + column % g.strideW * phaseSize +
                      kh * g.dilationH * pitch + column / g.strideW);
    }
  TapLoops loops{bases.data(),
                 weights.data(),
                 g.kernelH * g.kernelW,
                 /*rows=*/1,
                 /*rowStep=*/0,
                 pitch,
                 0};
  if (g.strideH == 1) {
    loops.length = roundToVectors((g.outH - 1) * pitch + g.outW);
  } else {
    loops.rows = g.outH;
    loops.rowStep = g.strideH * pitch;
    loops.length = roundToVectors(g.outW);
  }
  accumulateTaps(loops, acc);
  const float bias = g.bias ? g.bias[c] : 0.0f;
  // Unit column strides get a loop of their own, which vectorizes.
  const int64_t step = g.outputStrides[3];
  for (int64_t oh = 0; oh < g.outH; ++oh) {
    float *outRow = out + oh * g.outputStrides[2];
    const float *accRow = acc + oh * pitch;
    if (step == 1)
      finishRow(accRow, bias, g.accumulate, g.relu, g.outW, outRow);
    else
      for (int64_t ow = 0; ow < g.outW; ++ow) {
        float &target = outRow[ow * step];
        float v = accRow[ow] + bias + (g.accumulate ? target : 0.0f);
        // NaN stays NaN, as in max(x, 0).
        target = g.relu && v < 0.0f ? 0.0f : v;
      }
  }
}

/// What one block of kVector channels computes: for every output pixel p =
/// (oh, ow), out[p * kVector + l] = sum over taps t of taps[t * kVector + l]
/// * padded[oh * rowStep + ow * colStep + offsets[t] + l], one vector of
/// channels per pixel and tap.
struct ChannelBlockLoops {
  const float *padded;
  const float *taps;
  const int64_t *offsets;
  int64_t numTaps, outH, outW, rowStep, colStep;
};

/// The loops of the channel-interleaved path, compiled like accumulateTaps.
#if defined(__x86_64__) && defined(__ELF__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void accumulateChannelBlock(const ChannelBlockLoops &loops, float *out) {
  for (int64_t oh = 0; oh < loops.outH; ++oh)
    for (int64_t ow = 0; ow < loops.outW; ++ow) {
      const float *base =
          loops.padded + oh * loops.rowStep + ow * loops.colStep;
      float block[kVector] = {};
      for (int64_t t = 0; t < loops.numTaps; ++t) {
        const float *in = base + loops.offsets[t];
        const float *weight = loops.taps + t * kVector;
        for (int l = 0; l < kVector; ++l)
          block[l] += weight[l] * in[l];
      }
      float *target = out + (oh * loops.outW + ow) * kVector;
      for (int l = 0; l < kVector; ++l)
        target[l] = block[l];
    }
}

/// The scratch of one channel block: the padded input (paddedH x paddedW
/// pixels of kVector channels), the taps' weights and the output pixels.
int64_t getChannelBlockScratchSize(const DepthwiseJob &job) {
  const DepthwiseConvProblem &g = *job.problem;
  int64_t taps = g.kernelH * g.kernelW;
  return (job.paddedH * job.paddedW + taps + g.outH * g.outW) * kVector;
}

/// Channels [c0, c0 + kVector) of image n, interleaved: small maps fill the
/// plane path's vectors badly (a 7-pixel row in a 16-float vector) and pay
/// its per-plane work for few outputs, while here every vector holds 16
/// channels of one pixel.
void computeChannelBlock(const DepthwiseJob &job, int64_t block,
                         float *scratch) {
  const DepthwiseConvProblem &g = *job.problem;
  const int64_t blocksPerImage = (g.channels + kVector - 1) / kVector;
  const int64_t n = block / blocksPerImage;
  const int64_t c0 = block % blocksPerImage * kVector;
  const int count = static_cast<int>(std::min(kVector, g.channels - c0));
  const int64_t numTaps = g.kernelH * g.kernelW;
  float *padded = scratch;
  float *taps = padded + job.paddedH * job.paddedW * kVector;
  float *out = taps + numTaps * kVector;
  std::vector<int64_t> &tapOffsets = tapOffsetsScratch;
  tapOffsets.clear();

  std::fill(padded, out, 0.0f);
  int64_t rowBegin = std::max<int64_t>(0, -g.padTop);
  int64_t rowEnd = std::min(g.height, job.paddedH - g.padTop);
  int64_t colBegin = std::max<int64_t>(0, -g.padLeft);
  int64_t colEnd = std::min(g.width, job.paddedW - g.padLeft);
  for (int l = 0; l < count; ++l) {
    const float *plane =
        g.input + n * g.inputStrides[0] + (c0 + l) * g.inputStrides[1];
    for (int64_t ih = rowBegin; ih < rowEnd; ++ih) {
      const float *row = plane + ih * g.inputStrides[2];
      float *target =
          padded + ((ih + g.padTop) * job.paddedW + g.padLeft) * kVector + l;
      for (int64_t iw = colBegin; iw < colEnd; ++iw)
        target[iw * kVector] = row[iw * g.inputStrides[3]];
    }
    const float *w = g.weights + (c0 + l) * g.weightStrides[0];
    for (int64_t kh = 0; kh < g.kernelH; ++kh)
      for (int64_t kw = 0; kw < g.kernelW; ++kw)
        taps[(kh * g.kernelW + kw) * kVector + l] =
            w[kh * g.weightStrides[1] + kw * g.weightStrides[2]];
  }
  for (int64_t kh = 0; kh < g.kernelH; ++kh)
    for (int64_t kw = 0; kw < g.kernelW; ++kw)
      tapOffsets.push_back((kh * g.dilationH * job.paddedW + kw * g.dilationW) *
                           kVector);
  ChannelBlockLoops loops{padded,
                          taps,
                          tapOffsets.data(),
                          numTaps,
                          g.outH,
                          g.outW,
                          g.strideH * job.paddedW * kVector,
                          g.strideW * kVector};
  accumulateChannelBlock(loops, out);

  for (int l = 0; l < count; ++l) {
    float *plane =
        g.output + n * g.outputStrides[0] + (c0 + l) * g.outputStrides[1];
    const float bias = g.bias ? g.bias[c0 + l] : 0.0f;
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow) {
        float &target =
            plane[oh * g.outputStrides[2] + ow * g.outputStrides[3]];
        float v = out[(oh * g.outW + ow) * kVector + l] + bias +
                  (g.accumulate ? target : 0.0f);
        target = g.relu && v < 0.0f ? 0.0f : v; // NaN stays NaN
      }
  }
}

void runTask(void *context, int task) {
  const DepthwiseJob &job = *static_cast<const DepthwiseJob *>(context);
  if (job.channelBlocks) {
    int64_t b0 = job.numBlocks * task / job.numTasks;
    int64_t b1 = job.numBlocks * (task + 1) / job.numTasks;
    if (b0 >= b1)
      return;
    float *scratch = planeScratch.get(getChannelBlockScratchSize(job));
    if (!scratch) {
      std::fputs("lowrank runtime: out of memory in a depthwise convolution\n",
                 stderr);
      std::abort();
    }
    for (int64_t block = b0; block < b1; ++block)
      computeChannelBlock(job, block, scratch);
    return;
  }
  int64_t p0 = job.numPlanes * task / job.numTasks;
  int64_t p1 = job.numPlanes * (task + 1) / job.numTasks;
  if (p0 >= p1)
    return;
  float *scratch = planeScratch.get(job.scratchSize + job.accSize);
  if (!scratch) {
    std::fputs("lowrank runtime: out of memory in a depthwise convolution\n",
               stderr);
    std::abort();
  }
  float *acc = scratch + job.scratchSize;
  for (int64_t plane = p0; plane < p1; ++plane)
    computePlane(job, plane, scratch, acc);
}

} // namespace

void depthwiseConv2d(const DepthwiseConvProblem &g, bool parallel) {
  if (g.batch <= 0 || g.channels <= 0 || g.outH <= 0 || g.outW <= 0)
    return;
  DepthwiseJob job{};
  job.problem = &g;
  // The extent the windows read, from the padded origin.
  job.paddedH = (g.outH - 1) * g.strideH + (g.kernelH - 1) * g.dilationH + 1;
  job.paddedW = (g.outW - 1) * g.strideW + (g.kernelW - 1) * g.dilationW + 1;
  job.pitch = (job.paddedW + g.strideW - 1) / g.strideW;
  // Rounded-up loops read and write up to one vector past the last used
  // float.
  job.scratchSize = g.strideW * job.paddedH * job.pitch + kVector;
  job.accSize = g.outH * job.pitch + kVector;
  job.numPlanes = g.batch * g.channels;
  job.numBlocks = g.batch * ((g.channels + kVector - 1) / kVector);
  // Measured on MobileNetV3's shapes: channel blocks are 2-3 times as fast
  // on maps narrower than a vector (7 x 7 outputs), on par at 14 x 14, and
  // slower on wider inputs, whose packing costs more than the planes waste.
  // A tall input keeps the planes, whose scratch is 16 times smaller.
  constexpr int64_t kMaxBlockFloats = int64_t(1) << 20;
  job.channelBlocks = g.width < kVector &&
                      job.paddedH <= kMaxBlockFloats / (job.paddedW * kVector);
  int threads = parallel ? getThreadPool().getNumThreads() : 1;
  if (job.numPlanes * g.outH * g.outW * g.kernelH * g.kernelW <
      kMinParallelWork)
    threads = 1;
  job.numTasks = static_cast<int>(std::min<int64_t>(
      threads, job.channelBlocks ? job.numBlocks : job.numPlanes));
  if (job.numTasks > 1)
    getThreadPool().run(job.numTasks, runTask, &job);
  else
    runTask(&job, 0);
}

} // namespace lowrank::runtime
