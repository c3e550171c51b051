//===- EntryPoints.cpp - C entry points of the CPU runtime ----------------===//
//
// What compiled code and C callers see: lowrank_sgemm and the
// `_mlir_ciface_` functions taking MLIR strided memref descriptors.
//
//===----------------------------------------------------------------------===//

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

extern "C" void _mlir_ciface_lowrank_matmul_f32(LowrankMemRefF32x2 *A,
                                                LowrankMemRefF32x2 *B,
                                                LowrankMemRefF32x2 *C,
                                                int64_t flags) {
  lowrank_sgemm(A->sizes[0], B->sizes[1], A->sizes[1],
                base(A->aligned, A->offset), A->strides[0], A->strides[1],
                base(B->aligned, B->offset), B->strides[0], B->strides[1],
                C->aligned + C->offset, C->strides[0], C->strides[1],
                /*bias=*/nullptr, flags, /*packedB=*/nullptr);
}

extern "C" void _mlir_ciface_lowrank_matmul_packed_f32(LowrankMemRefF32x2 *A,
                                                       LowrankMemRefF32x2 *B,
                                                       LowrankMemRefF32x2 *C,
                                                       LowrankMemRefI64x1 *slot,
                                                       int64_t flags) {
  lowrank_sgemm(A->sizes[0], B->sizes[1], A->sizes[1],
                base(A->aligned, A->offset), A->strides[0], A->strides[1],
                base(B->aligned, B->offset), B->strides[0], B->strides[1],
                C->aligned + C->offset, C->strides[0], C->strides[1],
                /*bias=*/nullptr, flags, slot->aligned + slot->offset);
}

extern "C" void _mlir_ciface_lowrank_matmul_packed_bias_f32(
    LowrankMemRefF32x2 *A, LowrankMemRefF32x2 *B, LowrankMemRefF32x2 *C,
    LowrankMemRefF32x1 *bias, LowrankMemRefI64x1 *slot, int64_t flags) {
  // The kernels read the bias contiguously; other strides are gathered.
  std::vector<float> dense;
  const float *biasData = bias->aligned + bias->offset;
  if (bias->strides[0] != 1) {
    dense.resize(bias->sizes[0]);
    for (int64_t i = 0; i < bias->sizes[0]; ++i)
      dense[i] = biasData[i * bias->strides[0]];
    biasData = dense.data();
  }
  lowrank_sgemm(A->sizes[0], B->sizes[1], A->sizes[1],
                base(A->aligned, A->offset), A->strides[0], A->strides[1],
                base(B->aligned, B->offset), B->strides[0], B->strides[1],
                C->aligned + C->offset, C->strides[0], C->strides[1], biasData,
                flags, slot->aligned + slot->offset);
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
