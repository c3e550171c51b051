//===- TraditionalMLExpansion.cpp - ai.onnx.ml operators, expanded --------===//
//
// scikit-learn pipelines converted by skl2onnx (and other converters of
// classical models) use operators of the `ai.onnx.ml` domain. For
// compilation each becomes default-domain nodes that compute what ONNX
// Runtime's CPU kernel computes:
//
// - Scaler: (x - offset) * scale, one value or one per feature.
// - Normalizer: rows divided by their maximum, L1 or L2 norm (a zero norm
//   leaves the row).
// - ArrayFeatureExtractor: a Gather along the last axis (a vector input
//   gives one row).
// - Binarizer: x > threshold as 1 or 0.
// - LinearClassifier / LinearRegressor: a Gemm with the coefficients; the
//   classifier's label is the first maximum of the raw scores (one score:
//   its sign), its scores go through NONE, LOGISTIC or SOFTMAX; one score
//   with two labels gives [1 - s, s].
// - TreeEnsembleClassifier / TreeEnsembleRegressor (versions 1 and 3):
//   every tree is walked at once, one step per level of the deepest tree:
//   each step gathers the current nodes' features, thresholds and children
//   (leaves lead to themselves), so after the last step every tree stands
//   at its leaf, whose weights are gathered and summed (averaged, or the
//   minimum or maximum for regressors). Comparisons follow the nodes'
//   modes, and a NaN feature goes to the true child where the node tracks
//   missing values that way. Binary classifiers in skl2onnx's form (weights
//   of class 0 only) give [1 - s, s] (all weights positive) or [-s, s] /
//   [sigmoid(-s), sigmoid(s)].
// - ZipMap of a graph output: the probabilities themselves; the output is
//   annotated with the keys (kZipMapKeysKey).
// - Imputer: Where over the replaced value (NaN included); OneHotEncoder
//   and LabelEncoder of integers: Equal against the categories or keys
//   (LabelEncoder then gathers the value of the first match, or the
//   default); FeatureVectorizer: a Concat of the columns as float.
//
// String labels are computed as indices into the table of labels, and the
// graph output is annotated with it (kLabelTableKey). Forms outside these
// (PROBIT and SOFTMAX_ZERO, tensors as attributes, strings read by other
// nodes) and inconsistent attributes (a child that does not exist, a
// cycle, a feature beyond the input) keep their node.
//
//===----------------------------------------------------------------------===//

#include "TraditionalMLExpansion.h"
#include "NodeWriter.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

using namespace llvm;

namespace lowrank {
namespace {

/// Deepest tree walked (steps of the expanded walk).
constexpr int64_t kMaxTreeDepth = 4096;

/// Attribute that a node of a known operator the expansion leaves gets: why
/// (the importer makes it the opaque operation's reason).
constexpr llvm::StringLiteral kNotExpandedAttr = "lowrank.not_expanded";

/// Why an expansion declines its node; `no(reason)` records it and returns
/// false.
struct Refusal {
  std::string reason;
  bool operator()(std::string why) {
    reason = std::move(why);
    return false;
  }
};

/// Records `reason` in `why` and returns nothing.
std::nullopt_t refuse(std::string &why, std::string reason) {
  why = std::move(reason);
  return std::nullopt;
}

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

struct ValueType {
  int32_t elementType = 0;
  /// Sizes (-1 unknown); none when the rank is unknown.
  std::optional<std::vector<int64_t>> shape;

  std::optional<int64_t> rank() const {
    if (!shape)
      return std::nullopt;
    return static_cast<int64_t>(shape->size());
  }
  int64_t lastSize() const {
    return shape && !shape->empty() ? shape->back() : -1;
  }
};

using TypeMap = StringMap<ValueType>;

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

/// What the expansion needs to know about how a node's outputs are used,
/// and what it records about the graph outputs it retypes.
struct OutputUses {
  /// Values some node (or subgraph) reads.
  StringSet<> read;
  /// The main graph's Identity nodes by the value they read, and the values
  /// anything else reads (other nodes, subgraphs).
  StringMap<SmallVector<std::string>> identityCopies;
  StringSet<> readOtherwise;
  /// Values whose recorded types the expansion invalidates.
  StringSet<> retyped;
  /// Names of the graph outputs.
  StringSet<> graphOutputs;
  /// Annotations for graph outputs: name -> (metadata key, JSON, new type).
  struct Annotation {
    std::string key;
    std::string json;
    int32_t elementType;
    std::optional<std::vector<int64_t>> shape;
  };
  StringMap<Annotation> annotations;

  /// Whether `name` is only a graph output (or unused), so that it may hold
  /// another representation.
  bool isFreeOutput(const std::string &name) const {
    return !name.empty() && !read.contains(name);
  }

  /// `name` and the copies Identity nodes make of it, when nothing else
  /// reads any of them (so they may hold indices instead of strings).
  std::optional<SmallVector<std::string>>
  getIdentityChain(const std::string &name) const {
    SmallVector<std::string> chain = {name};
    for (size_t i = 0; i < chain.size(); ++i) {
      if (readOtherwise.contains(chain[i]) || chain.size() > 1024)
        return std::nullopt;
      auto it = identityCopies.find(chain[i]);
      if (it != identityCopies.end())
        chain.append(it->second.begin(), it->second.end());
    }
    return chain;
  }
};

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

/// The class labels of a classifier: integers or strings.
struct ClassLabels {
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  bool usesStrings() const { return !strings.empty(); }
  size_t size() const { return usesStrings() ? strings.size() : ints.size(); }
};

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

//===----------------------------------------------------------------------===//
// Scaler, Normalizer, ArrayFeatureExtractor, Binarizer
//===----------------------------------------------------------------------===//

bool expandScaler(NodeWriter &w, const FusedNode &f, const TypeMap &types,
                  Refusal &no) {
  const ValueType *x =
      types.count(f.input(0)) ? &types.find(f.input(0))->second : nullptr;
  std::vector<float> scale = getFloats(f, "scale");
  std::vector<float> offset = getFloats(f, "offset");
  if (!x || !isNumeric(x->elementType) || !x->rank() || *x->rank() < 1 ||
      *x->rank() > 2 || scale.empty() || scale.size() != offset.size())
    return no("its input is not a float, double or integer tensor of rank 1 or "
              "2, or scale and offset differ in length");
  int64_t count = scale.size();
  if (count != 1 && x->lastSize() != count)
    return no("scale and offset have neither one value nor one per feature");
  std::string y;
  if (x->elementType == ::onnx::TensorProto::DOUBLE) {
    std::string shifted = w.add("Sub", {f.input(0), doubleConstant(w, offset)});
    y = w.cast(w.add("Mul", {shifted, doubleConstant(w, scale)}),
               ::onnx::TensorProto::FLOAT);
  } else {
    std::string xf = asFloat(w, f.input(0), x->elementType);
    std::string shifted = w.add("Sub", {xf, floatConstant(w, offset, {count})});
    y = w.add("Mul", {shifted, floatConstant(w, scale, {count})});
  }
  w.add("Identity", {y}, {f.output(0)});
  return true;
}

bool expandNormalizer(NodeWriter &w, const FusedNode &f, const TypeMap &types,
                      Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end() || !isNumeric(it->second.elementType) ||
      !it->second.rank() || *it->second.rank() < 1 || *it->second.rank() > 2)
    return no("its input is not a numeric tensor of rank 1 or 2");
  std::string norm = getString(f, "norm", "MAX");
  std::string x = asFloat(w, f.input(0), it->second.elementType);
  std::string denominator;
  if (norm == "MAX") {
    // The kernel's running maximum passes over NaN.
    std::string number = w.add(
        "Where", {w.add("IsNaN", {x}),
                  w.floatScalar(-std::numeric_limits<float>::infinity()), x});
    denominator = reduce(w, f, "ReduceMax", number, -1, true);
  } else if (norm == "L1")
    denominator = reduce(w, f, "ReduceSum", w.add("Abs", {x}), -1, true);
  else if (norm == "L2")
    denominator = w.add(
        "Sqrt", {reduce(w, f, "ReduceSum", w.add("Mul", {x, x}), -1, true)});
  else
    return no("norm is not MAX, L1 or L2");
  // A zero norm leaves the row as it is.
  std::string zero = w.add("Equal", {denominator, w.floatScalar(0.0f)});
  std::string safe = w.add("Where", {zero, w.floatScalar(1.0f), denominator});
  w.add("Div", {x, safe}, {f.output(0)});
  return true;
}

bool expandArrayFeatureExtractor(NodeWriter &w, const FusedNode &f,
                                 const TypeMap &types, Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end() || !isNumeric(it->second.elementType) ||
      !it->second.rank() || *it->second.rank() < 1)
    return no("its input is not a numeric tensor");
  std::string indices = w.add("Reshape", {f.input(1), w.ints({-1})});
  std::string gathered = w.add("Gather", {f.input(0), indices}, {},
                               {::onnx::MakeAttribute("axis", int64_t(-1))});
  // A vector gives one row [1, k].
  if (*it->second.rank() == 1)
    w.add("Reshape", {gathered, w.ints({1, -1})}, {f.output(0)});
  else
    w.add("Identity", {gathered}, {f.output(0)});
  return true;
}

bool expandBinarizer(NodeWriter &w, const FusedNode &f, const TypeMap &types,
                     Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end() || !isNumeric(it->second.elementType))
    return no("its input is not a numeric tensor");
  int32_t type = it->second.elementType;
  std::string threshold =
      w.cast(w.floatScalar(f.getFloat("threshold", 0.0f)), type);
  std::string above = w.add("Greater", {f.input(0), threshold});
  w.add("Cast", {above}, {f.output(0)},
        {::onnx::MakeAttribute("to", int64_t(type))});
  return true;
}

//===----------------------------------------------------------------------===//
// Linear models
//===----------------------------------------------------------------------===//

/// x as float [N, F] (a vector is one row); empty when its rank is not 1
/// or 2.
std::string asFloatRows(NodeWriter &w, const ValueType &type,
                        const std::string &x) {
  if (!type.rank() || *type.rank() < 1 || *type.rank() > 2)
    return {};
  std::string xf = asFloat(w, x, type.elementType);
  if (*type.rank() == 1)
    xf = w.add("Reshape", {xf, w.ints({1, -1})});
  return xf;
}

/// Gemm(x, coefficients^T, intercepts) for `targets` rows of coefficients;
/// empty when the sizes disagree with x's features.
std::string linearScores(NodeWriter &w, const ValueType &type,
                         const std::string &xf,
                         const std::vector<float> &coefficients,
                         const std::vector<float> &intercepts,
                         int64_t targets) {
  if (targets <= 0 || coefficients.empty() || coefficients.size() % targets)
    return {};
  int64_t features = coefficients.size() / targets;
  if (type.lastSize() >= 0 && type.lastSize() != features)
    return {};
  if (!intercepts.empty() && static_cast<int64_t>(intercepts.size()) != targets)
    return {};
  std::vector<std::string> inputs = {
      xf, floatConstant(w, coefficients, {targets, features})};
  if (!intercepts.empty())
    inputs.push_back(floatConstant(w, intercepts, {targets}));
  return w.add("Gemm", inputs, {},
               {::onnx::MakeAttribute("transB", int64_t(1))});
}

bool expandLinearClassifier(NodeWriter &w, const FusedNode &f,
                            const TypeMap &types, OutputUses &uses,
                            Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end() || !isNumeric(it->second.elementType))
    return no("its input is not a numeric tensor");
  ClassLabels labels{getInts(f, "classlabels_ints"),
                     getStrings(f, "classlabels_strings")};
  std::vector<float> intercepts = getFloats(f, "intercepts");
  int64_t targets = intercepts.size();
  std::string transform = getString(f, "post_transform", "NONE");
  if (!isSupportedTransform(transform) || targets == 0)
    return no("post_transform is not NONE, LOGISTIC or SOFTMAX, or there are "
              "no intercepts");
  bool twoLabels = labels.size() == 2;
  if (targets == 1 && !labels.usesStrings() && !twoLabels)
    labels.ints = {0, 1};
  if (targets == 1 && labels.usesStrings() && !twoLabels)
    labels.strings = {"0", "1"};
  if (targets > 1 && static_cast<int64_t>(labels.size()) != targets)
    return no("the number of class labels differs from the number of "
              "intercepts");
  if (!canWriteLabels(labels, f.output(0), uses))
    return no("its string labels are read by nodes other than Identity");
  std::string xf = asFloatRows(w, it->second, f.input(0));
  if (xf.empty())
    return no("its input is not a tensor of rank 1 or 2");
  std::string scores = linearScores(
      w, it->second, xf, getFloats(f, "coefficients"), intercepts, targets);
  if (scores.empty())
    return no("the coefficients do not match the intercepts and the input's "
              "features");
  if (targets == 1) {
    // The sign of the raw score chooses; with two labels the scores are
    // [1 - p, p] for p the score after NONE or LOGISTIC, otherwise the raw
    // score, whatever the transform (as ONNX Runtime computes them).
    if (transform == "SOFTMAX" ||
        !writeLabels(w, labels, binaryIndex(w, scores, 0.0f), f.output(0),
                     uses))
      return no("post_transform SOFTMAX of a single score is not compiled");
    if (!f.output(1).empty())
      w.add("Identity",
            {twoLabels
                 ? twoClassScores(w, transformScores(w, transform, scores),
                                  "complement")
                 : scores},
            {f.output(1)});
    return true;
  }
  std::string index = w.add("ArgMax", {scores}, {},
                            {::onnx::MakeAttribute("axis", int64_t(1)),
                             ::onnx::MakeAttribute("keepdims", int64_t(0))});
  if (!writeLabels(w, labels, index, f.output(0), uses))
    return no("its string labels are read by nodes other than Identity");
  if (!f.output(1).empty())
    w.add("Identity", {transformScores(w, transform, scores)}, {f.output(1)});
  return true;
}

bool expandLinearRegressor(NodeWriter &w, const FusedNode &f,
                           const TypeMap &types, Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end() || !isNumeric(it->second.elementType) ||
      getString(f, "post_transform", "NONE") != "NONE")
    return no(
        "its input is not a numeric tensor, or post_transform is not NONE");
  std::string xf = asFloatRows(w, it->second, f.input(0));
  if (xf.empty())
    return no("its input is not a tensor of rank 1 or 2");
  std::string scores =
      linearScores(w, it->second, xf, getFloats(f, "coefficients"),
                   getFloats(f, "intercepts"), f.getInt("targets", 1));
  if (scores.empty())
    return no(
        "the coefficients do not match the targets and the input's features");
  w.add("Identity", {scores}, {f.output(0)});
  return true;
}

//===----------------------------------------------------------------------===//
// Tree ensembles
//===----------------------------------------------------------------------===//

enum class NodeMode : int64_t { LEQ, LT, GTE, GT, EQ, NEQ, Leaf };

std::optional<NodeMode> parseMode(StringRef mode) {
  return StringSwitch<std::optional<NodeMode>>(mode)
      .Case("BRANCH_LEQ", NodeMode::LEQ)
      .Case("BRANCH_LT", NodeMode::LT)
      .Case("BRANCH_GTE", NodeMode::GTE)
      .Case("BRANCH_GT", NodeMode::GT)
      .Case("BRANCH_EQ", NodeMode::EQ)
      .Case("BRANCH_NEQ", NodeMode::NEQ)
      .Case("LEAF", NodeMode::Leaf)
      .Default(std::nullopt);
}

/// All trees' nodes, numbered 0..M-1 across trees; leaves lead to
/// themselves.
struct TreeTables {
  std::vector<int64_t> feature, trueChild, falseChild, modes, roots;
  std::vector<float> threshold;
  std::vector<bool> missingTrue, isLeaf;
  std::vector<std::pair<int64_t, int64_t>> ids; // (tree, node)
  DenseMap<std::pair<int64_t, int64_t>, int64_t> index;
  int64_t depth = 0;
  bool anyMissingTrue = false;
  SmallVector<NodeMode> usedModes;

  size_t size() const { return feature.size(); }
};

/// Reads and checks the nodes_* attributes; nullopt when they are
/// inconsistent or use what the expansion does not cover.
std::optional<TreeTables> readTrees(const FusedNode &f, int64_t features,
                                    std::string &why) {
  if (f.attr("nodes_values_as_tensor") || f.attr("base_values_as_tensor") ||
      f.attr("class_weights_as_tensor") || f.attr("target_weights_as_tensor"))
    return refuse(why,
                  "tensor-valued attributes (*_as_tensor) are not compiled");
  std::vector<int64_t> treeIds = getInts(f, "nodes_treeids");
  std::vector<int64_t> nodeIds = getInts(f, "nodes_nodeids");
  std::vector<int64_t> featureIds = getInts(f, "nodes_featureids");
  std::vector<float> values = getFloats(f, "nodes_values");
  std::vector<std::string> modes = getStrings(f, "nodes_modes");
  std::vector<int64_t> trueIds = getInts(f, "nodes_truenodeids");
  std::vector<int64_t> falseIds = getInts(f, "nodes_falsenodeids");
  std::vector<int64_t> missing = getInts(f, "nodes_missing_value_tracks_true");
  size_t n = nodeIds.size();
  if (n == 0 || treeIds.size() != n || featureIds.size() != n ||
      values.size() != n || modes.size() != n || trueIds.size() != n ||
      falseIds.size() != n || (!missing.empty() && missing.size() != n))
    return refuse(why, "the nodes_* attributes are empty or differ in length");

  TreeTables t;
  t.ids.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!t.index.try_emplace({treeIds[i], nodeIds[i]}, i).second)
      return refuse(why, "tree " + std::to_string(treeIds[i]) + " lists node " +
                             std::to_string(nodeIds[i]) + " twice");
    t.ids.push_back({treeIds[i], nodeIds[i]});
  }
  t.feature.resize(n);
  t.trueChild.resize(n);
  t.falseChild.resize(n);
  t.modes.resize(n);
  t.threshold.resize(n);
  t.missingTrue.resize(n);
  t.isLeaf.resize(n);
  std::vector<bool> isChild(n, false);
  for (size_t i = 0; i < n; ++i) {
    std::optional<NodeMode> mode = parseMode(modes[i]);
    if (!mode)
      return refuse(why, "node mode '" + modes[i] +
                             "' is not a branch mode or LEAF");
    t.modes[i] = static_cast<int64_t>(*mode);
    if (*mode == NodeMode::Leaf) {
      t.isLeaf[i] = true;
      t.trueChild[i] = t.falseChild[i] = i;
      continue;
    }
    if (featureIds[i] < 0 || (features >= 0 && featureIds[i] >= features))
      return refuse(why, "node " + std::to_string(nodeIds[i]) + " of tree " +
                             std::to_string(treeIds[i]) + " reads feature " +
                             std::to_string(featureIds[i]) +
                             ", outside the input's " +
                             std::to_string(features) + " features");
    auto child = [&](int64_t id) -> std::optional<int64_t> {
      auto found = t.index.find({treeIds[i], id});
      if (found == t.index.end() || found->second == int64_t(i))
        return std::nullopt;
      return found->second;
    };
    std::optional<int64_t> yes = child(trueIds[i]), no = child(falseIds[i]);
    if (!yes || !no)
      return refuse(why,
                    "node " + std::to_string(nodeIds[i]) + " of tree " +
                        std::to_string(treeIds[i]) +
                        " leads to a node that does not exist (or to itself)");
    t.feature[i] = featureIds[i];
    t.threshold[i] = values[i];
    t.trueChild[i] = *yes;
    t.falseChild[i] = *no;
    isChild[*yes] = isChild[*no] = true;
    t.missingTrue[i] = !missing.empty() && missing[i] != 0;
    t.anyMissingTrue |= t.missingTrue[i];
    if (!llvm::is_contained(t.usedModes, *mode))
      t.usedModes.push_back(*mode);
  }
  // One root per tree, in the order trees first appear.
  DenseMap<int64_t, int64_t> rootOfTree;
  for (size_t i = 0; i < n; ++i) {
    if (isChild[i])
      continue;
    if (!rootOfTree.try_emplace(treeIds[i], i).second)
      return refuse(why, "tree " + std::to_string(treeIds[i]) +
                             " has more than one root");
    t.roots.push_back(i);
  }
  for (size_t i = 0; i < n; ++i)
    if (!rootOfTree.count(treeIds[i]))
      return refuse(why,
                    "tree " + std::to_string(treeIds[i]) +
                        " has no root (its nodes form a cycle)"); // a tree that
                                                                  // is a cycle
  // Depth of the deepest leaf; a node reached twice is a cycle or a shared
  // subtree, which trees do not have.
  std::vector<bool> seen(n, false);
  std::vector<std::pair<int64_t, int64_t>> stack;
  for (int64_t root : t.roots)
    stack.push_back({root, 0});
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (seen[node] || depth > kMaxTreeDepth)
      return refuse(why, "a node is reached twice (a cycle or a shared "
                         "subtree) or a tree is deeper than " +
                             std::to_string(kMaxTreeDepth));
    seen[node] = true;
    t.depth = std::max(t.depth, depth);
    if (!t.isLeaf[node]) {
      stack.push_back({t.trueChild[node], depth + 1});
      stack.push_back({t.falseChild[node], depth + 1});
    }
  }
  if (t.depth == 0)
    return refuse(
        why, "every tree is a single leaf"); // only leaves: nothing to walk
  return t;
}

/// Leaf weights [M, K] and whether each (leaf, column) has one, from the
/// `prefix`_treeids/nodeids/ids/weights attributes. nullopt when they name
/// a node that is not a leaf or a column beyond `columns`.
struct LeafWeights {
  std::vector<float> weights;
  std::vector<bool> present;
  SmallVector<int64_t> columnsUsed;
  bool allPositive = true;
  bool dense = true; // every leaf has every column
};

std::optional<LeafWeights> readLeafWeights(const FusedNode &f,
                                           const TreeTables &t,
                                           StringRef prefix, int64_t columns,
                                           std::string &why) {
  std::vector<int64_t> treeIds = getInts(f, (prefix + "_treeids").str());
  std::vector<int64_t> nodeIds = getInts(f, (prefix + "_nodeids").str());
  std::vector<int64_t> ids = getInts(f, (prefix + "_ids").str());
  std::vector<float> weights = getFloats(f, (prefix + "_weights").str());
  size_t n = treeIds.size();
  if (n == 0 || nodeIds.size() != n || ids.size() != n || weights.size() != n)
    return refuse(why, "the " + prefix.str() +
                           "_* attributes are empty or differ in length");
  LeafWeights leaf;
  leaf.weights.assign(t.size() * columns, 0.0f);
  leaf.present.assign(t.size() * columns, false);
  for (size_t i = 0; i < n; ++i) {
    auto found = t.index.find({treeIds[i], nodeIds[i]});
    if (found == t.index.end() || !t.isLeaf[found->second] || ids[i] < 0 ||
        ids[i] >= columns || !std::isfinite(weights[i]))
      return refuse(
          why,
          "a " + prefix.str() +
              " weight names a node that is not a leaf, an id outside 0.." +
              std::to_string(columns - 1) + " or a value that is not finite");
    size_t at = found->second * columns + ids[i];
    leaf.weights[at] += weights[i];
    leaf.present[at] = true;
    leaf.allPositive &= weights[i] >= 0;
    if (!llvm::is_contained(leaf.columnsUsed, ids[i]))
      leaf.columnsUsed.push_back(ids[i]);
  }
  for (size_t i = 0; i < t.size(); ++i)
    for (int64_t c = 0; c < columns && t.isLeaf[i]; ++c)
      leaf.dense &= leaf.present[i * columns + c];
  return leaf;
}

/// x[n, feature] compared with the threshold by one mode.
std::string compareByMode(NodeWriter &w, NodeMode mode, const std::string &x,
                          const std::string &threshold) {
  switch (mode) {
  case NodeMode::LEQ:
    return w.add("LessOrEqual", {x, threshold});
  case NodeMode::LT:
    return w.add("Less", {x, threshold});
  case NodeMode::GTE:
    return w.add("GreaterOrEqual", {x, threshold});
  case NodeMode::GT:
    return w.add("Greater", {x, threshold});
  case NodeMode::EQ:
    return w.add("Equal", {x, threshold});
  case NodeMode::NEQ:
    return w.add("Not", {w.add("Equal", {x, threshold})});
  case NodeMode::Leaf:
    break;
  }
  return {};
}

/// Walks every tree for every row of x [N, F] (float); returns the leaves
/// reached, int64 [N, T].
std::string walkTrees(NodeWriter &w, const TreeTables &t,
                      const std::string &x) {
  int64_t m = t.size();
  std::string features = intConstant(w, t.feature, {m});
  std::string thresholds = floatConstant(w, t.threshold, {m});
  std::string trueChildren = intConstant(w, t.trueChild, {m});
  std::string falseChildren = intConstant(w, t.falseChild, {m});
  std::string modes =
      t.usedModes.size() > 1 ? intConstant(w, t.modes, {m}) : std::string();
  std::string missing;
  if (t.anyMissingTrue)
    missing = boolConstant(
        w, SmallVector<bool>(t.missingTrue.begin(), t.missingTrue.end()));
  auto gather = [&](const std::string &table, const std::string &at) {
    return w.add("Gather", {table, at}, {},
                 {::onnx::MakeAttribute("axis", int64_t(0))});
  };

  // The first step starts at the roots, the same for every row.
  std::string nodes = intConstant(w, t.roots, {int64_t(t.roots.size())});
  bool atRoots = true;
  for (int64_t step = 0; step < t.depth; ++step) {
    std::string feature = gather(features, nodes);
    std::string value =
        atRoots ? w.add("Gather", {x, feature}, {},
                        {::onnx::MakeAttribute("axis", int64_t(1))})
                : w.add("GatherElements", {x, feature}, {},
                        {::onnx::MakeAttribute("axis", int64_t(1))});
    std::string threshold = gather(thresholds, nodes);
    std::string condition;
    for (NodeMode mode : t.usedModes) {
      std::string compared = compareByMode(w, mode, value, threshold);
      if (condition.empty()) {
        condition = compared;
        continue;
      }
      std::string isMode =
          w.add("Equal", {gather(modes, nodes), w.ints({int64_t(mode)}, true)});
      condition = w.add("Where", {isMode, compared, condition});
    }
    if (!missing.empty())
      condition =
          w.add("Or", {condition, w.add("And", {gather(missing, nodes),
                                                w.add("IsNaN", {value})})});
    nodes = w.add("Where", {condition, gather(trueChildren, nodes),
                            gather(falseChildren, nodes)});
    atRoots = false;
  }
  return nodes;
}

/// Per-row sums (or the reduction `reduceOp`) over the trees of the leaf
/// weights: [N, K].
std::string aggregateLeaves(NodeWriter &w, const FusedNode &f,
                            const LeafWeights &leaf, const TreeTables &t,
                            const std::string &leaves, int64_t columns,
                            StringRef reduceOp) {
  std::string table =
      floatConstant(w, leaf.weights, {int64_t(t.size()), columns});
  std::string perTree = w.add("Gather", {table, leaves}, {},
                              {::onnx::MakeAttribute("axis", int64_t(0))});
  return reduce(w, f, reduceOp, perTree, 1, false);
}

/// x as float [N, F] for a tree ensemble; empty for other ranks.
std::string treeInput(NodeWriter &w, const ValueType &type,
                      const std::string &x) {
  if (!type.rank() || *type.rank() != 2 || !isNumeric(type.elementType))
    return {};
  return asFloat(w, x, type.elementType);
}

bool expandTreeEnsembleClassifier(NodeWriter &w, const FusedNode &f,
                                  const TypeMap &types, OutputUses &uses,
                                  Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end())
    return no("its input is not typed");
  ClassLabels labels{getInts(f, "classlabels_int64s"),
                     getStrings(f, "classlabels_strings")};
  int64_t classes = labels.size();
  std::string transform = getString(f, "post_transform", "NONE");
  std::vector<float> base = getFloats(f, "base_values");
  if (classes < 2 || !isSupportedTransform(transform) ||
      !canWriteLabels(labels, f.output(0), uses))
    return no("it has fewer than two class labels, a post_transform other than "
              "NONE, LOGISTIC or SOFTMAX, or string labels read by nodes other "
              "than Identity");
  std::string treesWhy, leavesWhy;
  std::optional<TreeTables> trees =
      readTrees(f, it->second.lastSize(), treesWhy);
  if (!trees)
    return no(treesWhy);
  std::optional<LeafWeights> leaf =
      readLeafWeights(f, *trees, "class", classes, leavesWhy);
  if (!leaf)
    return no(leavesWhy);
  std::string x = treeInput(w, it->second, f.input(0));
  if (x.empty())
    return no("its input is not a numeric tensor of rank 2");

  if (classes == 2) {
    // skl2onnx's binary form: weights of class 0 only, at most one base
    // value; s is the positive class's score.
    if (leaf->columnsUsed.size() != 1 || leaf->columnsUsed.front() != 0 ||
        base.size() > 1)
      return no("two classes with weights other than class 0's alone (and at "
                "most one base value) are not compiled");
    std::string leaves = walkTrees(w, *trees, x);
    LeafWeights first = *leaf;
    first.weights.clear();
    for (size_t i = 0; i < trees->size(); ++i)
      first.weights.push_back(leaf->weights[i * 2]);
    std::string s =
        aggregateLeaves(w, f, first, *trees, leaves, 1, "ReduceSum");
    if (!base.empty())
      s = w.add("Add", {s, floatConstant(w, base, {1})});
    bool positive = leaf->allPositive;
    if (!writeLabels(w, labels, binaryIndex(w, s, positive ? 0.5f : 0.0f),
                     f.output(0), uses))
      return no("its string labels are read by nodes other than Identity");
    if (!f.output(1).empty())
      w.add("Identity",
            {twoClassScores(w, s,
                            positive                  ? "complement"
                            : transform == "LOGISTIC" ? "logistic"
                                                      : "negate")},
            {f.output(1)});
    return true;
  }

  if (!base.empty() && static_cast<int64_t>(base.size()) != classes)
    return no("the number of base values differs from the number of classes");
  std::string leaves = walkTrees(w, *trees, x);
  std::string scores =
      aggregateLeaves(w, f, *leaf, *trees, leaves, classes, "ReduceSum");
  if (!base.empty())
    scores = w.add("Add", {scores, floatConstant(w, base, {classes})});
  // Without base values, a class no leaf reached has no score and is not
  // chosen.
  std::string choose = scores;
  if (base.empty() && !leaf->dense) {
    std::vector<float> has(leaf->present.begin(), leaf->present.end());
    LeafWeights presence = *leaf;
    presence.weights = std::move(has);
    std::string reached =
        aggregateLeaves(w, f, presence, *trees, leaves, classes, "ReduceMax");
    std::string any = w.add("Greater", {reached, w.floatScalar(0.0f)});
    choose = w.add(
        "Where",
        {any, scores, w.floatScalar(-std::numeric_limits<float>::infinity())});
  }
  std::string index = w.add("ArgMax", {choose}, {},
                            {::onnx::MakeAttribute("axis", int64_t(1)),
                             ::onnx::MakeAttribute("keepdims", int64_t(0))});
  if (!writeLabels(w, labels, index, f.output(0), uses))
    return no("its string labels are read by nodes other than Identity");
  if (!f.output(1).empty())
    w.add("Identity", {transformScores(w, transform, scores)}, {f.output(1)});
  return true;
}

bool expandTreeEnsembleRegressor(NodeWriter &w, const FusedNode &f,
                                 const TypeMap &types, Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end() || getString(f, "post_transform", "NONE") != "NONE")
    return no("its input is not typed, or post_transform is not NONE");
  int64_t targets = f.getInt("n_targets", 1);
  std::string aggregate = getString(f, "aggregate_function", "SUM");
  std::vector<float> base = getFloats(f, "base_values");
  if (targets <= 0 ||
      (!base.empty() && static_cast<int64_t>(base.size()) != targets))
    return no(
        "n_targets is not positive or the base values are not one per target");
  std::string treesWhy, leavesWhy;
  std::optional<TreeTables> trees =
      readTrees(f, it->second.lastSize(), treesWhy);
  if (!trees)
    return no(treesWhy);
  std::optional<LeafWeights> leaf =
      readLeafWeights(f, *trees, "target", targets, leavesWhy);
  if (!leaf)
    return no(leavesWhy);
  StringRef reduceOp = StringSwitch<StringRef>(aggregate)
                           .Case("SUM", "ReduceSum")
                           .Case("AVERAGE", "ReduceSum")
                           .Case("MIN", "ReduceMin")
                           .Case("MAX", "ReduceMax")
                           .Default("");
  // A minimum or maximum over trees needs every leaf to weigh every target.
  if (reduceOp.empty() || (reduceOp != "ReduceSum" && !leaf->dense))
    return no("aggregate_function is not SUM, AVERAGE, MIN or MAX (MIN and MAX "
              "need every leaf to weigh every target)");
  std::string x = treeInput(w, it->second, f.input(0));
  if (x.empty())
    return no("its input is not a numeric tensor of rank 2");
  std::string leaves = walkTrees(w, *trees, x);
  std::string y =
      aggregateLeaves(w, f, *leaf, *trees, leaves, targets, reduceOp);
  if (aggregate == "AVERAGE")
    y = w.add("Div", {y, w.floatScalar(float(trees->roots.size()))});
  if (!base.empty())
    y = w.add("Add", {y, floatConstant(w, base, {targets})});
  w.add("Identity", {y}, {f.output(0)});
  return true;
}

//===----------------------------------------------------------------------===//
// Imputer, OneHotEncoder, LabelEncoder, FeatureVectorizer
//===----------------------------------------------------------------------===//

/// `x` with a trailing axis of size 1 (Unsqueeze in the form of the opset).
std::string unsqueezeLast(NodeWriter &w, const FusedNode &f,
                          const std::string &x) {
  if (f.opset >= 13)
    return w.add("Unsqueeze", {x, w.ints({-1})});
  return w.add("Unsqueeze", {x}, {},
               {::onnx::MakeAttribute("axes", std::vector<int64_t>{-1})});
}

bool expandImputer(NodeWriter &w, const FusedNode &f, const TypeMap &types,
                   Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end() || !it->second.rank() || *it->second.rank() < 1 ||
      *it->second.rank() > 2)
    return no("its input is not a tensor of rank 1 or 2");
  int32_t type = it->second.elementType;
  std::vector<float> floats = getFloats(f, "imputed_value_floats");
  std::vector<int64_t> ints = getInts(f, "imputed_value_int64s");
  size_t count = type == ::onnx::TensorProto::FLOAT   ? floats.size()
                 : type == ::onnx::TensorProto::INT64 ? ints.size()
                                                      : 0;
  if (count == 0 || floats.empty() == ints.empty())
    return no("its input is not float or int64, or the imputed values are "
              "not of its type alone");
  // One value per feature when there are as many as features, else the
  // first for all (as the kernel reads them).
  int64_t features = it->second.lastSize();
  bool perFeature = count > 1 && features == static_cast<int64_t>(count);
  if (count > 1 && features < 0)
    return no("the number of features is not known");
  std::string imputed;
  std::string mask;
  if (type == ::onnx::TensorProto::FLOAT) {
    imputed = perFeature ? floatConstant(w, floats, {int64_t(count)})
                         : w.floatScalar(floats.front());
    float replaced = f.getFloat("replaced_value_float", 0.0f);
    mask = std::isnan(replaced)
               ? w.add("IsNaN", {f.input(0)})
               : w.add("Equal", {f.input(0), w.floatScalar(replaced)});
  } else {
    imputed = perFeature ? intConstant(w, ints, {int64_t(count)})
                         : w.ints({ints.front()}, true);
    mask =
        w.add("Equal", {f.input(0),
                        w.ints({f.getInt("replaced_value_int64", 0)}, true)});
  }
  w.add("Where", {mask, imputed, f.input(0)}, {f.output(0)});
  return true;
}

bool expandOneHotEncoder(NodeWriter &w, const FusedNode &f,
                         const TypeMap &types, Refusal &no) {
  auto it = types.find(f.input(0));
  if (it == types.end() || !isNumeric(it->second.elementType))
    return no("its input is not a numeric tensor (string categories are not "
              "compiled)");
  std::vector<int64_t> categories = getInts(f, "cats_int64s");
  if (categories.empty())
    return no("it has no integer categories");
  if (f.getInt("zeros", 1) == 0)
    return no("zeros=0 (an error for unknown categories) is not compiled");
  std::string x = f.input(0);
  if (it->second.elementType != ::onnx::TensorProto::INT64)
    x = w.cast(x, ::onnx::TensorProto::INT64);
  std::string equal = w.add(
      "Equal", {unsqueezeLast(w, f, x),
                intConstant(w, categories, {int64_t(categories.size())})});
  w.add("Cast", {equal}, {f.output(0)},
        {::onnx::MakeAttribute("to", int64_t(::onnx::TensorProto::FLOAT))});
  return true;
}

bool expandLabelEncoder(NodeWriter &w, const FusedNode &f, const TypeMap &types,
                        Refusal &no) {
  auto it = types.find(f.input(0));
  std::vector<int64_t> keys = getInts(f, "keys_int64s");
  std::vector<int64_t> intValues = getInts(f, "values_int64s");
  std::vector<float> floatValues = getFloats(f, "values_floats");
  size_t valueCount = intValues.empty() ? floatValues.size() : intValues.size();
  if (it == types.end() ||
      it->second.elementType != ::onnx::TensorProto::INT64 || keys.empty() ||
      valueCount != keys.size() || intValues.empty() == floatValues.empty())
    return no("only int64 keys mapped to int64 or float values are compiled");
  if (llvm::SmallDenseSet<int64_t>(keys.begin(), keys.end()).size() !=
      keys.size())
    return no("a key is listed twice");
  int64_t k = keys.size();
  std::string matches = w.add(
      "Equal", {unsqueezeLast(w, f, f.input(0)), intConstant(w, keys, {k})});
  std::string asInts = w.cast(matches, ::onnx::TensorProto::INT32);
  std::string index = w.add("ArgMax", {asInts}, {},
                            {::onnx::MakeAttribute("axis", int64_t(-1)),
                             ::onnx::MakeAttribute("keepdims", int64_t(0))});
  std::string found = w.cast(reduce(w, f, "ReduceMax", asInts, -1, false),
                             ::onnx::TensorProto::BOOL);
  std::string table = intValues.empty() ? floatConstant(w, floatValues, {k})
                                        : intConstant(w, intValues, {k});
  std::string mapped = w.add("Gather", {table, index}, {},
                             {::onnx::MakeAttribute("axis", int64_t(0))});
  std::string fallback = intValues.empty()
                             ? w.floatScalar(f.getFloat("default_float", -0.0f))
                             : w.ints({f.getInt("default_int64", -1)}, true);
  w.add("Where", {found, mapped, fallback}, {f.output(0)});
  return true;
}

bool expandFeatureVectorizer(NodeWriter &w, const FusedNode &f,
                             const TypeMap &types, Refusal &no) {
  std::vector<int64_t> widths = getInts(f, "inputdimensions");
  if (widths.size() != static_cast<size_t>(f.node.input_size()) ||
      widths.empty())
    return no("inputdimensions does not give one width per input");
  std::vector<std::string> columns;
  for (auto [i, width] : llvm::enumerate(widths)) {
    auto it = types.find(f.input(i));
    if (it == types.end() || !isNumeric(it->second.elementType) ||
        it->second.rank() != 2 || it->second.lastSize() != width)
      return no("an input is not a numeric matrix of its inputdimensions "
                "width");
    columns.push_back(asFloat(w, f.input(i), it->second.elementType));
  }
  w.add("Concat", columns, {f.output(0)},
        {::onnx::MakeAttribute("axis", int64_t(1))});
  return true;
}

//===----------------------------------------------------------------------===//
// ZipMap
//===----------------------------------------------------------------------===//

bool expandZipMap(NodeWriter &w, const FusedNode &f, const TypeMap &types,
                  OutputUses &uses, Refusal &no) {
  auto it = types.find(f.input(0));
  std::vector<int64_t> ints = getInts(f, "classlabels_int64s");
  std::vector<std::string> strings = getStrings(f, "classlabels_strings");
  const std::string &out = f.output(0);
  if (it == types.end() ||
      it->second.elementType != ::onnx::TensorProto::FLOAT ||
      !it->second.rank() || *it->second.rank() != 2 ||
      (ints.empty() == strings.empty()) || !uses.graphOutputs.contains(out) ||
      !uses.isFreeOutput(out))
    return no("its input is not a float matrix, it is not a graph output read "
              "by no node, or it has no (or both kinds of) class labels");
  int64_t keys = ints.empty() ? strings.size() : ints.size();
  if (it->second.lastSize() >= 0 && it->second.lastSize() != keys)
    return no("the number of keys differs from the input's columns");
  w.add("Identity", {f.input(0)}, {out});
  std::vector<int64_t> shape = *it->second.shape;
  shape.back() = keys;
  uses.annotations[out] = {kZipMapKeysKey.str(),
                           ints.empty() ? jsonStrings(strings) : jsonInts(ints),
                           ::onnx::TensorProto::FLOAT, shape};
  return true;
}

} // namespace

bool isExpandedMLOperator(const ::onnx::NodeProto &node) {
  return node.domain() == "ai.onnx.ml" &&
         llvm::is_contained({"Scaler", "Normalizer", "ArrayFeatureExtractor",
                             "Binarizer", "LinearClassifier", "LinearRegressor",
                             "TreeEnsembleClassifier", "TreeEnsembleRegressor",
                             "ZipMap", "Imputer", "OneHotEncoder",
                             "LabelEncoder", "FeatureVectorizer"},
                            node.op_type());
}

namespace {

/// Retypes the annotated graph outputs and records their annotation.
void annotateOutputs(::onnx::GraphProto &graph, const OutputUses &uses) {
  for (::onnx::ValueInfoProto &info : *graph.mutable_output()) {
    auto it = uses.annotations.find(info.name());
    if (it == uses.annotations.end()) {
      if (uses.retyped.contains(info.name()) && info.type().has_tensor_type())
        info.mutable_type()->mutable_tensor_type()->clear_shape();
      continue;
    }
    const OutputUses::Annotation &note = it->second;
    ::onnx::TypeProto type;
    auto *tensor = type.mutable_tensor_type();
    tensor->set_elem_type(note.elementType);
    if (note.shape) {
      auto *shape = tensor->mutable_shape();
      for (int64_t size : *note.shape) {
        auto *dim = shape->add_dim();
        if (size >= 0)
          dim->set_dim_value(size);
      }
    } else if (info.type().has_tensor_type() &&
               info.type().tensor_type().has_shape()) {
      *tensor->mutable_shape() = info.type().tensor_type().shape();
    }
    *info.mutable_type() = std::move(type);
    auto *entry = info.add_metadata_props();
    entry->set_key(note.key);
    entry->set_value(note.json);
  }
}

} // namespace

bool expandTraditionalMLOperators(::onnx::ModelProto &model) {
  ::onnx::GraphProto &graph = *model.mutable_graph();
  if (!llvm::any_of(graph.node(), isExpandedMLOperator))
    return false;
  int64_t opset = getDefaultOpset(model);
  if (opset < kMinimumExpansionOpset)
    return false;
  StringSet<> taken = collectTakenNames(graph);
  TypeMap types = collectTypes(graph);
  OutputUses uses;
  collectReads(graph, uses, /*mainGraph=*/true);
  for (const auto &info : graph.output())
    uses.graphOutputs.insert(info.name());

  bool changed = false;
  ::google::protobuf::RepeatedPtrField<::onnx::NodeProto> nodes;
  for (const ::onnx::NodeProto &node : graph.node()) {
    if (!isExpandedMLOperator(node)) {
      *nodes.Add() = node;
      continue;
    }
    ::google::protobuf::RepeatedPtrField<::onnx::NodeProto> expansion;
    NodeWriter writer(node, expansion, taken);
    FusedNode fused{node, opset};
    StringRef op = node.op_type();
    bool expanded = false;
    Refusal no;
    if (op == "Scaler")
      expanded = expandScaler(writer, fused, types, no);
    else if (op == "Normalizer")
      expanded = expandNormalizer(writer, fused, types, no);
    else if (op == "ArrayFeatureExtractor")
      expanded = expandArrayFeatureExtractor(writer, fused, types, no);
    else if (op == "Binarizer")
      expanded = expandBinarizer(writer, fused, types, no);
    else if (op == "LinearClassifier")
      expanded = expandLinearClassifier(writer, fused, types, uses, no);
    else if (op == "LinearRegressor")
      expanded = expandLinearRegressor(writer, fused, types, no);
    else if (op == "TreeEnsembleClassifier")
      expanded = expandTreeEnsembleClassifier(writer, fused, types, uses, no);
    else if (op == "TreeEnsembleRegressor")
      expanded = expandTreeEnsembleRegressor(writer, fused, types, no);
    else if (op == "ZipMap")
      expanded = expandZipMap(writer, fused, types, uses, no);
    else if (op == "Imputer")
      expanded = expandImputer(writer, fused, types, no);
    else if (op == "OneHotEncoder")
      expanded = expandOneHotEncoder(writer, fused, types, no);
    else if (op == "LabelEncoder")
      expanded = expandLabelEncoder(writer, fused, types, no);
    else if (op == "FeatureVectorizer")
      expanded = expandFeatureVectorizer(writer, fused, types, no);
    if (!expanded) {
      ::onnx::NodeProto *kept = nodes.Add();
      *kept = node;
      // The reason of this round replaces an earlier round's.
      auto *attrs = kept->mutable_attribute();
      attrs->erase(std::remove_if(attrs->begin(), attrs->end(),
                                  [](const ::onnx::AttributeProto &attr) {
                                    return attr.name() == kNotExpandedAttr;
                                  }),
                   attrs->end());
      if (!no.reason.empty())
        *kept->add_attribute() =
            ::onnx::MakeAttribute(kNotExpandedAttr.str(), no.reason);
      continue;
    }
    changed = true;
    // Converters declare some of these outputs' shapes wrongly (skl2onnx:
    // [N, 1] for a regressor of several targets); ONNX Runtime returns what
    // the kernel computes, and so does the expansion: inference types them.
    for (const std::string &output : node.output())
      uses.retyped.insert(output);
    for (auto &n : expansion)
      *nodes.Add() = std::move(n);
  }
  graph.mutable_node()->Swap(&nodes);
  // Values of the replaced nodes were typed by inference; the expansion may
  // retype them (labels as indices), so their recorded types go.
  if (changed) {
    for (const auto &entry : uses.annotations)
      uses.retyped.insert(entry.getKey());
    auto *infos = graph.mutable_value_info();
    infos->erase(std::remove_if(infos->begin(), infos->end(),
                                [&](const ::onnx::ValueInfoProto &info) {
                                  return uses.retyped.contains(info.name());
                                }),
                 infos->end());
    annotateOutputs(graph, uses);
  }
  return changed;
}

} // namespace lowrank
