//===- OutputPresentation.cpp - Outputs that stand for strings or maps ----===//

#include "lowrank/Runner/OutputPresentation.h"
#include "lowrank/Support/TemporaryFiles.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx-data.pb.h>
#include <onnx/onnx_pb.h>

#include <cstring>

using namespace llvm;

namespace lowrank {

std::string OutputPresentation::describeType() const {
  switch (kind) {
  case Kind::Tensor:
    return "tensor";
  case Kind::Labels:
    return "tensor(string)";
  case Kind::ZipMap:
    return intKeys.empty() ? "seq(map(string,tensor(float)))"
                           : "seq(map(int64,tensor(float)))";
  }
  return "";
}

namespace {

/// The label of every index of an int64 tensor, or an error naming the
/// first index outside the table.
Expected<std::vector<const std::string *>>
lookUpLabels(const HostTensor &tensor, ArrayRef<std::string> labels) {
  if (tensor.getDataType() != ::onnx::TensorProto::INT64)
    return createStringError("label indices are %s, not int64",
                             tensor.describe().c_str());
  std::vector<const std::string *> result;
  result.reserve(tensor.getNumElements());
  const auto *indices = reinterpret_cast<const int64_t *>(tensor.getData());
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
    int64_t index = indices[i];
    if (index < 0 || static_cast<uint64_t>(index) >= labels.size())
      return createStringError("label index %lld at %lld is outside the "
                               "table of %zu labels",
                               static_cast<long long>(index),
                               static_cast<long long>(i), labels.size());
    result.push_back(&labels[index]);
  }
  return result;
}

/// The number of keys, checked against the rows of a float [N, K] tensor.
Expected<int64_t> checkMapRows(const HostTensor &tensor,
                               const OutputPresentation &presentation) {
  int64_t keys = presentation.intKeys.empty() ? presentation.stringKeys.size()
                                              : presentation.intKeys.size();
  if (tensor.getDataType() != ::onnx::TensorProto::FLOAT ||
      tensor.getRank() != 2 || tensor.getShape()[1] != keys)
    return createStringError("map values are %s, not float rows of %lld keys",
                             tensor.describe().c_str(),
                             static_cast<long long>(keys));
  return keys;
}

/// UTF-32 code points of UTF-8 text.
Expected<std::vector<UTF32>> toUTF32(const std::string &text) {
  std::vector<UTF32> result(text.size());
  const auto *source = reinterpret_cast<const UTF8 *>(text.data());
  UTF32 *target = result.data();
  if (ConvertUTF8toUTF32(&source, source + text.size(), &target,
                         target + result.size(),
                         strictConversion) != conversionOK)
    return createStringError("label '%s' is not valid UTF-8", text.c_str());
  result.resize(target - result.data());
  return result;
}

/// A `.npy` file of fixed-width Unicode strings ('<Un').
Error writeNumpyStrings(ArrayRef<const std::string *> strings,
                        ArrayRef<int64_t> shape, StringRef path) {
  std::vector<std::vector<UTF32>> wide;
  size_t width = 1;
  for (const std::string *s : strings) {
    Expected<std::vector<UTF32>> points = toUTF32(*s);
    if (!points)
      return points.takeError();
    width = std::max(width, points->size());
    wide.push_back(std::move(*points));
  }
  std::string preamble =
      formatNumpyPreamble("<U" + std::to_string(width), shape);
  return writeOutputFile(path, [&](raw_ostream &file) {
    file << preamble;
    for (const std::vector<UTF32> &points : wide)
      for (size_t i = 0; i < width; ++i) {
        uint32_t point = i < points.size() ? points[i] : 0;
        char bytes[4] = {char(point & 0xff), char((point >> 8) & 0xff),
                         char((point >> 16) & 0xff), char(point >> 24)};
        file.write(bytes, 4);
      }
    return Error::success();
  });
}

Error writeProto(const google::protobuf::MessageLite &message, StringRef path) {
  std::string bytes;
  if (!message.SerializeToString(&bytes))
    return createStringError("cannot serialize the output");
  return writeOutputFile(path, [&](raw_ostream &os) {
    os << bytes;
    return Error::success();
  });
}

} // namespace

Error writePresentedOutput(const HostTensor &tensor,
                           const OutputPresentation &presentation,
                           StringRef name, StringRef path, bool numpy) {
  switch (presentation.kind) {
  case OutputPresentation::Kind::Tensor:
    return numpy ? writeNumpyFile(tensor, path)
                 : writeONNXTensorFile(tensor, name, path);
  case OutputPresentation::Kind::Labels: {
    Expected<std::vector<const std::string *>> labels =
        lookUpLabels(tensor, presentation.labels);
    if (!labels)
      return labels.takeError();
    if (numpy)
      return writeNumpyStrings(*labels, tensor.getShape(), path);
    ::onnx::TensorProto proto;
    proto.set_name(name.str());
    proto.set_data_type(::onnx::TensorProto::STRING);
    for (int64_t size : tensor.getShape())
      proto.add_dims(size);
    for (const std::string *label : *labels)
      proto.add_string_data(*label);
    return writeProto(proto, path);
  }
  case OutputPresentation::Kind::ZipMap: {
    Expected<int64_t> keys = checkMapRows(tensor, presentation);
    if (!keys)
      return keys.takeError();
    if (numpy)
      return writeNumpyFile(tensor, path);
    const auto *values = reinterpret_cast<const float *>(tensor.getData());
    ::onnx::SequenceProto sequence;
    sequence.set_name(name.str());
    sequence.set_elem_type(::onnx::SequenceProto::MAP);
    for (int64_t row = 0, rows = tensor.getShape()[0]; row < rows; ++row) {
      ::onnx::MapProto *map = sequence.add_map_values();
      map->set_key_type(presentation.intKeys.empty()
                            ? ::onnx::TensorProto::STRING
                            : ::onnx::TensorProto::INT64);
      for (int64_t key : presentation.intKeys)
        map->add_keys(key);
      for (const std::string &key : presentation.stringKeys)
        map->add_string_keys(key);
      ::onnx::SequenceProto *mapValues = map->mutable_values();
      mapValues->set_elem_type(::onnx::SequenceProto::TENSOR);
      for (int64_t k = 0; k < *keys; ++k) {
        ::onnx::TensorProto *value = mapValues->add_tensor_values();
        value->set_data_type(::onnx::TensorProto::FLOAT);
        value->add_float_data(values[row * *keys + k]);
      }
    }
    return writeProto(sequence, path);
  }
  }
  return Error::success();
}

Error printPresentedOutput(raw_ostream &os, const HostTensor &tensor,
                           const OutputPresentation &presentation) {
  switch (presentation.kind) {
  case OutputPresentation::Kind::Tensor:
    os << "[";
    for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i)
      os << (i ? ", " : "") << formatElement(tensor, i);
    os << "]\n";
    return Error::success();
  case OutputPresentation::Kind::Labels: {
    Expected<std::vector<const std::string *>> labels =
        lookUpLabels(tensor, presentation.labels);
    if (!labels)
      return labels.takeError();
    os << "[";
    interleaveComma(*labels, os, [&](const std::string *label) {
      os << '"';
      os.write_escaped(*label);
      os << '"';
    });
    os << "]\n";
    return Error::success();
  }
  case OutputPresentation::Kind::ZipMap: {
    Expected<int64_t> keys = checkMapRows(tensor, presentation);
    if (!keys)
      return keys.takeError();
    os << "[";
    for (int64_t row = 0, rows = tensor.getShape()[0]; row < rows; ++row) {
      os << (row ? ", {" : "{");
      for (int64_t k = 0; k < *keys; ++k) {
        os << (k ? ", " : "");
        if (presentation.intKeys.empty()) {
          os << '"';
          os.write_escaped(presentation.stringKeys[k]);
          os << '"';
        } else {
          os << presentation.intKeys[k];
        }
        os << ": " << formatElement(tensor, row * *keys + k);
      }
      os << "}";
    }
    os << "]\n";
    return Error::success();
  }
  }
  return Error::success();
}

} // namespace lowrank
