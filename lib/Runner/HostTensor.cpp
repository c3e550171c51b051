//===- HostTensor.cpp - Tensors in host memory for the runner -------------===//

#include "lowrank/Runner/HostTensor.h"
#include "lowrank/Import/ONNXTensor.h"
#include "lowrank/Support/InputFiles.h"
#include "lowrank/Support/TemporaryFiles.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <limits>

using namespace llvm;

namespace lowrank {

/// Protobuf messages are limited to 2 GiB.
constexpr uint64_t kMaxTensorProtoBytes = uint64_t(2) << 30;

std::optional<size_t> HostTensor::computeByteSize(int32_t dataType,
                                                  ArrayRef<int64_t> shape) {
  int64_t bytes = getONNXElementByteSize(dataType);
  for (int64_t dim : shape)
    if (dim < 0 || MulOverflow(bytes, dim, bytes))
      return std::nullopt;
  // Room for rounding up to the alignment.
  if (bytes > std::numeric_limits<int64_t>::max() - int64_t(kAlignment))
    return std::nullopt;
  return static_cast<size_t>(bytes);
}

bool HostTensor::allocateStorage() {
  // aligned_alloc wants a non-zero multiple of the alignment.
  size_t allocSize = std::max(kAlignment, (byteSize + kAlignment - 1) /
                                              kAlignment * kAlignment);
  storage.reset(static_cast<char *>(std::aligned_alloc(kAlignment, allocSize)));
  if (!storage)
    return false;
  std::memset(storage.get(), 0, allocSize);
  return true;
}

HostTensor::HostTensor(int32_t dataType, ArrayRef<int64_t> shape)
    : dataType(dataType), shape(shape.begin(), shape.end()) {
  std::optional<size_t> bytes = computeByteSize(dataType, shape);
  if (!bytes)
    report_bad_alloc_error("a host tensor's size overflows");
  byteSize = *bytes;
  if (!allocateStorage())
    report_bad_alloc_error("cannot allocate a host tensor");
}

Expected<HostTensor> HostTensor::allocate(int32_t dataType,
                                          ArrayRef<int64_t> shape) {
  HostTensor tensor;
  tensor.dataType = dataType;
  tensor.shape.assign(shape.begin(), shape.end());
  std::optional<size_t> bytes = computeByteSize(dataType, shape);
  if (!bytes)
    return createStringError("a tensor of %s has more bytes than memory can "
                             "hold",
                             tensor.describe().c_str());
  tensor.byteSize = *bytes;
  if (!tensor.allocateStorage())
    return createStringError("cannot allocate %zu bytes for a tensor of %s",
                             tensor.byteSize, tensor.describe().c_str());
  return std::move(tensor);
}

int64_t HostTensor::getNumElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

int64_t HostTensor::getElementByteSize() const {
  return getONNXElementByteSize(dataType);
}

static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  raw_string_ostream os(text);
  llvm::interleave(shape, os, "x");
  return text;
}

std::string HostTensor::describe() const {
  return getDataTypeName(dataType) + "[" + formatShape(shape) + "]";
}

std::string getDataTypeName(int32_t dataType) {
  switch (dataType) {
  case ::onnx::TensorProto::FLOAT:
    return "float32";
  case ::onnx::TensorProto::UINT8:
    return "uint8";
  case ::onnx::TensorProto::INT8:
    return "int8";
  case ::onnx::TensorProto::UINT16:
    return "uint16";
  case ::onnx::TensorProto::INT16:
    return "int16";
  case ::onnx::TensorProto::INT32:
    return "int32";
  case ::onnx::TensorProto::INT64:
    return "int64";
  case ::onnx::TensorProto::STRING:
    return "string";
  case ::onnx::TensorProto::BOOL:
    return "bool";
  case ::onnx::TensorProto::FLOAT16:
    return "float16";
  case ::onnx::TensorProto::DOUBLE:
    return "float64";
  case ::onnx::TensorProto::UINT32:
    return "uint32";
  case ::onnx::TensorProto::UINT64:
    return "uint64";
  case ::onnx::TensorProto::BFLOAT16:
    return "bfloat16";
  case ::onnx::TensorProto::FLOAT8E4M3FN:
    return "float8e4m3fn";
  case ::onnx::TensorProto::FLOAT8E4M3FNUZ:
    return "float8e4m3fnuz";
  case ::onnx::TensorProto::FLOAT8E5M2:
    return "float8e5m2";
  case ::onnx::TensorProto::FLOAT8E5M2FNUZ:
    return "float8e5m2fnuz";
  case ::onnx::TensorProto::FLOAT8E8M0:
    return "float8e8m0";
  case ::onnx::TensorProto::FLOAT4E2M1:
    return "float4e2m1";
  case ::onnx::TensorProto::INT4:
    return "int4";
  case ::onnx::TensorProto::UINT4:
    return "uint4";
  case ::onnx::TensorProto::INT2:
    return "int2";
  case ::onnx::TensorProto::UINT2:
    return "uint2";
  default:
    return "dtype " + std::to_string(dataType);
  }
}

Expected<HostTensor> readONNXTensorFile(StringRef path) {
  // A TensorProto is a protobuf message, which cannot exceed 2 GiB.
  auto buffer = readInputFile(path, kMaxTensorProtoBytes);
  if (!buffer)
    return buffer.takeError();
  return readONNXTensorBuffer((*buffer)->getBuffer(),
                              sys::path::parent_path(path));
}

Expected<HostTensor> readONNXTensorBuffer(StringRef bytes, StringRef baseDir) {
  ::onnx::TensorProto proto;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return createStringError("not a valid ONNX TensorProto");
  if (getONNXElementByteSize(proto.data_type()) == 0)
    return createStringError("unsupported tensor data type %s",
                             getDataTypeName(proto.data_type()).c_str());

  // readTensorBytes checks that the dims are valid and match the data, so
  // the tensor below is never larger than the bytes read.
  auto elements = readTensorBytes(proto, baseDir);
  if (!elements)
    return elements.takeError();
  SmallVector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  HostTensor tensor(proto.data_type(), shape);
  // An empty tensor's vector has no storage: memcpy must not see its null.
  if (tensor.getByteSize() != 0)
    std::memcpy(tensor.getData(), elements->data(), tensor.getByteSize());
  return tensor;
}

Expected<HostTensor> readTensorFile(StringRef path) {
  // Read once: a pipe cannot be read again by the format's reader.
  auto buffer = readInputFile(path);
  if (!buffer)
    return buffer.takeError();
  StringRef bytes = (*buffer)->getBuffer();
  if (bytes.starts_with("\x93NUMPY"))
    return readNumpyBuffer(bytes);
  return readONNXTensorBuffer(
      bytes, path == "-" ? StringRef(".") : sys::path::parent_path(path));
}

Error writeONNXTensorFile(const HostTensor &tensor, StringRef name,
                          StringRef path) {
  ::onnx::TensorProto proto;
  proto.set_name(name.str());
  setTensorBytes(proto, tensor.getDataType(), tensor.getShape(),
                 tensor.getBytes());
  std::string bytes;
  if (!proto.SerializeToString(&bytes))
    return createStringError("cannot serialize the tensor");
  return writeOutputFile(path, [&](raw_ostream &os) {
    os << bytes;
    return Error::success();
  });
}

} // namespace lowrank
