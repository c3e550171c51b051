//===- Quantization.h - Symmetric per-channel quantization --*- C++ -*-===//
//
// A d_in x d_out weight (y = x W) has one output channel per column. Each
// column j gets a scale s_j = max_i |W_ij| / qmax with qmax = 2^(bits-1) - 1
// (127 for int8, 7 for int4), and W_ij ~ s_j q_ij with q_ij an integer in
// [-qmax, qmax]: the symmetric form of ONNX DequantizeLinear with a zero
// point of 0. Rounding is to nearest, or error-aware against a Gram matrix
// G = sum x x^T (LDLQ: row by row, the rounding error of each input row is
// fed forward to the rows not yet rounded through the LDL factor of G).
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_QUANTIZATION_H
#define LOWRANK_NUMERICS_QUANTIZATION_H

#include "lowrank/Numerics/Matrix.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace lowrank::numerics {

/// Integer values (stored in int8, whatever `bits`) and one scale per
/// column: the matrix is values(i, j) * scales[j].
struct QuantizedMatrix {
  int bits = 8;
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<int8_t> values; // row-major rows x cols
  std::vector<float> scales;  // one per column

  /// values * scales, as float.
  MatrixF dequantize() const;
  /// Storage in bits: the integers plus one float32 scale per column.
  int64_t storageBits() const { return bits * rows * cols + 32 * cols; }
};

/// 2^(bits-1) - 1: the largest magnitude of a symmetric `bits`-bit integer.
int getQuantizationMax(int bits);

/// Round-to-nearest symmetric quantization with per-column scales.
/// `bits` must be 2 to 8.
QuantizedMatrix quantizePerColumn(const MatrixF &w, int bits);

/// Error-aware rounding (LDLQ) with the same per-column scales as
/// quantizePerColumn: minimizes tr(E^T G E) greedily, E the rounding error,
/// for the d_in x d_in positive semi-definite Gram matrix `gram` (row-major,
/// float64). Fails when `gram` is not symmetric positive semi-definite even
/// after jitter.
llvm::Expected<QuantizedMatrix>
quantizePerColumnLDLQ(const MatrixF &w, int bits, const double *gram);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_QUANTIZATION_H
