//===- QuantizedLowRank.h - W ~ Q + L R (low rank + low bits) -*- C++ -*-===//
//
// CALDERA-style decomposition of a d_in x d_out weight (y = x W) into a
// quantized full matrix Q (int8 or int4, per-output-channel or group-wise
// scales) plus a rank-r correction L R (L d_in x r, R r x d_out, optionally
// int8), fitted by alternating minimization of the output error
//
//   || C^T (W - Q - L R) ||_F,   G = C C^T = sum x x^T,
//
// or of the weight error when no Gram matrix is given (C = I). Starting
// from the best rank-r approximation L R of W, each iteration sets
// Q = quant(W - L R) (LDLQ against G when one is given) and then L R = the best
// rank-r approximation of W - Q under the weighting (SVD of C^T (W - Q),
// un-whitened by C^-T), until the relative improvement falls below the
// tolerance. Only improving iterations are kept, so the error history is
// non-increasing.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_QUANTIZEDLOWRANK_H
#define LOWRANK_NUMERICS_QUANTIZEDLOWRANK_H

#include "lowrank/Numerics/Quantization.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <vector>

namespace lowrank::numerics {

struct QuantizedLowRankOptions {
  /// Bits of Q (2 to 8).
  int bits = 4;
  /// Input rows sharing one scale of Q per column; 0: one scale per column.
  int64_t groupSize = 0;
  /// Rank of L R; 0 gives Q alone.
  int64_t rank = 0;
  /// Bits of L and R; 0 keeps them float32.
  int factorBits = 0;
  int maxIterations = 15;
  /// Stop when the error improves by less than this fraction.
  double tolerance = 1e-4;
  /// Optional d_in x d_in Gram matrix sum x x^T (row-major, float64).
  const double *gram = nullptr;
  /// Round Q error-aware against the Gram (LDLQ) rather than to nearest.
  bool errorAwareRounding = true;
};

struct QuantizedLowRankResult {
  QuantizedMatrix Q;
  /// L and R as used (dequantized when quantized).
  MatrixF L, R;
  /// Set when factorBits != 0.
  std::optional<QuantizedMatrix> quantizedL, quantizedR;
  /// Iterations run (each one Q step and one L R step).
  int iterations = 0;
  /// Relative weighted error ||C^T (W - Q - L R)|| / ||C^T W|| after each
  /// kept iteration; non-increasing.
  std::vector<double> errorHistory;
  /// The relative weighted error of quant(W) alone (round to nearest, same
  /// groups).
  double quantizationOnlyError = 0;
  double relativeError = 0;
  /// Storage of Q, L, R and their scales per weight parameter.
  double bitsPerParameter = 0;
};

/// Bits per parameter of a d_in x d_out weight stored as Q (`bits`, one
/// float32 scale per column and group of `groupSize` rows, or per column when
/// 0) plus rank-r factors (`factorBits` with per-column scales, or float32
/// when 0).
double getQuantizedLowRankBits(int64_t dIn, int64_t dOut, int bits,
                               int64_t rank, int factorBits,
                               int64_t groupSize = 0);

/// ||C^T E||_F with G = C C^T (||E||_F when `gram` is null).
llvm::Expected<double> getWeightedNorm(const MatrixF &e, const double *gram);

/// Fits W ~ Q + L R. Fails on non-finite weights, a rank above
/// min(d_in, d_out), unsupported bit widths or a Gram matrix that is not
/// positive semi-definite.
llvm::Expected<QuantizedLowRankResult>
fitQuantizedLowRank(const MatrixF &w, const QuantizedLowRankOptions &options);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_QUANTIZEDLOWRANK_H
