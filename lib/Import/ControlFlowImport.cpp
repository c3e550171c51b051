//===- ControlFlowImport.cpp - If, Loop and Scan nodes with their bodies --===//
//
// A node with subgraphs becomes onnx.If, onnx.Loop or onnx.Scan when every
// value it and its subgraphs pass around is a tensor; sequences and
// optionals, and Scan's opset 8 form (batched, with sequence_lens), keep the
// node opaque. Subgraph inputs take the types of the values that flow into
// them where ONNX shape inference left them less precise: a loop-carried
// value starts as the loop's initial value (the lowering checks at run time
// that later iterations keep that shape).
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace llvm;

namespace lowrank {

/// `declared` with the static dims of `actual` where it has dynamic ones;
/// `declared` when the two do not describe the same kind of tensor.
static Type mergeStaticDims(Type declared, Type actual) {
  auto known = dyn_cast<RankedTensorType>(actual);
  if (!known)
    return declared;
  if (isa<UnrankedTensorType>(declared) &&
      getElementTypeOrSelf(declared) == known.getElementType())
    return known;
  auto ranked = dyn_cast<RankedTensorType>(declared);
  if (!ranked || ranked.getRank() != known.getRank() ||
      ranked.getElementType() != known.getElementType())
    return declared;
  SmallVector<int64_t> shape(ranked.getShape());
  for (auto [dim, other] : llvm::zip(shape, known.getShape()))
    if (ShapedType::isDynamic(dim))
      dim = other;
  return RankedTensorType::get(shape, ranked.getElementType());
}

/// Whether a subgraph value is a tensor (or untyped, which the caller
/// types).
static bool isTensorValue(const ::onnx::ValueInfoProto &info) {
  return !info.has_type() || info.type().has_tensor_type();
}

FailureOr<Operation *> GraphImporter::tryImportControlFlow(
    const ::onnx::NodeProto &node, ArrayRef<Value> inputs,
    ArrayRef<std::string> outputs, const ValueScope &scope, Location loc,
    std::string &reason) {
  StringRef opType = node.op_type();
  if (opType == "Scan" && opsetVersion < 9) {
    reason = "Scan before opset 9 (batched, with sequence_lens) is not "
             "modelled";
    return nullptr;
  }
  StringMap<const ::onnx::GraphProto *> graphs;
  SmallVector<NamedAttribute> attributes;
  for (const auto &attr : node.attribute()) {
    if (attr.type() == ::onnx::AttributeProto::GRAPH) {
      graphs[attr.name()] = &attr.g();
      continue;
    }
    bool failedConversion = false;
    std::optional<Attribute> value =
        convertAttribute(attr, loc, failedConversion);
    if (failedConversion)
      return failure();
    if (!value) {
      reason = "attribute '" + attr.name() + "' has no modelled form";
      return nullptr;
    }
    attributes.push_back(builder.getNamedAttr(attr.name(), *value));
  }
  SmallVector<StringRef> regionNames;
  if (opType == "If")
    regionNames = {"then_branch", "else_branch"};
  else
    regionNames = {"body"};
  SmallVector<const ::onnx::GraphProto *> subgraphs;
  for (StringRef name : regionNames) {
    const ::onnx::GraphProto *graph = graphs.lookup(name);
    if (!graph) {
      reason = ("missing subgraph '" + name + "'").str();
      return nullptr;
    }
    subgraphs.push_back(graph);
  }

  auto notTensors = [&]() -> Operation * {
    reason = "values of sequence or optional type";
    return nullptr;
  };
  for (Value input : inputs)
    if (!isa<TensorType, NoneType>(input.getType()))
      return notTensors();
  for (const ::onnx::GraphProto *graph : subgraphs) {
    if (!llvm::all_of(graph->input(), isTensorValue) ||
        !llvm::all_of(graph->output(), isTensorValue))
      return notTensors();
  }

  // The subgraph output that result `i` comes from, to type results that
  // inference left untyped.
  const ::onnx::GraphProto &first = *subgraphs.front();
  size_t outputOffset = opType == "Loop" ? 1 : 0;
  if (first.output_size() != static_cast<int>(outputs.size() + outputOffset)) {
    reason = "subgraph output count does not match the node's outputs";
    return nullptr;
  }
  SmallVector<Type> resultTypes;
  for (auto [i, name] : llvm::enumerate(outputs)) {
    Type type;
    if (const ::onnx::TypeProto *declared =
            name.empty() ? nullptr : scope.lookupType(name))
      type = convertType(*declared);
    else if (first.output(i + outputOffset).has_type())
      type = UnrankedTensorType::get(getElementTypeOrSelf(
          convertType(first.output(i + outputOffset).type())));
    if (!type || !isa<TensorType>(type) ||
        !isa<IntegerType, FloatType>(getElementTypeOrSelf(type)))
      return notTensors();
    resultTypes.push_back(type);
  }

  // Block argument types: the subgraph's declared ones, made as precise as
  // what flows in.
  SmallVector<Type> argTypes;
  const ::onnx::GraphProto &body = first;
  auto declaredArg = [&](int i, Type fallback) -> Type {
    if (i >= body.input_size() || !body.input(i).has_type())
      return fallback;
    Type type = convertType(body.input(i).type());
    return isa<TensorType>(type) ? mergeStaticDims(type, fallback) : type;
  };
  if (opType == "Loop") {
    if (inputs.size() < 2 ||
        body.input_size() != static_cast<int>(inputs.size())) {
      reason = "Loop body inputs do not match the node's inputs";
      return nullptr;
    }
    argTypes.push_back(RankedTensorType::get({}, builder.getI64Type()));
    argTypes.push_back(RankedTensorType::get({}, builder.getI1Type()));
    for (size_t i = 2; i < inputs.size(); ++i)
      argTypes.push_back(declaredArg(i, inputs[i].getType()));
  } else if (opType == "Scan") {
    auto numScan = dyn_cast_or_null<IntegerAttr>(
        DictionaryAttr::get(context, attributes).get("num_scan_inputs"));
    if (!numScan || numScan.getInt() < 1 ||
        numScan.getInt() > static_cast<int64_t>(inputs.size()) ||
        body.input_size() != static_cast<int>(inputs.size())) {
      reason = "Scan body inputs do not match the node's inputs";
      return nullptr;
    }
    size_t numStates = inputs.size() - numScan.getInt();
    for (size_t i = 0; i < inputs.size(); ++i) {
      Type fallback = inputs[i].getType();
      if (i >= numStates)
        fallback = UnrankedTensorType::get(getElementTypeOrSelf(fallback));
      argTypes.push_back(declaredArg(i, fallback));
    }
  }

  OperationState state(loc, ("onnx." + opType).str());
  state.addOperands(inputs);
  state.addTypes(resultTypes);
  state.addAttributes(attributes);
  for (size_t i = 0; i < subgraphs.size(); ++i)
    state.addRegion();
  Operation *op = builder.create(state);
  for (auto [graph, region] : llvm::zip(subgraphs, op->getRegions()))
    if (failed(importSubgraph(*graph, region, scope, loc, argTypes)))
      return failure();

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
  reason = message.empty() ? "the modelled operation does not verify" : message;
  // The blocks of the regions go with the op; so do their NoValues.
  for (Region &region : op->getRegions())
    for (Block &block : region)
      noValues.erase(&block);
  op->erase();
  return nullptr;
}

} // namespace lowrank
