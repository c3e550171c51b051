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
// Small images (the 7 x 7 and 14 x 14 layers of a ResNet) waste much of an
// NR-wide pixel panel and leave too few panels to share, and filter counts
// (64, 128, ...) are multiples of NR but not of MR. So the product can also
// be transposed: out^T (pixels x F) = col^T . W^T, with MR-pixel blocks of
// the column matrix gathered as the A panels and the weights packed once
// as NR-filter B panels; the product goes to a block of scratch that the
// epilogue writes transposed into the output. A cost model picks the layout
// and the split between threads per convolution: the transposed one for
// ResNet-18's 3 x 3 convolutions at 28 x 28 and smaller (1.15 to 1.7 times
// as fast), the direct one at 56 x 56 and where the depth is too small to
// pay for the transposition (most 1 x 1 convolutions).
//
//===----------------------------------------------------------------------===//

#include "Conv.h"
#include "ConvGather.h"
#include "Gemm.h"
#include "MicroKernels.h"
#include "Packing.h"
#include "ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <cmath>
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
thread_local Scratch transposedResultScratch;

const KernelFamily &getKernels() {
  static const KernelFamily &family = selectHostKernels();
  return family;
}

std::atomic<ConvLayout> layoutOverride{ConvLayout::Automatic};

/// Weights packed in a caller's slot; the header checks that the slot is
/// used for one shape and layout only.
struct PackedConvWeights {
  int64_t filters, depth, width;
  ConvLayout layout;
  float *panels;
};

/// The offset of each row k = (c, kh, kw) of the weights' depth in a
/// filter.
std::vector<int64_t> getTapOffsets(const ConvProblem &g) {
  int64_t taps = g.kernelH * g.kernelW;
  std::vector<int64_t> offsets(g.channels * taps);
  for (int64_t k = 0; k < static_cast<int64_t>(offsets.size()); ++k) {
    int64_t c = k / taps, kh = k % taps / g.kernelW, kw = k % g.kernelW;
    offsets[k] = c * g.weightStrides[1] + kh * g.weightStrides[2] +
                 kw * g.weightStrides[3];
  }
  return offsets;
}

/// Packs the weights as a filters x depth matrix A: for each KC block, the
/// micro-panels of mr filters (zero past the last), `kc` steps of mr values.
/// Block `pc` starts at packed + pc * paddedFilters, its panel of filter
/// `row` at + row * kc.
void packWeightsAsRows(const ConvProblem &g, int mr, float *packed) {
  std::vector<int64_t> offsets = getTapOffsets(g);
  int64_t depth = static_cast<int64_t>(offsets.size());
  int64_t paddedFilters = (g.filters + mr - 1) / mr * mr;
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

/// Packs the weights as a depth x filters matrix B: the micro-panels of nr
/// filters (zero past the last), panel `p` at packed + p * depth * nr, row
/// k of it at + k * nr.
void packWeightsAsColumns(const ConvProblem &g, int nr, float *packed) {
  std::vector<int64_t> offsets = getTapOffsets(g);
  int64_t depth = static_cast<int64_t>(offsets.size());
  for (int64_t n0 = 0; n0 < g.filters; n0 += nr) {
    float *panel = packed + n0 * depth;
    for (int64_t k = 0; k < depth; ++k)
      for (int j = 0; j < nr; ++j) {
        int64_t f = n0 + j;
        panel[k * nr + j] = f < g.filters
                                ? g.weights[f * g.weightStrides[0] + offsets[k]]
                                : 0.0f;
      }
  }
}

/// The packed weights: kept in the problem's slot (packed on first use), or
/// packed into this thread's scratch on every call without one.
const float *getPackedWeights(const ConvProblem &g, const KernelFamily &f,
                              ConvLayout layout) {
  int64_t depth = g.channels * g.kernelH * g.kernelW;
  int width = layout == ConvLayout::FilterRows ? f.mr : f.nr;
  int64_t size = (g.filters + width - 1) / width * width * depth;
  auto pack = [&](float *packed) {
    if (layout == ConvLayout::FilterRows)
      packWeightsAsRows(g, width, packed);
    else
      packWeightsAsColumns(g, width, packed);
  };
  if (!g.packedSlot) {
    float *packed = weightScratch.get(size);
    if (packed)
      pack(packed);
    return packed;
  }
  auto *existing = reinterpret_cast<PackedConvWeights *>(
      __atomic_load_n(g.packedSlot, __ATOMIC_ACQUIRE));
  if (existing && existing->filters == g.filters && existing->depth == depth &&
      existing->width == width && existing->layout == layout)
    return existing->panels;
  float *panels = allocateFloats(size);
  if (!panels)
    return nullptr;
  pack(panels);
  auto *weights =
      new PackedConvWeights{g.filters, depth, width, layout, panels};
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

/// One image of the problem and how its work is shared. `rowBlocks` counts
/// the MR-row blocks of the micro-kernels' A operand and `numPanels` the
/// NR-column panels of B: filters and pixels in the FilterRows layout,
/// pixels and filters in the PixelRows one.
struct ConvJob {
  const ConvProblem *problem;
  const KernelFamily *family;
  ConvLayout layout;
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

/// Gathers blocks of `width` consecutive output pixels of the column
/// matrix, whole (all of the depth), for one task; the plan's buffers are
/// kept from block to block.
class PixelBlockGatherer {
public:
  PixelBlockGatherer(const ConvJob &job, int width)
      : job(job), width(width),
        segments(job.problem->kernelH * job.problem->kernelW * width) {
    runs.reserve(width);
  }

  /// Blocks [b0, b1), block b at dest + (b - b0) * depth * width.
  void gather(int64_t b0, int64_t b1, float *dest) {
    const ConvProblem &g = *job.problem;
    const int64_t pixels = g.outH * g.outW;
    ColumnPanel panel{job.image,
                      g.inputStrides[1],
                      g.strideW * g.inputStrides[3],
                      segments.data(),
                      g.kernelH * g.kernelW,
                      0,
                      width};
    for (int64_t b = b0; b < b1; ++b) {
      int64_t q0 = b * width;
      panel.segmentsPerTap =
          planPanel(job, q0, std::min<int64_t>(width, pixels - q0), runs,
                    segments.data());
      job.gather(panel, 0, job.depth, dest + (b - b0) * job.depth * width);
    }
  }

private:
  const ConvJob &job;
  int width;
  std::vector<ColumnSegment> segments;
  std::vector<OutputRun> runs;
};

/// Stops the process when a task's scratch could not be allocated.
void checkScratch(const float *scratch) {
  if (!scratch) {
    std::fputs("lowrank runtime: out of memory in a convolution\n", stderr);
    std::abort();
  }
}

/// The FilterRows layout: filter rows [m0, m1) (multiples of MR) at pixel
/// panels [p0, p1).
void computeFilterRows(const ConvJob &job, int64_t m0, int64_t m1, int64_t p0,
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
  checkScratch(group);
  PixelBlockGatherer gatherer(job, f.nr);
  for (int64_t g0 = p0; g0 < p1; g0 += groupPanels) {
    int64_t g1 = std::min(p1, g0 + groupPanels);
    gatherer.gather(g0, g1, group);
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

/// Writes the product of pixels [q0, q1) and filters [f0, f1), row q - q0
/// of `result` at result + (q - q0) * ldResult, transposed into the output,
/// with the epilogue: what was there (when accumulating), the bias, the
/// addend and the ReLU.
void writeTransposed(const ConvJob &job, int64_t q0, int64_t q1, int64_t f0,
                     int64_t f1, const float *result, int64_t ldResult) {
  const ConvProblem &g = *job.problem;
  // Tiles of 32 pixels by 16 filters: the 32 rows of `result` a tile reads
  // stay in L1 while its 16 filters are written.
  constexpr int64_t kTilePixels = 32, kTileFilters = 16;
  for (int64_t qt = q0; qt < q1; qt += kTilePixels) {
    const int64_t qe = std::min(q1, qt + kTilePixels);
    for (int64_t ft = f0; ft < f1; ft += kTileFilters)
      for (int64_t filter = ft; filter < std::min(f1, ft + kTileFilters);
           ++filter) {
        float *out = job.out + filter * job.ldc;
        const float *addend =
            job.addend ? job.addend + filter * job.ldAddend : nullptr;
        const float bias = g.bias ? g.bias[filter] : 0.0f;
        const float *column = result + (filter - f0) - q0 * ldResult;
        for (int64_t q = qt; q < qe; ++q) {
          float v = column[q * ldResult];
          if (g.accumulate)
            v += out[q];
          v += bias;
          if (addend)
            v += addend[q];
          out[q] = g.relu && v < 0.0f ? 0.0f : v; // NaN stays NaN
        }
      }
  }
}

/// The PixelRows layout: pixel blocks [b0, b1) (MR pixels each) at filter
/// panels [p0, p1) (NR filters each). Blocks are gathered in groups, whole
/// (all of the depth), of at most kGroupBytes; each KC block of a weight
/// panel is then applied to every block of the group while it is in L1.
void computePixelRows(const ConvJob &job, int64_t b0, int64_t b1, int64_t p0,
                      int64_t p1) {
  const ConvProblem &g = *job.problem;
  const KernelFamily &f = *job.family;
  if (b0 >= b1 || p0 >= p1)
    return;
  const int64_t pixels = g.outH * g.outW;
  const int64_t f0 = p0 * f.nr, f1 = std::min(g.filters, p1 * f.nr);
  const int64_t blockFloats = job.depth * f.mr;
  const int64_t ldResult = f1 - f0;
  // A group's gathered blocks and its product fit in kGroupBytes.
  const int64_t groupBlocks = std::min(
      b1 - b0,
      std::max<int64_t>(
          1, kGroupBytes / ((blockFloats + f.mr * ldResult) * sizeof(float))));
  float *group = columnPanelScratch.get(groupBlocks * blockFloats);
  checkScratch(group);
  float *result = transposedResultScratch.get(groupBlocks * f.mr * ldResult);
  checkScratch(result);
  PixelBlockGatherer gatherer(job, f.mr);
  for (int64_t g0 = b0; g0 < b1; g0 += groupBlocks) {
    int64_t g1 = std::min(b1, g0 + groupBlocks);
    gatherer.gather(g0, g1, group);
    for (int64_t pc = 0; pc < job.depth; pc += kKC) {
      int64_t kc = std::min(kKC, job.depth - pc);
      Epilogue e{pc > 0, nullptr, false};
      for (int64_t p = p0; p < p1; ++p) {
        int64_t n0 = p * f.nr;
        int64_t cols = std::min<int64_t>(f.nr, g.filters - n0);
        const float *weights = job.packedWeights + n0 * job.depth + pc * f.nr;
        for (int64_t b = g0; b < g1; ++b) {
          int64_t rows = std::min<int64_t>(f.mr, pixels - b * f.mr);
          f.kernels[rows](
              kc, group + (b - g0) * blockFloats + pc * f.mr, 0, weights,
              result + (b - g0) * f.mr * ldResult + n0 - f0, ldResult, cols, e);
        }
      }
    }
    writeTransposed(job, g0 * f.mr, std::min(pixels, g1 * f.mr), f0, f1, result,
                    ldResult);
  }
}

void runTask(void *context, int task) {
  const ConvJob &job = *static_cast<const ConvJob *>(context);
  const ConvProblem &g = *job.problem;
  int64_t b0 = 0, b1 = job.rowBlocks, p0 = 0, p1 = job.numPanels;
  if (job.splitRows) {
    b0 = job.rowBlocks * task / job.numTasks;
    b1 = job.rowBlocks * (task + 1) / job.numTasks;
  } else {
    p0 = job.numPanels * task / job.numTasks;
    p1 = job.numPanels * (task + 1) / job.numTasks;
  }
  if (job.layout == ConvLayout::PixelRows)
    return computePixelRows(job, b0, b1, p0, p1);
  int mr = job.family->mr;
  computeFilterRows(job, std::min(g.filters, b0 * mr),
                    std::min(g.filters, b1 * mr), p0, p1);
}

/// A layout and how threads share it.
struct ConvSchedule {
  ConvLayout layout;
  bool splitRows;
  double cost;
};

/// The busiest thread's work in one image, in multiply-adds: the kernels'
/// blocks (partial ones count whole), plus the floats it gathers and the
/// weights it streams (about three and two multiply-adds each: a vector of
/// gathered floats takes a few cycles, a vector FMA 16 multiply-adds in
/// half a cycle), plus the transposed writes of the PixelRows layout (about
/// 32 each: a float at a time). On AVX-512 it picked the faster layout for
/// all but one of 22 convolution shapes of ResNet-18 and MobileNetV3
/// measured (a 1 x 1 convolution of 256 channels at 14 x 14, 6% slower).
ConvSchedule planSchedule(const ConvProblem &g, const KernelFamily &f,
                          ConvLayout layout, bool splitRows, int threads) {
  const int64_t pixels = g.outH * g.outW;
  const int64_t depth = g.channels * g.kernelH * g.kernelW;
  const bool pixelRows = layout == ConvLayout::PixelRows;
  const int64_t rowUnits = pixelRows ? pixels : g.filters;
  const int64_t colUnits = pixelRows ? g.filters : pixels;
  int64_t rowBlocks = (rowUnits + f.mr - 1) / f.mr;
  int64_t panels = (colUnits + f.nr - 1) / f.nr;
  if (splitRows)
    rowBlocks = (rowBlocks + threads - 1) / threads;
  else
    panels = (panels + threads - 1) / threads;
  double rows = static_cast<double>(rowBlocks * f.mr);
  double cols = static_cast<double>(panels * f.nr);
  double gathered = (pixelRows ? rows : cols) * depth;
  double groupBytes =
      (gathered + (pixelRows ? rows * cols : 0.0)) * sizeof(float);
  double groups = std::max(1.0, std::ceil(groupBytes / kGroupBytes));
  double weights = (pixelRows ? cols : rows) * depth * groups;
  double transposed = pixelRows ? rows * cols : 0.0;
  // A gathered row costs about as much whatever its width (a masked load
  // per segment and a store): 3 multiply-adds per float at 32 columns.
  double gatherCost = 96.0 / (pixelRows ? f.mr : f.nr);
  return ConvSchedule{layout, splitRows,
                      rows * cols * depth + gatherCost * gathered +
                          2 * weights + 32 * transposed};
}

/// The cheapest schedule on `threads` threads.
ConvSchedule chooseSchedule(const ConvProblem &g, const KernelFamily &f,
                            int threads) {
  ConvSchedule best =
      planSchedule(g, f, ConvLayout::FilterRows, false, threads);
  for (ConvLayout layout : {ConvLayout::FilterRows, ConvLayout::PixelRows})
    for (bool splitRows : {false, true}) {
      ConvSchedule s = planSchedule(g, f, layout, splitRows, threads);
      if (s.cost < best.cost)
        best = s;
    }
  ConvLayout forced = layoutOverride.load(std::memory_order_relaxed);
  if (forced != ConvLayout::Automatic && forced != best.layout) {
    best = planSchedule(g, f, forced, false, threads);
    ConvSchedule splitRows = planSchedule(g, f, forced, true, threads);
    if (splitRows.cost < best.cost)
      best = splitRows;
  }
  return best;
}

} // namespace

void setConvLayoutOverride(ConvLayout layout) {
  layoutOverride.store(layout, std::memory_order_relaxed);
}

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
  int threads = parallel ? getThreadPool().getNumThreads() : 1;
  if (g.filters * depth * pixels < kMinParallelWork)
    threads = 1;
  ConvSchedule schedule = chooseSchedule(g, f, threads);
  const float *packedWeights =
      depth > 0 ? getPackedWeights(g, f, schedule.layout) : nullptr;
  if (depth > 0 && !packedWeights) {
    std::fputs("lowrank runtime: out of memory packing convolution weights\n",
               stderr);
    std::abort();
  }

  ConvJob job{};
  job.problem = &g;
  job.family = &f;
  job.layout = schedule.layout;
  job.packedWeights = packedWeights;
  job.depth = depth;
  job.paddedFilters = (g.filters + f.mr - 1) / f.mr * f.mr;
  bool pixelRows = schedule.layout == ConvLayout::PixelRows;
  job.rowBlocks = ((pixelRows ? pixels : g.filters) + f.mr - 1) / f.mr;
  job.numPanels = ((pixelRows ? g.filters : pixels) + f.nr - 1) / f.nr;
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
  int gatherWidth = pixelRows ? f.mr : f.nr;
  if ((gatherWidth == 32 || gatherWidth <= 16) &&
      std::strcmp(f.name, "avx512") == 0) {
    int64_t step = g.strideW * g.inputStrides[3];
    if (step == 1)
      job.gather = gatherColumnsAVX512;
    else if (step == 2)
      job.gather = gatherColumnsStride2AVX512;
  }
#endif
  job.splitRows = schedule.splitRows;
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
