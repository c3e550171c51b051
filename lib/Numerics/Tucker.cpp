//===- Tucker.cpp - Tucker-2 decomposition of convolution weights ---------===//

#include "lowrank/Numerics/Tucker.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/SVD.h"

#include <cblas.h>

#include <cmath>

using namespace llvm;

namespace lowrank::numerics {

int64_t getTucker2Params(const ConvWeightShape &s, int64_t outRank,
                         int64_t inRank) {
  return s.inChannels * inRank + outRank * inRank * s.kernelSize +
         s.outChannels * outRank;
}

double getTucker2ParityFraction(const ConvWeightShape &s) {
  // f I^2 + f^2 O I K + f O^2 = O I K with r_out = f O and r_in = f I.
  double o = s.outChannels, i = s.inChannels, k = s.kernelSize;
  double a = o * i * k, b = i * i + o * o;
  return (-b + std::sqrt(b * b + 4 * a * a)) / (2 * a);
}

/// T [A, B, K] as its mode-1 unfolding B x (A K).
static MatrixF unfoldMode1(const MatrixF &t, int64_t a, int64_t b, int64_t k) {
  MatrixF out(b, a * k);
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      for (int64_t x = 0; x < k; ++x)
        out(j, i * k + x) = t(i, j * k + x);
  return out;
}

/// T [A, B, K] x_1 U^T with U (B x r): [A, r, K].
static MatrixF projectMode1(const MatrixF &t, int64_t a, int64_t b, int64_t k,
                            const MatrixF &u) {
  int64_t r = u.cols();
  MatrixF out(a, r * k);
  for (int64_t i = 0; i < a; ++i)
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, k, b, 1.0f,
                u.data(), r, t.data() + i * t.cols(), k, 0.0f,
                out.data() + i * out.cols(), k);
  return out;
}

/// T [A, B, K] x_0 U^T with U (A x r): [r, B, K].
static MatrixF projectMode0(const MatrixF &t, const MatrixF &u) {
  MatrixF out(u.cols(), t.cols());
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, u.cols(), t.cols(),
              t.rows(), 1.0f, u.data(), u.cols(), t.data(), t.cols(), 0.0f,
              out.data(), out.cols());
  return out;
}

static Expected<MatrixF> leadingLeftVectors(const MatrixF &m, int64_t r) {
  auto svd = computeThinSVD(m, SVDPrecision::Float64);
  if (!svd)
    return svd.takeError();
  MatrixF u(m.rows(), r);
  for (int64_t i = 0; i < m.rows(); ++i)
    for (int64_t j = 0; j < r; ++j)
      u(i, j) = svd->U(i, j);
  return u;
}

MatrixF reconstructTucker2(const Tucker2Result &t, const ConvWeightShape &s) {
  // core x_1 U_in: [r_out, C_in, K], then x_0 U_out: [C_out, C_in, K].
  int64_t rOut = t.outFactor.cols(), rIn = t.inFactor.cols(), k = s.kernelSize;
  MatrixF expandedIn(rOut, s.inChannels * k);
  for (int64_t o = 0; o < rOut; ++o)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.inChannels, k, rIn,
                1.0f, t.inFactor.data(), rIn, t.core.data() + o * t.core.cols(),
                k, 0.0f, expandedIn.data() + o * expandedIn.cols(), k);
  return multiply(t.outFactor, expandedIn);
}

Expected<Tucker2Result> computeTucker2(const MatrixF &w,
                                       const ConvWeightShape &s,
                                       int64_t outRank, int64_t inRank,
                                       int hooiIterations) {
  int64_t o = s.outChannels, i = s.inChannels, k = s.kernelSize;
  if (w.rows() != o || w.cols() != i * k)
    return createStringError("weight is %lldx%lld, expected %lldx%lld",
                             (long long)w.rows(), (long long)w.cols(),
                             (long long)o, (long long)(i * k));
  if (outRank < 1 || outRank > std::min(o, i * k) || inRank < 1 ||
      inRank > std::min(i, o * k))
    return createStringError(
        "Tucker-2 ranks (%lld, %lld) outside [1, %lld] x [1, %lld]",
        (long long)outRank, (long long)inRank, (long long)std::min(o, i * k),
        (long long)std::min(i, o * k));
  if (Error err = checkFinite(w))
    return std::move(err);

  Tucker2Result result;
  auto uOut = leadingLeftVectors(w, outRank);
  if (!uOut)
    return uOut.takeError();
  auto uIn = leadingLeftVectors(unfoldMode1(w, o, i, k), inRank);
  if (!uIn)
    return uIn.takeError();
  result.outFactor = std::move(*uOut);
  result.inFactor = std::move(*uIn);

  for (int iter = 0; iter < hooiIterations; ++iter) {
    auto nextOut =
        leadingLeftVectors(projectMode1(w, o, i, k, result.inFactor), outRank);
    if (!nextOut)
      return nextOut.takeError();
    result.outFactor = std::move(*nextOut);
    MatrixF reduced = projectMode0(w, result.outFactor); // [r_out, C_in, K]
    auto nextIn =
        leadingLeftVectors(unfoldMode1(reduced, outRank, i, k), inRank);
    if (!nextIn)
      return nextIn.takeError();
    result.inFactor = std::move(*nextIn);
    result.hooiIterations = iter + 1;
  }
  result.core = projectMode1(projectMode0(w, result.outFactor), outRank, i, k,
                             result.inFactor);
  double norm = frobeniusNorm(w);
  result.relativeError =
      norm == 0 ? 0
                : frobeniusDistance(reconstructTucker2(result, s), w) / norm;
  return result;
}

} // namespace lowrank::numerics
