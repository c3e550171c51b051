//===- Matrix.h - Dense row-major matrices for the numerics ----*- C++ -*-===//
//
// The numerics library is plain C++ over LAPACK and BLAS: no MLIR. Matrices
// are row-major, as ONNX stores weights, with 64-byte aligned storage.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_NUMERICS_MATRIX_H
#define LOWRANK_NUMERICS_MATRIX_H

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

namespace lowrank::numerics {

/// An owned, row-major `rows x cols` matrix of float or double.
template <typename T> class Matrix {
public:
  Matrix() = default;
  Matrix(int64_t rows, int64_t cols) : numRows(rows), numCols(cols) {
    assert(rows >= 0 && cols >= 0 && "negative matrix size");
    size_t bytes = static_cast<size_t>(rows * cols) * sizeof(T);
    bytes = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    storage.reset(static_cast<T *>(
        ::operator new(bytes == 0 ? kAlignment : bytes,
                       std::align_val_t(kAlignment))));
    std::fill(storage.get(), storage.get() + size(), T(0));
  }
  /// A copy of `rows x cols` row-major elements.
  Matrix(int64_t rows, int64_t cols, const T *source) : Matrix(rows, cols) {
    std::copy(source, source + size(), storage.get());
  }
  Matrix(const Matrix &other) : Matrix(other.numRows, other.numCols) {
    std::copy(other.data(), other.data() + size(), storage.get());
  }
  Matrix(Matrix &&) noexcept = default;
  Matrix &operator=(Matrix other) noexcept {
    std::swap(numRows, other.numRows);
    std::swap(numCols, other.numCols);
    std::swap(storage, other.storage);
    return *this;
  }

  int64_t rows() const { return numRows; }
  int64_t cols() const { return numCols; }
  int64_t size() const { return numRows * numCols; }
  T *data() { return storage.get(); }
  const T *data() const { return storage.get(); }
  T &operator()(int64_t r, int64_t c) { return storage.get()[r * numCols + c]; }
  T operator()(int64_t r, int64_t c) const {
    return storage.get()[r * numCols + c];
  }

private:
  static constexpr size_t kAlignment = 64;
  struct AlignedDelete {
    void operator()(T *p) const {
      ::operator delete(p, std::align_val_t(kAlignment));
    }
  };
  int64_t numRows = 0;
  int64_t numCols = 0;
  std::unique_ptr<T, AlignedDelete> storage;
};

/// The transpose of `m`.
template <typename T> Matrix<T> transposed(const Matrix<T> &m) {
  Matrix<T> t(m.cols(), m.rows());
  for (int64_t r = 0; r < m.rows(); ++r)
    for (int64_t c = 0; c < m.cols(); ++c)
      t(c, r) = m(r, c);
  return t;
}

using MatrixF = Matrix<float>;
using MatrixD = Matrix<double>;

} // namespace lowrank::numerics

#endif // LOWRANK_NUMERICS_MATRIX_H
