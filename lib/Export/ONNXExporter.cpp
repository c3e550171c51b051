//===- ONNXExporter.cpp - The onnx dialect back to an ONNX model ----------===//

#include "GraphExporter.h"
#include "lowrank/Dialect/ONNX/IR/ONNXDataType.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Import/ONNXImporter.h"
#include "lowrank/Import/ONNXModelLoader.h"
#include "lowrank/Import/ONNXTensor.h"
#include "lowrank/Support/FileUtils.h"
#include "lowrank/Support/MappedWeights.h"
#include "lowrank/Support/NodeName.h"
#include "lowrank/Support/TemporaryFiles.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"
#include <onnx/defs/schema.h>

using namespace mlir;

namespace lowrank {

std::string GraphExporter::uniqueName(StringRef base) {
  std::string name = base.empty() ? "v" : base.str();
  while (!usedNames.insert(name).second)
    name = (base.empty() ? "v" : base.str()) + "_" + std::to_string(counter++);
  return name;
}

std::string GraphExporter::nameOf(Value value) {
  if (isa<NoneType>(value.getType()))
    return "";
  auto it = names.find(value);
  if (it != names.end())
    return it->second;
  std::string base;
  if (Operation *def = value.getDefiningOp())
    if (std::optional<std::string> node = getNodeName(def))
      base =
          *node +
          (def->getNumResults() > 1
               ? "_" + std::to_string(cast<OpResult>(value).getResultNumber())
               : "");
  std::string name = uniqueName(base);
  names[value] = name;
  return name;
}

LogicalResult GraphExporter::setType(::onnx::ValueInfoProto &info, Type type,
                                     Location loc) {
  auto tensorType = dyn_cast<TensorType>(type);
  std::optional<int32_t> dataType =
      tensorType ? onnx::getONNXDataType(tensorType.getElementType())
                 : std::nullopt;
  if (!dataType)
    return emitError(loc) << "type " << type << " has no ONNX form";
  auto *onnxType = info.mutable_type()->mutable_tensor_type();
  onnxType->set_elem_type(*dataType);
  if (auto ranked = dyn_cast<RankedTensorType>(type)) {
    auto *shape = onnxType->mutable_shape();
    for (auto [i, size] : llvm::enumerate(ranked.getShape())) {
      auto *dim = shape->add_dim();
      if (ShapedType::isDynamic(size))
        dim->set_dim_param(info.name() + "_dim" + std::to_string(i));
      else
        dim->set_dim_value(size);
    }
  }
  return success();
}

/// Row-major element bytes of a dense or dense_resource attribute.
FailureOr<std::vector<char>> getElementBytes(ElementsAttr value) {
  auto type = cast<ShapedType>(value.getType());
  int64_t count = type.getNumElements();
  int64_t width = onnx::getElementByteWidth(type.getElementType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || static_cast<int64_t>(blob->getData().size()) != count * width)
      return failure();
    ArrayRef<char> data = blob->getData();
    std::vector<char> bytes(data.begin(), data.end());
    // Copied: the pages of a mapped or spilled weight need not stay
    // resident while the rest of the model is written.
    releaseMappedPages(data.data(), data.size());
    return bytes;
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return failure();
  std::vector<char> bytes(count * width);
  if (type.getElementType().isInteger(1)) {
    for (auto [i, flag] : llvm::enumerate(dense.getValues<bool>()))
      bytes[i] = flag ? 1 : 0;
    return bytes;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    for (int64_t i = 0; i < count; ++i)
      std::copy(raw.begin(), raw.begin() + width, bytes.begin() + i * width);
    return bytes;
  }
  std::copy(raw.begin(), raw.end(), bytes.begin());
  return bytes;
}

LogicalResult GraphExporter::fillTensor(::onnx::TensorProto &tensor,
                                        ElementsAttr value, Location loc,
                                        bool allowExternal) {
  auto type = cast<ShapedType>(value.getType());
  std::optional<int32_t> dataType =
      onnx::getONNXDataType(type.getElementType());
  FailureOr<std::vector<char>> bytes = getElementBytes(value);
  if (!dataType || failed(bytes))
    return emitError(loc) << "constant of type " << type
                          << " cannot be written to ONNX";
  tensor.set_data_type(*dataType);
  for (int64_t size : type.getShape())
    tensor.add_dims(size);
  fillTensorBytes(tensor, *bytes, allowExternal);
  return success();
}

void GraphExporter::fillTensorBytes(::onnx::TensorProto &tensor,
                                    ArrayRef<char> bytes, bool allowExternal) {
  // Memory holds a byte per element of the 4- and 2-bit types; files pack
  // them.
  std::vector<char> packed;
  if (int64_t bitWidth = getONNXPackedBitWidth(tensor.data_type())) {
    packed = packONNXElements(bytes, bitWidth);
    bytes = packed;
  }
  tensor.clear_raw_data();
  tensor.clear_external_data();
  tensor.clear_data_location();
  if (allowExternal && external && bytes.size() > 1024) {
    // Offsets aligned to 4 KiB let readers map the file page by page. The
    // bytes go straight to the file: no copy of all weights is kept.
    uint64_t offset = (externalSize + 4095) / 4096 * 4096;
    external->stream->write_zeros(offset - externalSize);
    external->stream->write(bytes.data(), bytes.size());
    externalSize = offset + bytes.size();
    tensor.set_data_location(::onnx::TensorProto::EXTERNAL);
    auto addEntry = [&](const char *key, const std::string &text) {
      auto *entry = tensor.add_external_data();
      entry->set_key(key);
      entry->set_value(text);
    };
    addEntry("location", external->location);
    addEntry("offset", std::to_string(offset));
    addEntry("length", std::to_string(bytes.size()));
    return;
  }
  tensor.set_raw_data(bytes.data(), bytes.size());
}

LogicalResult GraphExporter::exportConstant(Operation *constant,
                                            StringRef name) {
  auto op = cast<onnx::ConstantOp>(constant);
  auto *tensor = graph.add_initializer();
  tensor->set_name(name.str());
  return fillTensor(*tensor, op.getValue(), op.getLoc(),
                    /*allowExternal=*/true);
}

LogicalResult GraphExporter::exportAttribute(::onnx::NodeProto &node,
                                             NamedAttribute attr,
                                             Location loc) {
  auto *out = node.add_attribute();
  out->set_name(attr.getName().str());
  Attribute value = attr.getValue();
  if (auto i = dyn_cast<IntegerAttr>(value)) {
    out->set_type(::onnx::AttributeProto::INT);
    out->set_i(i.getInt());
  } else if (auto f = dyn_cast<FloatAttr>(value)) {
    out->set_type(::onnx::AttributeProto::FLOAT);
    out->set_f(static_cast<float>(f.getValueAsDouble()));
  } else if (auto s = dyn_cast<StringAttr>(value)) {
    out->set_type(::onnx::AttributeProto::STRING);
    out->set_s(s.str());
  } else if (auto ints = dyn_cast<DenseI64ArrayAttr>(value)) {
    out->set_type(::onnx::AttributeProto::INTS);
    for (int64_t v : ints.asArrayRef())
      out->add_ints(v);
  } else if (auto floats = dyn_cast<DenseF32ArrayAttr>(value)) {
    out->set_type(::onnx::AttributeProto::FLOATS);
    for (float v : floats.asArrayRef())
      out->add_floats(v);
  } else if (auto strings = dyn_cast<ArrayAttr>(value);
             strings && llvm::all_of(strings, llvm::IsaPred<StringAttr>)) {
    out->set_type(::onnx::AttributeProto::STRINGS);
    for (Attribute s : strings)
      out->add_strings(cast<StringAttr>(s).str());
  } else if (auto elements = dyn_cast<ElementsAttr>(value)) {
    out->set_type(::onnx::AttributeProto::TENSOR);
    return fillTensor(*out->mutable_t(), elements, loc,
                      /*allowExternal=*/false);
  } else {
    return emitError(loc) << "attribute '" << attr.getName()
                          << "' has no ONNX form";
  }
  return success();
}

/// Whether two attributes hold the same value (for defaults).
static bool sameAttributeValue(const ::onnx::AttributeProto &a,
                               const ::onnx::AttributeProto &b) {
  std::string x, y;
  ::onnx::AttributeProto ca = a, cb = b;
  ca.clear_name();
  cb.clear_name();
  ca.clear_doc_string();
  cb.clear_doc_string();
  ca.SerializeToString(&x);
  cb.SerializeToString(&y);
  return x == y;
}

/// Softmax, LogSoftmax and Hardmax normalize over one axis from opset 13
/// on and over every axis from `axis` on before (`flatten_from_axis`). An
/// operation is written at `opset` only where the two agree: its form is
/// that opset's, or every dimension after `axis` has size 1.
static LogicalResult checkSoftmaxForm(Operation *op, int64_t opset) {
  if (!isa<onnx::SoftmaxOp, onnx::LogSoftmaxOp, onnx::HardmaxOp>(op))
    return success();
  auto flag = op->getAttrOfType<BoolAttr>("flatten_from_axis");
  bool flattens = flag && flag.getValue();
  if (flattens == (opset < 13))
    return success();
  auto axisAttr = op->getAttrOfType<IntegerAttr>("axis");
  int64_t axis = axisAttr ? axisAttr.getInt() : -1;
  if (auto type = dyn_cast<RankedTensorType>(op->getOperand(0).getType())) {
    int64_t rank = type.getRank();
    if (axis < 0)
      axis += rank;
    if (axis >= 0 && axis < rank &&
        llvm::all_of(type.getShape().drop_front(axis + 1),
                     [](int64_t size) { return size == 1; }))
      return success();
  }
  return op->emitError(op->getName().stripDialect())
         << (flattens ? " over every axis from `axis` on"
                      : " over the one axis `axis`")
         << " has no form at opset " << opset;
}

LogicalResult GraphExporter::exportNode(Operation *op, StringRef nodeName) {
  if (op->getDialect() == nullptr || op->getDialect()->getNamespace() != "onnx")
    return op->emitError("'")
           << op->getName() << "' has no ONNX form; export before lowering";
  if (op->getNumRegions() > 0 && !isa<onnx::OpaqueOp>(op))
    return op->emitError("node with subgraphs can be exported only from its "
                         "original model (import the .onnx file)");
  auto *node = graph.add_node();
  node->set_op_type(op->getName().stripDialect().str());
  if (isa<onnx::OpaqueOp>(op) && failed(exportOpaqueNode(op, *node)))
    return failure();
  node->set_name(nodeName.empty()
                     ? uniqueName(getNodeName(op).value_or(node->op_type()))
                     : nodeName.str());
  for (Value operand : op->getOperands())
    node->add_input(nameOf(operand));
  while (node->input_size() > 0 && node->input(node->input_size() - 1).empty())
    node->mutable_input()->RemoveLast();
  for (Value result : op->getResults())
    node->add_output(nameOf(result));
  while (node->output_size() > 0 &&
         node->output(node->output_size() - 1).empty())
    node->mutable_output()->RemoveLast();
  if (isa<onnx::OpaqueOp>(op))
    return success();

  if (failed(checkSoftmaxForm(op, opset)))
    return failure();

  // Attributes the operator has at the written opset; one it gained later
  // is left out when it holds the default of the version that has it.
  const ::onnx::OpSchema *schema =
      ::onnx::OpSchemaRegistry::Schema(node->op_type(), opset, "");
  if (!schema)
    return op->emitError("operator '")
           << node->op_type() << "' does not exist at opset " << opset;
  const ::onnx::OpSchema *newest =
      ::onnx::OpSchemaRegistry::Schema(node->op_type(), INT32_MAX, "");
  for (NamedAttribute attr : op->getAttrs()) {
    StringRef name = attr.getName().getValue();
    if (name.starts_with("lowrank.") || name.starts_with("onnx."))
      continue;
    // The form is checked against the written opset below.
    if (name == "flatten_from_axis")
      continue;
    if (failed(exportAttribute(*node, attr, op->getLoc())))
      return failure();
    if (schema->attributes().count(name.str()))
      continue;
    const ::onnx::AttributeProto &written =
        node->attribute(node->attribute_size() - 1);
    auto later = newest ? newest->attributes().find(name.str())
                        : schema->attributes().end();
    if (newest && later != newest->attributes().end() &&
        later->second.default_value.has_type() &&
        sameAttributeValue(later->second.default_value, written)) {
      node->mutable_attribute()->RemoveLast();
      continue;
    }
    return op->emitError("attribute '") << name << "' of " << node->op_type()
                                        << " does not exist at opset " << opset;
  }
  return success();
}

/// An opaque operation's node: its domain, type and attributes as they
/// were read. Subgraphs are written only by patching the input model.
LogicalResult GraphExporter::exportOpaqueNode(Operation *op,
                                              ::onnx::NodeProto &node) {
  auto opaque = cast<onnx::OpaqueOp>(op);
  if (!opaque.getSubgraphs().empty())
    return op->emitError("node with subgraphs can be exported only from its "
                         "original model (import the .onnx file)");
  node.set_op_type(opaque.getOpType().str());
  node.set_domain(opaque.getDomain().str());
  for (NamedAttribute attr : opaque.getNodeAttributes())
    if (failed(exportAttribute(node, attr, op->getLoc())))
      return failure();
  for (NamedAttribute attr : opaque.getEncodedAttributes()) {
    auto bytes = dyn_cast<StringAttr>(attr.getValue());
    if (!bytes || !node.add_attribute()->ParseFromString(bytes.str()))
      return op->emitError("attribute '")
             << attr.getName() << "' is not an encoded AttributeProto";
  }
  return success();
}

LogicalResult GraphExporter::exportFunction(Operation *funcOp) {
  auto func = cast<func::FuncOp>(funcOp);
  if (auto graphName = func->getAttrOfType<StringAttr>(kONNXGraphNameAttr))
    graph.set_name(graphName.str());
  else
    graph.set_name(func.getName().str());

  // Graph inputs and outputs keep their ONNX names.
  for (BlockArgument arg : func.getArguments()) {
    auto name =
        func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kONNXNameAttr);
    names[arg] = uniqueName(
        name ? name.getValue() : "input_" + std::to_string(arg.getArgNumber()));
    auto *input = graph.add_input();
    input->set_name(names[arg]);
    if (failed(setType(*input, arg.getType(), func.getLoc())))
      return failure();
  }
  auto returnOp = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [i, value] : llvm::enumerate(returnOp.getOperands())) {
    auto name = func.getResultAttrOfType<StringAttr>(i, kONNXNameAttr);
    std::string outputName =
        uniqueName(name ? name.getValue() : "output_" + std::to_string(i));
    if (!names.count(value) && !isa<BlockArgument>(value)) {
      names[value] = outputName;
    } else {
      // An output that is an input or another output: ONNX needs a node.
      auto *identity = graph.add_node();
      identity->set_op_type("Identity");
      identity->set_name(uniqueName(outputName + "_identity"));
      identity->add_input(nameOf(value));
      identity->add_output(outputName);
    }
    auto *output = graph.add_output();
    output->set_name(outputName);
    if (failed(setType(*output, value.getType(), func.getLoc())))
      return failure();
  }

  for (Operation &op : func.getBody().front().without_terminator()) {
    if (isa<onnx::NoValueOp>(op))
      continue;
    if (auto constant = dyn_cast<onnx::ConstantOp>(op)) {
      if (failed(exportConstant(constant, nameOf(constant.getResult()))))
        return failure();
      continue;
    }
    if (failed(exportNode(&op)))
      return failure();
  }
  return success();
}

int64_t getIRVersionForOpset(int64_t opset) {
  // The IR version each opset was released with (onnx.helper.VERSION_TABLE):
  // the oldest that readers of that opset accept.
  static constexpr std::pair<int64_t, int64_t> kReleases[] = {
      {12, 7}, {18, 8}, {20, 9}, {22, 10}, {24, 11}};
  for (auto [lastOpset, irVersion] : kReleases)
    if (opset <= lastOpset)
      return irVersion;
  return ::onnx::IR_VERSION;
}

LogicalResult exportONNXModel(ModuleOp module, ::onnx::ModelProto &model,
                              const ExternalDataSink *externalData) {
  func::FuncOp entry = module.lookupSymbol<func::FuncOp>(kGraphFunctionName);
  if (!entry) {
    auto funcs = module.getOps<func::FuncOp>();
    if (std::distance(funcs.begin(), funcs.end()) != 1)
      return module.emitError("ONNX export needs a function named '")
             << kGraphFunctionName << "' or exactly one function";
    entry = *funcs.begin();
  }
  if (!entry.getBody().hasOneBlock())
    return entry.emitError("ONNX export needs a single-block function");

  model.set_producer_name("lowrank-opt");
  auto *opset = model.add_opset_import();
  opset->set_domain("");
  auto opsetAttr = module->getAttrOfType<IntegerAttr>(kONNXOpsetAttr);
  opset->set_version(opsetAttr ? opsetAttr.getInt() : getMaxONNXOpset());
  model.set_ir_version(getIRVersionForOpset(opset->version()));

  GraphExporter exporter(*model.mutable_graph(), externalData,
                         opset->version());
  if (failed(exporter.exportFunction(entry)))
    return failure();
  return success();
}

static int64_t getConstantBytes(ModuleOp module) {
  int64_t bytes = 0;
  module.walk([&](onnx::ConstantOp op) {
    auto type = cast<ShapedType>(op.getType());
    bytes += type.getNumElements() *
             onnx::getElementByteWidth(type.getElementType());
  });
  return bytes;
}

/// Points every external-data entry of the model's initializers at
/// `location`.
static void setExternalLocation(::onnx::ModelProto &model,
                                const std::string &location) {
  for (auto &tensor : *model.mutable_graph()->mutable_initializer())
    for (auto &entry : *tensor.mutable_external_data())
      if (entry.key() == "location")
        entry.set_value(location);
}

LogicalResult writeModelFile(Location loc, StringRef path, bool externalData,
                             const BuildModelFn &build) {
  ::onnx::ModelProto model;
  if (!externalData) {
    if (failed(build(model, nullptr)))
      return failure();
    std::string bytes;
    if (!model.SerializeToString(&bytes))
      return emitError(loc) << path << ": cannot serialize the ONNX model "
                            << "(over 2 GB: write external data)";
    auto check = [&](StringRef tempPath) -> LogicalResult {
      if (llvm::Error err = checkONNXModelFile(tempPath))
        return emitError(loc) << "the exported model fails the ONNX checker: "
                              << llvm::toString(std::move(err));
      return success();
    };
    return writeFileAtomically(path, ArrayRef<char>(bytes.data(), bytes.size()),
                               loc, check);
  }
  // External data: tensors stream into a temporary data file beside the
  // output; the model, pointing at that file, is written to a temporary
  // file of its own and checked; then the model is pointed at the final
  // data file name and both are renamed into place, data first. A failure or
  // a signal before the renames leaves the previous output and data as they
  // were and removes the temporary files.
  std::string dataPath = (path + ".data").str();
  llvm::Expected<llvm::sys::fs::TempFile> dataTemp =
      llvm::sys::fs::TempFile::create(getTemporaryFileModel(dataPath, ".tmp"));
  if (!dataTemp)
    return emitError(loc) << dataPath << ": cannot create a temporary file: "
                          << llvm::toString(dataTemp.takeError());
  auto discardData = [&]() { llvm::consumeError(dataTemp->discard()); };
  keepPermissions(dataPath, dataTemp->FD);
  {
    llvm::raw_fd_ostream stream(dataTemp->FD, /*shouldClose=*/false);
    ExternalDataSink sink{&stream,
                          llvm::sys::path::filename(dataTemp->TmpName).str()};
    LogicalResult exported = build(model, &sink);
    stream.flush();
    if (stream.has_error()) {
      std::string message = stream.error().message();
      stream.clear_error();
      discardData();
      return emitError(loc) << dataPath << ": write failed: " << message;
    }
    if (failed(exported)) {
      discardData();
      return failure();
    }
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    discardData();
    return emitError(loc) << "cannot serialize the ONNX model";
  }
  // The checker resolves external data beside the checked file, so the
  // model is checked while it still names the temporary data file.
  SmallString<256> checkedPath;
  int checkedFD;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(
          getTemporaryFileModel(path, ".check"), checkedFD, checkedPath)) {
    discardData();
    return emitError(loc) << path << ": cannot create a temporary file: "
                          << ec.message();
  }
  llvm::sys::RemoveFileOnSignal(checkedPath);
  LogicalResult checked = success();
  {
    llvm::raw_fd_ostream os(checkedFD, /*shouldClose=*/true);
    os << bytes;
    os.close();
    if (os.has_error()) {
      os.clear_error();
      checked = emitError(loc) << path << ": write failed";
    }
  }
  if (succeeded(checked))
    if (llvm::Error err = checkONNXModelFile(checkedPath))
      checked = emitError(loc) << "the exported model fails the ONNX checker: "
                               << llvm::toString(std::move(err));
  llvm::sys::fs::remove(checkedPath);
  llvm::sys::DontRemoveFileOnSignal(checkedPath);
  if (failed(checked)) {
    discardData();
    return failure();
  }

  setExternalLocation(model, llvm::sys::path::filename(dataPath).str());
  bytes.clear();
  if (!model.SerializeToString(&bytes)) {
    discardData();
    return emitError(loc) << "cannot serialize the ONNX model";
  }
  if (llvm::Error err = dataTemp->keep(dataPath)) {
    std::string message = llvm::toString(std::move(err));
    discardData();
    return emitError(loc) << dataPath
                          << ": cannot rename the temporary file: " << message;
  }
  return writeFileAtomically(path, ArrayRef<char>(bytes.data(), bytes.size()),
                             loc);
}

LogicalResult writeONNXFile(ModuleOp module, StringRef path,
                            const ONNXExportOptions &options) {
  bool external = getConstantBytes(module) > options.externalDataThreshold;
  return writeModelFile(
      module.getLoc(), path, external,
      [&](::onnx::ModelProto &model, const ExternalDataSink *sink) {
        return exportONNXModel(module, model, sink);
      });
}

} // namespace lowrank
