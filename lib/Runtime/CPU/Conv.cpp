//===- Conv.cpp - Direct 2-D convolution on the GEMM kernels --------------===//
//
// Per image, out (F x OH*OW) = W (F x C*KH*KW) . col (C*KH*KW x OH*OW), where
// col[(c, kh, kw), (oh, ow)] is the input element the filter tap (kh, kw)
// of channel c sees at output pixel (oh, ow), or zero in the padding. The
// column matrix is never formed: each KC x NR micro-panel of it is gathered
// straight from the input into the B layout of the micro-kernels just
// before they use it (contiguous runs of an input row are copied whole, so
// a 3 x 3 convolution reads its input about nine times from cache instead
// of writing and reading a nine times larger matrix), and the weights are
// packed once into A micro-panels. The bias of each filter and the ReLU are
// applied while a block of C is in registers.
//
// Loop order per thread: K blocks outside (the KC-deep slab of the packed
// weights stays in L2), output pixel panels, filter rows inside (the
// gathered panel stays in L1). Threads share the pixel panels, or the
// filter rows when that balances better (then each gathers the panels it
// needs).
//
//===----------------------------------------------------------------------===//

#include "Conv.h"
#include "ConvGather.h"
#include "Gemm.h"
#include "MicroKernels.h"
#include "Packing.h"
#include "ThreadPool.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace lowrank::runtime {

namespace {

constexpr int64_t kKC = 256;
// The gathered panels applied together: three quarters of a 2 MiB L2, so
// that a thread's two panels of a 512-channel 3 x 3 convolution at 7 x 7
// (590 KB each) form one group and its weights are read once.
constexpr int64_t kGroupBytes = 3 << 19;
// Below this many multiply-adds per image a wake-up of the workers costs
// more than it saves.
constexpr int64_t kMinParallelWork = 1 << 16;

thread_local Scratch columnPanelScratch;
thread_local Scratch weightScratch;

const KernelFamily &getKernels() {
  static const KernelFamily &family = selectHostKernels();
  return family;
}

/// Weights packed in a caller's slot; the header checks that the slot is
/// used for one shape only.
struct PackedConvWeights {
  int64_t filters, depth, mr;
  float *panels;
};

/// Packs the weights as a filters x depth matrix A: for each KC block, the
/// micro-panels of mr filters (zero past the last), `kc` steps of mr values.
/// Block `pc` starts at packed + pc * paddedFilters, its panel of filter
/// `row` at + row * kc.
void packWeights(const ConvProblem &g, int mr, float *packed) {
  int64_t taps = g.kernelH * g.kernelW;
  int64_t depth = g.channels * taps;
  int64_t paddedFilters = (g.filters + mr - 1) / mr * mr;
  std::vector<int64_t> offsets(depth);
  for (int64_t k = 0; k < depth; ++k) {
    int64_t c = k / taps, kh = k % taps / g.kernelW, kw = k % g.kernelW;
    offsets[k] = c * g.weightStrides[1] + kh * g.weightStrides[2] +
                 kw * g.weightStrides[3];
  }
  for (int64_t pc = 0; pc < depth; pc += kKC) {
    int64_t kc = std::min(kKC, depth - pc);
    float *block = packed + pc * paddedFilters;
    for (int64_t row = 0; row < paddedFilters; row += mr) {
      float *panel = block + row * kc;
      for (int64_t kk = 0; kk < kc; ++kk)
        for (int i = 0; i < mr; ++i) {
          int64_t f = row + i;
          panel[kk * mr + i] =
              f < g.filters
                  ? g.weights[f * g.weightStrides[0] + offsets[pc + kk]]
                  : 0.0f;
        }
    }
  }
}

/// The packed weights: kept in the problem's slot (packed on first use), or
/// packed into this thread's scratch on every call without one.
const float *getPackedWeights(const ConvProblem &g, const KernelFamily &f) {
  int64_t depth = g.channels * g.kernelH * g.kernelW;
  int64_t size = (g.filters + f.mr - 1) / f.mr * f.mr * depth;
  if (!g.packedSlot) {
    float *packed = weightScratch.get(size);
    if (packed)
      packWeights(g, f.mr, packed);
    return packed;
  }
  auto *existing = reinterpret_cast<PackedConvWeights *>(
      __atomic_load_n(g.packedSlot, __ATOMIC_ACQUIRE));
  if (existing && existing->filters == g.filters && existing->depth == depth &&
      existing->mr == f.mr)
    return existing->panels;
  float *panels = allocateFloats(size);
  if (!panels)
    return nullptr;
  packWeights(g, f.mr, panels);
  auto *weights = new PackedConvWeights{g.filters, depth, f.mr, panels};
  int64_t expected = reinterpret_cast<int64_t>(existing);
  if (__atomic_compare_exchange_n(g.packedSlot, &expected,
                                  reinterpret_cast<int64_t>(weights), false,
                                  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return panels; // a mismatched previous entry is leaked on purpose
  freeFloats(panels);
  delete weights;
  return reinterpret_cast<PackedConvWeights *>(expected)->panels;
}

/// One filter tap (kh, kw): the input row of output row oh is
/// oh * strideH + rowBase, the input column of output column ow is
/// ow * strideW + colBase, which lies in the input for ow in [owLo, owHi).
struct ConvTap {
  int64_t rowBase, colBase, owLo, owHi;
};

/// One image of the problem and how its work is shared.
struct ConvJob {
  const ConvProblem *problem;
  const KernelFamily *family;
  const float *packedWeights;
  const float *image; // input of this image
  float *out;         // F x OH*OW of this image, pixels contiguous
  int64_t ldc;        // floats between filters in `out`
  const float *addend; // laid out as `out`, or null
  int64_t ldAddend;
  int64_t depth, paddedFilters, numPanels, rowBlocks;
  bool splitRows;
  int numTasks;
  std::vector<ConvTap> taps;
  void (*gather)(const ColumnPanel &, int64_t, int64_t, float *);
};

/// Panel columns [first, first + length) are output row oh, columns
/// [ow, ow + length).
struct OutputRun {
  int64_t first, length, oh, ow;
};

/// Plans the gather of the panel of pixel columns [q0, q0 + cols): per
/// tap, one segment per output row the panel spans (at most nr). Returns
/// the segments per tap.
int planPanel(const ConvJob &job, int64_t q0, int64_t cols,
              std::vector<OutputRun> &runs, ColumnSegment *segments) {
  const ConvProblem &g = *job.problem;
  runs.clear();
  int64_t oh = q0 / g.outW, ow = q0 % g.outW;
  for (int64_t j = 0; j < cols; ++oh, ow = 0) {
    int64_t length = std::min(cols - j, g.outW - ow);
    runs.push_back(OutputRun{j, length, oh, ow});
    j += length;
  }
  const int64_t rowStride = g.inputStrides[2], colStride = g.inputStrides[3];
  ColumnSegment *segment = segments;
  for (const ConvTap &tap : job.taps)
    for (const OutputRun &run : runs) {
      *segment = ColumnSegment{0, 0, 0, 0};
      int64_t ih = run.oh * g.strideH + tap.rowBase;
      // Panel column j is output column j + shift of this row.
      int64_t shift = run.ow - run.first;
      int64_t first = std::max(tap.owLo, run.ow) - shift;
      int64_t last = std::min(tap.owHi, run.ow + run.length) - shift;
      if (ih >= 0 && ih < g.height && first < last) {
        segment->first = first;
        segment->last = last;
        segment->offset =
            ih * rowStride + (shift * g.strideW + tap.colBase) * colStride;
        uint64_t width = static_cast<uint64_t>(last - first);
        segment->lanes =
            (width >= 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1) << first;
      }
      ++segment;
    }
  return static_cast<int>(runs.size());
}

/// Asks for the cache lines of [data, data + count) in L2.
void prefetchToL2(const float *data, int64_t count) {
  constexpr int64_t kFloatsPerLine = 64 / sizeof(float);
  for (int64_t i = 0; i < count; i += kFloatsPerLine)
    __builtin_prefetch(data + i, /*rw=*/0, /*locality=*/2);
}

/// Filter rows [m0, m1) (multiples of MR) at pixel panels [p0, p1).
void computeRange(const ConvJob &job, int64_t m0, int64_t m1, int64_t p0,
                  int64_t p1) {
  const ConvProblem &g = *job.problem;
  const KernelFamily &f = *job.family;
  if (m0 >= m1 || p0 >= p1)
    return;
  const int64_t pixels = g.outH * g.outW;
  // Panels are gathered in groups, whole (all rows of the column matrix),
  // of at most kGroupBytes; then each KC block of the weights is applied
  // to the whole group while it is in L2.
  const int64_t panelFloats = job.depth * f.nr;
  const int64_t groupPanels =
      std::max<int64_t>(1, kGroupBytes / (panelFloats * sizeof(float)));
  float *group =
      columnPanelScratch.get(std::min(groupPanels, p1 - p0) * panelFloats);
  const int64_t numTaps = g.kernelH * g.kernelW;
  std::vector<ColumnSegment> segments(numTaps * f.nr);
  std::vector<OutputRun> runs;
  runs.reserve(f.nr);
  ColumnPanel panel{job.image,
                    g.inputStrides[1],
                    g.strideW * g.inputStrides[3],
                    segments.data(),
                    numTaps,
                    0,
                    f.nr};
  for (int64_t g0 = p0; g0 < p1; g0 += groupPanels) {
    int64_t g1 = std::min(p1, g0 + groupPanels);
    for (int64_t p = g0; p < g1; ++p) {
      int64_t q0 = p * f.nr;
      panel.segmentsPerTap = planPanel(
          job, q0, std::min<int64_t>(f.nr, pixels - q0), runs, segments.data());
      job.gather(panel, 0, job.depth, group + (p - g0) * panelFloats);
    }
    for (int64_t pc = 0; pc < job.depth; pc += kKC) {
      int64_t kc = std::min(kKC, job.depth - pc);
      bool lastK = pc + kc == job.depth;
      const float *block = job.packedWeights + pc * job.paddedFilters;
      // The next block of the weights, fetched into L2 while this one is
      // applied to the group's first panel (with few pixels the weights
      // are most of the memory traffic, and the kernels read them faster
      // than the hardware prefetchers bring them).
      int64_t nextKc = std::min(kKC, job.depth - pc - kc);
      const float *nextBlock = block + kc * job.paddedFilters;
      for (int64_t p = g0; p < g1; ++p) {
        int64_t q0 = p * f.nr;
        int64_t cols = std::min<int64_t>(f.nr, pixels - q0);
        const float *packed = group + (p - g0) * panelFloats + pc * f.nr;
        for (int64_t row = m0; row < m1; row += f.mr) {
          int64_t rows = std::min<int64_t>(f.mr, m1 - row);
          if (p == g0 && nextKc > 0)
            prefetchToL2(nextBlock + row * nextKc, f.mr * nextKc);
          Epilogue e{pc > 0 || g.accumulate, nullptr, lastK && g.relu,
                     lastK && g.bias ? g.bias + row : nullptr};
          if (lastK && job.addend) {
            e.addend = job.addend + row * job.ldAddend + q0;
            e.ldAddend = job.ldAddend;
          }
          f.kernels[rows](kc, block + row * kc, 0, packed,
                          job.out + row * job.ldc + q0, job.ldc, cols, e);
        }
      }
    }
  }
}

void runTask(void *context, int task) {
  const ConvJob &job = *static_cast<const ConvJob *>(context);
  const ConvProblem &g = *job.problem;
  int mr = job.family->mr;
  if (job.splitRows) {
    int64_t b0 = job.rowBlocks * task / job.numTasks;
    int64_t b1 = job.rowBlocks * (task + 1) / job.numTasks;
    computeRange(job, std::min(g.filters, b0 * mr),
                 std::min(g.filters, b1 * mr), 0, job.numPanels);
  } else {
    int64_t p0 = job.numPanels * task / job.numTasks;
    int64_t p1 = job.numPanels * (task + 1) / job.numTasks;
    computeRange(job, 0, g.filters, p0, p1);
  }
}

/// The share of `units` that the busiest of `threads` threads gets.
double busiestShare(int64_t units, int threads) {
  return static_cast<double>((units + threads - 1) / threads) / units;
}

} // namespace

void conv2d(const ConvProblem &g, bool parallel) {
  int64_t pixels = g.outH * g.outW;
  if (g.batch <= 0 || g.filters <= 0 || pixels <= 0)
    return;
  // A 1x1 convolution to a single pixel that reads input pixel (0, 0) (as
  // in squeeze-and-excitation blocks) is a product of the images (batch x
  // C) by the transposed filters: the panels of NR pixels would waste all
  // but one column.
  if (pixels == 1 && g.kernelH == 1 && g.kernelW == 1 && g.padTop == 0 &&
      g.padLeft == 0 && g.height > 0 && g.width > 0 && !g.addend) {
    GemmProblem product{g.batch,     g.filters,          g.channels,
                        g.input,     g.inputStrides[0],  g.inputStrides[1],
                        g.weights,   g.weightStrides[1], g.weightStrides[0],
                        g.output,    g.outputStrides[0], g.outputStrides[1],
                        g.bias,      g.accumulate,       g.relu,
                        g.packedSlot};
    gemm(product, parallel);
    return;
  }
  const KernelFamily &f = getKernels();
  int64_t depth = g.channels * g.kernelH * g.kernelW;
  const float *packedWeights = depth > 0 ? getPackedWeights(g, f) : nullptr;
  if (depth > 0 && !packedWeights) {
    std::fputs("lowrank runtime: out of memory packing convolution weights\n",
               stderr);
    std::abort();
  }

  ConvJob job{};
  job.problem = &g;
  job.family = &f;
  job.packedWeights = packedWeights;
  job.depth = depth;
  job.paddedFilters = (g.filters + f.mr - 1) / f.mr * f.mr;
  job.numPanels = (pixels + f.nr - 1) / f.nr;
  job.rowBlocks = job.paddedFilters / f.mr;
  for (int64_t kh = 0; kh < g.kernelH; ++kh)
    for (int64_t kw = 0; kw < g.kernelW; ++kw) {
      ConvTap tap;
      tap.rowBase = kh * g.dilationH - g.padTop;
      tap.colBase = kw * g.dilationW - g.padLeft;
      tap.owLo =
          tap.colBase >= 0 ? 0 : (-tap.colBase + g.strideW - 1) / g.strideW;
      tap.owHi = g.width - 1 - tap.colBase < 0
                     ? 0
                     : (g.width - 1 - tap.colBase) / g.strideW + 1;
      job.taps.push_back(tap);
    }
  job.gather = gatherColumns;
#if defined(__x86_64__) || defined(__i386__)
  if (f.nr == 32 && std::strcmp(f.name, "avx512") == 0) {
    int64_t step = g.strideW * g.inputStrides[3];
    if (step == 1)
      job.gather = gatherColumnsAVX512;
    else if (step == 2)
      job.gather = gatherColumnsStride2AVX512;
  }
#endif
  int threads = parallel ? getThreadPool().getNumThreads() : 1;
  if (g.filters * depth * pixels < kMinParallelWork)
    threads = 1;
  job.splitRows =
      job.rowBlocks >= threads && busiestShare(job.rowBlocks, threads) <
                                      busiestShare(job.numPanels, threads);
  job.numTasks = static_cast<int>(std::min<int64_t>(
      threads, job.splitRows ? job.rowBlocks : job.numPanels));

  // The kernels write pixels with unit stride and filters `ldc` apart; other
  // output layouts go through a dense copy.
  const int64_t *os = g.outputStrides, *as = g.addendStrides;
  bool denseOut = os[3] == 1 && (g.outH == 1 || os[2] == g.outW);
  bool denseAddend = as[3] == 1 && (g.outH == 1 || as[2] == g.outW);
  std::vector<float> dense(denseOut ? 0 : g.filters * pixels);
  std::vector<float> addend(!g.addend || denseAddend ? 0 : g.filters * pixels);
  for (int64_t n = 0; n < g.batch; ++n) {
    float *out = g.output + n * os[0];
    job.image = g.input + n * g.inputStrides[0];
    job.out = denseOut ? out : dense.data();
    job.ldc = denseOut ? os[1] : pixels;
    job.addend = nullptr;
    if (g.addend && denseAddend) {
      job.addend = g.addend + n * as[0];
      job.ldAddend = as[1];
    } else if (g.addend) {
      for (int64_t filter = 0; filter < g.filters; ++filter)
        for (int64_t q = 0; q < pixels; ++q)
          addend[filter * pixels + q] =
              g.addend[n * as[0] + filter * as[1] + q / g.outW * as[2] +
                       q % g.outW * as[3]];
      job.addend = addend.data();
      job.ldAddend = pixels;
    }
    auto at = [&](int64_t filter, int64_t q) -> float & {
      return out[filter * os[1] + q / g.outW * os[2] + q % g.outW * os[3]];
    };
    if (!denseOut && g.accumulate)
      for (int64_t filter = 0; filter < g.filters; ++filter)
        for (int64_t q = 0; q < pixels; ++q)
          dense[filter * pixels + q] = at(filter, q);
    if (depth == 0) {
      // No taps: the result is the bias (or what was there), then ReLU.
      for (int64_t filter = 0; filter < g.filters; ++filter)
        for (int64_t q = 0; q < pixels; ++q) {
          float &v = job.out[filter * job.ldc + q];
          float sum = (g.accumulate ? v : 0.0f) +
                      (g.bias ? g.bias[filter] : 0) +
                      (job.addend ? job.addend[filter * job.ldAddend + q] : 0);
          v = g.relu && sum < 0.0f ? 0.0f : sum;
        }
    } else if (job.numTasks > 1) {
      getThreadPool().run(job.numTasks, runTask, &job);
    } else {
      runTask(&job, 0);
    }
    if (!denseOut)
      for (int64_t filter = 0; filter < g.filters; ++filter)
        for (int64_t q = 0; q < pixels; ++q)
          at(filter, q) = dense[filter * pixels + q];
  }
}

} // namespace lowrank::runtime
