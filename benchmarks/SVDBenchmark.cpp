//===- SVDBenchmark.cpp - Exact versus randomized SVD on LLM shapes -------===//
//
// Factorization time and error for Llama-2-7B-shaped weights (4096x4096,
// 4096x11008, 11008x4096) at the rank of a 20% parameter cut. The weights
// are synthetic with a power-law spectrum s_i ~ (i+1)^-alpha, the shape
// trained transformer weights show; the optimal error at rank r is known
// from the spectrum (Eckart-Young). The exact SVD is computeThinSVD: at
// these sizes the float64 Gram route (GramSVD.h), gesdd below 512. Prints
// numbers; asserts nothing.
//
// Usage: lowrank-svd-benchmark [--quick] [--alpha A]
//
//===----------------------------------------------------------------------===//

#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/SVD.h"

#include <cblas.h>
#include <lapacke.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

using namespace lowrank::numerics;

/// An m x k (m >= k) matrix with orthonormal columns.
static MatrixF randomOrthonormal(int64_t m, int64_t k, std::mt19937_64 &gen) {
  std::normal_distribution<float> normal;
  MatrixF q(m, k);
  for (int64_t i = 0; i < q.size(); ++i)
    q.data()[i] = normal(gen);
  std::vector<float> tau(k);
  LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, m, k, q.data(), k, tau.data());
  LAPACKE_sorgqr(LAPACK_ROW_MAJOR, m, k, k, q.data(), k, tau.data());
  return q;
}

/// U diag(s) V^T with s_i = (i+1)^-alpha.
static MatrixF makeWeight(int64_t m, int64_t n, double alpha,
                          std::vector<double> &spectrum) {
  std::mt19937_64 gen(m * 7919 + n);
  int64_t k = std::min(m, n);
  MatrixF u = randomOrthonormal(m, k, gen);
  MatrixF v = randomOrthonormal(n, k, gen);
  spectrum.resize(k);
  for (int64_t i = 0; i < k; ++i) {
    spectrum[i] = std::pow(i + 1.0, -alpha);
    float s = static_cast<float>(spectrum[i]);
    for (int64_t r = 0; r < m; ++r)
      u(r, i) *= s;
  }
  MatrixF w(m, n);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f,
              u.data(), k, v.data(), k, 0.0f, w.data(), n);
  return w;
}

static double seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

int main(int argc, char **argv) {
  bool quick = false;
  double alpha = 0.5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      quick = true;
    else if (!std::strcmp(argv[i], "--alpha") && i + 1 < argc)
      alpha = std::atof(argv[++i]);
  }
  std::vector<std::pair<int64_t, int64_t>> shapes = {
      {4096, 4096}, {4096, 11008}, {11008, 4096}};
  if (quick)
    shapes = {{1024, 1024}, {1024, 2752}};

  std::printf("spectrum s_i = (i+1)^-%.2f; rank = 20%% parameter cut\n", alpha);
  std::printf("%-12s %6s | %10s %10s | %10s %10s %10s | %8s\n", "shape", "rank",
              "exact s", "err/opt", "rsvd s", "err/opt", "q", "speedup");
  for (auto [m, n] : shapes) {
    std::vector<double> spectrum;
    MatrixF w = makeWeight(m, n, alpha, spectrum);
    int64_t rank = roundRank(static_cast<int64_t>(0.8 * m * n / (m + n)), 8,
                             std::min(m, n));
    double optimal = getTruncationError(spectrum, rank);

    auto start = std::chrono::steady_clock::now();
    auto exact = computeThinSVD(w);
    double exactTime = seconds(start);
    if (!exact) {
      std::printf("exact SVD failed: %s\n",
                  llvm::toString(exact.takeError()).c_str());
      return 1;
    }
    FactorPair exactPair = splitFactors(*exact, rank);
    double exactError =
        frobeniusDistance(multiply(exactPair.A, exactPair.B), w);

    for (int64_t q : {1, 2, 3}) {
      RandomizedSVDOptions options;
      options.powerIterations = q;
      start = std::chrono::steady_clock::now();
      auto approx = computeRandomizedSVD(w, rank, options);
      double approxTime = seconds(start);
      if (!approx) {
        std::printf("randomized SVD failed: %s\n",
                    llvm::toString(approx.takeError()).c_str());
        return 1;
      }
      FactorPair pair = splitFactors(*approx, rank);
      double approxError = frobeniusDistance(multiply(pair.A, pair.B), w);
      std::printf("%5lldx%-6lld %6lld | %10.2f %10.4f | %10.2f %10.4f %10lld | "
                  "%7.2fx\n",
                  (long long)m, (long long)n, (long long)rank, exactTime,
                  exactError / optimal, approxTime, approxError / optimal,
                  (long long)q, exactTime / approxTime);
    }
  }
  return 0;
}
