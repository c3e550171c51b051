//===- FunctionExpansion.cpp - Operators expanded into their functions ----===//

#include "FunctionExpansion.h"
#include "GuardedSchemaRegistry.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/defs/schema.h>
#include <onnx/inliner/inliner.h>
#include <onnx/shape_inference/implementation.h>

using namespace llvm;

namespace lowrank {

/// Bodies may use operators that are functions again (Gelu's uses CastLike);
/// ONNX's function bodies nest a few levels at most.
constexpr int kMaxExpansionDepth = 8;

static bool isDefaultDomain(const std::string &domain) {
  return domain.empty() || domain == "ai.onnx";
}

static int64_t getDefaultOpset(const ::onnx::ModelProto &model) {
  for (const auto &opset : model.opset_import())
    if (isDefaultDomain(opset.domain()))
      return opset.version();
  return 0;
}

/// The operators of the main graph that are to be expanded.
static ::onnx::inliner::FunctionIdVector
getExpandableOperators(const ::onnx::ModelProto &model,
                       const std::function<bool(StringRef)> &isModelled) {
  int64_t opset = getDefaultOpset(model);
  ::onnx::inliner::FunctionIdVector ids;
  StringSet<> seen;
  for (const auto &node : model.graph().node()) {
    if (!isDefaultDomain(node.domain()) || isModelled(node.op_type()) ||
        !seen.insert(node.op_type()).second)
      continue;
    const ::onnx::OpSchema *schema = ::onnx::OpSchemaRegistry::Schema(
        node.op_type(), static_cast<int>(opset), "");
    if (!schema ||
        !(schema->HasFunction() || schema->HasContextDependentFunction()))
      continue;
    ids.emplace_back(node.domain(), node.op_type());
  }
  return ids;
}

/// Gives the nodes of the operators `ids` the schema's default value of
/// every attribute they omit: function bodies read attributes by reference,
/// and ONNX's inliner drops a reference the node does not set instead of
/// taking its default (MeanVarianceNormalization's axes).
static void addDefaultAttributes(::onnx::ModelProto &model,
                                 const ::onnx::inliner::FunctionIdVector &ids) {
  int64_t opset = getDefaultOpset(model);
  for (auto &node : *model.mutable_graph()->mutable_node()) {
    if (!isDefaultDomain(node.domain()) ||
        !llvm::any_of(ids, [&](const auto &id) {
          return id.second == node.op_type();
        }))
      continue;
    const ::onnx::OpSchema *schema = ::onnx::OpSchemaRegistry::Schema(
        node.op_type(), static_cast<int>(opset), "");
    if (!schema)
      continue;
    for (const auto &[name, attr] : schema->attributes()) {
      if (!attr.default_value.has_type() && attr.default_value.name().empty())
        continue;
      bool present = llvm::any_of(node.attribute(), [&](const auto &a) {
        return a.name() == name;
      });
      if (present)
        continue;
      ::onnx::AttributeProto *added = node.add_attribute();
      *added = attr.default_value;
      added->set_name(name);
    }
  }
}

/// Types the graph's values where it can; failures are left for the
/// inference that follows expansion to report.
static void inferTypesTolerantly(::onnx::ModelProto &model) {
  try {
    ::onnx::ShapeInferenceOptions options(/*check_type=*/false,
                                          /*strict_mode=*/0,
                                          /*data_prop=*/true);
    ::onnx::shape_inference::InferShapes(model, &GuardedSchemaRegistry::get(),
                                         options);
  } catch (const std::exception &) {
  }
}

/// Inlines the operators `ids` into `model`; leaves `model` unchanged and
/// returns false when the inliner fails.
static bool inlineFunctions(::onnx::ModelProto &model,
                            ::onnx::inliner::FunctionIdVector ids) {
  // The attempt works on a copy; the weights' bytes, which the inliner does
  // not read, stay out of it. Only tensors holding raw bytes lend them: a
  // tensor of typed fields (int64_data) must not gain an empty raw_data.
  StringMap<std::string> weights;
  for (auto &tensor : *model.mutable_graph()->mutable_initializer())
    if (tensor.has_raw_data())
      weights[tensor.name()].swap(*tensor.mutable_raw_data());
  ::onnx::ModelProto expanded = model;
  bool inlined = true;
  try {
    auto selected = ::onnx::inliner::FunctionIdSet::Create(std::move(ids));
    ::onnx::inliner::InlineSelectedFunctions(expanded, *selected,
                                             &GuardedSchemaRegistry::get());
  } catch (const std::exception &) {
    inlined = false;
  }
  if (inlined)
    model.Swap(&expanded);
  for (auto &tensor : *model.mutable_graph()->mutable_initializer()) {
    auto it = weights.find(tensor.name());
    if (it != weights.end())
      tensor.mutable_raw_data()->swap(it->second);
  }
  return inlined;
}

void expandOperatorFunctions(::onnx::ModelProto &model,
                             const std::function<bool(StringRef)> &isModelled) {
  std::string previous;
  for (int depth = 0; depth < kMaxExpansionDepth; ++depth) {
    ::onnx::inliner::FunctionIdVector ids =
        getExpandableOperators(model, isModelled);
    std::string names;
    for (const auto &id : ids)
      names += (names.empty() ? "" : ", ") + id.second;
    // Done, or the same operators again: bodies that cannot be built for
    // these inputs leave their nodes, which import as opaque operators.
    if (ids.empty() || names == previous)
      return;
    previous = names;
    addDefaultAttributes(model, ids);
    inferTypesTolerantly(model);
    // ONNX's inliner fails on some bodies (types it cannot infer inside
    // them); such operators are left, one by one, and stay opaque.
    if (!inlineFunctions(model, ids))
      for (const auto &id : ids)
        inlineFunctions(model, {id});
  }
}

} // namespace lowrank
