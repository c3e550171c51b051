//===- QuantizedLowRank.cpp - W ~ Q + L R by alternating minimization
//------===//

#include "lowrank/Numerics/QuantizedLowRank.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/SVD.h"

#include <cblas.h>
#include <lapacke.h>

#include <cmath>

using namespace llvm;

namespace lowrank::numerics {

double getQuantizedLowRankBits(int64_t dIn, int64_t dOut, int bits,
                               int64_t rank, int factorBits,
                               int64_t groupSize) {
  int64_t groups = groupSize <= 0 || groupSize >= dIn
                       ? 1
                       : (dIn + groupSize - 1) / groupSize;
  double total = static_cast<double>(bits) * dIn * dOut + 32.0 * groups * dOut;
  if (rank > 0) {
    if (factorBits == 0)
      total += 32.0 * rank * (dIn + dOut);
    else
      total += static_cast<double>(factorBits) * rank * (dIn + dOut) +
               32.0 * (rank + dOut);
  }
  return total / (static_cast<double>(dIn) * dOut);
}

namespace {
/// The lower Cholesky factor C of a Gram matrix G = C C^T, or the identity.
class Whitening {
public:
  static Expected<Whitening> create(const double *gram, int64_t n) {
    Whitening w;
    w.n = n;
    if (!gram)
      return w;
    double meanDiag = 0;
    for (int64_t i = 0; i < n * n; ++i)
      if (!std::isfinite(gram[i]))
        return createStringError("the Gram matrix holds a non-finite value");
    for (int64_t i = 0; i < n; ++i)
      meanDiag += gram[i * n + i] / static_cast<double>(n);
    if (meanDiag <= 0)
      return createStringError("the Gram matrix has no positive diagonal");
    // Singular Grams (dead or collinear inputs) get a growing jitter.
    for (double jitter = 0;;
         jitter = jitter == 0 ? 1e-10 * meanDiag : jitter * 10) {
      std::vector<double> c(gram, gram + n * n);
      for (int64_t i = 0; i < n; ++i)
        c[i * n + i] += jitter;
      lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, c.data(), n);
      if (info == 0) {
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = i + 1; j < n; ++j)
            c[i * n + j] = 0;
        w.factor = std::move(c);
        return w;
      }
      if (info < 0 || jitter > 1e-2 * meanDiag)
        return createStringError(
            "the Gram matrix is not positive semi-definite (LAPACK info %d)",
            (int)info);
    }
  }

  /// C^T e for a row-major n x m matrix, in float64.
  MatrixD whiten(const MatrixF &e) const {
    MatrixD out(e.rows(), e.cols());
    for (int64_t i = 0; i < e.size(); ++i)
      out.data()[i] = e.data()[i];
    if (!factor.empty())
      cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans,
                  CblasNonUnit, n, e.cols(), 1.0, factor.data(), n, out.data(),
                  e.cols());
    return out;
  }

  /// C^-T x in place, x row-major n x k.
  void unwhiten(MatrixD &x) const {
    if (!factor.empty())
      cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans,
                  CblasNonUnit, n, x.cols(), 1.0, factor.data(), n, x.data(),
                  x.cols());
  }

  double norm(const MatrixF &e) const {
    MatrixD white = whiten(e);
    double sum = 0;
    for (int64_t i = 0; i < white.size(); ++i)
      sum += white.data()[i] * white.data()[i];
    return std::sqrt(sum);
  }

private:
  int64_t n = 0;
  std::vector<double> factor; // empty: identity
};
} // namespace

Expected<double> getWeightedNorm(const MatrixF &e, const double *gram) {
  auto whitening = Whitening::create(gram, e.rows());
  if (!whitening)
    return whitening.takeError();
  return whitening->norm(e);
}

static MatrixF subtract(const MatrixF &a, const MatrixF &b) {
  MatrixF c(a.rows(), a.cols());
  for (int64_t i = 0; i < a.size(); ++i)
    c.data()[i] = a.data()[i] - b.data()[i];
  return c;
}

/// The best rank-r approximation of `e` under the weighting, as L (n x r)
/// and R (r x m) with the singular values split evenly.
static Expected<FactorPair> fitLowRank(const MatrixF &e, int64_t rank,
                                       const Whitening &whitening) {
  MatrixD white = whitening.whiten(e);
  MatrixF whiteF(e.rows(), e.cols());
  for (int64_t i = 0; i < e.size(); ++i)
    whiteF.data()[i] = static_cast<float>(white.data()[i]);
  auto svd = computeThinSVD(whiteF, SVDPrecision::Float64);
  if (!svd)
    return svd.takeError();
  FactorPair pair = splitFactors(*svd, rank);
  MatrixD l(e.rows(), rank);
  for (int64_t i = 0; i < l.size(); ++i)
    l.data()[i] = pair.A.data()[i];
  whitening.unwhiten(l);
  for (int64_t i = 0; i < l.size(); ++i)
    pair.A.data()[i] = static_cast<float>(l.data()[i]);
  return pair;
}

Expected<QuantizedLowRankResult>
fitQuantizedLowRank(const MatrixF &w, const QuantizedLowRankOptions &options) {
  if (options.bits < 2 || options.bits > 8)
    return createStringError("unsupported bit width %d (expected 2 to 8)",
                             options.bits);
  if (options.factorBits != 0 &&
      (options.factorBits < 2 || options.factorBits > 8))
    return createStringError("unsupported factor bit width %d",
                             options.factorBits);
  if (options.groupSize < 0)
    return createStringError("negative quantization group size %lld",
                             (long long)options.groupSize);
  if (options.rank < 0 || options.rank > std::min(w.rows(), w.cols()))
    return createStringError("rank %lld outside [0, min(d_in, d_out)]",
                             (long long)options.rank);
  if (Error err = checkFinite(w))
    return std::move(err);
  auto whitening = Whitening::create(options.gram, w.rows());
  if (!whitening)
    return whitening.takeError();

  const double *roundingGram =
      options.errorAwareRounding ? options.gram : nullptr;
  double reference = whitening->norm(w);
  auto relative = [&](const MatrixF &approx) {
    double err = whitening->norm(subtract(w, approx));
    return reference == 0 ? 0.0 : err / reference;
  };

  QuantizedLowRankResult result;
  result.bitsPerParameter =
      getQuantizedLowRankBits(w.rows(), w.cols(), options.bits, options.rank,
                              options.factorBits, options.groupSize);
  result.Q = quantizeToNearest(w, options.bits, options.groupSize);
  result.quantizationOnlyError = relative(result.Q.dequantize());
  result.L = MatrixF(w.rows(), options.rank);
  result.R = MatrixF(options.rank, w.cols());

  // Starting from the best rank-r part of W (rather than L R = 0) leaves Q
  // the residual, whose smaller range quantizes more finely.
  MatrixF lowRank(w.rows(), w.cols()); // L R of the current iterate
  if (options.rank > 0) {
    auto initial = fitLowRank(w, options.rank, *whitening);
    if (!initial)
      return initial.takeError();
    lowRank = multiply(initial->A, initial->B);
  }
  double best = INFINITY;
  for (int iter = 0; iter < options.maxIterations; ++iter) {
    auto q = quantizeErrorAware(subtract(w, lowRank), options.bits,
                                roundingGram, options.groupSize);
    if (!q)
      return q.takeError();
    MatrixF qDense = q->dequantize();
    MatrixF l(w.rows(), options.rank), r(options.rank, w.cols());
    std::optional<QuantizedMatrix> ql, qr;
    if (options.rank > 0) {
      auto pair = fitLowRank(subtract(w, qDense), options.rank, *whitening);
      if (!pair)
        return pair.takeError();
      l = std::move(pair->A);
      r = std::move(pair->B);
      if (options.factorBits != 0) {
        ql = quantizeToNearest(l, options.factorBits);
        l = ql->dequantize();
        qr = quantizeToNearest(r, options.factorBits);
        r = qr->dequantize();
      }
    }
    MatrixF candidateLowRank =
        options.rank > 0 ? multiply(l, r) : MatrixF(w.rows(), w.cols());
    MatrixF approx(w.rows(), w.cols());
    for (int64_t i = 0; i < approx.size(); ++i)
      approx.data()[i] = qDense.data()[i] + candidateLowRank.data()[i];
    double error = relative(approx);
    result.iterations = iter + 1;
    if (!(error < best))
      break; // keep the previous, better iterate
    bool converged =
        best != INFINITY && best - error < options.tolerance * best;
    best = error;
    result.errorHistory.push_back(error);
    result.Q = std::move(*q);
    result.L = std::move(l);
    result.R = std::move(r);
    result.quantizedL = std::move(ql);
    result.quantizedR = std::move(qr);
    lowRank = std::move(candidateLowRank);
    if (converged || options.rank == 0)
      break;
  }
  result.relativeError = best;
  return result;
}

} // namespace lowrank::numerics
