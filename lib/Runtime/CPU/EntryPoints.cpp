//===- EntryPoints.cpp - C entry points of the CPU runtime ----------------===//
//
// What compiled code and C callers see: lowrank_sgemm and the
// `_mlir_ciface_` functions taking MLIR strided memref descriptors.
//
//===----------------------------------------------------------------------===//

#include "Conv.h"
#include "DepthwiseConv.h"
#include "Gemm.h"
#include "MicroKernels.h"
#include "ThreadPool.h"
#include "lowrank/Runtime/CPU/Runtime.h"

#include <algorithm>
#include <vector>

using namespace lowrank::runtime;

extern "C" void lowrank_sgemm(int64_t M, int64_t N, int64_t K, const float *A,
                              int64_t rsA, int64_t csA, const float *B,
                              int64_t rsB, int64_t csB, float *C, int64_t rsC,
                              int64_t csC, const float *bias, int64_t flags,
                              int64_t *packedB) {
  GemmProblem problem{M,
                      N,
                      K,
                      A,
                      rsA,
                      csA,
                      B,
                      rsB,
                      csB,
                      C,
                      rsC,
                      csC,
                      bias,
                      !(flags & LOWRANK_GEMM_OVERWRITE),
                      (flags & LOWRANK_GEMM_RELU) != 0,
                      packedB};
  gemm(problem, /*parallel=*/true);
}

extern "C" const char *lowrank_cpu_kernel_name(void) {
  return selectHostKernels().name;
}

static const float *base(const float *aligned, int64_t offset) {
  return aligned + offset;
}

/// The product C (+)= A * B (+ bias) of descriptors; B kept packed in the
/// slot `packedB` points to, if any.
static GemmProblem getProblem(const LowrankMemRefF32x2 *A,
                              const LowrankMemRefF32x2 *B,
                              const LowrankMemRefF32x2 *C, const float *bias,
                              int64_t *packedB, int64_t flags) {
  return GemmProblem{A->sizes[0],
                     B->sizes[1],
                     A->sizes[1],
                     base(A->aligned, A->offset),
                     A->strides[0],
                     A->strides[1],
                     base(B->aligned, B->offset),
                     B->strides[0],
                     B->strides[1],
                     C->aligned + C->offset,
                     C->strides[0],
                     C->strides[1],
                     bias,
                     !(flags & LOWRANK_GEMM_OVERWRITE),
                     (flags & LOWRANK_GEMM_RELU) != 0,
                     packedB};
}

static int64_t *getSlot(LowrankMemRefI64x1 *slot) {
  return slot->aligned + slot->offset;
}

/// The kernels read a bias contiguously; other strides are gathered into
/// `dense`.
static const float *getContiguous(const LowrankMemRefF32x1 *bias,
                                  std::vector<float> &dense) {
  const float *data = bias->aligned + bias->offset;
  if (bias->strides[0] == 1)
    return data;
  dense.resize(bias->sizes[0]);
  for (int64_t i = 0; i < bias->sizes[0]; ++i)
    dense[i] = data[i * bias->strides[0]];
  return dense.data();
}

extern "C" void _mlir_ciface_lowrank_matmul_f32(LowrankMemRefF32x2 *A,
                                                LowrankMemRefF32x2 *B,
                                                LowrankMemRefF32x2 *C,
                                                int64_t flags) {
  gemm(getProblem(A, B, C, /*bias=*/nullptr, /*packedB=*/nullptr, flags),
       /*parallel=*/true);
}

extern "C" void _mlir_ciface_lowrank_matmul_packed_f32(LowrankMemRefF32x2 *A,
                                                       LowrankMemRefF32x2 *B,
                                                       LowrankMemRefF32x2 *C,
                                                       LowrankMemRefI64x1 *slot,
                                                       int64_t flags) {
  gemm(getProblem(A, B, C, /*bias=*/nullptr, getSlot(slot), flags),
       /*parallel=*/true);
}

extern "C" void _mlir_ciface_lowrank_matmul_packed_bias_f32(
    LowrankMemRefF32x2 *A, LowrankMemRefF32x2 *B, LowrankMemRefF32x2 *C,
    LowrankMemRefF32x1 *bias, LowrankMemRefI64x1 *slot, int64_t flags) {
  std::vector<float> dense;
  gemm(getProblem(A, B, C, getContiguous(bias, dense), getSlot(slot), flags),
       /*parallel=*/true);
}

extern "C" void _mlir_ciface_lowrank_matmul_pair_f32(
    LowrankMemRefF32x2 *X, LowrankMemRefF32x2 *A, LowrankMemRefF32x2 *T,
    LowrankMemRefF32x2 *B, LowrankMemRefF32x2 *Y, LowrankMemRefI64x1 *slotA,
    LowrankMemRefI64x1 *slotB, int64_t flagsA, int64_t flagsB) {
  gemmPair(getProblem(X, A, T, nullptr, getSlot(slotA), flagsA),
           getProblem(T, B, Y, nullptr, getSlot(slotB), flagsB),
           /*parallel=*/true);
}

extern "C" void _mlir_ciface_lowrank_matmul_pair_bias_f32(
    LowrankMemRefF32x2 *X, LowrankMemRefF32x2 *A, LowrankMemRefF32x2 *T,
    LowrankMemRefF32x2 *B, LowrankMemRefF32x2 *Y, LowrankMemRefF32x1 *bias,
    LowrankMemRefI64x1 *slotA, LowrankMemRefI64x1 *slotB, int64_t flagsA,
    int64_t flagsB) {
  std::vector<float> dense;
  const float *biasData = getContiguous(bias, dense);
  gemmPair(getProblem(X, A, T, nullptr, getSlot(slotA), flagsA),
           getProblem(T, B, Y, biasData, getSlot(slotB), flagsB),
           /*parallel=*/true);
}

namespace {
struct BatchJob {
  LowrankMemRefF32x3 *a, *b, *c;
  int64_t flags;
  int64_t batches;
  int numTasks;
};

GemmProblem getBatch(const BatchJob &job, int64_t i) {
  const LowrankMemRefF32x3 &a = *job.a, &b = *job.b, &c = *job.c;
  return GemmProblem{a.sizes[1],
                     b.sizes[2],
                     a.sizes[2],
                     a.aligned + a.offset + i * a.strides[0],
                     a.strides[1],
                     a.strides[2],
                     b.aligned + b.offset + i * b.strides[0],
                     b.strides[1],
                     b.strides[2],
                     c.aligned + c.offset + i * c.strides[0],
                     c.strides[1],
                     c.strides[2],
                     nullptr,
                     !(job.flags & LOWRANK_GEMM_OVERWRITE),
                     (job.flags & LOWRANK_GEMM_RELU) != 0,
                     nullptr};
}

void runBatchTask(void *context, int task) {
  const BatchJob &job = *static_cast<const BatchJob *>(context);
  int64_t first = job.batches * task / job.numTasks;
  int64_t last = job.batches * (task + 1) / job.numTasks;
  for (int64_t i = first; i < last; ++i)
    gemm(getBatch(job, i), /*parallel=*/false);
}
} // namespace

extern "C" void _mlir_ciface_lowrank_batch_matmul_f32(LowrankMemRefF32x3 *A,
                                                      LowrankMemRefF32x3 *B,
                                                      LowrankMemRefF32x3 *C,
                                                      int64_t flags) {
  int64_t batches = A->sizes[0];
  int threads = getThreadPool().getNumThreads();
  // Enough batches: one thread per group of batches; otherwise each product
  // uses all threads.
  if (batches >= threads && threads > 1) {
    BatchJob job{A, B, C, flags, batches, threads};
    getThreadPool().run(threads, runBatchTask, &job);
    return;
  }
  BatchJob job{A, B, C, flags, batches, 1};
  for (int64_t i = 0; i < batches; ++i)
    gemm(getBatch(job, i), /*parallel=*/true);
}

/// The images, window and epilogue of a convolution call; false when the
/// window is not a window (compiled code never passes one).
static bool describeImages(const LowrankMemRefF32x4 *input,
                           LowrankMemRefF32x4 *output, const float *bias,
                           const int64_t (&geometry)[6], int64_t flags,
                           ConvImages &images) {
  images.batch = input->sizes[0];
  images.channels = input->sizes[1];
  images.height = input->sizes[2];
  images.width = input->sizes[3];
  images.input = input->aligned + input->offset;
  images.outH = output->sizes[2];
  images.outW = output->sizes[3];
  images.output = output->aligned + output->offset;
  for (int d = 0; d < 4; ++d) {
    images.inputStrides[d] = input->strides[d];
    images.outputStrides[d] = output->strides[d];
  }
  images.strideH = geometry[0];
  images.strideW = geometry[1];
  images.dilationH = geometry[2];
  images.dilationW = geometry[3];
  images.padTop = geometry[4];
  images.padLeft = geometry[5];
  images.bias = bias;
  images.accumulate = !(flags & LOWRANK_GEMM_OVERWRITE);
  images.relu = (flags & LOWRANK_GEMM_RELU) != 0;
  return output->sizes[0] == images.batch && images.strideH > 0 &&
         images.strideW > 0 && images.dilationH > 0 && images.dilationW > 0;
}

static void runConv2d(const LowrankMemRefF32x4 *input,
                      const LowrankMemRefF32x4 *weights,
                      const LowrankMemRefF32x1 *bias,
                      const LowrankMemRefF32x4 *addend,
                      LowrankMemRefF32x4 *output, LowrankMemRefI64x1 *slot,
                      const int64_t (&geometry)[6], int64_t flags) {
  std::vector<float> dense;
  const float *biasData = bias ? getContiguous(bias, dense) : nullptr;
  if (bias && bias->sizes[0] != weights->sizes[0])
    return;
  ConvProblem problem{};
  if (addend) {
    // Compiled code passes the output's shape; anything else computes
    // nothing.
    for (int d = 0; d < 4; ++d)
      if (addend->sizes[d] != output->sizes[d])
        return;
    problem.addend = addend->aligned + addend->offset;
    for (int d = 0; d < 4; ++d)
      problem.addendStrides[d] = addend->strides[d];
  }
  problem.filters = weights->sizes[0];
  problem.kernelH = weights->sizes[2];
  problem.kernelW = weights->sizes[3];
  problem.weights = weights->aligned + weights->offset;
  for (int d = 0; d < 4; ++d)
    problem.weightStrides[d] = weights->strides[d];
  problem.packedSlot = (flags & LOWRANK_CONV_CONSTANT_WEIGHTS)
                           ? slot->aligned + slot->offset
                           : nullptr;
  // Compiled code passes consistent shapes; anything else computes nothing.
  if (!describeImages(input, output, biasData, geometry, flags, problem) ||
      weights->sizes[1] != problem.channels ||
      output->sizes[1] != problem.filters)
    return;
  conv2d(problem, /*parallel=*/true);
}

extern "C" void _mlir_ciface_lowrank_conv2d_f32(
    LowrankMemRefF32x4 *input, LowrankMemRefF32x4 *weights,
    LowrankMemRefF32x4 *output, LowrankMemRefI64x1 *slot, int64_t strideH,
    int64_t strideW, int64_t dilationH, int64_t dilationW, int64_t padTop,
    int64_t padLeft, int64_t flags) {
  runConv2d(input, weights, /*bias=*/nullptr, /*addend=*/nullptr, output, slot,
            {strideH, strideW, dilationH, dilationW, padTop, padLeft}, flags);
}

extern "C" void _mlir_ciface_lowrank_conv2d_bias_f32(
    LowrankMemRefF32x4 *input, LowrankMemRefF32x4 *weights,
    LowrankMemRefF32x1 *bias, LowrankMemRefF32x4 *output,
    LowrankMemRefI64x1 *slot, int64_t strideH, int64_t strideW,
    int64_t dilationH, int64_t dilationW, int64_t padTop, int64_t padLeft,
    int64_t flags) {
  runConv2d(input, weights, bias, /*addend=*/nullptr, output, slot,
            {strideH, strideW, dilationH, dilationW, padTop, padLeft}, flags);
}

extern "C" void _mlir_ciface_lowrank_conv2d_bias_add_f32(
    LowrankMemRefF32x4 *input, LowrankMemRefF32x4 *weights,
    LowrankMemRefF32x1 *bias, LowrankMemRefF32x4 *addend,
    LowrankMemRefF32x4 *output, LowrankMemRefI64x1 *slot, int64_t strideH,
    int64_t strideW, int64_t dilationH, int64_t dilationW, int64_t padTop,
    int64_t padLeft, int64_t flags) {
  runConv2d(input, weights, bias, addend, output, slot,
            {strideH, strideW, dilationH, dilationW, padTop, padLeft}, flags);
}

static void runDepthwiseConv2d(const LowrankMemRefF32x4 *input,
                               const LowrankMemRefF32x3 *weights,
                               const LowrankMemRefF32x1 *bias,
                               LowrankMemRefF32x4 *output,
                               const int64_t (&geometry)[6], int64_t flags) {
  std::vector<float> dense;
  const float *biasData = bias ? getContiguous(bias, dense) : nullptr;
  if (bias && bias->sizes[0] != weights->sizes[0])
    return;
  DepthwiseConvProblem problem{};
  problem.kernelH = weights->sizes[1];
  problem.kernelW = weights->sizes[2];
  problem.weights = weights->aligned + weights->offset;
  for (int d = 0; d < 3; ++d)
    problem.weightStrides[d] = weights->strides[d];
  // Compiled code passes consistent shapes; anything else computes nothing.
  if (!describeImages(input, output, biasData, geometry, flags, problem) ||
      weights->sizes[0] != problem.channels ||
      output->sizes[1] != problem.channels || problem.kernelH <= 0 ||
      problem.kernelW <= 0)
    return;
  depthwiseConv2d(problem, /*parallel=*/true);
}

extern "C" void _mlir_ciface_lowrank_depthwise_conv2d_f32(
    LowrankMemRefF32x4 *input, LowrankMemRefF32x3 *weights,
    LowrankMemRefF32x4 *output, int64_t strideH, int64_t strideW,
    int64_t dilationH, int64_t dilationW, int64_t padTop, int64_t padLeft,
    int64_t flags) {
  runDepthwiseConv2d(input, weights, /*bias=*/nullptr, output,
                     {strideH, strideW, dilationH, dilationW, padTop, padLeft},
                     flags);
}

extern "C" void _mlir_ciface_lowrank_depthwise_conv2d_bias_f32(
    LowrankMemRefF32x4 *input, LowrankMemRefF32x3 *weights,
    LowrankMemRefF32x1 *bias, LowrankMemRefF32x4 *output, int64_t strideH,
    int64_t strideW, int64_t dilationH, int64_t dilationW, int64_t padTop,
    int64_t padLeft, int64_t flags) {
  runDepthwiseConv2d(input, weights, bias, output,
                     {strideH, strideW, dilationH, dilationW, padTop, padLeft},
                     flags);
}
