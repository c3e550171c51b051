//===- ONNXImporter.cpp - ONNX models into the onnx dialect ---------------===//
//
// One op per node, in graph order, with the node name as its location. A
// node of a modelled operator becomes that operation, in its opset-17 form
// (OpsetAdapters.cpp), with operands and results padded to the operator's
// arity by `none` values. Every other node, and every node whose modelled
// form fails to verify, becomes `onnx.Opaque` with its subgraphs as
// regions. Types come from ONNX shape inference, run by the loader.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <onnx/defs/schema.h>

using namespace mlir;
using namespace llvm;

namespace lowrank {

/// The opset whose operator forms the modelled operations take.
constexpr int kModelledOpset = 17;

Value ValueScope::lookup(StringRef name) const {
  for (const ValueScope *scope = this; scope; scope = scope->parent) {
    auto it = scope->values.find(name);
    if (it != scope->values.end())
      return it->second;
  }
  return nullptr;
}

const ::onnx::TypeProto *ValueScope::lookupType(StringRef name) const {
  for (const ValueScope *scope = this; scope; scope = scope->parent) {
    auto it = scope->declaredTypes.find(name);
    if (it != scope->declaredTypes.end())
      return it->second;
  }
  return nullptr;
}

GraphImporter::GraphImporter(const ::onnx::ModelProto &model, StringRef path,
                             MLIRContext *context,
                             const ONNXImportOptions &options)
    : model(model), path(path), context(context), builder(context),
      options(options), fileLoc(FileLineColLoc::get(context, path, 0, 0)) {
  baseDir = sys::path::parent_path(path).str();
  if (baseDir.empty())
    baseDir = ".";
  for (const auto &opset : model.opset_import())
    if (isDefaultONNXDomain(opset.domain()))
      opsetVersion = static_cast<int>(opset.version());
}

Location GraphImporter::nodeLoc(const ::onnx::NodeProto &node, int index) {
  std::string name = node.name();
  if (name.empty())
    name = node.op_type() + "_" + std::to_string(index);
  return NameLoc::get(StringAttr::get(context, name), fileLoc);
}

Value GraphImporter::getNoValue() {
  Block *block = builder.getInsertionBlock();
  Value &value = noValues[block];
  if (!value) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(block);
    value = onnx::NoValueOp::create(builder, fileLoc, builder.getNoneType());
  }
  return value;
}

Type GraphImporter::guessResultType(const ::onnx::NodeProto &node,
                                    ArrayRef<Value> inputs) {
  StringRef opType = node.op_type();
  bool defaultDomain = isDefaultONNXDomain(node.domain());
  Type element;
  if (defaultDomain &&
      llvm::is_contained({"Shape", "Size", "NonZero", "ArgMax", "ArgMin"},
                         opType))
    element = builder.getI64Type();
  else if (defaultDomain &&
           llvm::is_contained({"Equal", "Less", "LessOrEqual", "Greater",
                               "GreaterOrEqual", "Not", "And", "Or", "Xor",
                               "IsNaN", "IsInf"},
                              opType))
    element = builder.getI1Type();
  // Otherwise the first floating-point input's element type (custom
  // operators mix integer ids with float weights and compute floats), or
  // the first input's.
  for (Value input : inputs) {
    if (element)
      break;
    if (auto tensor = dyn_cast<TensorType>(input.getType()))
      if (isa<FloatType>(tensor.getElementType()))
        element = tensor.getElementType();
  }
  for (Value input : inputs) {
    if (element)
      break;
    if (auto tensor = dyn_cast<TensorType>(input.getType()))
      element = tensor.getElementType();
  }
  if (!element)
    return onnx::ValueType::get(context, "unknown");
  return UnrankedTensorType::get(element);
}

Operation *GraphImporter::tryImportModelled(const ::onnx::NodeProto &node,
                                            ArrayRef<Value> inputs,
                                            ArrayRef<std::string> outputs,
                                            const ValueScope &scope,
                                            Location loc,
                                            std::string &reason) {
  StringRef opType = node.op_type();
  // Upsample (opsets 7 to 9) is the Resize of its time (getModelledForm).
  StringRef modelledType = opType == "Upsample" ? "Resize" : opType;
  std::optional<RegisteredOperationName> registered =
      RegisteredOperationName::lookup(("onnx." + modelledType).str(), context);
  if (!isDefaultONNXDomain(node.domain()) || !registered ||
      llvm::is_contained({"NoValue", "Opaque", "Yield"}, opType)) {
    reason = "operator not modelled";
    return nullptr;
  }
  const ::onnx::OpSchema *schema =
      ::onnx::OpSchemaRegistry::Schema(node.op_type(), opsetVersion, "");
  // Operators introduced after the modelled opset take the node's form.
  const ::onnx::OpSchema *modelled =
      ::onnx::OpSchemaRegistry::Schema(modelledType.str(), kModelledOpset, "");
  if (!modelled && schema)
    modelled = ::onnx::OpSchemaRegistry::Schema(
        node.op_type(), schema->SinceVersion(), "");
  if (!schema || !modelled) {
    reason = "no schema at opset " + std::to_string(opsetVersion);
    return nullptr;
  }

  // Everything created for the modelled form goes if it is not taken.
  Block *block = builder.getInsertionBlock();
  Operation *lastBefore = block->empty() ? nullptr : &block->back();
  auto discardCreated = [&]() {
    // The block's onnx.NoValue sits at its start and stays.
    while (!block->empty() && &block->back() != lastBefore &&
           !isa<onnx::NoValueOp>(block->back()))
      block->back().erase();
  };

  OperationState state(loc, *registered);
  if (opType == "Constant") {
    FailureOr<ElementsAttr> value = convertConstantValue(node, loc);
    if (failed(value) || !*value) {
      reason = "Constant without a tensor value of a supported type";
      return nullptr;
    }
    state.addAttribute("value", *value);
    state.addTypes(value->getType());
  } else {
    Type firstResult;
    if (!outputs.empty() && !outputs[0].empty())
      if (const ::onnx::TypeProto *declared = scope.lookupType(outputs[0]))
        firstResult = convertType(*declared);
    ModelledForm form = getModelledForm(node, schema->SinceVersion(), inputs,
                                        firstResult, loc);
    if (!form.opaqueReason.empty()) {
      reason = form.opaqueReason;
      discardCreated();
      return nullptr;
    }
    auto isVariadic =
        [](const std::vector<::onnx::OpSchema::FormalParameter> &params) {
          return !params.empty() &&
                 params.back().GetOption() ==
                     ::onnx::OpSchema::FormalParameterOption::Variadic;
        };
    size_t arity = modelled->inputs().size() + form.extraOperands;
    if (!isVariadic(modelled->inputs())) {
      if (form.operands.size() > arity) {
        reason = "more inputs than the modelled operator has";
        discardCreated();
        return nullptr;
      }
      while (form.operands.size() < arity)
        form.operands.push_back(getNoValue());
    }
    state.addOperands(form.operands);
    state.addAttributes(form.attributes);

    size_t results = outputs.size();
    if (!isVariadic(modelled->outputs())) {
      if (results > modelled->outputs().size()) {
        reason = "more outputs than the modelled operator has";
        discardCreated();
        return nullptr;
      }
      results = modelled->outputs().size();
    }
    for (size_t i = 0; i < results; ++i) {
      if (i >= outputs.size() || outputs[i].empty()) {
        state.addTypes(builder.getNoneType());
        continue;
      }
      const ::onnx::TypeProto *declared = scope.lookupType(outputs[i]);
      state.addTypes(declared ? convertType(*declared)
                              : guessResultType(node, inputs));
    }
  }

  Operation *op = builder.create(state);
  // A node the modelled operation does not accept as it stands (types,
  // ranks, attribute values) is kept opaque rather than refused.
  std::string message;
  {
    ScopedDiagnosticHandler capture(context, [&](Diagnostic &diag) {
      if (message.empty())
        message = diag.str();
      return success();
    });
    if (succeeded(mlir::verify(op, /*verifyRecursively=*/false)))
      return op;
  }
  reason = message.empty() ? "the modelled operation does not verify"
                           : message;
  discardCreated();
  return nullptr;
}

FailureOr<Operation *>
GraphImporter::importOpaque(const ::onnx::NodeProto &node,
                            ArrayRef<Value> inputs, const ValueScope &scope,
                            Location loc, StringRef reason) {
  SmallVector<NamedAttribute> readable, encoded;
  SmallVector<const ::onnx::GraphProto *> subgraphs;
  SmallVector<Attribute> subgraphNames;
  std::string declined;
  for (const auto &attr : node.attribute()) {
    // Why the expansion of ai.onnx.ml operators left the node (not one of
    // the node's own attributes).
    if (attr.name() == "lowrank.not_expanded" &&
        attr.type() == ::onnx::AttributeProto::STRING) {
      declined = attr.s();
      continue;
    }
    if (attr.type() == ::onnx::AttributeProto::GRAPH) {
      subgraphs.push_back(&attr.g());
      subgraphNames.push_back(builder.getStringAttr(attr.name()));
      continue;
    }
    bool failedConversion = false;
    std::optional<Attribute> value =
        convertAttribute(attr, loc, failedConversion);
    if (failedConversion)
      return failure();
    if (value) {
      readable.push_back(builder.getNamedAttr(attr.name(), *value));
      continue;
    }
    std::string bytes;
    attr.SerializeToString(&bytes);
    encoded.push_back(
        builder.getNamedAttr(attr.name(), builder.getStringAttr(bytes)));
  }

  SmallVector<Type> resultTypes;
  for (const std::string &output : node.output()) {
    if (output.empty()) {
      resultTypes.push_back(builder.getNoneType());
      continue;
    }
    const ::onnx::TypeProto *declared = scope.lookupType(output);
    resultTypes.push_back(declared ? convertType(*declared)
                                   : guessResultType(node, inputs));
  }

  OperationState state(loc, onnx::OpaqueOp::getOperationName());
  state.addOperands(inputs);
  state.addTypes(resultTypes);
  state.addAttribute("op_type", builder.getStringAttr(node.op_type()));
  state.addAttribute("domain", builder.getStringAttr(node.domain()));
  int64_t version = 0;
  for (const auto &opset : model.opset_import())
    if (opset.domain() == node.domain() ||
        (isDefaultONNXDomain(node.domain()) &&
         isDefaultONNXDomain(opset.domain())))
      version = opset.version();
  state.addAttribute("version", builder.getI64IntegerAttr(version));
  if (!readable.empty())
    state.addAttribute("node_attributes",
                       builder.getDictionaryAttr(readable));
  if (!encoded.empty())
    state.addAttribute("encoded_attributes",
                       builder.getDictionaryAttr(encoded));
  if (!subgraphs.empty())
    state.addAttribute("subgraph_names", builder.getArrayAttr(subgraphNames));
  state.addAttribute(
      kONNXOpaqueReasonAttr,
      builder.getStringAttr(declined.empty() ? reason.str() : declined));
  for (size_t i = 0; i < subgraphs.size(); ++i)
    state.addRegion();
  Operation *op = builder.create(state);
  for (auto [graph, region] : llvm::zip(subgraphs, op->getRegions()))
    if (failed(importSubgraph(*graph, region, scope, loc)))
      return failure();
  return op;
}

LogicalResult GraphImporter::importSubgraph(const ::onnx::GraphProto &graph,
                                            Region &region,
                                            const ValueScope &outer,
                                            Location loc,
                                            ArrayRef<Type> argTypes) {
  OpBuilder::InsertionGuard guard(builder);
  ValueScope scope;
  scope.parent = &outer;
  for (const auto &info : graph.value_info())
    scope.declaredTypes[info.name()] = &info.type();
  for (const auto &info : graph.output())
    scope.declaredTypes[info.name()] = &info.type();

  Block *block = builder.createBlock(&region);
  for (auto [index, input] : llvm::enumerate(graph.input())) {
    Type type = input.has_type() ? convertType(input.type())
                                 : onnx::ValueType::get(context, "unknown");
    if (index < argTypes.size() && argTypes[index])
      type = argTypes[index];
    scope.values[input.name()] = block->addArgument(type, loc);
  }
  if (failed(importGraphBody(graph, scope, /*topLevel=*/false)))
    return failure();
  SmallVector<Value> results;
  for (const auto &output : graph.output()) {
    Value value = scope.lookup(output.name());
    if (!value)
      return emitError(loc) << "subgraph '" << graph.name() << "' output '"
                            << output.name() << "' is not defined";
    results.push_back(value);
  }
  onnx::YieldOp::create(builder, loc, results);
  return success();
}

LogicalResult GraphImporter::importNode(const ::onnx::NodeProto &node,
                                        int index, ValueScope &scope) {
  Location loc = nodeLoc(node, index);
  SmallVector<Value> inputs;
  for (const std::string &input : node.input()) {
    if (input.empty()) {
      inputs.push_back(getNoValue());
      continue;
    }
    Value value = scope.lookup(input);
    if (!value) {
      std::string name = node.name().empty() ? "#" + std::to_string(index)
                                             : node.name();
      return emitError(loc) << "node '" << name << "' (" << node.op_type()
                            << "): input '" << input << "' is not defined";
    }
    inputs.push_back(value);
  }
  SmallVector<std::string> outputs(node.output().begin(),
                                   node.output().end());

  std::string reason;
  Operation *op = nullptr;
  if (isDefaultONNXDomain(node.domain()) &&
      llvm::is_contained({"If", "Loop", "Scan"}, node.op_type())) {
    FailureOr<Operation *> controlFlow =
        tryImportControlFlow(node, inputs, outputs, scope, loc, reason);
    if (failed(controlFlow))
      return failure();
    op = *controlFlow;
  } else {
    op = tryImportModelled(node, inputs, outputs, scope, loc, reason);
  }
  if (!op) {
    FailureOr<Operation *> opaque =
        importOpaque(node, inputs, scope, loc, reason);
    if (failed(opaque))
      return failure();
    op = *opaque;
  }
  // Nodes of subgraphs are marked with their index in their own graph.
  if (options.recordNodeIndices)
    op->setAttr(kONNXNodeIndexAttr, builder.getI64IntegerAttr(index));
  for (auto [name, result] : llvm::zip(outputs, op->getResults()))
    if (!name.empty())
      scope.values[name] = result;
  return success();
}

LogicalResult GraphImporter::importGraphBody(const ::onnx::GraphProto &graph,
                                             ValueScope &scope,
                                             bool topLevel) {
  for (const auto &tensor : graph.initializer()) {
    Location loc = NameLoc::get(builder.getStringAttr(tensor.name()), fileLoc);
    bool unsupported = false;
    FailureOr<ElementsAttr> value =
        convertTensor(tensor, loc, /*allowResource=*/true, &unsupported);
    if (failed(value))
      return failure();
    Operation *op;
    if (unsupported) {
      // A tensor MLIR has no element type for (strings, complex numbers):
      // the Constant node it is equivalent to, kept opaque.
      ::onnx::NodeProto constant;
      constant.set_op_type("Constant");
      constant.add_output(tensor.name());
      auto *attr = constant.add_attribute();
      attr->set_name("value");
      attr->set_type(::onnx::AttributeProto::TENSOR);
      *attr->mutable_t() = tensor;
      FailureOr<Operation *> opaque = importOpaque(
          constant, {}, scope, loc, "a tensor of an unsupported type");
      if (failed(opaque))
        return failure();
      op = *opaque;
      op->getResult(0).setType(convertType([&] {
        ::onnx::TypeProto type;
        type.mutable_tensor_type()->set_elem_type(tensor.data_type());
        return type;
      }()));
    } else {
      op = onnx::ConstantOp::create(builder, loc, value->getType(), *value);
    }
    if (topLevel && options.recordNodeIndices)
      op->setAttr(kONNXInitializerAttr, builder.getStringAttr(tensor.name()));
    scope.values[tensor.name()] = op->getResult(0);
  }
  // Sparse initializers: the Constant nodes (sparse_value) they are
  // equivalent to, kept opaque.
  for (const auto &sparse : graph.sparse_initializer()) {
    const std::string &name = sparse.values().name();
    Location loc = NameLoc::get(builder.getStringAttr(name), fileLoc);
    ::onnx::NodeProto constant;
    constant.set_op_type("Constant");
    constant.add_output(name);
    auto *attr = constant.add_attribute();
    attr->set_name("sparse_value");
    attr->set_type(::onnx::AttributeProto::SPARSE_TENSOR);
    *attr->mutable_sparse_tensor() = sparse;
    FailureOr<Operation *> opaque =
        importOpaque(constant, {}, scope, loc, "a sparse initializer");
    if (failed(opaque))
      return failure();
    if (topLevel && options.recordNodeIndices)
      (*opaque)->setAttr(kONNXInitializerAttr, builder.getStringAttr(name));
    scope.values[name] = (*opaque)->getResult(0);
  }
  for (auto [index, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, static_cast<int>(index), scope)))
      return failure();
  return success();
}

SmallVector<DictionaryAttr>
GraphImporter::getNameAttrs(ArrayRef<std::string> names) {
  SmallVector<DictionaryAttr> attrs;
  attrs.reserve(names.size());
  for (const std::string &name : names)
    attrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr(kONNXNameAttr, builder.getStringAttr(name))));
  return attrs;
}

/// The attribute of a JSON array of strings or integers; null for other
/// JSON.
static ArrayAttr parseJSONArrayAttr(Builder &builder, StringRef text) {
  Expected<json::Value> value = json::parse(text);
  if (!value) {
    consumeError(value.takeError());
    return nullptr;
  }
  const json::Array *array = value->getAsArray();
  if (!array)
    return nullptr;
  SmallVector<Attribute> elements;
  for (const json::Value &element : *array) {
    if (std::optional<StringRef> s = element.getAsString())
      elements.push_back(builder.getStringAttr(*s));
    else if (std::optional<int64_t> i = element.getAsInteger())
      elements.push_back(builder.getI64IntegerAttr(*i));
    else
      return nullptr;
  }
  return builder.getArrayAttr(elements);
}

SmallVector<DictionaryAttr> GraphImporter::getOutputAttrs(
    const ::google::protobuf::RepeatedPtrField<::onnx::ValueInfoProto>
        &outputs) {
  SmallVector<DictionaryAttr> attrs;
  attrs.reserve(outputs.size());
  for (const ::onnx::ValueInfoProto &output : outputs) {
    SmallVector<NamedAttribute> named = {builder.getNamedAttr(
        kONNXNameAttr, builder.getStringAttr(output.name()))};
    for (const auto &entry : output.metadata_props())
      if (entry.key() == kLabelTableAttr || entry.key() == kZipMapKeysAttr)
        if (ArrayAttr array = parseJSONArrayAttr(builder, entry.value()))
          named.push_back(builder.getNamedAttr(entry.key(), array));
    attrs.push_back(builder.getDictionaryAttr(named));
  }
  return attrs;
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  const ::onnx::GraphProto &graph = model.graph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  (*module)->setAttr(kONNXOpsetAttr, builder.getI64IntegerAttr(opsetVersion));
  builder.setInsertionPointToEnd(module->getBody());

  ValueScope scope;
  for (const auto &info : graph.value_info())
    scope.declaredTypes[info.name()] = &info.type();
  for (const auto &info : graph.output())
    scope.declaredTypes[info.name()] = &info.type();

  llvm::StringSet<> initializerNames;
  for (const auto &tensor : graph.initializer())
    initializerNames.insert(tensor.name());

  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const auto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    argTypes.push_back(convertType(input.type()));
    argNames.push_back(input.name());
  }

  auto func = func::FuncOp::create(builder, fileLoc, kGraphFunctionName,
                                   builder.getFunctionType(argTypes, {}));
  if (!graph.name().empty())
    func->setAttr(kONNXGraphNameAttr, builder.getStringAttr(graph.name()));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (auto [index, name] : llvm::enumerate(argNames))
    scope.values[name] = body->getArgument(index);
  // All at once: setting one argument's attributes rebuilds the array of
  // all of them, which made N inputs cost N^2 time and memory.
  func.setAllArgAttrs(getNameAttrs(argNames));

  if (failed(importGraphBody(graph, scope, /*topLevel=*/true)))
    return nullptr;

  SmallVector<Value> results;
  for (const auto &output : graph.output()) {
    Value value = scope.lookup(output.name());
    if (!value) {
      emitError(fileLoc) << "graph output '" << output.name()
                         << "' is not produced by any node";
      return nullptr;
    }
    results.push_back(value);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setFunctionType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  func.setAllResultAttrs(getOutputAttrs(graph.output()));

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

static OwningOpRef<ModuleOp>
importLoaded(Expected<::onnx::ModelProto> model, StringRef path,
             MLIRContext *context, const ONNXImportOptions &options) {
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

/// Load options that let inference fail on nodes that will be opaque.
static ONNXLoadOptions getLoadOptions(const ONNXImportOptions &options,
                                      MLIRContext *context) {
  context->loadDialect<onnx::ONNXDialect>();
  ONNXLoadOptions load = options;
  load.isModelledOperator = [context](StringRef opType) {
    // Nodes with subgraphs stay opaque when they pass sequences around.
    return !llvm::is_contained({"Opaque", "Yield", "If", "Loop", "Scan"},
                               opType) &&
           RegisteredOperationName::lookup(("onnx." + opType).str(), context)
               .has_value();
  };
  return load;
}

OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext *context,
                                     const ONNXImportOptions &options) {
  return importLoaded(loadONNXModel(path, getLoadOptions(options, context)),
                      path, context, options);
}

OwningOpRef<ModuleOp> importONNXBuffer(StringRef bytes, StringRef path,
                                       MLIRContext *context,
                                       const ONNXImportOptions &options) {
  return importLoaded(loadONNXModelFromBuffer(
                          bytes, path, getLoadOptions(options, context), path),
                      path, context, options);
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
  if (contents.size() > static_cast<size_t>(INT32_MAX))
    return false;
  ::onnx::ModelProto probe;
  return probe.ParseFromArray(contents.data(),
                              static_cast<int>(contents.size()));
}

void registerImportDialects(DialectRegistry &registry) {
  registry.insert<onnx::ONNXDialect, func::FuncDialect>();
}

} // namespace lowrank
