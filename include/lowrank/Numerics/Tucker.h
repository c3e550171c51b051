//===- Tucker.h - Tucker-2 decomposition of convolution weights -*- C++ -*-===//
//
// A convolution weight W [C_out, C_in, kh, kw] decomposed over its channel
// modes: W ~ core x_0 U_out x_1 U_in with U_out (C_out x r_out) and U_in
// (C_in x r_in) orthonormal and core [r_out, r_in, kh, kw]. The convolution
// becomes a 1x1 convolution by U_in^T (C_in -> r_in), the k x k convolution
// by the core (r_in -> r_out) and a 1x1 convolution by U_out (r_out -> C_out).
// The factors come from a truncated HOSVD (leading left singular vectors of
// the mode-0 and mode-1 unfoldings), refined by HOOI iterations.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_TUCKER_H
#define LOWRANK_NUMERICS_TUCKER_H

#include "lowrank/Numerics/Matrix.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace lowrank::numerics {

/// The shape of a 4-D (or, with kw = 1, 3-D) convolution weight.
struct ConvWeightShape {
  int64_t outChannels = 0;
  int64_t inChannels = 0;
  /// Product of the kernel's spatial sizes.
  int64_t kernelSize = 1;
};

struct Tucker2Result {
  MatrixF outFactor; // C_out x r_out
  MatrixF inFactor;  // C_in x r_in
  /// [r_out, r_in, kernel...] row-major, as rows r_out x (r_in * kernelSize).
  MatrixF core;
  /// ||W - core x_0 U_out x_1 U_in||_F / ||W||_F.
  double relativeError = 0;
  int hooiIterations = 0;
};

/// C_in r_in + r_out r_in k + C_out r_out, without the factor of a mode kept
/// at full rank (r = C): that factor is square and folds into the core.
int64_t getTucker2Params(const ConvWeightShape &shape, int64_t outRank,
                         int64_t inRank);

/// The largest r with getTucker2Params(shape, r', r) below the dense size
/// when both ranks are scaled by the same fraction of their channels:
/// the parity point of the channel-proportional ranks, as a fraction.
double getTucker2ParityFraction(const ConvWeightShape &shape);

/// Decomposes `weight` (C_out x (C_in * kernelSize), row-major as ONNX
/// stores it) at ranks (outRank, inRank).
llvm::Expected<Tucker2Result> computeTucker2(const MatrixF &weight,
                                             const ConvWeightShape &shape,
                                             int64_t outRank, int64_t inRank,
                                             int hooiIterations = 2);

/// A convolution competing for a share of a global parameter budget: its
/// shape and the singular values of its mode-0 and mode-1 unfoldings.
struct Tucker2Candidate {
  ConvWeightShape shape;
  std::vector<double> outSpectrum;
  std::vector<double> inSpectrum;
};

/// The singular values of the mode-0 (C_out x C_in k) and mode-1
/// (C_in x C_out k) unfoldings of `weight`.
llvm::Expected<Tucker2Candidate> getTucker2Candidate(const MatrixF &weight,
                                                     const ConvWeightShape &shape);

/// Ranks (r_out, r_in) per candidate, in multiples of `multiple`, with total
/// Tucker-2 parameters within `budget`: starting from one multiple per mode,
/// greedily adds the step (one mode of one convolution) with the largest
/// decrease of the HOSVD error bound sum_{i >= r_out} s0_i^2 +
/// sum_{i >= r_in} s1_i^2 per added parameter (a step that adds none, to a
/// full rank whose factor folds away, first), never reaching a
/// convolution's dense size.
std::vector<std::pair<int64_t, int64_t>>
allocateTucker2Ranks(const std::vector<Tucker2Candidate> &candidates,
                     double budget, int64_t multiple);

/// The core with the factors of the chosen modes multiplied in: rows
/// C_out (foldOut) or r_out, by (C_in (foldIn) or r_in) * kernelSize.
MatrixF foldTucker2Factors(const Tucker2Result &tucker,
                           const ConvWeightShape &shape, bool foldOut,
                           bool foldIn);

/// The dense weight (C_out x (C_in * kernelSize)) the decomposition stands for.
MatrixF reconstructTucker2(const Tucker2Result &tucker,
                           const ConvWeightShape &shape);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_TUCKER_H
