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
#include "TraditionalMLNodes.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace llvm;

namespace lowrank {
namespace ml {
namespace {

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
  if (!writeClassifierOutputs(w, f, labels, scores, scores, transform, uses))
    return no("its string labels are read by nodes other than Identity");
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
} // namespace ml

using namespace ml;

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