//===- NodeWriter.h - Writing the nodes that replace one node ---*- C++ -*-===//
//
// Shared by the importer's expansions of operators into default-domain
// nodes (ContribExpansion.cpp, QuantizedExpansion.cpp): fresh value names,
// small constants, and typed access to the replaced node.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_IMPORT_NODEWRITER_H
#define LOWRANK_LIB_IMPORT_NODEWRITER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/defs/attr_proto_util.h>
#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace lowrank {

/// Appends default-domain nodes that replace one node, with fresh value
/// names.
class NodeWriter {
public:
  NodeWriter(const ::onnx::NodeProto &fused,
             ::google::protobuf::RepeatedPtrField<::onnx::NodeProto> &out,
             llvm::StringSet<> &taken)
      : out(out), taken(taken) {
    prefix =
        (fused.name().empty() ? fused.op_type() : fused.name()) + "/expanded/";
  }

  /// A new value name.
  std::string fresh(llvm::StringRef hint) {
    std::string name;
    do {
      name = prefix + hint.str() + "_" + std::to_string(counter++);
    } while (!taken.insert(name).second);
    return name;
  }

  /// Adds `op(inputs) -> outputs` (fresh outputs when `outputs` is empty)
  /// and returns its first output.
  std::string add(llvm::StringRef op, llvm::ArrayRef<std::string> inputs,
                  std::vector<std::string> outputs = {},
                  std::vector<::onnx::AttributeProto> attrs = {},
                  unsigned numOutputs = 1) {
    ::onnx::NodeProto *node = out.Add();
    node->set_op_type(op.str());
    node->set_name(fresh(op));
    for (const std::string &input : inputs)
      node->add_input(input);
    if (outputs.empty())
      for (unsigned i = 0; i < numOutputs; ++i)
        outputs.push_back(fresh(op));
    for (const std::string &output : outputs)
      node->add_output(output);
    for (auto &attr : attrs)
      *node->add_attribute() = std::move(attr);
    return outputs.empty() ? std::string() : outputs.front();
  }

  /// A float32 scalar constant cast to the element type of `like`.
  std::string scalarLike(float value, const std::string &like) {
    ::onnx::TensorProto tensor;
    tensor.set_data_type(::onnx::TensorProto::FLOAT);
    tensor.add_float_data(value);
    std::string constant =
        add("Constant", {}, {}, {::onnx::MakeAttribute("value", tensor)});
    return add("CastLike", {constant, like});
  }

  /// An int64 constant of rank 1 (or 0 when `scalar`).
  std::string ints(llvm::ArrayRef<int64_t> values, bool scalar = false) {
    ::onnx::TensorProto tensor;
    tensor.set_data_type(::onnx::TensorProto::INT64);
    if (!scalar)
      tensor.add_dims(values.size());
    for (int64_t v : values)
      tensor.add_int64_data(v);
    return add("Constant", {}, {}, {::onnx::MakeAttribute("value", tensor)});
  }

  /// A float32 scalar constant.
  std::string floatScalar(float value) {
    ::onnx::TensorProto tensor;
    tensor.set_data_type(::onnx::TensorProto::FLOAT);
    tensor.add_float_data(value);
    return add("Constant", {}, {}, {::onnx::MakeAttribute("value", tensor)});
  }

  /// `x` cast to an ONNX element type.
  std::string cast(const std::string &x, int32_t elementType) {
    return add("Cast", {x}, {},
               {::onnx::MakeAttribute("to", int64_t(elementType))});
  }

private:
  ::google::protobuf::RepeatedPtrField<::onnx::NodeProto> &out;
  llvm::StringSet<> &taken;
  std::string prefix;
  unsigned counter = 0;
};

/// The node being replaced, with typed access to its inputs and attributes.
struct FusedNode {
  const ::onnx::NodeProto &node;
  int64_t opset;

  std::string input(int i) const {
    return i < node.input_size() ? node.input(i) : std::string();
  }
  std::string output(int i) const {
    return i < node.output_size() ? node.output(i) : std::string();
  }
  const ::onnx::AttributeProto *attr(llvm::StringRef name) const {
    for (const auto &a : node.attribute())
      if (a.name() == name)
        return &a;
    return nullptr;
  }
  float getFloat(llvm::StringRef name, float fallback) const {
    const ::onnx::AttributeProto *a = attr(name);
    return a && a->type() == ::onnx::AttributeProto::FLOAT ? a->f() : fallback;
  }
  int64_t getInt(llvm::StringRef name, int64_t fallback) const {
    const ::onnx::AttributeProto *a = attr(name);
    return a && a->type() == ::onnx::AttributeProto::INT ? a->i() : fallback;
  }
};

/// Every name the graph already uses (inputs, initializers, node names and
/// outputs), so that a NodeWriter picks fresh ones.
inline llvm::StringSet<> collectTakenNames(const ::onnx::GraphProto &graph) {
  llvm::StringSet<> taken;
  for (const auto &info : graph.input())
    taken.insert(info.name());
  for (const auto &tensor : graph.initializer())
    taken.insert(tensor.name());
  for (const auto &node : graph.node()) {
    taken.insert(node.name());
    for (const auto &output : node.output())
      taken.insert(output);
  }
  return taken;
}

/// The model's default-domain opset (0 when it imports none).
inline int64_t getDefaultOpset(const ::onnx::ModelProto &model) {
  int64_t opset = 0;
  for (const auto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
  return opset;
}

} // namespace lowrank

#endif // LOWRANK_LIB_IMPORT_NODEWRITER_H
