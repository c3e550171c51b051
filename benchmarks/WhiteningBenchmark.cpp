//===- WhiteningBenchmark.cpp - Cost and gain of activation-aware SVD -----===//
//
// For BERT-base FFN shapes (768x3072 and 3072x768) at the rank of a 20%
// parameter cut: the time of each step of the whitened factorization
// (Cholesky of the Gram matrix, SVD of L^T W, the triangular solve), of
// basis selection, and of plain SVD, and the relative output error of each
// on the calibration inputs. The weights have a power-law spectrum; the
// inputs are Gaussian with variances decaying like (j+1)^-1 mixed by a
// random matrix. Prints numbers; asserts nothing.
//
// Usage: lowrank-whitening-benchmark [--quick]
//
//===----------------------------------------------------------------------===//

#include "lowrank/Numerics/BasisSelection.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/SVD.h"
#include "lowrank/Numerics/Whitening.h"

#include <cblas.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

using namespace lowrank::numerics;

static double seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// An m x n weight G1 diag(s) G2 with Gaussian G1, G2 and s_i = (i+1)^-0.5.
static MatrixF makeWeight(int64_t m, int64_t n, std::mt19937_64 &gen) {
  std::normal_distribution<float> normal;
  int64_t k = std::min(m, n);
  MatrixF left(m, k), right(k, n), w(m, n);
  for (int64_t i = 0; i < left.size(); ++i)
    left.data()[i] = normal(gen) / std::sqrt(static_cast<float>(m));
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      right(i, j) = normal(gen) * std::pow(i + 1.0f, -0.5f) /
                    std::sqrt(static_cast<float>(n));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
              left.data(), k, right.data(), n, 0.0f, w.data(), n);
  return w;
}

/// X^T X for `samples` rows of correlated K-dimensional inputs.
static MatrixD makeGram(int64_t k, int64_t samples, std::mt19937_64 &gen) {
  std::normal_distribution<double> normal;
  MatrixD mix(k, k), z(samples, k), x(samples, k), gram(k, k);
  for (int64_t i = 0; i < mix.size(); ++i)
    mix.data()[i] = normal(gen) / std::sqrt(static_cast<double>(k));
  for (int64_t i = 0; i < samples; ++i)
    for (int64_t j = 0; j < k; ++j)
      z(i, j) = normal(gen) / (j + 1.0);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, samples, k, k, 1.0,
              z.data(), k, mix.data(), k, 0.0, x.data(), k);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, k, samples, 1.0, x.data(),
              k, 0.0, gram.data(), k);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = i + 1; j < k; ++j)
      gram(i, j) = gram(j, i);
  return gram;
}

int main(int argc, char **argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  struct Shape {
    int64_t m, n;
  };
  std::vector<Shape> shapes =
      quick ? std::vector<Shape>{{192, 768}}
            : std::vector<Shape>{{768, 3072}, {3072, 768}};
  std::printf("%-10s %5s | %8s %8s %8s %8s | %8s %8s | %8s | %8s %8s %8s\n",
              "shape", "rank", "chol_s", "svd_s", "trsm_s", "whiten_s",
              "plain_s", "svd64_s", "basis_s", "err_svd", "err_whit",
              "err_bas");
  for (Shape shape : shapes) {
    std::mt19937_64 gen(shape.m * 31 + shape.n);
    MatrixF w = makeWeight(shape.m, shape.n, gen);
    MatrixD gram = makeGram(shape.m, 4 * shape.m, gen);
    int64_t rank = roundRank(
        static_cast<int64_t>(0.8 * shape.m * shape.n / (shape.m + shape.n)), 8,
        std::min(shape.m, shape.n));

    auto start = std::chrono::steady_clock::now();
    auto chol = computeCholeskyWithJitter(gram);
    double cholTime = seconds(start);
    start = std::chrono::steady_clock::now();
    auto whitened = computeWhitenedSVD(w, *chol);
    double svdTime = seconds(start);
    start = std::chrono::steady_clock::now();
    FactorPair whitenedPair = unwhitenFactors(*whitened, *chol, rank);
    double trsmTime = seconds(start);

    start = std::chrono::steady_clock::now();
    auto plain = computeThinSVD(w, SVDPrecision::Float32);
    double plainTime = seconds(start);
    start = std::chrono::steady_clock::now();
    auto plain64 = computeThinSVD(w, SVDPrecision::Float64);
    double svd64Time = seconds(start);
    start = std::chrono::steady_clock::now();
    auto basis = selectBasis(w, *plain64, gram, rank);
    double basisTime = seconds(start);
    if (!chol || !whitened || !plain || !plain64 || !basis) {
      std::printf("factorization failed\n");
      return 1;
    }
    FactorPair plainPair = splitFactors(*plain, rank);
    double energy = computeSquaredOutputEnergy(w, gram);
    auto relative = [&](const FactorPair &pair) {
      return std::sqrt(computeSquaredOutputError(w, pair.A, pair.B, gram) /
                       energy);
    };
    std::printf("%4lldx%-5lld %5lld | %8.3f %8.3f %8.3f %8.3f | %8.3f %8.3f | "
                "%8.3f | %8.4f %8.4f %8.4f\n",
                (long long)shape.m, (long long)shape.n, (long long)rank,
                cholTime, svdTime, trsmTime, cholTime + svdTime + trsmTime,
                plainTime, svd64Time, svd64Time + basisTime,
                relative(plainPair), relative(whitenedPair),
                relative(basis->factors));
  }
  return 0;
}
