//===- Gemm.cpp - Blocked, packed, threaded SGEMM of the CPU runtime ------===//
//
// BLIS-style loops around the micro-kernels: B is packed whole into NR-wide
// micro-panels (once per call, or once per process for a weight given a
// slot), the K dimension is cut into KC blocks so that a B micro-panel stays
// in L1, and MC x KC blocks of A stay in L2: read in place when A is
// row-major and its rows do not alias in the L1 cache, packed per thread
// otherwise. Threads take contiguous ranges of B panels (columns) or, when
// there are too few columns, of rows.
//
//===----------------------------------------------------------------------===//

#include "Gemm.h"
#include "MicroKernels.h"
#include "Packing.h"
#include "ThreadPool.h"
#include "lowrank/Runtime/CPU/Runtime.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace lowrank::runtime {

namespace {

constexpr int64_t kKC = 256; // B micro-panel: KC * NR floats in L1
constexpr int64_t kMC = 168; // A block: MC * KC floats in L2
// Below this many multiply-adds a wake-up of the workers costs more than it
// saves.
constexpr int64_t kMinParallelWork = 1 << 16;

const KernelFamily &getKernels() {
  static const KernelFamily &family = selectHostKernels();
  return family;
}

thread_local Scratch packedAScratch;
thread_local Scratch packedBScratch;

/// A packed B kept in a caller's slot; the header checks that the slot is
/// used for one shape only.
struct PackedWeight {
  int64_t k, n, nr;
  float *panels;
};

/// Everything a task needs; rows [m0, m1) and panels [p0, p1) per task.
struct GemmJob {
  const GemmProblem *problem;
  const KernelFamily *family;
  const float *packedB; // panel p at packedB + p * K * NR
  bool splitRows;
  int numTasks;
  int64_t numPanels;
};

/// Whether `rows` rows of A, `rowStride` floats apart, spread over the sets
/// of a 64-set L1 cache of 64-byte lines (32 KiB, 8 ways): at most seven
/// on one set. The direct kernels read the rows in place, so rows whose
/// starts alias (rows of 1024 or 4096 floats) would evict each other and the
/// B micro-panel; packing avoids that. Measured on AVX-512 with M = 128:
/// in place is about 10% faster at K = 384, 512, 1280 and 1536 (two to
/// eight sets) and 20% slower at K = 3072 (one set).
bool rowsShareFewCacheSets(int64_t rowStride, int64_t rows) {
  constexpr int kSets = 64, kMaxRowsPerSet = 7;
  int count[kSets] = {};
  for (int64_t i = 0; i < rows; ++i) {
    uint64_t line = static_cast<uint64_t>(i * rowStride) * sizeof(float) / 64;
    if (++count[line % kSets] > kMaxRowsPerSet)
      return false;
  }
  return true;
}

void computeRange(const GemmJob &job, int64_t m0, int64_t m1, int64_t p0,
                  int64_t p1) {
  const GemmProblem &g = *job.problem;
  const KernelFamily &f = *job.family;
  const int mr = f.mr, nr = f.nr;
  if (m0 >= m1 || p0 >= p1)
    return;
  // With few rows every B value is used once: one K block avoids
  // re-reading C.
  int64_t kcMax = (m1 - m0) <= mr ? g.k : kKC;
  int64_t mcMax =
      std::min<int64_t>((kMC + mr - 1) / mr * mr, (m1 - m0 + mr - 1) / mr * mr);
  bool direct = g.csA == 1 &&
                rowsShareFewCacheSets(g.rsA, std::min<int64_t>(mr, m1 - m0));
  float *packedA =
      direct ? nullptr : packedAScratch.get(mcMax * std::min(kcMax, g.k));
  for (int64_t pc = 0; pc < g.k; pc += kcMax) {
    int64_t kc = std::min(kcMax, g.k - pc);
    bool lastK = pc + kc == g.k;
    Epilogue epilogue{pc > 0 || g.accumulate, lastK ? g.bias : nullptr,
                      lastK && g.relu};
    for (int64_t ic = m0; ic < m1; ic += mcMax) {
      int64_t mc = std::min(mcMax, m1 - ic);
      if (!direct)
        packA(g.a + ic * g.rsA + pc * g.csA, g.rsA, g.csA, mc, kc, mr, packedA);
      for (int64_t p = p0; p < p1; ++p) {
        int64_t n0 = p * nr;
        int64_t cols = std::min<int64_t>(nr, g.n - n0);
        const float *panel = job.packedB + p * g.k * nr + pc * nr;
        Epilogue e = epilogue;
        if (e.bias)
          e.bias += n0;
        for (int64_t ir = 0; ir < mc; ir += mr) {
          int64_t rows = std::min<int64_t>(mr, mc - ir);
          float *cBlock = g.c + (ic + ir) * g.rsC + n0;
          if (direct)
            f.directKernels[rows](kc, g.a + (ic + ir) * g.rsA + pc, g.rsA,
                                  panel, cBlock, g.rsC, cols, e);
          else
            f.kernels[rows](kc, packedA + ir * kc, 0, panel, cBlock, g.rsC,
                            cols, e);
        }
      }
    }
  }
}

void runTask(void *context, int task) {
  const GemmJob &job = *static_cast<const GemmJob *>(context);
  const GemmProblem &g = *job.problem;
  if (job.splitRows) {
    // Even rows, not whole micro-kernel blocks: 128 rows go 64 and 64
    // (each four blocks of 14 and one of 8) rather than 70 and 58.
    computeRange(job, g.m * task / job.numTasks,
                 g.m * (task + 1) / job.numTasks, 0, job.numPanels);
  } else {
    int64_t p0 = job.numPanels * task / job.numTasks;
    int64_t p1 = job.numPanels * (task + 1) / job.numTasks;
    computeRange(job, 0, g.m, p0, p1);
  }
}

struct PackJob {
  const GemmProblem *problem;
  int nr;
  float *packed;
  int64_t numPanels;
  int numTasks;
};

void runPackTask(void *context, int task) {
  const PackJob &job = *static_cast<const PackJob *>(context);
  const GemmProblem &g = *job.problem;
  int64_t p0 = job.numPanels * task / job.numTasks;
  int64_t p1 = job.numPanels * (task + 1) / job.numTasks;
  if (p0 >= p1)
    return;
  int64_t n0 = p0 * job.nr, n1 = std::min(g.n, p1 * job.nr);
  packB(g.b + n0 * g.csB, g.rsB, g.csB, g.k, n1 - n0, job.nr,
        job.packed + p0 * g.k * job.nr, g.k * job.nr);
}

/// Packs all of B, on `numTasks` threads.
void packWholeB(const GemmProblem &g, const KernelFamily &f, float *packed,
                int numTasks) {
  int64_t numPanels = (g.n + f.nr - 1) / f.nr;
  PackJob job{&g, f.nr, packed, numPanels,
              static_cast<int>(std::min<int64_t>(numTasks, numPanels))};
  if (job.numTasks > 1)
    getThreadPool().run(job.numTasks, runPackTask, &job);
  else
    runPackTask(&job, 0);
}

/// B packed in the problem's slot, packing it on first use.
const float *getPackedWeight(const GemmProblem &g, const KernelFamily &f,
                             int numTasks) {
  auto *existing = reinterpret_cast<PackedWeight *>(
      __atomic_load_n(g.packedSlot, __ATOMIC_ACQUIRE));
  if (existing && existing->k == g.k && existing->n == g.n &&
      existing->nr == f.nr)
    return existing->panels;
  int64_t numPanels = (g.n + f.nr - 1) / f.nr;
  auto *weight =
      new PackedWeight{g.k, g.n, f.nr, allocateFloats(numPanels * g.k * f.nr)};
  packWholeB(g, f, weight->panels, numTasks);
  int64_t expected = reinterpret_cast<int64_t>(existing);
  if (__atomic_compare_exchange_n(g.packedSlot, &expected,
                                  reinterpret_cast<int64_t>(weight), false,
                                  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return weight->panels; // a mismatched previous entry is leaked on purpose
  // Another thread packed it first.
  freeFloats(weight->panels);
  delete weight;
  return reinterpret_cast<PackedWeight *>(expected)->panels;
}

void gemmEmptyK(const GemmProblem &g) {
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      float &c = g.c[i * g.rsC + j * g.csC];
      float v = g.accumulate ? c : 0.0f;
      if (g.bias)
        v += g.bias[j];
      if (g.relu && v < 0.0f)
        v = 0.0f;
      c = v;
    }
}

/// Both products of a factor pair on rows [m0, m1): the bottleneck rows,
/// then the output rows that read them while they are in cache.
struct PairJob {
  GemmJob first, second;
  int numTasks;
};

void runPairTask(void *context, int task) {
  const PairJob &job = *static_cast<const PairJob *>(context);
  int64_t m = job.first.problem->m;
  int64_t m0 = m * task / job.numTasks, m1 = m * (task + 1) / job.numTasks;
  computeRange(job.first, m0, m1, 0, job.first.numPanels);
  computeRange(job.second, m0, m1, 0, job.second.numPanels);
}

/// Whether `threads` threads share an M x (numPanels * NR) product better
/// by rows than by column panels. By the busiest thread's micro-kernel
/// calls: a few panels that do not divide among the threads (a bottleneck
/// of 136 columns is 5 panels) go by rows. And when each thread's rows fit
/// one micro-kernel call but all rows do not (16 rows of a 14-row kernel),
/// rows spare the short second block and the K blocking that more than one
/// block needs: 16 x 3072 x 768 1.11x, 16 x 768 x 768 1.04x on two
/// threads. Below four rows a thread, panels.
bool splitByRows(int64_t m, int64_t numPanels, int threads, int mr) {
  if (m < 4 * threads)
    return false;
  int64_t rowsPerThread = (m + threads - 1) / threads;
  int64_t byPanels = (numPanels + threads - 1) / threads * ((m + mr - 1) / mr);
  int64_t byRows = (rowsPerThread + mr - 1) / mr * numPanels;
  return byRows < byPanels || (m > mr && rowsPerThread <= mr);
}

/// B packed for one call: in its slot, or in `scratch`.
const float *getPackedB(const GemmProblem &g, const KernelFamily &f,
                        int threads, Scratch &scratch) {
  if (g.packedSlot)
    return getPackedWeight(g, f, threads);
  float *packed = scratch.get((g.n + f.nr - 1) / f.nr * g.k * f.nr);
  packWholeB(g, f, packed, threads);
  return packed;
}

} // namespace

void gemmPair(const GemmProblem &first, const GemmProblem &second,
              bool parallel) {
  const KernelFamily &f = getKernels();
  int threads = parallel ? getThreadPool().getNumThreads() : 1;
  // Each thread takes whole rows of both products: the second must read
  // the rows the first writes, row-major. Four rows a thread are enough to
  // gain (16 rows at R = 136: 1.2-1.5x two calls, which split columns and
  // meet in between); one-token decoding keeps the column split.
  bool fusable = threads > 1 && first.m == second.m && first.n == second.k &&
                 first.k > 0 && first.n > 0 && second.n > 0 && first.csC == 1 &&
                 second.csC == 1 && second.a == first.c && second.csA == 1 &&
                 second.rsA == first.rsC && first.m >= 4 * threads &&
                 first.m * (first.n * first.k + second.n * second.k) >=
                     threads * kMinParallelWork;
  if (!fusable) {
    gemm(first, parallel);
    gemm(second, parallel);
    return;
  }
  thread_local Scratch secondPackedScratch;
  const float *packedFirst = getPackedB(first, f, threads, packedBScratch);
  const float *packedSecond =
      getPackedB(second, f, threads, secondPackedScratch);
  PairJob job{
      {&first, &f, packedFirst, true, threads, (first.n + f.nr - 1) / f.nr},
      {&second, &f, packedSecond, true, threads, (second.n + f.nr - 1) / f.nr},
      threads};
  getThreadPool().run(threads, runPairTask, &job);
}

void gemm(const GemmProblem &problem, bool parallel) {
  GemmProblem g = problem;
  if (g.m <= 0 || g.n <= 0)
    return;
  if (g.k <= 0)
    return gemmEmptyK(g);

  // The kernels store rows of C with unit stride; other layouts go through
  // a dense copy.
  std::vector<float> denseC;
  if (g.csC != 1) {
    denseC.resize(g.m * g.n);
    if (g.accumulate)
      for (int64_t i = 0; i < g.m; ++i)
        for (int64_t j = 0; j < g.n; ++j)
          denseC[i * g.n + j] = g.c[i * g.rsC + j * g.csC];
    g.c = denseC.data();
    g.rsC = g.n;
    g.csC = 1;
  }

  const KernelFamily &f = getKernels();
  int64_t numPanels = (g.n + f.nr - 1) / f.nr;
  int threads = parallel ? getThreadPool().getNumThreads() : 1;
  if (g.m * g.n * g.k < kMinParallelWork)
    threads = 1;

  const float *packedB = getPackedB(g, f, threads, packedBScratch);

  GemmJob job{&g, &f, packedB, false, threads, numPanels};
  if (threads > 1 && splitByRows(g.m, numPanels, threads, f.mr)) {
    job.splitRows = true;
    job.numTasks = threads;
  } else
    job.numTasks = static_cast<int>(std::min<int64_t>(threads, numPanels));
  if (job.numTasks > 1)
    getThreadPool().run(job.numTasks, runTask, &job);
  else
    runTask(&job, 0);

  if (!denseC.empty())
    for (int64_t i = 0; i < problem.m; ++i)
      for (int64_t j = 0; j < problem.n; ++j)
        problem.c[i * problem.rsC + j * problem.csC] =
            denseC[i * problem.n + j];
}

} // namespace lowrank::runtime
