//===- GemmBenchmark.cpp - Runtime GEMM kernels vs OpenBLAS sgemm ---------===//
//
// Times lowrank_sgemm (what compiled models call for linalg.matmul with a
// constant weight) against cblas_sgemm in the same process with the same
// number of threads, for the transformer shapes of docs/Benchmarks.md, and
// prints GFLOP/s (and GB/s of weights for M = 1). Each measurement is the
// best of several runs, the two libraries alternating, so that load from
// other processes affects both alike.
//
// Usage: lowrank-gemm-benchmark [threads] [repetitions] [MxKxN,...]
// (the shapes default to M of 1, 32, 128 and 512 times the K x N of
// transformer weights).
//
//===----------------------------------------------------------------------===//

#include "lowrank/Runtime/CPU/Runtime.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {

double seconds(const std::chrono::steady_clock::time_point &start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Best time of one call of `fn`, repeating until about 0.2 s have passed
/// (at least three calls).
template <typename Fn> double bestTime(Fn fn) {
  double best = 1e30, total = 0;
  for (int i = 0; i < 3 || total < 0.2; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    double t = seconds(start);
    best = std::min(best, t);
    total += t;
  }
  return best;
}

/// Read bandwidth of `threads` threads summing disjoint halves of a buffer
/// far larger than the caches, in GB/s (best of five passes): the bound of
/// the M = 1 products, which stream their weights once.
double measureReadBandwidth(int threads) {
  const size_t count = size_t(1) << 26; // 256 MB
  std::vector<float> data(count, 1.0f);
  std::vector<float> sums(threads * 16);
  double best = 1e30;
  for (int pass = 0; pass < 5; ++pass) {
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        const float *p = data.data() + count / threads * t;
        float acc[16] = {};
        for (size_t i = 0; i < count / threads; i += 16)
          for (int j = 0; j < 16; ++j)
            acc[j] += p[i + j];
        for (int j = 0; j < 16; ++j)
          sums[t * 16] += acc[j];
      });
    for (std::thread &worker : workers)
      worker.join();
    best = std::min(best, seconds(start));
  }
  return count * sizeof(float) / best * 1e-9;
}

struct Shape {
  int m, k, n;
};

/// Parses "MxKxN[,MxKxN...]".
bool parseShapes(const char *text, std::vector<Shape> &shapes) {
  const char *p = text;
  while (*p) {
    Shape shape;
    int consumed = 0;
    if (std::sscanf(p, "%dx%dx%d%n", &shape.m, &shape.k, &shape.n, &consumed) !=
            3 ||
        shape.m <= 0 || shape.k <= 0 || shape.n <= 0)
      return false;
    shapes.push_back(shape);
    p += consumed;
    if (*p == ',')
      ++p;
    else if (*p)
      return false;
  }
  return !shapes.empty();
}

} // namespace

int main(int argc, char **argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  int repetitions = argc > 2 ? std::atoi(argv[2]) : 3;
  lowrank_cpu_set_num_threads(threads);
  openblas_set_num_threads(threads);
  std::printf("kernels: %s, threads: %d\n", lowrank_cpu_kernel_name(),
              lowrank_cpu_get_num_threads());
  std::printf("read bandwidth, %d threads: %.1f GB/s\n", threads,
              measureReadBandwidth(threads));
  std::printf("%5s %5s %6s %12s %12s %7s %10s\n", "M", "K", "N", "lowrank GF/s",
              "OpenBLAS GF/s", "ratio", "max|diff|");

  std::vector<Shape> shapes;
  if (argc > 3) {
    if (!parseShapes(argv[3], shapes)) {
      std::fprintf(stderr,
                   "lowrank-gemm-benchmark: shapes must read MxKxN[,MxKxN...] "
                   "with positive sizes, got '%s'\n",
                   argv[3]);
      return 1;
    }
  } else {
    const int kn[][2] = {
        {768, 768}, {768, 3072}, {3072, 768}, {4096, 4096}, {4096, 11008}};
    for (const auto &weight : kn)
      for (int m : {1, 32, 128, 512})
        shapes.push_back({m, weight[0], weight[1]});
  }
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (const Shape &shape : shapes) {
    int m = shape.m, k = shape.k, n = shape.n;
    std::vector<float> b(size_t(k) * n);
    for (float &v : b)
      v = dist(rng);
    {
      std::vector<float> a(size_t(m) * k), c1(size_t(m) * n), c2(size_t(m) * n);
      for (float &v : a)
        v = dist(rng);
      int64_t slot = 0; // the weight stays packed, as in compiled models
      auto ours = [&] {
        lowrank_sgemm(m, n, k, a.data(), k, 1, b.data(), n, 1, c1.data(), n, 1,
                      nullptr, LOWRANK_GEMM_OVERWRITE, &slot);
      };
      auto blas = [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
                    a.data(), k, b.data(), n, 0.0f, c2.data(), n);
      };
      ours();
      blas();
      double tOurs = 1e30, tBlas = 1e30;
      for (int r = 0; r < repetitions; ++r) {
        tOurs = std::min(tOurs, bestTime(ours));
        tBlas = std::min(tBlas, bestTime(blas));
      }
      float diff = 0;
      for (size_t i = 0; i < c1.size(); ++i)
        diff = std::max(diff, std::fabs(c1[i] - c2[i]));
      double flops = 2.0 * m * n * k;
      std::printf("%5d %5d %6d %12.1f %12.1f %7.2f %10.2e", m, k, n,
                  flops / tOurs * 1e-9, flops / tBlas * 1e-9, tBlas / tOurs,
                  diff);
      if (m == 1)
        std::printf("  weights: %.1f GB/s vs %.1f GB/s",
                    4.0 * k * n / tOurs * 1e-9, 4.0 * k * n / tBlas * 1e-9);
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  return 0;
}
