//===- PairBenchmark.cpp - A factor pair in one call or in two ------------===//
//
// Times the two products of a factorized layer, T = X * A then Y = T * B +
// bias with A and B kept packed, as compiled models call them: one call of
// the pair entry point (each thread computes its rows of T and then the same
// rows of Y) against two calls of the packed product. The two alternate,
// and each number is the median of the rounds' mean times, so that load
// from other processes affects both alike.
//
// Usage: lowrank-pair-benchmark [threads] [rounds] [MxKxRxN,...]
// (the shapes default to all-MiniLM-L6-v2's factorized layers at 128
// tokens: attention 384 -> R -> 384, FFN 384 -> R -> 1536 and 1536 -> R ->
// 384, at the ranks of 20% and 40% fewer parameters).
//
//===----------------------------------------------------------------------===//

#include "lowrank/Runtime/CPU/Runtime.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace {

using Shape = std::array<int64_t, 4>; // M, K, R, N

bool parseShapes(const char *text, std::vector<Shape> &shapes) {
  while (*text) {
    Shape s;
    int consumed = 0;
    if (std::sscanf(text, "%ldx%ldx%ldx%ld%n", &s[0], &s[1], &s[2], &s[3],
                    &consumed) != 4 ||
        s[0] <= 0 || s[1] <= 0 || s[2] <= 0 || s[3] <= 0)
      return false;
    shapes.push_back(s);
    text += consumed;
    if (*text == ',')
      ++text;
    else if (*text)
      return false;
  }
  return !shapes.empty();
}

LowrankMemRefF32x2 describe(std::vector<float> &v, int64_t rows, int64_t cols) {
  return {v.data(), v.data(), 0, {rows, cols}, {cols, 1}};
}

/// Mean seconds per call of `fn` over at least 0.05 s.
template <typename Fn> double meanTime(Fn fn) {
  auto start = std::chrono::steady_clock::now();
  int calls = 0;
  double elapsed = 0;
  do {
    fn();
    ++calls;
    elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
  } while (elapsed < 0.05);
  return elapsed / calls;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 15;
  std::vector<Shape> shapes;
  if (argc > 3 && !parseShapes(argv[3], shapes)) {
    std::fprintf(stderr,
                 "lowrank-pair-benchmark: shapes must be MxKxRxN,...: '%s'\n",
                 argv[3]);
    return 1;
  }
  if (threads <= 0 || rounds <= 0) {
    std::fprintf(stderr, "lowrank-pair-benchmark: threads and rounds must "
                         "be positive\n");
    return 1;
  }
  if (shapes.empty())
    for (int64_t r : {88, 120, 128, 136, 168, 176})
      for (auto [k, n] :
           {std::pair<int64_t, int64_t>{384, 384}, {384, 1536}, {1536, 384}})
        shapes.push_back({128, k, r, n});
  lowrank_cpu_set_num_threads(threads);
  std::printf("threads %d (%s kernels), median of %d rounds\n", threads,
              lowrank_cpu_kernel_name(), rounds);
  std::printf("%-22s %12s %12s %9s %9s %7s\n", "M x K -> R -> N",
              "two calls us", "one call us", "GFLOP/s", "GFLOP/s", "ratio");
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (auto [m, k, r, n] : shapes) {
    auto random = [&](int64_t count) {
      std::vector<float> v(count);
      for (float &x : v)
        x = dist(rng);
      return v;
    };
    std::vector<float> x = random(m * k), a = random(k * r), b = random(r * n),
                       bias = random(n);
    std::vector<float> t(m * r), y(m * n);
    LowrankMemRefF32x2 dx = describe(x, m, k), da = describe(a, k, r),
                       dt = describe(t, m, r), db = describe(b, r, n),
                       dy = describe(y, m, n);
    LowrankMemRefF32x1 dbias{bias.data(), bias.data(), 0, {n}, {1}};
    int64_t slots[4] = {0, 0, 0, 0};
    std::array<LowrankMemRefI64x1, 4> slot;
    for (int i = 0; i < 4; ++i)
      slot[i] = {&slots[i], &slots[i], 0, {1}, {1}};
    auto twoCalls = [&] {
      _mlir_ciface_lowrank_matmul_packed_f32(&dx, &da, &dt, &slot[0],
                                             LOWRANK_GEMM_OVERWRITE);
      _mlir_ciface_lowrank_matmul_packed_bias_f32(
          &dt, &db, &dy, &dbias, &slot[1], LOWRANK_GEMM_OVERWRITE);
    };
    auto oneCall = [&] {
      _mlir_ciface_lowrank_matmul_pair_bias_f32(
          &dx, &da, &dt, &db, &dy, &dbias, &slot[2], &slot[3],
          LOWRANK_GEMM_OVERWRITE, LOWRANK_GEMM_OVERWRITE);
    };
    std::vector<double> two, one;
    for (int round = 0; round < rounds; ++round) {
      two.push_back(meanTime(twoCalls));
      one.push_back(meanTime(oneCall));
    }
    double twoTime = median(two), oneTime = median(one);
    double flops = 2.0 * m * r * (k + n);
    char label[64];
    std::snprintf(label, sizeof(label), "%ldx%ld -> %ld -> %ld", m, k, r, n);
    std::printf("%-22s %12.1f %12.1f %9.1f %9.1f %7.2f\n", label, twoTime * 1e6,
                oneTime * 1e6, flops / twoTime * 1e-9, flops / oneTime * 1e-9,
                twoTime / oneTime);
  }
  return 0;
}
