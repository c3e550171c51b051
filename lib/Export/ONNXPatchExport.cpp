//===- ONNXPatchExport.cpp - The input model with the changed nodes -------===//
//
// Export of a model that was imported from ONNX writes the input model
// back, not a model rebuilt from the IR: nodes whose operations still carry
// their `onnx.node_index` are copied as they were read (name, order,
// attributes, doc string, subgraphs, domain), and only the operations that
// passes created (the factors of compressed layers) become new nodes and
// initializers, named after the layer they replace. Values that replaced a
// node's output keep that output's name, so graph outputs and the inputs of
// the nodes around them are unchanged.
//
//===----------------------------------------------------------------------===//

#include "GraphExporter.h"

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Import/ONNXImporter.h"
#include "lowrank/Import/ONNXTensor.h"
#include "lowrank/Support/NodeName.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace lowrank {
namespace {

/// Every name a graph (and the graphs nested in it) uses.
void collectNames(const ::onnx::GraphProto &graph, llvm::StringSet<> &names) {
  for (const auto &info : graph.input())
    names.insert(info.name());
  for (const auto &info : graph.output())
    names.insert(info.name());
  for (const auto &info : graph.value_info())
    names.insert(info.name());
  for (const auto &tensor : graph.initializer())
    names.insert(tensor.name());
  for (const auto &node : graph.node()) {
    names.insert(node.name());
    for (const auto &name : node.input())
      names.insert(name);
    for (const auto &name : node.output())
      names.insert(name);
    for (const auto &attr : node.attribute()) {
      if (attr.has_g())
        collectNames(attr.g(), names);
      for (const auto &g : attr.graphs())
        collectNames(g, names);
    }
  }
}

/// The names a node reads, its subgraphs' reads of enclosing values
/// included.
void collectReads(const ::onnx::NodeProto &node, llvm::StringSet<> &reads) {
  for (const auto &name : node.input())
    if (!name.empty())
      reads.insert(name);
  for (const auto &attr : node.attribute()) {
    auto visit = [&](const ::onnx::GraphProto &g) {
      for (const auto &inner : g.node())
        collectReads(inner, reads);
      for (const auto &output : g.output())
        reads.insert(output.name());
    };
    if (attr.has_g())
      visit(attr.g());
    for (const auto &g : attr.graphs())
      visit(g);
  }
}

std::optional<int64_t> getNodeIndex(Operation *op) {
  if (auto index = op->getAttrOfType<IntegerAttr>(kONNXNodeIndexAttr))
    return index.getInt();
  return std::nullopt;
}

/// The layer a new operation belongs to and its role there: the node name
/// kept in its location, and `A`/`B` for factor projections.
std::string getNewNodeBase(Operation *op) {
  std::string base = getNodeName(op).value_or("lowrank");
  base += "/lowrank/";
  if (auto role = op->getAttrOfType<StringAttr>("lowrank.factor"))
    base += role.str();
  else
    base += op->getName().stripDialect().str();
  return base;
}

/// The node an operation with `onnx.node_index` was imported from: one of
/// `nodes` at the top level, one of a subgraph's nodes in the regions of a
/// node with subgraphs (If, Loop, Scan, `onnx.Opaque`).
const ::onnx::NodeProto *getSourceNode(Operation *op,
                                       ArrayRef<::onnx::NodeProto> nodes) {
  std::optional<int64_t> index = getNodeIndex(op);
  if (!index || *index < 0)
    return nullptr;
  Operation *parent = op->getParentOp();
  if (!parent || isa<func::FuncOp>(parent))
    return *index < static_cast<int64_t>(nodes.size()) ? &nodes[*index]
                                                        : nullptr;
  std::optional<StringRef> name =
      onnx::getSubgraphName(parent, op->getParentRegion()->getRegionNumber());
  const ::onnx::NodeProto *parentNode = getSourceNode(parent, nodes);
  if (!parentNode || !name)
    return nullptr;
  for (const auto &attr : parentNode->attribute())
    if (attr.name() == *name && attr.has_g())
      return *index < attr.g().node_size() ? &attr.g().node(*index) : nullptr;
  return nullptr;
}

class ModelPatcher {
public:
  ModelPatcher(func::FuncOp func, ::onnx::ModelProto &model,
               llvm::StringRef baseDir, const ExternalDataSink *sink,
               int64_t opset)
      : func(func), model(model), baseDir(baseDir), sink(sink),
        exporter(*model.mutable_graph(), sink, opset) {}

  LogicalResult run();

private:
  LogicalResult nameValues(ArrayRef<::onnx::NodeProto> nodes);
  LogicalResult writeKeptInitializers(const llvm::StringSet<> &dropped);
  /// Initializers written for new constants (already in their final form).
  llvm::StringSet<> newInitializers;
  LogicalResult checkDefined();

  func::FuncOp func;
  ::onnx::ModelProto &model;
  std::string baseDir;
  const ExternalDataSink *sink;
  GraphExporter exporter;
};

} // namespace

/// Names the values of the function: imported results, inputs and
/// initializers by their ONNX names; values of new operations by the names
/// the kept nodes and graph outputs read them by, or new names.
LogicalResult ModelPatcher::nameValues(ArrayRef<::onnx::NodeProto> nodes) {
  const ::onnx::GraphProto &graph = model.graph();
  Block &body = func.getBody().front();
  for (BlockArgument arg : body.getArguments())
    if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                      kONNXNameAttr))
      exporter.setName(arg, name.getValue());
  for (Operation &op : body.without_terminator()) {
    if (auto initializer = op.getAttrOfType<StringAttr>(kONNXInitializerAttr))
      exporter.setName(op.getResult(0), initializer.getValue());
    if (std::optional<int64_t> index = getNodeIndex(&op)) {
      if (*index < 0 || *index >= static_cast<int64_t>(nodes.size()))
        return op.emitError("node index ") << *index << " is not in the model";
      const ::onnx::NodeProto &node = nodes[*index];
      for (auto [i, result] : llvm::enumerate(op.getResults()))
        if (i < static_cast<size_t>(node.output_size()) &&
            !node.output(i).empty())
          exporter.setName(result, node.output(i));
    }
  }
  // A kept node, and the nodes of its subgraphs, read their inputs by
  // their original names; a value of a new operation that one reads takes
  // that name.
  for (Operation &op : body.without_terminator()) {
    if (!getNodeIndex(&op))
      continue;
    op.walk([&](Operation *reader) {
      const ::onnx::NodeProto *node = getSourceNode(reader, nodes);
      if (!node)
        return;
      for (auto [i, operand] : llvm::enumerate(reader->getOperands()))
        if (i < static_cast<size_t>(node->input_size()) &&
            !node->input(i).empty() && !exporter.hasName(operand) &&
            operand.getParentBlock() == &body)
          exporter.setName(operand, node->input(i));
    });
  }
  auto returnOp = cast<func::ReturnOp>(body.getTerminator());
  for (auto [i, value] : llvm::enumerate(returnOp.getOperands()))
    if (!exporter.hasName(value))
      exporter.setName(value, graph.output(i).name());
  return success();
}

/// Kept initializers whose data lies in the input's external data file are
/// rewritten for the output: inline, or into the output's own data file.
LogicalResult
ModelPatcher::writeKeptInitializers(const llvm::StringSet<> &dropped) {
  auto *initializers = model.mutable_graph()->mutable_initializer();
  google::protobuf::RepeatedPtrField<::onnx::TensorProto> kept;
  for (auto &tensor : *initializers) {
    if (dropped.contains(tensor.name()))
      continue;
    // Tensors in the input's external data are copied into the output's
    // (or inlined); with external output, large inline tensors move there.
    bool external = tensor.data_location() == ::onnx::TensorProto::EXTERNAL;
    bool movable = sink && tensor.data_type() != ::onnx::TensorProto::STRING &&
                   getONNXElementCount(tensor) *
                           getONNXElementByteSize(tensor.data_type()) >
                       1024;
    if (!newInitializers.contains(tensor.name()) && (external || movable)) {
      auto bytes = readTensorBytes(tensor, baseDir);
      if (!bytes)
        return emitError(func.getLoc()) << toString(bytes.takeError());
      tensor.clear_float_data();
      tensor.clear_int32_data();
      tensor.clear_int64_data();
      tensor.clear_double_data();
      tensor.clear_uint64_data();
      exporter.fillTensorBytes(tensor, *bytes, /*allowExternal=*/true);
    }
    kept.Add(std::move(tensor));
  }
  initializers->Swap(&kept);
  // An initializer listed among the graph inputs too (IR version 3 models)
  // goes from there with it: otherwise it would become a required input.
  google::protobuf::RepeatedPtrField<::onnx::ValueInfoProto> inputs;
  for (auto &input : *model.mutable_graph()->mutable_input())
    if (!dropped.contains(input.name()))
      inputs.Add(std::move(input));
  model.mutable_graph()->mutable_input()->Swap(&inputs);
  return success();
}

/// Every name a node or graph output reads is defined before it: a check
/// that the patched graph is whole.
LogicalResult ModelPatcher::checkDefined() {
  const ::onnx::GraphProto &graph = model.graph();
  llvm::StringSet<> defined;
  for (const auto &info : graph.input())
    defined.insert(info.name());
  for (const auto &tensor : graph.initializer())
    defined.insert(tensor.name());
  for (const auto &node : graph.node()) {
    for (const auto &input : node.input())
      if (!input.empty() && !defined.contains(input))
        return emitError(func.getLoc())
               << "export lost value '" << input << "' read by node '"
               << node.name() << "'";
    for (const auto &output : node.output())
      defined.insert(output);
  }
  for (const auto &output : graph.output())
    if (!defined.contains(output.name()))
      return emitError(func.getLoc())
             << "export lost graph output '" << output.name() << "'";
  return success();
}

LogicalResult ModelPatcher::run() {
  ::onnx::GraphProto &graph = *model.mutable_graph();
  llvm::StringSet<> taken;
  collectNames(graph, taken);
  for (const auto &entry : taken)
    exporter.reserveName(entry.getKey());

  SmallVector<::onnx::NodeProto> nodes;
  nodes.reserve(graph.node_size());
  for (auto &node : *graph.mutable_node())
    nodes.push_back(std::move(node));
  graph.clear_node();
  if (failed(nameValues(nodes)))
    return failure();

  // The reads of the input model's nodes, to find the initializers only
  // removed nodes read.
  llvm::StringSet<> readBefore, readAfter;
  for (const auto &node : nodes)
    collectReads(node, readBefore);
  for (const auto &output : graph.output())
    readAfter.insert(output.name());

  llvm::DenseSet<int64_t> keptNodes;
  Block &body = func.getBody().front();
  for (Operation &op : body.without_terminator()) {
    if (isa<onnx::NoValueOp>(op) || op.hasAttr(kONNXInitializerAttr))
      continue;
    if (std::optional<int64_t> index = getNodeIndex(&op)) {
      if (!keptNodes.insert(*index).second)
        return op.emitError("node ") << *index << " is imported twice";
      collectReads(nodes[*index], readAfter);
      *graph.add_node() = std::move(nodes[*index]);
      continue;
    }
    if (isa<onnx::ConstantOp>(op)) {
      // Constants only kept nodes read stand for their attributes (the
      // importer's opset adapters): the nodes hold them already.
      if (llvm::all_of(op.getUsers(), [](Operation *user) {
            return getNodeIndex(user).has_value();
          }))
        continue;
      // A new weight: named after the factor that reads it.
      Operation *user = *op.getUsers().begin();
      std::string name = exporter.hasName(op.getResult(0))
                             ? exporter.nameOf(op.getResult(0))
                             : exporter.uniqueName(getNewNodeBase(user));
      exporter.setName(op.getResult(0), name);
      readAfter.insert(name);
      newInitializers.insert(name);
      if (failed(exporter.exportConstant(&op, name)))
        return failure();
      continue;
    }
    std::string nodeName = exporter.uniqueName(
        getNewNodeBase(&op) + "/" + op.getName().stripDialect().str());
    for (auto [i, result] : llvm::enumerate(op.getResults()))
      if (!exporter.hasName(result) && !isa<NoneType>(result.getType()))
        exporter.setName(result, exporter.uniqueName(
                                     nodeName + "_output_" + std::to_string(i)));
    if (failed(exporter.exportNode(&op, nodeName)))
      return failure();
    collectReads(graph.node(graph.node_size() - 1), readAfter);
  }

  // Initializers only removed nodes read go; value_info of values no node
  // produces any more goes.
  llvm::StringSet<> dropped;
  for (const auto &tensor : graph.initializer())
    if (readBefore.contains(tensor.name()) &&
        !readAfter.contains(tensor.name()))
      dropped.insert(tensor.name());
  if (failed(writeKeptInitializers(dropped)))
    return failure();
  llvm::StringSet<> produced;
  for (const auto &node : graph.node())
    for (const auto &output : node.output())
      produced.insert(output);
  google::protobuf::RepeatedPtrField<::onnx::ValueInfoProto> infos;
  for (auto &info : *graph.mutable_value_info())
    if (produced.contains(info.name()))
      infos.Add(std::move(info));
  graph.mutable_value_info()->Swap(&infos);
  return checkDefined();
}

LogicalResult writePatchedONNXFile(ModuleOp module, ::onnx::ModelProto base,
                                   StringRef baseDir, StringRef path,
                                   const ONNXExportOptions &options) {
  auto func = module.lookupSymbol<func::FuncOp>(kGraphFunctionName);
  if (!func || !func.getBody().hasOneBlock())
    return module.emitError("ONNX export needs the imported function '")
           << kGraphFunctionName << "'";
  int64_t opset = 0;
  for (const auto &entry : base.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();

  // Bytes of the initializers the output will hold, to choose external
  // data: the input's plus the new constants.
  int64_t bytes = 0;
  for (const auto &tensor : base.graph().initializer())
    bytes += getONNXElementCount(tensor) *
             std::max<int64_t>(1, getONNXElementByteSize(tensor.data_type()));
  func.walk([&](onnx::ConstantOp op) {
    if (!op->hasAttr(kONNXInitializerAttr))
      bytes += cast<ShapedType>(op.getType()).getNumElements() * 4;
  });
  bool external = bytes > options.externalDataThreshold;
  return writeModelFile(
      module.getLoc(), path, external,
      [&](::onnx::ModelProto &model, const ExternalDataSink *sink) {
        model = std::move(base);
        return ModelPatcher(func, model, baseDir, sink, opset).run();
      });
}

} // namespace lowrank
