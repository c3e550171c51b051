/*===- Runtime.h - Matmul kernels called by compiled models -------*- C -*-===*\
|*                                                                            *|
|* The C interface of liblowrank_cpu_runtime: packed, register-blocked,       *|
|* multi-threaded single-precision matrix products. Code compiled by the      *|
|* lowrank-cpu-pipeline calls the `_mlir_ciface_lowrank_*` entry points (the  *|
|* `lowrank-linalg-to-ukernel` pass emits the calls); benchmarks and C users  *|
|* may call `lowrank_sgemm` directly.                                         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef LOWRANK_RUNTIME_CPU_RUNTIME_H
#define LOWRANK_RUNTIME_CPU_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags of the entry points, a bit set. */
enum {
  /* C is overwritten instead of accumulated into (C = A*B, not C += A*B). */
  LOWRANK_GEMM_OVERWRITE = 1,
  /* max(x, 0) on every result element. */
  LOWRANK_GEMM_RELU = 2,
  /* The convolution's weights never change: keep them packed in the slot. */
  LOWRANK_CONV_CONSTANT_WEIGHTS = 4,
};

/* C[m, n] (+)= sum_k A[m, k] * B[k, n] (+ bias[n]) for 0 <= m < M, 0 <= n < N,
 * with element (i, j) of X at X + i * rsX + j * csX. `bias` may be null.
 * `packedB`, when not null, is a slot (initially 0) where the runtime keeps
 * B packed for its kernels across calls: pass one slot per B whose contents
 * never change (a weight), and null otherwise. */
void lowrank_sgemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t rsA,
                   int64_t csA, const float *B, int64_t rsB, int64_t csB,
                   float *C, int64_t rsC, int64_t csC, const float *bias,
                   int64_t flags, int64_t *packedB);

/* Threads used by the kernels: LOWRANK_NUM_THREADS from the environment if
 * set, else the number of online CPUs. Setting n <= 0 restores the default. */
void lowrank_cpu_set_num_threads(int n);
int lowrank_cpu_get_num_threads(void);

/* The outlined body of a loop nest: runs iterations [begin, end) of its
 * outermost parallel dimension on the operands packed in `args`. */
typedef void (*LowrankParallelBody)(void *args, int64_t begin, int64_t end);

/* Runs body(args, begin, end) over [0, extent) cut into one contiguous range
 * per thread; returns when all are done. lowrank-linalg-to-parallel-calls
 * emits the calls. */
void lowrank_parallel_for(LowrankParallelBody body, void *args, int64_t extent);
void _mlir_ciface_lowrank_parallel_for(LowrankParallelBody body, void *args,
                                       int64_t extent);

/* The kernel family chosen for the host: "avx512", "avx2" or "generic". */
const char *lowrank_cpu_kernel_name(void);

/* Strided memref descriptors as MLIR's C interface passes them. */
typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} LowrankMemRefF32x2;
typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[3], strides[3];
} LowrankMemRefF32x3;
typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} LowrankMemRefF32x1;
typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[4], strides[4];
} LowrankMemRefF32x4;
typedef struct {
  int64_t *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} LowrankMemRefI64x1;

/* linalg.matmul: C (MxN) (+)= A (MxK) * B (KxN); transposed operands are
 * views with swapped strides. */
void _mlir_ciface_lowrank_matmul_f32(LowrankMemRefF32x2 *A,
                                     LowrankMemRefF32x2 *B,
                                     LowrankMemRefF32x2 *C, int64_t flags);
/* The same with a constant B, kept packed in `slot` (one i64, initially 0)
 * after the first call. */
void _mlir_ciface_lowrank_matmul_packed_f32(LowrankMemRefF32x2 *A,
                                            LowrankMemRefF32x2 *B,
                                            LowrankMemRefF32x2 *C,
                                            LowrankMemRefI64x1 *slot,
                                            int64_t flags);
/* The same, then C[m, n] += bias[n] (bias with unit stride). */
void _mlir_ciface_lowrank_matmul_packed_bias_f32(
    LowrankMemRefF32x2 *A, LowrankMemRefF32x2 *B, LowrankMemRefF32x2 *C,
    LowrankMemRefF32x1 *bias, LowrankMemRefI64x1 *slot, int64_t flags);
/* A factor pair: T (MxR) (+)= X (MxK) * A (KxR), then Y (MxN) (+)= T * B
 * (RxN), with A and B constant and kept packed in their slots, and each
 * product's own flags. Y's rows are computed from the rows of T just
 * written, on the thread that wrote them. */
void _mlir_ciface_lowrank_matmul_pair_f32(
    LowrankMemRefF32x2 *X, LowrankMemRefF32x2 *A, LowrankMemRefF32x2 *T,
    LowrankMemRefF32x2 *B, LowrankMemRefF32x2 *Y, LowrankMemRefI64x1 *slotA,
    LowrankMemRefI64x1 *slotB, int64_t flagsA, int64_t flagsB);
/* The same, then Y[m, n] += bias[n]. */
void _mlir_ciface_lowrank_matmul_pair_bias_f32(
    LowrankMemRefF32x2 *X, LowrankMemRefF32x2 *A, LowrankMemRefF32x2 *T,
    LowrankMemRefF32x2 *B, LowrankMemRefF32x2 *Y, LowrankMemRefF32x1 *bias,
    LowrankMemRefI64x1 *slotA, LowrankMemRefI64x1 *slotB, int64_t flagsA,
    int64_t flagsB);
/* linalg.batch_matmul: C (BxMxN) (+)= A (BxMxK) * B (BxKxN). */
void _mlir_ciface_lowrank_batch_matmul_f32(LowrankMemRefF32x3 *A,
                                           LowrankMemRefF32x3 *B,
                                           LowrankMemRefF32x3 *C,
                                           int64_t flags);

/* linalg.conv_2d_nchw_fchw with implicit zero padding: output (N x F x OH x
 * OW) (+)= sum over c, kh, kw of weights (F x C x KH x KW) times input
 * (N x C x H x W) at row oh * strideH + kh * dilationH - padTop and column
 * ow * strideW + kw * dilationW - padLeft, reading zero outside the input.
 * With LOWRANK_CONV_CONSTANT_WEIGHTS in `flags` the weights are kept packed
 * in `slot` (one i64, initially 0) after the first call. */
void _mlir_ciface_lowrank_conv2d_f32(LowrankMemRefF32x4 *input,
                                     LowrankMemRefF32x4 *weights,
                                     LowrankMemRefF32x4 *output,
                                     LowrankMemRefI64x1 *slot, int64_t strideH,
                                     int64_t strideW, int64_t dilationH,
                                     int64_t dilationW, int64_t padTop,
                                     int64_t padLeft, int64_t flags);
/* The same, then output[n, f, oh, ow] += bias[f] (before the ReLU). */
void _mlir_ciface_lowrank_conv2d_bias_f32(
    LowrankMemRefF32x4 *input, LowrankMemRefF32x4 *weights,
    LowrankMemRefF32x1 *bias, LowrankMemRefF32x4 *output,
    LowrankMemRefI64x1 *slot, int64_t strideH, int64_t strideW,
    int64_t dilationH, int64_t dilationW, int64_t padTop, int64_t padLeft,
    int64_t flags);

/* The same with `addend` (of the output's shape) added before the ReLU: a
 * residual connection. */
void _mlir_ciface_lowrank_conv2d_bias_add_f32(
    LowrankMemRefF32x4 *input, LowrankMemRefF32x4 *weights,
    LowrankMemRefF32x1 *bias, LowrankMemRefF32x4 *addend,
    LowrankMemRefF32x4 *output, LowrankMemRefI64x1 *slot, int64_t strideH,
    int64_t strideW, int64_t dilationH, int64_t dilationW, int64_t padTop,
    int64_t padLeft, int64_t flags);
/* linalg.depthwise_conv_2d_nchw_chw with implicit zero padding: output
 * (N x C x OH x OW) (+)= sum over kh, kw of weights (C x KH x KW) times the
 * input (N x C x H x W) of the same channel, positions as for
 * lowrank_conv2d_f32. */
void _mlir_ciface_lowrank_depthwise_conv2d_f32(
    LowrankMemRefF32x4 *input, LowrankMemRefF32x3 *weights,
    LowrankMemRefF32x4 *output, int64_t strideH, int64_t strideW,
    int64_t dilationH, int64_t dilationW, int64_t padTop, int64_t padLeft,
    int64_t flags);
/* The same, then output[n, c, oh, ow] += bias[c] (before the ReLU). */
void _mlir_ciface_lowrank_depthwise_conv2d_bias_f32(
    LowrankMemRefF32x4 *input, LowrankMemRefF32x3 *weights,
    LowrankMemRefF32x1 *bias, LowrankMemRefF32x4 *output, int64_t strideH,
    int64_t strideW, int64_t dilationH, int64_t dilationW, int64_t padTop,
    int64_t padLeft, int64_t flags);

/* Heap buffers of compiled models (memref.alloc / memref.dealloc, lowered
 * with MLIR's generic allocation functions): freed blocks are kept per size
 * and reused, so that repeated calls of a model do not fault in fresh
 * pages. Alignments are powers of two. */
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif /* LOWRANK_RUNTIME_CPU_RUNTIME_H */
