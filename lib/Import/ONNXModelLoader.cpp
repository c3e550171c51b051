//===- ONNXModelLoader.cpp - Read and prepare an ONNX ModelProto ----------===//
//
// The ONNX checker, shape inference and version converter report errors by
// throwing, so this file is compiled with exceptions and catches them here;
// nothing else in the project sees an exception.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Import/ONNXModelLoader.h"
#include "ContribExpansion.h"
#include "FunctionExpansion.h"
#include "GuardedSchemaRegistry.h"
#include "NodeWriter.h"
#include "QuantizedExpansion.h"
#include "SequenceLoopExpansion.h"
#include "TraditionalMLExpansion.h"
#include "lowrank/Support/InputFiles.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/inliner/inliner.h>
#include <onnx/shape_inference/implementation.h>
#include <onnx/version_converter/convert.h>

#include <google/protobuf/io/coded_stream.h>

using namespace llvm;

namespace lowrank {

Error parseInputShapes(StringRef spec, StringMap<SmallVector<int64_t>> &out) {
  SmallVector<StringRef> entries;
  spec.split(entries, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef entry : entries) {
    auto [name, dims] = entry.rsplit(':');
    if (name.empty() || !entry.contains(':'))
      return createStringError("bad input shape '%s': expected name:d0xd1x...",
                               entry.str().c_str());
    SmallVector<int64_t> shape;
    SmallVector<StringRef> parts;
    dims.split(parts, 'x', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
    for (StringRef part : parts) {
      int64_t size;
      if (part.trim().getAsInteger(10, size) || size < 0)
        return createStringError("bad dimension '%s' in input shape '%s'",
                                 part.str().c_str(), entry.str().c_str());
      shape.push_back(size);
    }
    out[name.trim()] = std::move(shape);
  }
  return Error::success();
}

static Error pinInputShapes(::onnx::ModelProto &model,
                            const StringMap<SmallVector<int64_t>> &shapes,
                            StringRef displayName) {
  StringMap<bool> used;
  for (auto &input : *model.mutable_graph()->mutable_input()) {
    auto it = shapes.find(input.name());
    if (it == shapes.end())
      continue;
    used[input.name()] = true;
    auto *tensorType = input.mutable_type()->mutable_tensor_type();
    auto *shape = tensorType->mutable_shape();
    if (shape->dim_size() != 0 &&
        shape->dim_size() != static_cast<int>(it->second.size()))
      return createStringError("%s: input '%s' has rank %d, the given shape "
                               "has rank %zu",
                               displayName.str().c_str(), input.name().c_str(),
                               shape->dim_size(), it->second.size());
    for (int i = 0; i < shape->dim_size(); ++i) {
      const auto &dim = shape->dim(i);
      if (dim.has_dim_value() && dim.dim_value() != it->second[i])
        return createStringError(
            "%s: input '%s' has static dimension %d of size %lld, the given "
            "shape says %lld",
            displayName.str().c_str(), input.name().c_str(), i,
            (long long)dim.dim_value(), (long long)it->second[i]);
    }
    shape->clear_dim();
    for (int64_t size : it->second)
      shape->add_dim()->set_dim_value(size);
  }
  for (const auto &entry : shapes)
    if (!used.count(entry.getKey()))
      return createStringError("%s: the model has no input named '%s'",
                               displayName.str().c_str(),
                               entry.getKey().str().c_str());
  return Error::success();
}

/// ONNX's STFT shape inference (1.23) reads a missing `onesided` as 0 where
/// the operator's default is 1, and so gives a model whose STFT keeps its
/// default a spectrum of the wrong size, which the nodes after it then
/// contradict. The attribute is written out on such nodes (in subgraphs
/// too), which changes nothing else.
static void spellOutSTFTOnesided(::onnx::GraphProto &graph) {
  for (::onnx::NodeProto &node : *graph.mutable_node()) {
    for (::onnx::AttributeProto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        spellOutSTFTOnesided(*attr.mutable_g());
      for (::onnx::GraphProto &subgraph : *attr.mutable_graphs())
        spellOutSTFTOnesided(subgraph);
    }
    if (node.op_type() != "STFT" ||
        !(node.domain().empty() || node.domain() == "ai.onnx") ||
        llvm::any_of(node.attribute(), [](const ::onnx::AttributeProto &a) {
          return a.name() == "onesided";
        }))
      continue;
    ::onnx::AttributeProto *onesided = node.add_attribute();
    onesided->set_name("onesided");
    onesided->set_type(::onnx::AttributeProto::INT);
    onesided->set_i(1);
  }
}

/// Declared graph input sizes that are not positive (0 and -1 are what some
/// exporters write for "any size") become unknown, like symbolic ones.
static void relaxInputDims(::onnx::ModelProto &model) {
  for (auto &input : *model.mutable_graph()->mutable_input()) {
    if (!input.type().has_tensor_type() ||
        !input.type().tensor_type().has_shape())
      continue;
    auto *shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
    for (auto &dim : *shape->mutable_dim())
      if (dim.has_dim_value() && dim.dim_value() <= 0)
        dim.clear_dim_value();
  }
}

static bool hasExternalData(const ::onnx::ModelProto &model) {
  for (const auto &tensor : model.graph().initializer())
    if (tensor.data_location() == ::onnx::TensorProto::EXTERNAL)
      return true;
  return false;
}

/// Whether every output of `graph` (and of the graphs nested in its nodes'
/// attributes) is a graph input, an initializer, a node output or, for
/// nested graphs, a value of an enclosing scope. Checked before the
/// ONNX library sees the graph, with a message naming the output.
static Error checkGraphOutputsDefined(const ::onnx::GraphProto &graph,
                                      StringSet<> scope,
                                      StringRef displayName) {
  for (const auto &input : graph.input())
    scope.insert(input.name());
  for (const auto &tensor : graph.initializer())
    scope.insert(tensor.name());
  for (const auto &node : graph.node()) {
    for (const auto &attr : node.attribute()) {
      if (attr.has_g())
        if (Error err = checkGraphOutputsDefined(attr.g(), scope, displayName))
          return err;
      for (const auto &subgraph : attr.graphs())
        if (Error err = checkGraphOutputsDefined(subgraph, scope, displayName))
          return err;
    }
    for (const auto &output : node.output())
      scope.insert(output);
  }
  for (const auto &output : graph.output())
    if (!scope.contains(output.name()))
      return createStringError("%s: graph output '%s' is not produced by any "
                               "node",
                               displayName.str().c_str(),
                               output.name().c_str());
  return Error::success();
}

/// Checks node attributes that ONNX 1.12's shape inference uses without a
/// range check, on values whose rank the graph declares: LayerNormalization
/// indexes the input shape by its axis and crashes for a rank-0 input or an
/// out-of-range axis. (Later ONNX releases check this themselves.)
static Error checkInferenceInputs(const ::onnx::GraphProto &graph,
                                  StringRef displayName) {
  StringMap<int64_t> ranks;
  auto addDeclared = [&](const ::onnx::ValueInfoProto &info) {
    if (info.type().has_tensor_type() && info.type().tensor_type().has_shape())
      ranks[info.name()] = info.type().tensor_type().shape().dim_size();
  };
  for (const auto &info : graph.input())
    addDeclared(info);
  for (const auto &info : graph.value_info())
    addDeclared(info);
  for (const auto &tensor : graph.initializer())
    ranks[tensor.name()] = tensor.dims_size();
  for (const auto &[index, node] : llvm::enumerate(graph.node())) {
    if (node.op_type() != "LayerNormalization" || node.input_size() == 0 ||
        !(node.domain().empty() || node.domain() == "ai.onnx"))
      continue;
    auto it = ranks.find(node.input(0));
    if (it == ranks.end())
      continue;
    int64_t rank = it->second, axis = -1;
    for (const auto &attr : node.attribute())
      if (attr.name() == "axis")
        axis = attr.i();
    if (axis < -rank || axis >= rank)
      return createStringError("%s: node '%s' (LayerNormalization): axis "
                               "%lld is out of range for an input of rank "
                               "%lld",
                               displayName.str().c_str(),
                               node.name().empty()
                                   ? ("#" + std::to_string(index)).c_str()
                                   : node.name().c_str(),
                               (long long)axis, (long long)rank);
  }
  return Error::success();
}

/// Attributes that ONNX 1.12's shape inference divides by or uses as window
/// sizes without checking them: the specification requires them positive,
/// and a zero `strides` entry (Conv, pooling) raised SIGFPE inside the
/// library. Checked on every default-domain node, nested graphs included.
static Error checkPositiveAttributes(const ::onnx::GraphProto &graph,
                                     StringRef displayName) {
  static constexpr StringLiteral kPositive[] = {
      "strides", "dilations", "kernel_shape", "blocksize", "group"};
  for (const auto &[index, node] : llvm::enumerate(graph.node())) {
    bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    for (const auto &attr : node.attribute()) {
      if (attr.has_g())
        if (Error err = checkPositiveAttributes(attr.g(), displayName))
          return err;
      for (const auto &subgraph : attr.graphs())
        if (Error err = checkPositiveAttributes(subgraph, displayName))
          return err;
      if (!defaultDomain || !llvm::is_contained(kPositive, attr.name()))
        continue;
      bool positive = true;
      if (attr.type() == ::onnx::AttributeProto::INT)
        positive = attr.i() > 0;
      else if (attr.type() == ::onnx::AttributeProto::INTS)
        positive = llvm::all_of(attr.ints(), [](int64_t v) { return v > 0; });
      if (!positive)
        return createStringError(
            "%s: node '%s' (%s): attribute '%s' must be positive",
            displayName.str().c_str(),
            node.name().empty() ? ("#" + std::to_string(index)).c_str()
                                : node.name().c_str(),
            node.op_type().c_str(), attr.name().c_str());
    }
  }
  return Error::success();
}

int64_t getMaxONNXOpset() {
  const auto &ranges =
      ::onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto it = ranges.find("");
  return it == ranges.end() ? kMinONNXOpset : it->second.second;
}

Error checkOpsetImports(const ::onnx::ModelProto &model,
                        StringRef displayName) {
  std::string name = displayName.str();
  StringMap<int64_t> versions;
  for (const auto &opset : model.opset_import()) {
    std::string domain =
        isDefaultONNXDomain(opset.domain()) ? "ai.onnx" : opset.domain();
    auto [it, inserted] = versions.try_emplace(domain, opset.version());
    // The same version twice (skl2onnx writes it) means one opset.
    if (!inserted && it->second != opset.version())
      return createStringError(
          "%s: opset_import lists domain '%s' twice (versions %lld and "
          "%lld)",
          name.c_str(), domain.c_str(), (long long)it->second,
          (long long)opset.version());
  }
  // A model of other domains only (training operators, ai.onnx.ml) needs
  // no default-domain opset.
  auto it = versions.find("ai.onnx");
  if (it == versions.end())
    return Error::success();
  int64_t opset = it->second, newest = getMaxONNXOpset();
  if (opset < kMinONNXOpset || opset > newest)
    return createStringError("%s: default-domain opset %lld is outside the "
                             "supported %lld to %lld",
                             name.c_str(), (long long)opset,
                             (long long)kMinONNXOpset, (long long)newest);
  return Error::success();
}

Error inlineLocalFunctions(::onnx::ModelProto &model, StringRef displayName) {
  if (model.functions_size() == 0)
    return Error::success();
  try {
    // Functions written for another default-domain opset are converted to
    // the model's; a function that cannot be is left, and its calls are
    // imported as opaque nodes.
    ::onnx::inliner::InlineLocalFunctions(model, /*convert_version=*/true);
  } catch (const std::exception &e) {
    return createStringError("%s: cannot inline the model's functions: %s",
                             displayName.str().c_str(), e.what());
  }
  return Error::success();
}

/// Einsum's shape inference (ONNX 1.23) loops for ever on a character of an
/// input term that is neither a letter nor part of an ellipsis (a stray '.'
/// or '>'); spaces, which the specification allows, hang it too. Spaces are
/// removed from the equations inference reads (export writes the model as
/// read), anything else malformed is refused. Nested graphs included.
static Error checkEinsumEquations(::onnx::GraphProto &graph,
                                  StringRef displayName) {
  for (auto [index, node] : llvm::enumerate(*graph.mutable_node())) {
    for (auto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        if (Error err = checkEinsumEquations(*attr.mutable_g(), displayName))
          return err;
      for (auto &subgraph : *attr.mutable_graphs())
        if (Error err = checkEinsumEquations(subgraph, displayName))
          return err;
    }
    if (node.op_type() != "Einsum" ||
        !(node.domain().empty() || node.domain() == "ai.onnx"))
      continue;
    for (auto &attr : *node.mutable_attribute()) {
      if (attr.name() != "equation")
        continue;
      std::string equation;
      for (char c : attr.s())
        if (c != ' ')
          equation.push_back(c);
      StringRef lhs = StringRef(equation).split("->").first;
      SmallVector<StringRef> terms;
      lhs.split(terms, ',');
      bool wellFormed = true;
      for (StringRef term : terms) {
        size_t ellipsis = term.find("...");
        std::string letters = term.str();
        if (ellipsis != StringRef::npos)
          letters.erase(ellipsis, 3);
        wellFormed &= llvm::all_of(letters, llvm::isAlpha);
      }
      if (!wellFormed)
        return createStringError(
            "%s: node '%s' (Einsum): malformed equation '%s'",
            displayName.str().c_str(),
            node.name().empty() ? ("#" + std::to_string(index)).c_str()
                                : node.name().c_str(),
            attr.s().c_str());
      attr.set_s(equation);
    }
  }
  return Error::success();
}

/// The operator types of the nodes whose failures an inference error lists
/// (one "(op_type:X, node name: Y): ..." line each) where the failure came
/// from inside ONNX's expansion of the operator's function body (a nested
/// "Inference error(s)"); an empty entry for any other failure.
static SmallVector<StringRef> getFailedInferenceOps(StringRef message) {
  SmallVector<StringRef> lines, ops;
  message.split(lines, '\n', -1, /*KeepEmpty=*/false);
  for (StringRef line : lines) {
    line = line.trim();
    line.consume_front("[ShapeInferenceError] ");
    line.consume_front("Inference error(s): ");
    if (line.empty())
      continue;
    if (!line.consume_front("(op_type:")) {
      ops.push_back("");
      continue;
    }
    StringRef op = line.take_until([](char c) { return c == ',' || c == ')'; });
    ops.push_back(line.contains("Inference error(s): (op_type:") ? op : "");
  }
  if (ops.empty())
    ops.push_back("");
  return ops;
}

/// Strict shape inference with data propagation (shapes computed from
/// Shape, Gather, Concat, ... of known dims). ONNX's data propagation
/// rejects some valid models (a broadcast of [320, 1] and [459] read as
/// rank-1 values); those are inferred again without it, from a copy taken
/// before the first attempt, which reported errors throw unchanged when
/// the second attempt fails too. The copy borrows no weight bytes.
static void inferShapesWithFallback(::onnx::ModelProto &model) {
  auto infer = [](::onnx::ModelProto &target, bool dataPropagation) {
    ::onnx::ShapeInferenceOptions options(/*check_type=*/true,
                                          /*strict_mode=*/1, dataPropagation);
    ::onnx::shape_inference::InferShapes(target, &GuardedSchemaRegistry::get(),
                                         options);
  };
  auto moveRawData = [](::onnx::ModelProto &from, ::onnx::ModelProto &to) {
    auto *source = from.mutable_graph()->mutable_initializer();
    auto *target = to.mutable_graph()->mutable_initializer();
    for (int i = 0; i < source->size() && i < target->size(); ++i)
      if ((*source)[i].has_raw_data())
        (*target)[i].mutable_raw_data()->swap(*(*source)[i].mutable_raw_data());
  };
  ::onnx::ModelProto backup;
  {
    // Copy everything but the weights' bytes.
    ::onnx::ModelProto bytes;
    for (int i = 0; i < model.graph().initializer_size(); ++i)
      bytes.mutable_graph()->add_initializer();
    moveRawData(model, bytes);
    backup = model;
    moveRawData(bytes, model);
  }
  try {
    infer(model, /*dataPropagation=*/true);
  } catch (const ::onnx::InferenceError &) {
    // The weights go back into the untouched copy, which replaces the
    // model, partly typed by the failed attempt.
    moveRawData(model, backup);
    model.Swap(&backup);
    try {
      infer(model, /*dataPropagation=*/false);
      return;
    } catch (const ::onnx::InferenceError &) {
    }
    // Report the first attempt's errors, on the first attempt's model.
    moveRawData(model, backup);
    model.Swap(&backup);
    throw;
  }
}

/// Runs the ONNX library's checks, inlining and inference, turning its
/// exceptions into errors. `path` is the model file when there is one: the
/// checker then resolves external data relative to it.
static Error inferModelShapes(::onnx::ModelProto &model,
                              const std::string &name,
                              const ONNXLoadOptions &options);

/// Converts a model whose ai.onnx.ml nodes the expansion replaces from an
/// older default-domain opset to the one the expansion writes for (ONNX's
/// version converter adapts its default-domain nodes). The converter is
/// trusted only with the few operators such pipelines put around their
/// ai.onnx.ml nodes (it aborts on some others, e.g. Softmax 12 -> 13), on
/// a graph without subgraphs or functions. Returns whether the model
/// changed; it stays as it is otherwise.
static bool raiseOpsetForMLExpansion(::onnx::ModelProto &model) {
  const ::onnx::GraphProto &graph = model.graph();
  if (!llvm::any_of(graph.node(), isExpandedMLOperator) ||
      getDefaultOpset(model) >= kMinimumExpansionOpset ||
      hasExternalData(model) || model.functions_size())
    return false;
  static const StringSet<> convertible = {
      "Abs",    "Add", "ArgMax",  "ArgMin",   "Cast",     "Concat",
      "Div",    "Exp", "Flatten", "Gemm",     "Identity", "Log",
      "MatMul", "Mul", "Neg",     "Relu",     "Reshape",  "Sigmoid",
      "Sqrt",   "Sub", "Tanh",    "Transpose"};
  bool anyDefaultDomain = false;
  for (const ::onnx::NodeProto &node : graph.node()) {
    for (const auto &attr : node.attribute())
      if (attr.has_g() || attr.graphs_size())
        return false;
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      continue;
    anyDefaultDomain = true;
    if (!convertible.contains(node.op_type()))
      return false;
  }
  if (getDefaultOpset(model) == 0) {
    if (anyDefaultDomain)
      return false;
    auto *entry = model.add_opset_import();
    entry->set_domain("");
    entry->set_version(kMinimumExpansionOpset);
    return true;
  }
  try {
    ::onnx::ModelProto converted = ::onnx::version_conversion::ConvertVersion(
        model, static_cast<int>(kMinimumExpansionOpset));
    model.Swap(&converted);
    return true;
  } catch (const std::exception &) {
    return false;
  }
}

static Error prepareModel(::onnx::ModelProto &model, StringRef displayName,
                          StringRef path, const ONNXLoadOptions &options) {
  std::string name = displayName.str();
  if (!model.has_graph())
    return createStringError("%s: the model has no graph", name.c_str());
  if (Error err = checkOpsetImports(model, displayName))
    return err;
  if (Error err = checkGraphOutputsDefined(model.graph(), {}, displayName))
    return err;
  if (Error err = checkInferenceInputs(model.graph(), displayName))
    return err;
  if (Error err = checkPositiveAttributes(model.graph(), displayName))
    return err;
  try {
    if (options.runChecker) {
      if (!path.empty() && hasExternalData(model))
        ::onnx::checker::check_model(path.str());
      else
        ::onnx::checker::check_model(model);
    }
  } catch (const ::onnx::checker::ValidationError &e) {
    return createStringError("%s: invalid model: %s", name.c_str(), e.what());
  } catch (const std::exception &e) {
    return createStringError("%s: invalid model: %s", name.c_str(), e.what());
  }
  if (Error err = inlineLocalFunctions(model, displayName))
    return err;
  relaxInputDims(model);
  if (Error err = checkEinsumEquations(*model.mutable_graph(), displayName))
    return err;
  if (Error err = pinInputShapes(model, options.inputShapes, displayName))
    return err;
  if (options.expandOperatorFunctions && options.isModelledOperator) {
    expandContribOperators(model);
    expandQuantizedOperators(model);
    expandOperatorFunctions(model, options.isModelledOperator);
  }
  spellOutSTFTOnesided(*model.mutable_graph());
  if (Error err = inferModelShapes(model, name, options))
    return err;
  // Lists that loops build become scan outputs; the rewrite reads the
  // inferred ranks, and the rewritten graph is inferred again.
  // So do the ai.onnx.ml operators, which read their inputs' types.
  if (options.expandOperatorFunctions && options.isModelledOperator) {
    bool loops = expandSequenceAccumulatingLoops(*model.mutable_graph());
    if (raiseOpsetForMLExpansion(model))
      if (Error err = inferModelShapes(model, name, options))
        return err;
    if (loops)
      if (Error err = inferModelShapes(model, name, options))
        return err;
    // An expanded node's outputs are typed by the next inference, which
    // then types what the nodes after it read.
    while (expandTraditionalMLOperators(model))
      if (Error err = inferModelShapes(model, name, options))
        return err;
  }
  return Error::success();
}

/// Runs ONNX's shape inference on `model` (named `name` in errors).
static Error inferModelShapes(::onnx::ModelProto &model,
                              const std::string &name,
                              const ONNXLoadOptions &options) {
  try {
    inferShapesWithFallback(model);
  } catch (const ::onnx::InferenceError &e) {
    // Types or shapes that contradict an operator's specification: ONNX
    // Runtime refuses such models too. One exception: ONNX's inference of
    // the function body of some operators fails on valid models
    // (MeanVarianceNormalization in 1.23); when such an operator stays
    // opaque, its outputs stay untyped, as a custom operator's, and
    // inference has typed everything else already.
    if (!options.isModelledOperator ||
        llvm::any_of(getFailedInferenceOps(e.what()), [&](StringRef op) {
          return op.empty() || options.isModelledOperator(op);
        }))
      return createStringError("%s: shape inference failed: %s", name.c_str(),
                               e.what());
  } catch (const std::exception &e) {
    return createStringError("%s: shape inference failed: %s", name.c_str(),
                             e.what());
  }
  return Error::success();
}

Expected<::onnx::ModelProto> parseONNXModel(StringRef bytes,
                                            StringRef displayName) {
  ::onnx::ModelProto model;
  // Protobuf sizes are ints: a larger buffer would be read truncated.
  if (bytes.size() > static_cast<size_t>(INT32_MAX))
    return createStringError(
        "%s: the model is %zu bytes, over protobuf's 2 GiB limit for one "
        "message; store its weights as external data",
        displayName.str().c_str(), bytes.size());
  google::protobuf::io::CodedInputStream stream(
      reinterpret_cast<const uint8_t *>(bytes.data()),
      static_cast<int>(bytes.size()));
  stream.SetTotalBytesLimit(INT32_MAX);
  if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
    return createStringError("%s: not a valid ONNX model (protobuf parse "
                             "failed)",
                             displayName.str().c_str());
  return model;
}

static Expected<::onnx::ModelProto>
parseAndPrepare(StringRef bytes, StringRef displayName, StringRef path,
                const ONNXLoadOptions &options) {
  Expected<::onnx::ModelProto> model = parseONNXModel(bytes, displayName);
  if (!model)
    return model.takeError();
  if (Error err = prepareModel(*model, displayName, path, options))
    return std::move(err);
  return model;
}

Expected<::onnx::ModelProto>
loadONNXModelFromBuffer(StringRef bytes, StringRef displayName,
                        const ONNXLoadOptions &options, StringRef path) {
  return parseAndPrepare(bytes, displayName, path, options);
}

Expected<::onnx::ModelProto> loadONNXModel(StringRef path,
                                           const ONNXLoadOptions &options) {
  auto buffer = readInputFile(path);
  if (!buffer)
    return createStringError("%s: %s", path.str().c_str(),
                             toString(buffer.takeError()).c_str());
  return parseAndPrepare((*buffer)->getBuffer(), path, path, options);
}

Error checkONNXModelFile(StringRef path) {
  try {
    ::onnx::checker::check_model(path.str());
  } catch (const std::exception &e) {
    return createStringError("%s", e.what());
  }
  return Error::success();
}

} // namespace lowrank
