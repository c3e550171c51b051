//===- ONNXImporter.cpp - ONNX models into the onnx dialect ---------------===//
//
// One onnx dialect op per node, in graph order, with the node name as its
// location. Operands and results are padded to the ONNX schema's arity with
// `none` values so that every op has a fixed operand layout. Types come from
// ONNX shape inference, run by the loader.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Import/ONNXImporter.h"
#include "lowrank/Dialect/ONNX/IR/ONNXDataType.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Import/ONNXTensor.h"
#include "lowrank/Support/MappedWeights.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <onnx/defs/schema.h>

using namespace mlir;
using namespace llvm;

namespace lowrank {
namespace {

class GraphImporter {
public:
  GraphImporter(const ::onnx::ModelProto &model, StringRef path,
                MLIRContext *context, const ONNXImportOptions &options)
      : graph(model.graph()), path(path), context(context),
        builder(context), options(options),
        fileLoc(FileLineColLoc::get(context, path, 0, 0)) {
    baseDir = sys::path::parent_path(path).str();
    if (baseDir.empty())
      baseDir = ".";
    for (const auto &opset : model.opset_import())
      if (opset.domain().empty() || opset.domain() == "ai.onnx")
        opsetVersion = static_cast<int>(opset.version());
  }

  OwningOpRef<ModuleOp> run();

private:
  InFlightDiagnostic error(Location loc) { return emitError(loc); }
  Location nodeLoc(const ::onnx::NodeProto &node, int index);

  FailureOr<Type> convertType(const ::onnx::TypeProto &type, StringRef name,
                              Location loc);
  FailureOr<ElementsAttr> convertTensor(const ::onnx::TensorProto &tensor,
                                        Location loc, bool allowResource);
  FailureOr<ElementsAttr> mapExternalTensor(const ::onnx::TensorProto &tensor,
                                            Location loc, Type elementType);
  FailureOr<NamedAttribute> convertAttribute(const ::onnx::AttributeProto &attr,
                                             Location loc);
  FailureOr<ElementsAttr> convertConstantValue(const ::onnx::NodeProto &node,
                                               Location loc);
  LogicalResult importInitializers();
  LogicalResult importNode(const ::onnx::NodeProto &node, int index);
  Value getNoValue();

  const ::onnx::GraphProto &graph;
  std::string path;
  std::string baseDir;
  MLIRContext *context;
  OpBuilder builder;
  const ONNXImportOptions &options;
  Location fileLoc;
  int opsetVersion = kMinONNXOpset;

  StringMap<Value> values;
  StringMap<const ::onnx::TypeProto *> declaredTypes;
  Value noValue;
};

} // namespace

Location GraphImporter::nodeLoc(const ::onnx::NodeProto &node, int index) {
  std::string name = node.name();
  if (name.empty())
    name = node.op_type() + "_" + std::to_string(index);
  return NameLoc::get(StringAttr::get(context, name), fileLoc);
}

Value GraphImporter::getNoValue() {
  if (!noValue) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(builder.getInsertionBlock());
    noValue = onnx::NoValueOp::create(builder, fileLoc, builder.getNoneType());
  }
  return noValue;
}

FailureOr<Type> GraphImporter::convertType(const ::onnx::TypeProto &type,
                                           StringRef name, Location loc) {
  if (!type.has_tensor_type()) {
    error(loc) << "value '" << name
               << "' is not a tensor (sequences, maps and optionals are not "
                  "supported)";
    return failure();
  }
  const auto &tensorType = type.tensor_type();
  Type elementType = onnx::getElementType(tensorType.elem_type(), context);
  if (!elementType) {
    error(loc) << "value '" << name << "' has unsupported element type "
               << tensorType.elem_type();
    return failure();
  }
  if (!tensorType.has_shape())
    return Type(UnrankedTensorType::get(elementType));
  SmallVector<int64_t> shape;
  for (const auto &dim : tensorType.shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : ShapedType::kDynamic);
  return Type(RankedTensorType::get(shape, elementType));
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
                             bool allowResource) {
  Type elementType = onnx::getElementType(tensor.data_type(), context);
  if (!elementType) {
    error(loc) << "tensor '" << tensor.name() << "' has unsupported data type "
               << tensor.data_type();
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
    error(loc) << toString(bytes.takeError());
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
    error(loc) << "tensor '" << tensor.name() << "' has an invalid buffer";
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
    error(loc) << toString(buffer.takeError());
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
GraphImporter::convertConstantValue(const ::onnx::NodeProto &node, Location loc) {
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
    error(loc) << "Constant attribute '" << name << "' is not supported";
    return failure();
  }
  error(loc) << "Constant node has no value";
  return failure();
}

FailureOr<NamedAttribute>
GraphImporter::convertAttribute(const ::onnx::AttributeProto &attr,
                                Location loc) {
  auto named = [&](Attribute value) -> FailureOr<NamedAttribute> {
    return NamedAttribute(builder.getStringAttr(attr.name()), value);
  };
  switch (attr.type()) {
  case ::onnx::AttributeProto::INT:
    return named(builder.getI64IntegerAttr(attr.i()));
  case ::onnx::AttributeProto::FLOAT:
    return named(builder.getF32FloatAttr(attr.f()));
  case ::onnx::AttributeProto::STRING:
    return named(builder.getStringAttr(attr.s()));
  case ::onnx::AttributeProto::INTS:
    return named(builder.getDenseI64ArrayAttr(
        SmallVector<int64_t>(attr.ints().begin(), attr.ints().end())));
  case ::onnx::AttributeProto::FLOATS:
    return named(builder.getDenseF32ArrayAttr(
        SmallVector<float>(attr.floats().begin(), attr.floats().end())));
  case ::onnx::AttributeProto::TENSOR: {
    auto value = convertTensor(attr.t(), loc, /*allowResource=*/false);
    if (failed(value))
      return failure();
    return named(*value);
  }
  default:
    error(loc) << "attribute '" << attr.name() << "' has unsupported kind "
               << ::onnx::AttributeProto::AttributeType_Name(attr.type());
    return failure();
  }
}

LogicalResult GraphImporter::importInitializers() {
  for (const auto &tensor : graph.initializer()) {
    Location loc = NameLoc::get(builder.getStringAttr(tensor.name()), fileLoc);
    auto value = convertTensor(tensor, loc, /*allowResource=*/true);
    if (failed(value))
      return failure();
    values[tensor.name()] =
        onnx::ConstantOp::create(builder, loc, value->getType(), *value);
  }
  return success();
}

LogicalResult GraphImporter::importNode(const ::onnx::NodeProto &node,
                                        int index) {
  Location loc = nodeLoc(node, index);
  StringRef opType = node.op_type();
  auto describe = [&]() {
    std::string name = node.name().empty()
                           ? "#" + std::to_string(index)
                           : node.name();
    return ("node '" + name + "' (" + opType + ")").str();
  };
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return error(loc) << describe() << ": domain '" << node.domain()
                      << "' is not supported";
  std::string opName = ("onnx." + opType).str();
  std::optional<RegisteredOperationName> registered =
      RegisteredOperationName::lookup(opName, context);
  if (!registered || opType == "NoValue")
    return error(loc) << describe() << ": unsupported operator '" << opType
                      << "'";

  const ::onnx::OpSchema *schema =
      ::onnx::OpSchemaRegistry::Schema(node.op_type(), opsetVersion, "");
  if (!schema)
    return error(loc) << describe() << ": no ONNX schema at opset "
                      << opsetVersion;

  SmallVector<Value> operands;
  for (const std::string &input : node.input()) {
    if (input.empty()) {
      operands.push_back(getNoValue());
      continue;
    }
    auto it = values.find(input);
    if (it == values.end())
      return error(loc) << describe() << ": input '" << input
                        << "' is not defined";
    operands.push_back(it->second);
  }
  auto isVariadic = [](const std::vector<::onnx::OpSchema::FormalParameter> &p) {
    return !p.empty() &&
           p.back().GetOption() == ::onnx::OpSchema::FormalParameterOption::Variadic;
  };
  if (!isVariadic(schema->inputs()))
    while (operands.size() < schema->inputs().size())
      operands.push_back(getNoValue());

  SmallVector<std::string> outputNames(node.output().begin(),
                                       node.output().end());
  if (!isVariadic(schema->outputs()))
    while (outputNames.size() < schema->outputs().size())
      outputNames.push_back("");
  SmallVector<Type> resultTypes;
  for (const std::string &output : outputNames) {
    if (output.empty()) {
      resultTypes.push_back(builder.getNoneType());
      continue;
    }
    auto it = declaredTypes.find(output);
    if (it == declaredTypes.end())
      return error(loc) << describe() << ": ONNX shape inference gave no type "
                        << "for output '" << output << "'";
    auto type = convertType(*it->second, output, loc);
    if (failed(type))
      return failure();
    resultTypes.push_back(*type);
  }

  OperationState state(loc, *registered);
  state.addOperands(operands);
  state.addTypes(resultTypes);
  if (opType == "Constant") {
    auto value = convertConstantValue(node, loc);
    if (failed(value))
      return failure();
    state.addAttribute("value", *value);
    // Types from inference and from the value must agree; trust the value.
    state.types[0] = value->getType();
  } else {
    ArrayRef<StringAttr> known = registered->getAttributeNames();
    for (const auto &attr : node.attribute()) {
      if (!llvm::any_of(known, [&](StringAttr name) {
            return name.getValue() == attr.name();
          }))
        return error(loc) << describe() << ": attribute '" << attr.name()
                          << "' is not supported";
      auto converted = convertAttribute(attr, loc);
      if (failed(converted))
        return failure();
      state.attributes.push_back(*converted);
    }
  }
  Operation *op = builder.create(state);
  for (auto [name, result] : llvm::zip(outputNames, op->getResults()))
    if (!name.empty())
      values[name] = result;
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  (*module)->setAttr(kONNXOpsetAttr, builder.getI64IntegerAttr(opsetVersion));
  builder.setInsertionPointToEnd(module->getBody());

  for (const auto &info : graph.value_info())
    declaredTypes[info.name()] = &info.type();
  for (const auto &info : graph.output())
    declaredTypes[info.name()] = &info.type();

  llvm::StringSet<> initializerNames;
  for (const auto &tensor : graph.initializer())
    initializerNames.insert(tensor.name());

  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const auto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    Location loc = NameLoc::get(builder.getStringAttr(input.name()), fileLoc);
    auto type = convertType(input.type(), input.name(), loc);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    argNames.push_back(input.name());
  }

  auto func = func::FuncOp::create(builder, fileLoc, kGraphFunctionName,
                                   builder.getFunctionType(argTypes, {}));
  if (!graph.name().empty())
    func->setAttr(kONNXGraphNameAttr, builder.getStringAttr(graph.name()));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (auto [index, name] : llvm::enumerate(argNames)) {
    values[name] = body->getArgument(index);
    func.setArgAttr(index, kONNXNameAttr, builder.getStringAttr(name));
  }

  if (failed(importInitializers()))
    return nullptr;
  for (auto [index, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, static_cast<int>(index))))
      return nullptr;

  SmallVector<Value> results;
  for (const auto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end()) {
      error(fileLoc) << "graph output '" << output.name()
                     << "' is not produced by any node";
      return nullptr;
    }
    results.push_back(it->second);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setFunctionType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [index, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(index, kONNXNameAttr,
                       builder.getStringAttr(output.name()));

  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp> importONNXModel(const ::onnx::ModelProto &model,
                                      StringRef path, MLIRContext *context,
                                      const ONNXImportOptions &options) {
  context->loadDialect<onnx::ONNXDialect, func::FuncDialect>();
  return GraphImporter(model, path, context, options).run();
}

OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext *context,
                                     const ONNXImportOptions &options) {
  auto model = loadONNXModel(path, options);
  if (!model) {
    std::string message = toString(model.takeError());
    // The loader's messages start with the file name already.
    StringRef text(message);
    text.consume_front(path);
    text.consume_front(": ");
    emitError(FileLineColLoc::get(context, path, 0, 0)) << text;
    return nullptr;
  }
  return importONNXModel(*model, path, context, options);
}

bool isONNXFile(StringRef path, StringRef contents) {
  if (path.ends_with(".onnx"))
    return true;
  if (path.ends_with(".mlir") || path.ends_with(".mlirbc"))
    return false;
  if (contents.starts_with("ML\xEFR"))
    return false;
  // MLIR text is printable; a ModelProto starts with a varint field tag.
  StringRef trimmed = contents.ltrim();
  if (trimmed.empty() || llvm::isPrint(trimmed.front()))
    return false;
  ::onnx::ModelProto probe;
  return probe.ParseFromArray(contents.data(), static_cast<int>(contents.size()));
}

void registerImportDialects(DialectRegistry &registry) {
  registry.insert<onnx::ONNXDialect, func::FuncDialect>();
}

} // namespace lowrank
