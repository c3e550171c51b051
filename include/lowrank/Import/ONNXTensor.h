//===- ONNXTensor.h - The contents of ONNX TensorProtos ---------*- C++ -*-===//
//
// Reading and writing the elements of a TensorProto as raw little-endian
// bytes, whichever field holds them (raw_data, the typed repeated fields or
// an external data file). Shared by the importer, the runner and the tests.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_IMPORT_ONNXTENSOR_H
#define LOWRANK_IMPORT_ONNXTENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace lowrank {

/// Bytes per element of an ONNX data type in memory (bool, float8 and the
/// 4- and 2-bit types take one byte each), or 0 when the type has no
/// fixed-size representation here (strings, complex, 6-bit floats).
int64_t getONNXElementByteSize(int32_t dataType);

/// Bits per element of the types ONNX packs several to a byte in its files
/// (INT4, UINT4, FLOAT4E2M1: 4; INT2, UINT2: 2), or 0 for other types.
int64_t getONNXPackedBitWidth(int32_t dataType);

/// Spreads `count` elements packed `bitWidth` bits each (element 0 in the
/// lowest bits of byte 0) into one byte per element, holding the element in
/// its low bits and zeros above.
std::vector<char> unpackONNXElements(llvm::ArrayRef<char> packed, int64_t count,
                                     int64_t bitWidth);

/// The inverse of `unpackONNXElements`: the low `bitWidth` bits of each
/// byte, packed; the last byte is padded with zeros.
std::vector<char> packONNXElements(llvm::ArrayRef<char> unpacked,
                                   int64_t bitWidth);

/// Number of elements of a tensor from its dims. The dims must have been
/// checked with `getCheckedByteSize`.
int64_t getONNXElementCount(const ::onnx::TensorProto &tensor);

/// The byte size of a dense tensor of `dims` with elements of
/// `elementByteSize` bytes, or nullopt when a dim is negative or the size
/// does not fit in int64 (untrusted shapes from files go through this before
/// anything is allocated).
std::optional<int64_t> getCheckedByteSize(llvm::ArrayRef<int64_t> dims,
                                          int64_t elementByteSize);

/// The elements of `tensor` as raw bytes, one byte per element for the
/// packed 4- and 2-bit types. External data is read relative to `baseDir`.
llvm::Expected<std::vector<char>> readTensorBytes(const ::onnx::TensorProto &tensor,
                                                  llvm::StringRef baseDir);

/// The bytes of an external-data tensor as a read-only view of its file,
/// memory-mapped where the OS allows (large slices), so that weights are not
/// copied into memory; errors as for `readTensorBytes`.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
mapExternalTensorData(const ::onnx::TensorProto &tensor,
                      llvm::StringRef baseDir);

/// Reads a serialized TensorProto (`.pb` file).
llvm::Expected<::onnx::TensorProto> readTensorProtoFile(llvm::StringRef path);

/// Fills `tensor` with `dims`, `dataType` and raw bytes (given one byte per
/// element for the packed types, which are packed here).
void setTensorBytes(::onnx::TensorProto &tensor, int32_t dataType,
                    llvm::ArrayRef<int64_t> dims, llvm::ArrayRef<char> bytes);

} // namespace lowrank

#endif // LOWRANK_IMPORT_ONNXTENSOR_H
