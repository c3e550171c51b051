//===- ContribExpansion.cpp - ONNX Runtime's fused operators, unfused -----===//
//
// ONNX Runtime's transformer optimizer writes `com.microsoft` operators that
// fuse what exporters write as several standard nodes: FastGelu, BiasGelu,
// Gelu, QuickGelu, SkipLayerNormalization, SkipSimplifiedLayerNormalization,
// EmbedLayerNormalization, Attention and FusedMatMul. For compilation each
// becomes the default-domain nodes that compute it, as ONNX Runtime's CPU
// kernels define it; the linear layers inside (Attention's packed QKV
// projection) then reach the low-rank analysis like any MatMul. Forms that
// are not expanded (past key/value state, rotary embedding, other mask
// layouts) leave their node, which stays opaque.
//
//===----------------------------------------------------------------------===//

#include "ContribExpansion.h"
#include "NodeWriter.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

#include <onnx/defs/attr_proto_util.h>

#include <cmath>

using namespace llvm;

namespace lowrank {
namespace {

/// x + bias when the bias input `index` is given.
std::string addBias(NodeWriter &w, const FusedNode &f, std::string x,
                    int index) {
  if (f.input(index).empty())
    return x;
  return w.add("Add", {x, f.input(index)});
}

/// ReduceMean over the last axis, keeping it, in the form of the opset.
std::string reduceMeanLastAxis(NodeWriter &w, const FusedNode &f,
                               const std::string &x) {
  if (f.opset >= 18)
    return w.add("ReduceMean", {x, w.ints({-1})}, {},
                 {::onnx::MakeAttribute("keepdims", int64_t(1))});
  return w.add("ReduceMean", {x}, {},
               {::onnx::MakeAttribute("axes", std::vector<int64_t>{-1}),
                ::onnx::MakeAttribute("keepdims", int64_t(1))});
}

/// 0.5 x (1 + erf(x / sqrt(2))).
void writeErfGelu(NodeWriter &w, const std::string &x, const std::string &y) {
  std::string scaled = w.add("Mul", {x, w.scalarLike(float(M_SQRT1_2), x)});
  std::string erf = w.add("Erf", {scaled});
  std::string onePlus = w.add("Add", {erf, w.scalarLike(1.0f, x)});
  std::string half = w.add("Mul", {x, w.scalarLike(0.5f, x)});
  w.add("Mul", {half, onePlus}, {y});
}

bool expandGelu(NodeWriter &w, const FusedNode &f) {
  // com.microsoft Gelu (one input) and BiasGelu (input + bias).
  writeErfGelu(w, addBias(w, f, f.input(0), 1), f.output(0));
  return true;
}

bool expandFastGelu(NodeWriter &w, const FusedNode &f) {
  // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
  std::string x = addBias(w, f, f.input(0), 1);
  std::string cube = w.add("Mul", {w.add("Mul", {x, x}), x});
  std::string inner =
      w.add("Add", {x, w.add("Mul", {cube, w.scalarLike(0.044715f, x)})});
  std::string tanh =
      w.add("Tanh", {w.add("Mul", {inner, w.scalarLike(0.7978845608f, x)})});
  std::string onePlus = w.add("Add", {tanh, w.scalarLike(1.0f, x)});
  std::string half = w.add("Mul", {x, w.scalarLike(0.5f, x)});
  w.add("Mul", {half, onePlus}, {f.output(0)});
  return true;
}

bool expandQuickGelu(NodeWriter &w, const FusedNode &f) {
  // x sigmoid(alpha x).
  std::string x = f.input(0);
  std::string scaled =
      w.add("Mul", {x, w.scalarLike(f.getFloat("alpha", 1.702f), x)});
  w.add("Mul", {x, w.add("Sigmoid", {scaled})}, {f.output(0)});
  return true;
}

/// The residual sum of the Skip*Normalization operators (input, skip and
/// the optional bias at `biasIndex`), written to output 3 when used.
std::string writeSkipSum(NodeWriter &w, const FusedNode &f, int biasIndex) {
  std::string sum = w.add("Add", {f.input(0), f.input(1)});
  sum = addBias(w, f, sum, biasIndex);
  if (!f.output(3).empty())
    w.add("Identity", {sum}, {f.output(3)});
  return sum;
}

bool expandSkipLayerNormalization(NodeWriter &w, const FusedNode &f) {
  if (f.opset < 17)
    return false; // LayerNormalization is a standard operator from 17 on.
  std::string sum = writeSkipSum(w, f, 4);
  std::vector<std::string> inputs = {sum, f.input(2)};
  if (!f.input(3).empty())
    inputs.push_back(f.input(3));
  std::vector<std::string> outputs = {f.output(0), f.output(1), f.output(2)};
  while (!outputs.empty() && outputs.back().empty())
    outputs.pop_back();
  for (std::string &o : outputs)
    if (o.empty())
      o = w.fresh("unused");
  w.add("LayerNormalization", inputs, outputs,
        {::onnx::MakeAttribute("axis", int64_t(-1)),
         ::onnx::MakeAttribute("epsilon", f.getFloat("epsilon", 1e-12f))});
  return true;
}

/// x / sqrt(mean(x^2) + epsilon) * gamma over the last axis.
void writeRMSNorm(NodeWriter &w, const FusedNode &f, const std::string &x,
                  const std::string &gamma, const std::string &y) {
  std::string meanSquare = reduceMeanLastAxis(w, f, w.add("Mul", {x, x}));
  std::string denominator = w.add(
      "Sqrt", {w.add("Add", {meanSquare,
                             w.scalarLike(f.getFloat("epsilon", 1e-6f), x)})});
  w.add("Mul", {w.add("Div", {x, denominator}), gamma}, {y});
}

bool expandSkipSimplifiedLayerNormalization(NodeWriter &w, const FusedNode &f) {
  if (!f.output(1).empty() || !f.output(2).empty())
    return false;
  std::string sum = writeSkipSum(w, f, 3);
  writeRMSNorm(w, f, sum, f.input(2), f.output(0));
  return true;
}

/// Position 0..S-1 of the second dimension of `x`, as [1, S] int64.
std::string writePositions(NodeWriter &w, const std::string &x) {
  std::string shape = w.add("Shape", {x});
  std::string length = w.add("Gather", {shape, w.ints({1}, /*scalar=*/true)},
                             {}, {::onnx::MakeAttribute("axis", int64_t(0))});
  std::string range =
      w.add("Range", {w.ints({0}, true), length, w.ints({1}, true)});
  return w.add("Unsqueeze", {range, w.ints({0})});
}

bool expandEmbedLayerNormalization(NodeWriter &w, const FusedNode &f) {
  if (f.opset < 17)
    return false;
  auto gather = [&](const std::string &table, const std::string &ids) {
    return w.add("Gather", {table, ids}, {},
                 {::onnx::MakeAttribute("axis", int64_t(0))});
  };
  std::string ids = f.input(0);
  std::string sum = gather(f.input(2), ids);
  std::string positions =
      f.input(8).empty() ? writePositions(w, ids) : f.input(8);
  sum = w.add("Add", {sum, gather(f.input(3), positions)});
  if (!f.input(1).empty() && !f.input(4).empty())
    sum = w.add("Add", {sum, gather(f.input(4), f.input(1))});
  if (!f.output(2).empty())
    w.add("Identity", {sum}, {f.output(2)});
  std::vector<std::string> inputs = {sum, f.input(5)};
  if (!f.input(6).empty())
    inputs.push_back(f.input(6));
  w.add("LayerNormalization", inputs, {f.output(0)},
        {::onnx::MakeAttribute("axis", int64_t(-1)),
         ::onnx::MakeAttribute("epsilon", f.getFloat("epsilon", 1e-12f))});
  if (!f.output(1).empty()) {
    // mask_index: the number of ones of each mask row (int32), or zeros.
    std::string count;
    if (!f.input(7).empty()) {
      std::string mask = w.add(
          "Cast", {f.input(7)}, {},
          {::onnx::MakeAttribute("to", int64_t(::onnx::TensorProto::INT32))});
      if (f.opset >= 13)
        count = w.add("ReduceSum", {mask, w.ints({1})}, {},
                      {::onnx::MakeAttribute("keepdims", int64_t(0))});
      else
        count = w.add("ReduceSum", {mask}, {},
                      {::onnx::MakeAttribute("axes", std::vector<int64_t>{1}),
                       ::onnx::MakeAttribute("keepdims", int64_t(0))});
    } else {
      std::string batch =
          w.add("Slice", {w.add("Shape", {ids}), w.ints({0}), w.ints({1})});
      count = w.add(
          "Cast", {w.add("ConstantOfShape", {batch})}, {},
          {::onnx::MakeAttribute("to", int64_t(::onnx::TensorProto::INT32))});
    }
    w.add("Identity", {count}, {f.output(1)});
  }
  return true;
}

/// Attention over a packed QKV projection (no past state, no rotary
/// embedding): masks given as key lengths [B] or as 0/1 rows [B, S].
bool expandAttention(NodeWriter &w, const FusedNode &f, int64_t maskRank) {
  int64_t heads = f.getInt("num_heads", 0);
  if (heads <= 0 || !f.input(4).empty() || !f.input(6).empty() ||
      f.getInt("do_rotary", 0) != 0 || f.attr("qkv_hidden_sizes") ||
      !f.output(1).empty() || f.opset < 13)
    return false;
  if (!f.input(3).empty() && maskRank != 1 && maskRank != 2)
    return false;
  std::string x = f.input(0);
  std::string qkv = addBias(w, f, w.add("MatMul", {x, f.input(1)}), 2);
  std::vector<std::string> parts = {w.fresh("q"), w.fresh("k"), w.fresh("v")};
  if (f.opset >= 18)
    w.add("Split", {qkv}, parts,
          {::onnx::MakeAttribute("axis", int64_t(-1)),
           ::onnx::MakeAttribute("num_outputs", int64_t(3))});
  else
    w.add("Split", {qkv}, parts, {::onnx::MakeAttribute("axis", int64_t(-1))});
  // [B, S, N * h] -> [B, N, S, h]; K as [B, N, h, S].
  std::string headShape = w.ints({0, 0, heads, -1});
  auto split = [&](const std::string &v, std::vector<int64_t> perm) {
    return w.add("Transpose", {w.add("Reshape", {v, headShape})}, {},
                 {::onnx::MakeAttribute("perm", perm)});
  };
  std::string q = split(parts[0], {0, 2, 1, 3});
  std::string k = split(parts[1], {0, 2, 3, 1});
  std::string v = split(parts[2], {0, 2, 1, 3});
  std::string scores = w.add("MatMul", {q, k});
  std::string scale;
  if (const ::onnx::AttributeProto *s = f.attr("scale"); s && s->f() != 0) {
    scale = w.scalarLike(s->f(), scores);
  } else {
    // 1 / sqrt(head size), the head size read from Q's shape.
    std::string headSize = w.add(
        "Cast",
        {w.add("Slice", {w.add("Shape", {q}), w.ints({3}), w.ints({4})})}, {},
        {::onnx::MakeAttribute("to", int64_t(::onnx::TensorProto::FLOAT))});
    scale = w.add("CastLike",
                  {w.add("Reciprocal", {w.add("Sqrt", {headSize})}), scores});
  }
  scores = w.add("Mul", {scores, scale});
  float filter = f.getFloat("mask_filter_value", -10000.0f);
  if (maskRank > 0) {
    // Keys to keep, as [B, S] booleans.
    std::string keep;
    if (maskRank == 1) {
      std::string positions = writePositions(w, x);
      std::string lengths = w.add(
          "Cast", {w.add("Unsqueeze", {f.input(3), w.ints({1})})}, {},
          {::onnx::MakeAttribute("to", int64_t(::onnx::TensorProto::INT64))});
      keep = w.add("Less", {positions, lengths});
    } else {
      keep = w.add(
          "Cast", {f.input(3)}, {},
          {::onnx::MakeAttribute("to", int64_t(::onnx::TensorProto::BOOL))});
    }
    std::string bias = w.add("Where", {keep, w.scalarLike(0.0f, scores),
                                       w.scalarLike(filter, scores)});
    scores = w.add("Add", {scores, w.add("Unsqueeze", {bias, w.ints({1, 2})})});
  }
  if (!f.input(5).empty())
    scores = w.add("Add", {scores, f.input(5)});
  if (f.getInt("unidirectional", 0) != 0) {
    // The filter value above the diagonal.
    std::string square =
        w.add("Slice", {w.add("Shape", {scores}), w.ints({2}), w.ints({4})});
    ::onnx::TensorProto value;
    value.set_data_type(::onnx::TensorProto::FLOAT);
    value.add_dims(1);
    value.add_float_data(filter);
    std::string filled =
        w.add("CastLike", {w.add("ConstantOfShape", {square}, {},
                                 {::onnx::MakeAttribute("value", value)}),
                           scores});
    scores = w.add(
        "Add", {scores, w.add("Trilu", {filled, w.ints({1}, true)}, {},
                              {::onnx::MakeAttribute("upper", int64_t(1))})});
  }
  std::string probabilities = w.add(
      "Softmax", {scores}, {}, {::onnx::MakeAttribute("axis", int64_t(-1))});
  std::string context =
      w.add("Transpose", {w.add("MatMul", {probabilities, v})}, {},
            {::onnx::MakeAttribute("perm", std::vector<int64_t>{0, 2, 1, 3})});
  w.add("Reshape", {context, w.ints({0, 0, -1})}, {f.output(0)});
  return true;
}

/// FusedMatMul: alpha * op(A) op(B), op transposing the last two dims
/// (transA, transB). One Einsum, which needs no rank; moved batch dims
/// (transBatchA, transBatchB) keep the node.
bool expandFusedMatMul(NodeWriter &w, const FusedNode &f) {
  if (f.getInt("transBatchA", 0) || f.getInt("transBatchB", 0))
    return false;
  std::string equation =
      std::string(f.getInt("transA", 0) ? "...ji" : "...ij") +
      (f.getInt("transB", 0) ? ",...kj" : ",...jk") + "->...ik";
  float alpha = f.getFloat("alpha", 1.0f);
  std::string product =
      w.add("Einsum", {f.input(0), f.input(1)},
            alpha == 1.0f ? std::vector<std::string>{f.output(0)}
                          : std::vector<std::string>{},
            {::onnx::MakeAttribute("equation", equation)});
  // CastLike exists from opset 15; before, the product is float32.
  if (alpha != 1.0f)
    w.add("Mul",
          {product,
           f.opset >= 15 ? w.scalarLike(alpha, product) : w.floatScalar(alpha)},
          {f.output(0)});
  return true;
}

} // namespace

bool isExpandedContribOperator(StringRef domain, StringRef opType) {
  return domain == "com.microsoft" &&
         llvm::is_contained(
             {"Gelu", "BiasGelu", "FastGelu", "QuickGelu",
              "SkipLayerNormalization", "SkipSimplifiedLayerNormalization",
              "EmbedLayerNormalization", "Attention", "FusedMatMul"},
             opType);
}

void expandContribOperators(::onnx::ModelProto &model) {
  ::onnx::GraphProto &graph = *model.mutable_graph();
  bool any = llvm::any_of(graph.node(), [](const ::onnx::NodeProto &node) {
    return isExpandedContribOperator(node.domain(), node.op_type());
  });
  if (!any)
    return;
  int64_t opset = getDefaultOpset(model);
  StringSet<> taken = collectTakenNames(graph);
  // Ranks of the values Attention masks may be (graph inputs, typed
  // values, and the mask_index EmbedLayerNormalization writes).
  StringMap<int64_t> ranks;
  auto recordRank = [&](const ::onnx::ValueInfoProto &info) {
    if (info.type().has_tensor_type() && info.type().tensor_type().has_shape())
      ranks[info.name()] = info.type().tensor_type().shape().dim_size();
  };
  for (const auto &info : graph.input())
    recordRank(info);
  for (const auto &info : graph.value_info())
    recordRank(info);

  ::google::protobuf::RepeatedPtrField<::onnx::NodeProto> nodes;
  for (const ::onnx::NodeProto &node : graph.node()) {
    if (!isExpandedContribOperator(node.domain(), node.op_type())) {
      *nodes.Add() = node;
      continue;
    }
    ::google::protobuf::RepeatedPtrField<::onnx::NodeProto> expansion;
    NodeWriter writer(node, expansion, taken);
    FusedNode fused{node, opset};
    StringRef op = node.op_type();
    bool expanded = false;
    if (op == "Gelu" || op == "BiasGelu")
      expanded = expandGelu(writer, fused);
    else if (op == "FastGelu")
      expanded = expandFastGelu(writer, fused);
    else if (op == "QuickGelu")
      expanded = expandQuickGelu(writer, fused);
    else if (op == "SkipLayerNormalization")
      expanded = expandSkipLayerNormalization(writer, fused);
    else if (op == "SkipSimplifiedLayerNormalization")
      expanded = expandSkipSimplifiedLayerNormalization(writer, fused);
    else if (op == "FusedMatMul")
      expanded = expandFusedMatMul(writer, fused);
    else if (op == "EmbedLayerNormalization")
      expanded = expandEmbedLayerNormalization(writer, fused);
    else if (op == "Attention")
      expanded = expandAttention(
          writer, fused,
          ranks.count(fused.input(3)) ? ranks.lookup(fused.input(3)) : -1);
    if (op == "EmbedLayerNormalization" && !fused.output(1).empty())
      ranks[fused.output(1)] = 1;
    if (!expanded) {
      *nodes.Add() = node;
      continue;
    }
    for (auto &n : expansion)
      *nodes.Add() = std::move(n);
  }
  graph.mutable_node()->Swap(&nodes);
}

} // namespace lowrank
