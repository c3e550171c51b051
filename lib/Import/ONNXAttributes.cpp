//===- ONNXAttributes.cpp - ONNX types, tensors and attributes ------------===//
//
// ONNX types become tensor types where MLIR has the element type, and
// `!onnx.value<...>` otherwise, so that any value of any model has a type.
// Tensors become dense attributes (small ones, which folding reads) or
// `dense_resource` blobs (weights, never copied by passes); external data
// is mapped rather than read where it is large and aligned.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "lowrank/Dialect/ONNX/IR/ONNXDataType.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Import/ONNXTensor.h"
#include "lowrank/Support/MappedWeights.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"

#include <onnx/defs/data_type_utils.h>

using namespace mlir;
using namespace llvm;

namespace lowrank {

Type GraphImporter::convertType(const ::onnx::TypeProto &type) {
  auto opaque = [&]() -> Type {
    std::string spelling = "unknown";
    try {
      spelling = *::onnx::Utils::DataTypeUtils::ToType(type);
    } catch (const std::exception &) {
      // An ill-formed TypeProto: the checker refuses such models, but the
      // importer must not depend on it having run.
    }
    return onnx::ValueType::get(context, spelling);
  };
  if (!type.has_tensor_type())
    return opaque();
  const auto &tensorType = type.tensor_type();
  Type elementType = onnx::getElementType(tensorType.elem_type(), context);
  if (!elementType)
    return opaque();
  if (!tensorType.has_shape())
    return UnrankedTensorType::get(elementType);
  SmallVector<int64_t> shape;
  for (const auto &dim : tensorType.shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : ShapedType::kDynamic);
  return RankedTensorType::get(shape, elementType);
}

static std::string sanitizeResourceName(StringRef name) {
  std::string result;
  for (char c : name)
    result.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (result.empty() || llvm::isDigit(result.front()))
    result.insert(0, "w_");
  return result;
}

FailureOr<ElementsAttr>
GraphImporter::convertTensor(const ::onnx::TensorProto &tensor, Location loc,
                             bool allowResource, bool *unsupported) {
  Type elementType = onnx::getElementType(tensor.data_type(), context);
  if (!elementType) {
    if (unsupported) {
      *unsupported = true;
      return ElementsAttr();
    }
    emitError(loc) << "tensor '" << tensor.name()
                   << "' has unsupported data type " << tensor.data_type();
    return failure();
  }
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  if (allowResource && !elementType.isInteger(1) &&
      tensor.data_location() == ::onnx::TensorProto::EXTERNAL) {
    FailureOr<ElementsAttr> mapped =
        mapExternalTensor(tensor, loc, elementType);
    if (failed(mapped) || *mapped)
      return mapped;
  }
  auto bytes = readTensorBytes(tensor, baseDir);
  if (!bytes) {
    emitError(loc) << toString(bytes.takeError());
    return failure();
  }
  auto type = RankedTensorType::get(shape, elementType);
  int64_t count = type.getNumElements();

  if (elementType.isInteger(1)) {
    SmallVector<bool> flags;
    for (char byte : *bytes)
      flags.push_back(byte != 0);
    return ElementsAttr(DenseElementsAttr::get(type, flags));
  }
  if (allowResource && count > options.inlineConstantLimit) {
    // Cache-line alignment lets compiled code and numerics read the blob in
    // place with aligned vector loads.
    auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(*bytes), /*align=*/64);
    return ElementsAttr(DenseResourceElementsAttr::get(
        type, sanitizeResourceName(tensor.name()), std::move(blob)));
  }
  bool detectedSplat = false;
  if (!DenseElementsAttr::isValidRawBuffer(type, *bytes, detectedSplat)) {
    emitError(loc) << "tensor '" << tensor.name() << "' has an invalid buffer";
    return failure();
  }
  return ElementsAttr(DenseElementsAttr::getFromRawBuffer(type, *bytes));
}

/// Large external-data weights become blobs over the mapped file: the model's
/// weights are neither read nor copied until a pass needs them, and the
/// mapping lives as long as the blob. Returns a null attribute when the
/// tensor is better copied (small, or its offset breaks the blob's 64-byte
/// alignment).
FailureOr<ElementsAttr>
GraphImporter::mapExternalTensor(const ::onnx::TensorProto &tensor,
                                 Location loc, Type elementType) {
  auto buffer = mapExternalTensorData(tensor, baseDir);
  if (!buffer) {
    emitError(loc) << toString(buffer.takeError());
    return failure();
  }
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  auto type = RankedTensorType::get(shape, elementType);
  StringRef data = (*buffer)->getBuffer();
  constexpr size_t kAlign = 64;
  if (type.getNumElements() <= options.inlineConstantLimit ||
      reinterpret_cast<uintptr_t>(data.data()) % kAlign != 0)
    return ElementsAttr();
  std::shared_ptr<MemoryBuffer> owner = std::move(*buffer);
  bool mapped = owner->getBufferKind() == MemoryBuffer::MemoryBuffer_MMap;
  if (mapped)
    registerMappedWeight(data.data(), data.size());
  AsmResourceBlob blob(
      ArrayRef<char>(data.data(), data.size()), kAlign,
      [owner, mapped](void *, size_t, size_t) mutable {
        if (mapped)
          unregisterMappedWeight(owner->getBufferStart());
        owner.reset();
      },
      /*dataIsMutable=*/false);
  return ElementsAttr(DenseResourceElementsAttr::get(
      type, sanitizeResourceName(tensor.name()), std::move(blob)));
}

FailureOr<ElementsAttr>
GraphImporter::convertConstantValue(const ::onnx::NodeProto &node,
                                    Location loc) {
  for (const auto &attr : node.attribute()) {
    StringRef name = attr.name();
    if (name == "value")
      return convertTensor(attr.t(), loc, /*allowResource=*/true);
    if (name == "value_float")
      return ElementsAttr(DenseElementsAttr::get(
          RankedTensorType::get({}, builder.getF32Type()), attr.f()));
    if (name == "value_int")
      return ElementsAttr(DenseElementsAttr::get(
          RankedTensorType::get({}, builder.getI64Type()),
          static_cast<int64_t>(attr.i())));
    if (name == "value_floats") {
      SmallVector<float> data(attr.floats().begin(), attr.floats().end());
      return ElementsAttr(DenseElementsAttr::get(
          RankedTensorType::get({static_cast<int64_t>(data.size())},
                                builder.getF32Type()),
          ArrayRef<float>(data)));
    }
    if (name == "value_ints") {
      SmallVector<int64_t> data(attr.ints().begin(), attr.ints().end());
      return ElementsAttr(DenseElementsAttr::get(
          RankedTensorType::get({static_cast<int64_t>(data.size())},
                                builder.getI64Type()),
          ArrayRef<int64_t>(data)));
    }
    break;
  }
  // value_string(s), sparse_value and malformed nodes: no modelled form.
  return ElementsAttr();
}

std::optional<Attribute>
GraphImporter::convertAttribute(const ::onnx::AttributeProto &attr,
                                Location loc, bool &failed) {
  switch (attr.type()) {
  case ::onnx::AttributeProto::INT:
    return builder.getI64IntegerAttr(attr.i());
  case ::onnx::AttributeProto::FLOAT:
    return builder.getF32FloatAttr(attr.f());
  case ::onnx::AttributeProto::STRING:
    return builder.getStringAttr(attr.s());
  case ::onnx::AttributeProto::INTS:
    return builder.getDenseI64ArrayAttr(
        SmallVector<int64_t>(attr.ints().begin(), attr.ints().end()));
  case ::onnx::AttributeProto::FLOATS:
    return builder.getDenseF32ArrayAttr(
        SmallVector<float>(attr.floats().begin(), attr.floats().end()));
  case ::onnx::AttributeProto::TENSOR: {
    bool unsupported = false;
    auto value = convertTensor(attr.t(), loc, /*allowResource=*/false,
                               &unsupported);
    if (mlir::failed(value)) {
      failed = true;
      return std::nullopt;
    }
    if (unsupported)
      return std::nullopt;
    return Attribute(*value);
  }
  default:
    return std::nullopt;
  }
}

} // namespace lowrank
