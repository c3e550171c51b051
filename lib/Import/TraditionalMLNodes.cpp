//===- TraditionalMLNodes.cpp - Shared by the ai.onnx.ml expansions -------===//

#include "TraditionalMLNodes.h"
#include "TraditionalMLExpansion.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

using namespace llvm;

namespace lowrank::ml {
//===----------------------------------------------------------------------===//
// Attributes and constants
//===----------------------------------------------------------------------===//

std::vector<int64_t> getInts(const FusedNode &f, StringRef name) {
  const ::onnx::AttributeProto *a = f.attr(name);
  if (!a || a->type() != ::onnx::AttributeProto::INTS)
    return {};
  return {a->ints().begin(), a->ints().end()};
}

std::vector<float> getFloats(const FusedNode &f, StringRef name) {
  const ::onnx::AttributeProto *a = f.attr(name);
  if (!a || a->type() != ::onnx::AttributeProto::FLOATS)
    return {};
  return {a->floats().begin(), a->floats().end()};
}

std::vector<std::string> getStrings(const FusedNode &f, StringRef name) {
  const ::onnx::AttributeProto *a = f.attr(name);
  if (!a || a->type() != ::onnx::AttributeProto::STRINGS)
    return {};
  return {a->strings().begin(), a->strings().end()};
}

std::string getString(const FusedNode &f, StringRef name, StringRef fallback) {
  const ::onnx::AttributeProto *a = f.attr(name);
  return a && a->type() == ::onnx::AttributeProto::STRING ? a->s()
                                                          : fallback.str();
}

std::string constant(NodeWriter &w, ::onnx::TensorProto tensor) {
  return w.add("Constant", {}, {},
               {::onnx::MakeAttribute("value", std::move(tensor))});
}

std::string floatConstant(NodeWriter &w, ArrayRef<float> values,
                          ArrayRef<int64_t> dims) {
  ::onnx::TensorProto tensor;
  tensor.set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t d : dims)
    tensor.add_dims(d);
  for (float v : values)
    tensor.add_float_data(v);
  return constant(w, std::move(tensor));
}

std::string doubleConstant(NodeWriter &w, ArrayRef<float> values) {
  ::onnx::TensorProto tensor;
  tensor.set_data_type(::onnx::TensorProto::DOUBLE);
  tensor.add_dims(values.size());
  for (float v : values)
    tensor.add_double_data(v);
  return constant(w, std::move(tensor));
}

std::string intConstant(NodeWriter &w, ArrayRef<int64_t> values,
                        ArrayRef<int64_t> dims) {
  ::onnx::TensorProto tensor;
  tensor.set_data_type(::onnx::TensorProto::INT64);
  for (int64_t d : dims)
    tensor.add_dims(d);
  for (int64_t v : values)
    tensor.add_int64_data(v);
  return constant(w, std::move(tensor));
}

std::string boolConstant(NodeWriter &w, ArrayRef<bool> values) {
  ::onnx::TensorProto tensor;
  tensor.set_data_type(::onnx::TensorProto::BOOL);
  tensor.add_dims(values.size());
  for (bool v : values)
    tensor.add_int32_data(v);
  return constant(w, std::move(tensor));
}

/// A reduction over `axis` in the form of the opset (axes became an input
/// at opset 13 for ReduceSum, at 18 for the others).
std::string reduce(NodeWriter &w, const FusedNode &f, StringRef op,
                   const std::string &x, int64_t axis, bool keepDims) {
  int64_t inputSince = op == "ReduceSum" ? 13 : 18;
  auto keep = ::onnx::MakeAttribute("keepdims", int64_t(keepDims));
  if (f.opset >= inputSince)
    return w.add(op, {x, w.ints({axis})}, {}, {keep});
  return w.add(
      op, {x}, {},
      {::onnx::MakeAttribute("axes", std::vector<int64_t>{axis}), keep});
}

//===----------------------------------------------------------------------===//
// Types of the values the nodes read
//===----------------------------------------------------------------------===//

TypeMap collectTypes(const ::onnx::GraphProto &graph) {
  TypeMap types;
  auto record = [&](const ::onnx::ValueInfoProto &info) {
    if (!info.type().has_tensor_type())
      return;
    const auto &tensor = info.type().tensor_type();
    ValueType type;
    type.elementType = tensor.elem_type();
    if (tensor.has_shape()) {
      type.shape.emplace();
      for (const auto &dim : tensor.shape().dim())
        type.shape->push_back(dim.has_dim_value() ? dim.dim_value() : -1);
    }
    types[info.name()] = type;
  };
  for (const auto &info : graph.input())
    record(info);
  for (const auto &info : graph.value_info())
    record(info);
  for (const auto &info : graph.output())
    record(info);
  for (const auto &tensor : graph.initializer()) {
    ValueType type;
    type.elementType = tensor.data_type();
    type.shape.emplace(tensor.dims().begin(), tensor.dims().end());
    types[tensor.name()] = type;
  }
  return types;
}

bool isNumeric(int32_t elementType) {
  return elementType == ::onnx::TensorProto::FLOAT ||
         elementType == ::onnx::TensorProto::DOUBLE ||
         elementType == ::onnx::TensorProto::INT64 ||
         elementType == ::onnx::TensorProto::INT32;
}

/// `x` as float32 (the kernels compute in float).
std::string asFloat(NodeWriter &w, const std::string &x, int32_t type) {
  return type == ::onnx::TensorProto::FLOAT
             ? x
             : w.cast(x, ::onnx::TensorProto::FLOAT);
}

//===----------------------------------------------------------------------===//
// Outputs: labels and maps
//===----------------------------------------------------------------------===//

void collectReads(const ::onnx::GraphProto &graph, OutputUses &uses,
                  bool mainGraph) {
  for (const auto &node : graph.node()) {
    bool copy = mainGraph && node.op_type() == "Identity" &&
                (node.domain().empty() || node.domain() == "ai.onnx") &&
                node.input_size() == 1 && node.output_size() == 1;
    for (const auto &input : node.input()) {
      uses.read.insert(input);
      if (copy)
        uses.identityCopies[input].push_back(node.output(0));
      else
        uses.readOtherwise.insert(input);
    }
    for (const auto &attr : node.attribute()) {
      if (attr.has_g())
        collectReads(attr.g(), uses, /*mainGraph=*/false);
      for (const auto &g : attr.graphs())
        collectReads(g, uses, /*mainGraph=*/false);
    }
  }
}

std::string jsonStrings(ArrayRef<std::string> values) {
  json::Array array;
  for (const std::string &v : values)
    array.push_back(json::Value(v));
  return formatv("{0}", json::Value(std::move(array))).str();
}

std::string jsonInts(ArrayRef<int64_t> values) {
  json::Array array;
  for (int64_t v : values)
    array.push_back(json::Value(v));
  return formatv("{0}", json::Value(std::move(array))).str();
}

/// Writes the label output `out` from the int64 class index `index` (shape
/// [N]). String labels stay indices and the graph output is annotated; that
/// needs `out` to be a free graph output (or unused). Returns false when it
/// cannot be written.
bool writeLabels(NodeWriter &w, const ClassLabels &labels,
                 const std::string &index, const std::string &out,
                 OutputUses &uses) {
  if (out.empty())
    return true;
  if (!labels.usesStrings()) {
    w.add("Gather",
          {intConstant(w, labels.ints, {int64_t(labels.ints.size())}), index},
          {out}, {::onnx::MakeAttribute("axis", int64_t(0))});
    return true;
  }
  std::optional<SmallVector<std::string>> chain = uses.getIdentityChain(out);
  if (!chain)
    return false;
  w.add("Identity", {index}, {out});
  for (const std::string &value : *chain) {
    uses.retyped.insert(value);
    if (uses.graphOutputs.contains(value))
      uses.annotations[value] = {kLabelTableKey.str(),
                                 jsonStrings(labels.strings),
                                 ::onnx::TensorProto::INT64, std::nullopt};
  }
  return true;
}

/// Whether the string-label output can be written (see writeLabels).
bool canWriteLabels(const ClassLabels &labels, const std::string &out,
                    const OutputUses &uses) {
  return out.empty() || !labels.usesStrings() ||
         uses.getIdentityChain(out).has_value();
}

/// Scores [N, C] after NONE, LOGISTIC or SOFTMAX; empty for other
/// transforms.
std::string transformScores(NodeWriter &w, const std::string &transform,
                            const std::string &scores) {
  if (transform == "NONE")
    return w.add("Identity", {scores});
  if (transform == "LOGISTIC")
    return w.add("Sigmoid", {scores});
  if (transform == "SOFTMAX")
    return w.add("Softmax", {scores}, {},
                 {::onnx::MakeAttribute("axis", int64_t(1))});
  return {};
}

bool isSupportedTransform(const std::string &transform) {
  return transform == "NONE" || transform == "LOGISTIC" ||
         transform == "SOFTMAX";
}

/// [1 - s, s] or [-s, s] or [sigmoid(-s), sigmoid(s)] from one score
/// column s [N, 1].
std::string twoClassScores(NodeWriter &w, const std::string &s,
                           StringRef form) {
  std::string first, second = s;
  if (form == "complement") {
    first = w.add("Sub", {w.floatScalar(1.0f), s});
  } else if (form == "logistic") {
    first = w.add("Sigmoid", {w.add("Neg", {s})});
    second = w.add("Sigmoid", {s});
  } else {
    first = w.add("Neg", {s});
  }
  return w.add("Concat", {first, second}, {},
               {::onnx::MakeAttribute("axis", int64_t(1))});
}

/// Label index (int64 [N]) from one score column s [N, 1]: 1 where
/// s > threshold.
std::string binaryIndex(NodeWriter &w, const std::string &s, float threshold) {
  std::string positive = w.add("Greater", {s, w.floatScalar(threshold)});
  std::string flat = w.add("Reshape", {positive, w.ints({-1})});
  return w.cast(flat, ::onnx::TensorProto::INT64);
}

bool writeClassifierOutputs(NodeWriter &w, const FusedNode &f,
                            const ClassLabels &labels,
                            const std::string &choose,
                            const std::string &scores,
                            const std::string &transform, OutputUses &uses) {
  std::string index = w.add("ArgMax", {choose}, {},
                            {::onnx::MakeAttribute("axis", int64_t(1)),
                             ::onnx::MakeAttribute("keepdims", int64_t(0))});
  if (!writeLabels(w, labels, index, f.output(0), uses))
    return false;
  if (!f.output(1).empty())
    w.add("Identity", {transformScores(w, transform, scores)}, {f.output(1)});
  return true;
}

} // namespace lowrank::ml
