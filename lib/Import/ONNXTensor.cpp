//===- ONNXTensor.cpp - The contents of ONNX TensorProtos -----------------===//

#include "lowrank/Import/ONNXTensor.h"
#include "lowrank/Support/InputFiles.h"

#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace llvm;

namespace lowrank {

int64_t getONNXElementByteSize(int32_t dataType) {
  switch (dataType) {
  case ::onnx::TensorProto::FLOAT:
  case ::onnx::TensorProto::INT32:
  case ::onnx::TensorProto::UINT32:
    return 4;
  case ::onnx::TensorProto::DOUBLE:
  case ::onnx::TensorProto::INT64:
  case ::onnx::TensorProto::UINT64:
    return 8;
  case ::onnx::TensorProto::FLOAT16:
  case ::onnx::TensorProto::BFLOAT16:
  case ::onnx::TensorProto::INT16:
  case ::onnx::TensorProto::UINT16:
    return 2;
  case ::onnx::TensorProto::INT8:
  case ::onnx::TensorProto::UINT8:
  case ::onnx::TensorProto::BOOL:
  case ::onnx::TensorProto::FLOAT8E4M3FN:
  case ::onnx::TensorProto::FLOAT8E4M3FNUZ:
  case ::onnx::TensorProto::FLOAT8E5M2:
  case ::onnx::TensorProto::FLOAT8E5M2FNUZ:
  case ::onnx::TensorProto::FLOAT8E8M0:
  case ::onnx::TensorProto::INT4:
  case ::onnx::TensorProto::UINT4:
  case ::onnx::TensorProto::FLOAT4E2M1:
  case ::onnx::TensorProto::INT2:
  case ::onnx::TensorProto::UINT2:
    return 1;
  default:
    return 0;
  }
}

int64_t getONNXPackedBitWidth(int32_t dataType) {
  switch (dataType) {
  case ::onnx::TensorProto::INT4:
  case ::onnx::TensorProto::UINT4:
  case ::onnx::TensorProto::FLOAT4E2M1:
    return 4;
  case ::onnx::TensorProto::INT2:
  case ::onnx::TensorProto::UINT2:
    return 2;
  default:
    return 0;
  }
}

std::vector<char> unpackONNXElements(ArrayRef<char> packed, int64_t count,
                                     int64_t bitWidth) {
  int64_t perByte = 8 / bitWidth;
  unsigned mask = (1u << bitWidth) - 1;
  std::vector<char> unpacked(count);
  for (int64_t i = 0; i < count; ++i) {
    unsigned byte = static_cast<unsigned char>(packed[i / perByte]);
    unpacked[i] = static_cast<char>((byte >> (i % perByte * bitWidth)) & mask);
  }
  return unpacked;
}

std::vector<char> packONNXElements(ArrayRef<char> unpacked, int64_t bitWidth) {
  int64_t perByte = 8 / bitWidth;
  unsigned mask = (1u << bitWidth) - 1;
  int64_t count = unpacked.size();
  std::vector<char> packed((count + perByte - 1) / perByte, 0);
  for (int64_t i = 0; i < count; ++i)
    packed[i / perByte] |=
        static_cast<char>((static_cast<unsigned char>(unpacked[i]) & mask)
                          << (i % perByte * bitWidth));
  return packed;
}

int64_t getONNXElementCount(const ::onnx::TensorProto &tensor) {
  int64_t count = 1;
  for (int64_t dim : tensor.dims())
    count *= dim;
  return count;
}

std::optional<int64_t> getCheckedByteSize(ArrayRef<int64_t> dims,
                                          int64_t elementByteSize) {
  std::optional<int64_t> size = elementByteSize;
  for (int64_t dim : dims) {
    if (dim < 0)
      return std::nullopt;
    size = llvm::checkedMul(*size, dim);
    if (!size)
      return std::nullopt;
  }
  return size;
}

/// Copies a repeated field of wider integers into elements of `byteSize`
/// bytes (ONNX stores int8/int16/bool/float16 in int32_data).
template <typename Field>
static void narrowInto(const Field &field, int64_t byteSize,
                       std::vector<char> &out) {
  out.resize(field.size() * byteSize);
  for (int i = 0; i < field.size(); ++i) {
    auto value = field.Get(i);
    std::memcpy(out.data() + i * byteSize, &value, byteSize);
  }
}

/// The external data slice of `tensor`, checked against `expectedBytes`.
static Expected<std::unique_ptr<MemoryBuffer>>
mapExternalData(const ::onnx::TensorProto &tensor, StringRef baseDir,
                int64_t expectedBytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if ((entry.key() == "offset" &&
              StringRef(entry.value()).getAsInteger(10, offset)) ||
             (entry.key() == "length" &&
              StringRef(entry.value()).getAsInteger(10, length)))
      return createStringError("tensor '%s': bad external data %s '%s'",
                               tensor.name().c_str(), entry.key().c_str(),
                               entry.value().c_str());
  }
  if (offset < 0)
    return createStringError("tensor '%s': negative external data offset",
                             tensor.name().c_str());
  if (location.empty())
    return createStringError("tensor '%s' has external data without a location",
                             tensor.name().c_str());
  if (sys::path::is_absolute(location) || StringRef(location).contains(".."))
    return createStringError(
        "tensor '%s': external data location '%s' must be relative and stay "
        "beside the model",
        tensor.name().c_str(), location.c_str());
  if (length < 0)
    length = expectedBytes;
  if (length != expectedBytes)
    return createStringError("tensor '%s' holds %lld bytes, its shape needs "
                             "%lld",
                             tensor.name().c_str(), (long long)length,
                             (long long)expectedBytes);
  SmallString<256> file(baseDir);
  sys::path::append(file, location);
  // The location may name a link: where it leads must be a regular file in
  // the model's folder too (or one below it), never a file elsewhere that
  // the model would copy into its outputs, nor a device.
  SmallString<256> realFile, realBase;
  if (!sys::fs::real_path(file, realFile) &&
      !sys::fs::real_path(baseDir, realBase)) {
    StringRef inside(realFile);
    if (!inside.consume_front(realBase) ||
        !(inside.empty() || sys::path::is_separator(inside.front())))
      return createStringError(
          "tensor '%s': external data file '%s' leads out of the model's "
          "folder (to '%s')",
          tensor.name().c_str(), file.c_str(), realFile.c_str());
    sys::fs::file_status status;
    if (!sys::fs::status(realFile, status) &&
        status.type() != sys::fs::file_type::regular_file)
      return createStringError(
          "tensor '%s': external data file '%s' is not a regular file",
          tensor.name().c_str(), file.c_str());
  }
  // Check the slice against the file first: mapping past its end would fault
  // on access instead of failing here.
  uint64_t fileSize;
  if (std::error_code ec = sys::fs::file_size(file, fileSize))
    return createStringError(ec,
                             "tensor '%s': cannot open external data file "
                             "'%s': %s",
                             tensor.name().c_str(), file.c_str(),
                             ec.message().c_str());
  if (static_cast<uint64_t>(offset) > fileSize ||
      static_cast<uint64_t>(length) > fileSize - offset)
    return createStringError(
        "tensor '%s': external data file '%s' is too short "
        "(%llu bytes) for %lld bytes at offset %lld",
        tensor.name().c_str(), file.c_str(), (unsigned long long)fileSize,
        (long long)length, (long long)offset);
  if (length == 0)
    return MemoryBuffer::getMemBuffer("", file,
                                      /*RequiresNullTerminator=*/false);
  auto buffer = MemoryBuffer::getFileSlice(file, length, offset,
                                           /*IsVolatile=*/false);
  if (!buffer)
    return createStringError(buffer.getError(),
                             "tensor '%s': cannot read %lld bytes at offset "
                             "%lld of external data file '%s'",
                             tensor.name().c_str(), (long long)length,
                             (long long)offset, file.c_str());
  if (static_cast<int64_t>((*buffer)->getBufferSize()) != length)
    return createStringError(
        "tensor '%s': external data file '%s' is too short",
        tensor.name().c_str(), file.c_str());
  return std::move(*buffer);
}

Expected<std::unique_ptr<MemoryBuffer>>
mapExternalTensorData(const ::onnx::TensorProto &tensor, StringRef baseDir) {
  int64_t byteSize = getONNXElementByteSize(tensor.data_type());
  if (byteSize == 0)
    return createStringError("tensor '%s' has unsupported data type %d",
                             tensor.name().c_str(), tensor.data_type());
  SmallVector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  std::optional<int64_t> expectedBytes = getCheckedByteSize(dims, byteSize);
  if (!expectedBytes)
    return createStringError("tensor '%s' has a negative dimension or a shape "
                             "too large to address",
                             tensor.name().c_str());
  // Packed elements are spread to a byte each: a copy, not a view.
  if (getONNXPackedBitWidth(tensor.data_type()) != 0) {
    auto bytes = readTensorBytes(tensor, baseDir);
    if (!bytes)
      return bytes.takeError();
    return MemoryBuffer::getMemBufferCopy(
        StringRef(bytes->data(), bytes->size()), tensor.name());
  }
  return mapExternalData(tensor, baseDir, *expectedBytes);
}

Expected<std::vector<char>> readTensorBytes(const ::onnx::TensorProto &tensor,
                                            StringRef baseDir) {
  int32_t dataType = tensor.data_type();
  int64_t byteSize = getONNXElementByteSize(dataType);
  if (byteSize == 0)
    return createStringError("tensor '%s' has unsupported data type %d",
                             tensor.name().c_str(), dataType);
  for (int64_t dim : tensor.dims())
    if (dim < 0)
      return createStringError("tensor '%s' has a negative dimension",
                               tensor.name().c_str());
  SmallVector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  std::optional<int64_t> checkedBytes = getCheckedByteSize(dims, byteSize);
  if (!checkedBytes)
    return createStringError("tensor '%s' has a shape too large to address",
                             tensor.name().c_str());
  int64_t expectedBytes = *checkedBytes;
  // Packed types hold ceil(count * bits / 8) bytes in files (computed
  // without overflow for any count that passed the check above).
  int64_t bitWidth = getONNXPackedBitWidth(dataType);
  int64_t elementCount = expectedBytes;
  if (bitWidth != 0) {
    int64_t perByte = 8 / bitWidth;
    expectedBytes =
        elementCount / perByte + (elementCount % perByte != 0 ? 1 : 0);
  }

  std::vector<char> bytes;
  if (tensor.data_location() == ::onnx::TensorProto::EXTERNAL) {
    auto external = mapExternalData(tensor, baseDir, expectedBytes);
    if (!external)
      return external.takeError();
    StringRef data = (*external)->getBuffer();
    bytes.assign(data.begin(), data.end());
  } else if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    bytes.assign(raw.begin(), raw.end());
  } else {
    switch (dataType) {
    case ::onnx::TensorProto::FLOAT:
      narrowInto(tensor.float_data(), 4, bytes);
      break;
    case ::onnx::TensorProto::DOUBLE:
      narrowInto(tensor.double_data(), 8, bytes);
      break;
    case ::onnx::TensorProto::INT64:
      narrowInto(tensor.int64_data(), 8, bytes);
      break;
    case ::onnx::TensorProto::UINT32:
    case ::onnx::TensorProto::UINT64:
      narrowInto(tensor.uint64_data(), byteSize, bytes);
      break;
    default: // int32, int16, int8, uint16, uint8, bool, float16, bfloat16,
             // float8, and the packed types a byte of elements per entry
      narrowInto(tensor.int32_data(), byteSize, bytes);
      break;
    }
  }
  if (static_cast<int64_t>(bytes.size()) != expectedBytes)
    return createStringError(
        "tensor '%s' holds %zu bytes, its shape needs %lld",
        tensor.name().c_str(), bytes.size(), (long long)expectedBytes);
  if (bitWidth != 0)
    return unpackONNXElements(bytes, elementCount, bitWidth);
  return bytes;
}

Expected<::onnx::TensorProto> readTensorProtoFile(StringRef path) {
  auto buffer = readInputFile(path);
  if (!buffer)
    return createStringError("%s: %s", path.str().c_str(),
                             toString(buffer.takeError()).c_str());
  ::onnx::TensorProto tensor;
  StringRef bytes = (*buffer)->getBuffer();
  if (!tensor.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return createStringError("%s: not a valid ONNX TensorProto",
                             path.str().c_str());
  return tensor;
}

void setTensorBytes(::onnx::TensorProto &tensor, int32_t dataType,
                    ArrayRef<int64_t> dims, ArrayRef<char> bytes) {
  tensor.set_data_type(dataType);
  tensor.clear_dims();
  for (int64_t dim : dims)
    tensor.add_dims(dim);
  if (int64_t bitWidth = getONNXPackedBitWidth(dataType)) {
    std::vector<char> packed = packONNXElements(bytes, bitWidth);
    tensor.set_raw_data(packed.data(), packed.size());
    return;
  }
  tensor.set_raw_data(bytes.data(), bytes.size());
}

} // namespace lowrank
