//===- Quantization.h - Symmetric per-channel and group-wise quantization -===//
//
// A d_in x d_out weight (y = x W) has one output channel per column. Each
// column j gets one scale per group of `groupSize` consecutive rows (all
// rows when the group size is 0): s_gj = max_{i in g} |W_ij| / qmax with
// qmax = 2^(bits-1) - 1 (127 for int8, 7 for int4), and W_ij ~ s_gj q_ij
// with q_ij an integer in [-qmax, qmax]: the symmetric form of ONNX
// DequantizeLinear with a zero point of 0 (per axis, or blocked along the
// input axis). Rounding is to nearest, or error-aware against a Gram matrix
// G = sum x x^T (LDLQ/GPTQ: row by row, the rounding error of each input row
// is fed forward to the rows not yet rounded through the LDL factor of G; a
// group's scales are taken when its first row is reached, from the rows as
// the feedback has left them).
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
/// column and group of rows: the matrix is values(i, j) * getScale(i, j).
struct QuantizedMatrix {
  int bits = 8;
  int64_t rows = 0;
  int64_t cols = 0;
  /// Rows that share a scale in each column; 0: all of them.
  int64_t groupSize = 0;
  std::vector<int8_t> values; // row-major rows x cols
  std::vector<float> scales;  // row-major getNumGroups() x cols

  int64_t getNumGroups() const {
    return groupSize == 0 ? 1 : (rows + groupSize - 1) / groupSize;
  }
  int64_t getGroupOf(int64_t row) const {
    return groupSize == 0 ? 0 : row / groupSize;
  }
  float getScale(int64_t row, int64_t col) const {
    return scales[getGroupOf(row) * cols + col];
  }
  /// values * scales, as float.
  MatrixF dequantize() const;
  /// Storage in bits: the integers plus one float32 scale per column and
  /// group.
  int64_t storageBits() const {
    return bits * rows * cols + 32 * getNumGroups() * cols;
  }
};

/// 2^(bits-1) - 1: the largest magnitude of a symmetric `bits`-bit integer.
int getQuantizationMax(int bits);

/// Round-to-nearest symmetric quantization with a scale per column and
/// group of `groupSize` rows (0: per column). `bits` must be 2 to 8 and
/// `groupSize` non-negative.
QuantizedMatrix quantizeToNearest(const MatrixF &w, int bits,
                                  int64_t groupSize = 0);

/// Error-aware rounding (LDLQ, GPTQ's update) with scales grouped as in
/// quantizeToNearest: minimizes tr(E^T G E) greedily, E the rounding error,
/// for the d_in x d_in positive semi-definite Gram matrix `gram` (row-major,
/// float64); rounds to nearest when `gram` is null. Fails when `gram` is
/// not symmetric positive semi-definite even after damping.
llvm::Expected<QuantizedMatrix> quantizeErrorAware(const MatrixF &w, int bits,
                                                   const double *gram,
                                                   int64_t groupSize = 0);

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_QUANTIZATION_H
