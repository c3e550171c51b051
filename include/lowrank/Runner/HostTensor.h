//===- HostTensor.h - Tensors in host memory for the runner -----*- C++ -*-===//
//
// A dense, row-major tensor in host memory, identified by its ONNX data type
// number and shape, with readers and writers for ONNX TensorProto (`.pb`) and
// NumPy (`.npy`) files and a tolerance-based comparison.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_RUNNER_HOSTTENSOR_H
#define LOWRANK_RUNNER_HOSTTENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

namespace lowrank {

/// Default tolerances of `compareTensors`: a float element matches when
/// |actual - expected| <= atol + rtol * |expected|. The relative part covers
/// float32 rounding differences of reordered reductions; the absolute part
/// keeps results near zero (e.g. sin(pi)) from failing on noise.
constexpr double kDefaultRelativeTolerance = 1e-4;
constexpr double kDefaultAbsoluteTolerance = 1e-5;

/// A tensor whose elements live in owned, 64-byte aligned host memory (so
/// compiled code may use aligned vector accesses). Bool elements take one
/// byte each, holding 0 or 1.
class HostTensor {
public:
  /// Memory alignment of the elements, in bytes.
  static constexpr size_t kAlignment = 64;

  HostTensor() = default;
  /// A zero-filled tensor. `dataType` must have a fixed element size; a
  /// size that does not fit in memory is a fatal error (readers bound the
  /// shapes they read by their files' sizes first).
  HostTensor(int32_t dataType, llvm::ArrayRef<int64_t> shape);

  /// A zero-filled tensor, or an error naming the size when its byte count
  /// overflows or the memory cannot be had.
  static llvm::Expected<HostTensor> allocate(int32_t dataType,
                                             llvm::ArrayRef<int64_t> shape);

  int32_t getDataType() const { return dataType; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  int64_t getRank() const { return shape.size(); }
  int64_t getNumElements() const;
  int64_t getElementByteSize() const;
  size_t getByteSize() const { return byteSize; }

  char *getData() { return storage.get(); }
  const char *getData() const { return storage.get(); }
  llvm::ArrayRef<char> getBytes() const { return {storage.get(), byteSize}; }

  /// `dtype[d0xd1x...]`, e.g. `float32[2x3]`, for messages.
  std::string describe() const;

private:
  /// The tensor's bytes; none when the count overflows size_t.
  static std::optional<size_t> computeByteSize(int32_t dataType,
                                               llvm::ArrayRef<int64_t> shape);
  /// Allocates zeroed storage of `byteSize` bytes; false if there is none.
  bool allocateStorage();

  struct FreeDeleter {
    void operator()(char *ptr) const { std::free(ptr); }
  };

  int32_t dataType = 0;
  llvm::SmallVector<int64_t> shape;
  size_t byteSize = 0;
  std::unique_ptr<char, FreeDeleter> storage;
};

/// The NumPy-style name of an ONNX data type (`float32`, `int64`, `bool`),
/// or `dtype <n>` for data types the runner does not know.
std::string getDataTypeName(int32_t dataType);

/// Reads a serialized ONNX TensorProto. Error messages do not repeat `path`.
llvm::Expected<HostTensor> readONNXTensorFile(llvm::StringRef path);

/// Reads a serialized ONNX TensorProto held in memory; external data is
/// looked up relative to `baseDir`.
llvm::Expected<HostTensor> readONNXTensorBuffer(llvm::StringRef bytes,
                                                llvm::StringRef baseDir);

/// Reads a NumPy `.npy` file (format versions 1 to 3, little-endian, C order;
/// bool, signed and unsigned integers and float16/32/64).
llvm::Expected<HostTensor> readNumpyFile(llvm::StringRef path);

/// Reads the bytes of a `.npy` file held in memory.
llvm::Expected<HostTensor> readNumpyBuffer(llvm::StringRef bytes);

/// Reads `.npy` files by their magic bytes and everything else as a
/// TensorProto.
llvm::Expected<HostTensor> readTensorFile(llvm::StringRef path);

/// Writes `tensor` as a TensorProto named `name` with raw data. Like every
/// output of the project, the file is written under a temporary name and
/// renamed when complete: a failure leaves any previous `path` intact.
llvm::Error writeONNXTensorFile(const HostTensor &tensor, llvm::StringRef name,
                                llvm::StringRef path);

/// Writes `tensor` as a version 1 `.npy` file, atomically like
/// `writeONNXTensorFile`. Fails for data types NumPy has no equivalent of
/// (bfloat16).
llvm::Error writeNumpyFile(const HostTensor &tensor, llvm::StringRef path);

/// The bytes of a version 1 `.npy` file before its data: magic, version,
/// header length and the header for elements `descr` ('<f4', '<U3', ...)
/// and `shape`, padded so that the data starts 64-byte aligned.
std::string formatNumpyPreamble(llvm::StringRef descr,
                                llvm::ArrayRef<int64_t> shape);

/// The outcome of comparing a tensor with its expected value.
struct TensorComparison {
  /// Whether the data types and shapes agree and every element matches.
  bool matches = true;
  /// Set when data type or shape differ; no elements were compared then.
  std::string structuralMismatch;
  /// The element that misses its tolerance by the largest margin (a NaN or
  /// infinity mismatch counts as infinitely far), as a flat row-major index.
  int64_t worstIndex = -1;
  std::string worstActual, worstExpected;
  /// The largest difference allowed at `worstIndex` (0 for integers).
  double worstAllowed = 0;
  /// The relative tolerance used: the one asked for, raised to two units in
  /// the last place for float16 and bfloat16.
  double relativeTolerance = 0;
  int64_t mismatchCount = 0;
};

/// Compares element by element. Floats match when |a - e| <= atol + rtol*|e|,
/// a NaN matches a NaN and an infinity the infinity of the same sign;
/// integers and bools must be equal. For float16 and bfloat16, rtol is at
/// least two units in the last place (2^-9 and 2^-6).
TensorComparison compareTensors(const HostTensor &actual,
                                const HostTensor &expected,
                                double rtol = kDefaultRelativeTolerance,
                                double atol = kDefaultAbsoluteTolerance);

/// Element `index` (flat, row-major) formatted for people: integers exactly,
/// floats with enough digits to tell neighbouring values apart.
std::string formatElement(const HostTensor &tensor, int64_t index);

} // namespace lowrank

#endif // LOWRANK_RUNNER_HOSTTENSOR_H
