//===- Tucker.cpp - Tucker-2 decomposition of convolution weights ---------===//

#include "lowrank/Numerics/Tucker.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/SVD.h"

#include <cblas.h>

#include <cmath>
#include <limits>

using namespace llvm;

namespace lowrank::numerics {

int64_t getTucker2Params(const ConvWeightShape &s, int64_t outRank,
                         int64_t inRank) {
  int64_t params = outRank * inRank * s.kernelSize;
  if (inRank < s.inChannels)
    params += s.inChannels * inRank;
  if (outRank < s.outChannels)
    params += s.outChannels * outRank;
  return params;
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

Expected<Tucker2Candidate> getTucker2Candidate(const MatrixF &w,
                                               const ConvWeightShape &s) {
  Tucker2Candidate candidate{s, {}, {}};
  auto out = computeSingularValues(w);
  if (!out)
    return out.takeError();
  auto in = computeSingularValues(
      unfoldMode1(w, s.outChannels, s.inChannels, s.kernelSize));
  if (!in)
    return in.takeError();
  candidate.outSpectrum = std::move(*out);
  candidate.inSpectrum = std::move(*in);
  return candidate;
}

/// sum_{i >= r} s_i^2.
static double tailEnergy(const std::vector<double> &s, int64_t r) {
  double tail = 0;
  for (size_t i = std::max<int64_t>(r, 0); i < s.size(); ++i)
    tail += s[i] * s[i];
  return tail;
}

std::vector<std::pair<int64_t, int64_t>>
allocateTucker2Ranks(const std::vector<Tucker2Candidate> &candidates,
                     double budget, int64_t multiple) {
  std::vector<std::pair<int64_t, int64_t>> ranks;
  double used = 0;
  for (const Tucker2Candidate &c : candidates) {
    int64_t maxOut = static_cast<int64_t>(c.outSpectrum.size());
    int64_t maxIn = static_cast<int64_t>(c.inSpectrum.size());
    ranks.push_back({std::min(multiple, maxOut), std::min(multiple, maxIn)});
    used += getTucker2Params(c.shape, ranks.back().first, ranks.back().second);
  }
  while (true) {
    double bestGain = 0;
    int64_t bestIndex = -1;
    bool bestIsOut = false;
    int64_t bestRank = 0;
    double bestCost = 0;
    for (size_t i = 0; i < candidates.size(); ++i) {
      const Tucker2Candidate &c = candidates[i];
      auto [rOut, rIn] = ranks[i];
      int64_t dense = c.shape.outChannels * c.shape.inChannels * c.shape.kernelSize;
      for (bool isOut : {true, false}) {
        const std::vector<double> &spectrum =
            isOut ? c.outSpectrum : c.inSpectrum;
        int64_t current = isOut ? rOut : rIn;
        int64_t next = std::min<int64_t>(current + multiple, spectrum.size());
        if (next == current)
          continue;
        int64_t params = isOut ? getTucker2Params(c.shape, next, rIn)
                               : getTucker2Params(c.shape, rOut, next);
        double cost = params - getTucker2Params(c.shape, rOut, rIn);
        if (params >= dense || used + cost > budget)
          continue;
        // Reaching a full rank can cost nothing or free parameters (its
        // factor folds into the core): such a step goes first.
        double reduction =
            tailEnergy(spectrum, current) - tailEnergy(spectrum, next);
        double gain = cost <= 0 ? std::numeric_limits<double>::infinity()
                                : reduction / cost;
        if (gain > bestGain) {
          bestGain = gain;
          bestIndex = static_cast<int64_t>(i);
          bestIsOut = isOut;
          bestRank = next;
          bestCost = cost;
        }
      }
    }
    if (bestIndex < 0)
      return ranks;
    (bestIsOut ? ranks[bestIndex].first : ranks[bestIndex].second) = bestRank;
    used += bestCost;
  }
}

MatrixF foldTucker2Factors(const Tucker2Result &t, const ConvWeightShape &s,
                           bool foldOut, bool foldIn) {
  // core x_1 U_in: [r_out, C_in, K], then x_0 U_out: [C_out, ., K].
  int64_t rOut = t.outFactor.cols(), rIn = t.inFactor.cols(), k = s.kernelSize;
  MatrixF folded = t.core;
  if (foldIn) {
    MatrixF expandedIn(rOut, s.inChannels * k);
    for (int64_t o = 0; o < rOut; ++o)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.inChannels, k,
                  rIn, 1.0f, t.inFactor.data(), rIn,
                  t.core.data() + o * t.core.cols(), k, 0.0f,
                  expandedIn.data() + o * expandedIn.cols(), k);
    folded = std::move(expandedIn);
  }
  return foldOut ? multiply(t.outFactor, folded) : folded;
}

MatrixF reconstructTucker2(const Tucker2Result &t, const ConvWeightShape &s) {
  return foldTucker2Factors(t, s, /*foldOut=*/true, /*foldIn=*/true);
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
