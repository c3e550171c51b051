//===- NumpyFile.cpp - NumPy .npy files as host tensors -------------------===//
//
// The `.npy` format: the magic `\x93NUMPY`, a major and minor version byte, a
// little-endian header length (2 bytes in version 1, 4 bytes in versions 2
// and 3), then a Python dict literal such as
// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, padded with
// spaces and a newline, followed by the raw elements.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Import/ONNXTensor.h"
#include "lowrank/Runner/HostTensor.h"
#include "lowrank/Support/InputFiles.h"
#include "lowrank/Support/TemporaryFiles.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace llvm;

namespace lowrank {

static constexpr StringLiteral kNumpyMagic = "\x93NUMPY";

/// NumPy type codes (kind and byte size, as in `<f4`) by ONNX data type.
static const struct {
  int32_t dataType;
  const char *code;
} kNumpyTypeCodes[] = {
    {::onnx::TensorProto::BOOL, "b1"},   {::onnx::TensorProto::INT8, "i1"},
    {::onnx::TensorProto::INT16, "i2"},  {::onnx::TensorProto::INT32, "i4"},
    {::onnx::TensorProto::INT64, "i8"},  {::onnx::TensorProto::UINT8, "u1"},
    {::onnx::TensorProto::UINT16, "u2"}, {::onnx::TensorProto::UINT32, "u4"},
    {::onnx::TensorProto::UINT64, "u8"}, {::onnx::TensorProto::FLOAT16, "f2"},
    {::onnx::TensorProto::FLOAT, "f4"},  {::onnx::TensorProto::DOUBLE, "f8"},
};

/// The value of `'key':` in the header dict, up to the next top-level comma
/// (shape tuples contain commas, so parentheses are skipped as a whole).
static std::optional<StringRef> findHeaderValue(StringRef header,
                                                StringRef key) {
  for (StringRef quote : {"'", "\""}) {
    std::string pattern = (quote + key + quote).str();
    size_t pos = header.find(pattern);
    if (pos == StringRef::npos)
      continue;
    StringRef rest = header.drop_front(pos + pattern.size()).ltrim();
    if (!rest.consume_front(":"))
      return std::nullopt;
    rest = rest.ltrim();
    size_t end =
        rest.starts_with("(") ? rest.find(')') + 1 : rest.find_first_of(",}");
    if (end == StringRef::npos || end == 0)
      return std::nullopt;
    return rest.take_front(end).trim();
  }
  return std::nullopt;
}

static Expected<int32_t> parseDescr(StringRef descr) {
  if (descr.size() < 2 || (descr.front() != '\'' && descr.front() != '"') ||
      descr.back() != descr.front())
    return createStringError("malformed NumPy dtype %s", descr.str().c_str());
  StringRef code = descr.drop_front().drop_back();
  if (code.starts_with(">") && !code.ends_with("1"))
    return createStringError("big-endian NumPy arrays (dtype '%s') are not "
                             "supported; convert with "
                             "arr.astype(arr.dtype.newbyteorder('<'))",
                             code.str().c_str());
  StringRef typeCode = code;
  if (!typeCode.empty() && StringRef("<|=>").contains(typeCode.front()))
    typeCode = typeCode.drop_front();
  // `?` is the single-character code NumPy uses for bool in some writers.
  if (typeCode == "?")
    typeCode = "b1";
  for (const auto &entry : kNumpyTypeCodes)
    if (typeCode == entry.code)
      return entry.dataType;
  return createStringError("unsupported NumPy dtype '%s' (supported: bool, "
                           "int8..int64, uint8..uint64, float16/32/64)",
                           code.str().c_str());
}

static Expected<SmallVector<int64_t>> parseShape(StringRef text) {
  if (!text.consume_front("(") || !text.consume_back(")"))
    return createStringError("malformed NumPy shape %s", text.str().c_str());
  SmallVector<int64_t> shape;
  SmallVector<StringRef> parts;
  text.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    // Python 2 era writers print longs with an `L` suffix.
    part.consume_back("L");
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return createStringError("malformed NumPy shape dimension '%s'",
                               part.str().c_str());
    shape.push_back(dim);
  }
  return shape;
}

Expected<HostTensor> readNumpyFile(StringRef path) {
  auto buffer = readInputFile(path);
  if (!buffer)
    return buffer.takeError();
  return readNumpyBuffer((*buffer)->getBuffer());
}

Expected<HostTensor> readNumpyBuffer(StringRef bytes) {
  if (!bytes.starts_with(kNumpyMagic) || bytes.size() < 10)
    return createStringError("not a NumPy .npy file");
  uint8_t major = bytes[6];
  size_t headerStart, headerLen;
  if (major == 1) {
    headerStart = 10;
    headerLen = uint8_t(bytes[8]) | uint8_t(bytes[9]) << 8;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return createStringError("truncated NumPy header");
    headerStart = 12;
    headerLen = uint32_t(uint8_t(bytes[8])) | uint32_t(uint8_t(bytes[9])) << 8 |
                uint32_t(uint8_t(bytes[10])) << 16 |
                uint32_t(uint8_t(bytes[11])) << 24;
  } else {
    return createStringError("unsupported NumPy format version %d", major);
  }
  if (bytes.size() < headerStart + headerLen)
    return createStringError("truncated NumPy header");
  StringRef header = bytes.substr(headerStart, headerLen);

  std::optional<StringRef> descr = findHeaderValue(header, "descr");
  std::optional<StringRef> fortran = findHeaderValue(header, "fortran_order");
  std::optional<StringRef> shapeText = findHeaderValue(header, "shape");
  if (!descr || !fortran || !shapeText)
    return createStringError("malformed NumPy header: %s",
                             header.trim().str().c_str());
  Expected<int32_t> dataType = parseDescr(*descr);
  if (!dataType)
    return dataType.takeError();
  if (*fortran != "False")
    return createStringError("Fortran-order NumPy arrays are not supported; "
                             "save np.ascontiguousarray(arr)");
  Expected<SmallVector<int64_t>> shape = parseShape(*shapeText);
  if (!shape)
    return shape.takeError();

  // Check the shape against the data before allocating anything for it.
  StringRef data = bytes.drop_front(headerStart + headerLen);
  std::optional<int64_t> byteSize =
      getCheckedByteSize(*shape, getONNXElementByteSize(*dataType));
  if (!byteSize || static_cast<uint64_t>(*byteSize) != data.size())
    return createStringError("NumPy data holds %zu bytes, shape %s of %s "
                             "needs %s",
                             data.size(), shapeText->str().c_str(),
                             getDataTypeName(*dataType).c_str(),
                             byteSize ? std::to_string(*byteSize).c_str()
                                      : "more than can be addressed");
  HostTensor tensor(*dataType, *shape);
  if (!data.empty())
    std::memcpy(tensor.getData(), data.data(), data.size());
  return tensor;
}

std::string formatNumpyPreamble(StringRef descr, ArrayRef<int64_t> shape) {
  std::string header;
  raw_string_ostream os(header);
  os << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  llvm::interleave(shape, os, ", ");
  // A one-element Python tuple needs its trailing comma.
  os << (shape.size() == 1 ? ",), }" : "), }");
  // NumPy pads the header with spaces so that the data starts 64-byte
  // aligned, and ends it with a newline.
  size_t unpadded = kNumpyMagic.size() + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string preamble(kNumpyMagic);
  preamble += '\x01';
  preamble += '\x00';
  preamble += char(header.size() & 0xff);
  preamble += char(header.size() >> 8);
  return preamble + header;
}

Error writeNumpyFile(const HostTensor &tensor, StringRef path) {
  const char *typeCode = nullptr;
  for (const auto &entry : kNumpyTypeCodes)
    if (entry.dataType == tensor.getDataType())
      typeCode = entry.code;
  if (!typeCode)
    return createStringError("NumPy has no %s arrays",
                             getDataTypeName(tensor.getDataType()).c_str());
  std::string descr =
      (tensor.getElementByteSize() == 1 ? "|" : "<") + std::string(typeCode);
  std::string preamble = formatNumpyPreamble(descr, tensor.getShape());
  return writeOutputFile(path, [&](raw_ostream &file) {
    file << preamble;
    ArrayRef<char> data = tensor.getBytes();
    file.write(data.data(), data.size());
    return Error::success();
  });
}

} // namespace lowrank
