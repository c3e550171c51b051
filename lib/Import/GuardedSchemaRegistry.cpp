//===- GuardedSchemaRegistry.cpp - Rank checks before ONNX inference ------===//

#include "GuardedSchemaRegistry.h"

#include <onnx/defs/shape_inference.h>

#include <optional>
#include <string_view>

namespace lowrank {

namespace {

/// A rank an input must have: `kDataRank` for the data input's rank.
struct InputRank {
  int input = -1; // -1: unused entry
  int rank = 0;
};
constexpr int kDataRank = -1;

/// What an op's inference function assumes of its inputs' ranks: the data
/// input (N x C x D1 x ...) has rank 3 or more, and the other inputs listed
/// have the rank given.
struct RankRule {
  std::string_view opType;
  int dataInput;
  InputRank others[2];
};

// Convolutions and pooling index the spatial dimensions of their inputs
// from the data's rank.
constexpr RankRule kRankRules[] = {
    {"Conv", 0, {{1, kDataRank}}},
    {"ConvTranspose", 0, {{1, kDataRank}}},
    {"ConvInteger", 0, {{1, kDataRank}}},
    {"QLinearConv", 0, {{3, kDataRank}}},
    {"DeformConv", 0, {{1, kDataRank}}},
    {"MaxPool", 0, {}},
    {"AveragePool", 0, {}},
    {"LpPool", 0, {}},
    {"MaxUnpool", 0, {{1, kDataRank}, {2, 1}}},
    {"MaxRoiPool", 0, {{1, 2}}},
};

std::optional<int> getInputRank(::onnx::InferenceContext &ctx, int index) {
  if (index < 0 || static_cast<size_t>(index) >= ctx.getNumInputs())
    return std::nullopt;
  const ::onnx::TypeProto *type = ctx.getInputType(index);
  if (!type || !type->has_tensor_type() || !type->tensor_type().has_shape())
    return std::nullopt;
  return type->tensor_type().shape().dim_size();
}

void checkRanks(const RankRule &rule, ::onnx::InferenceContext &ctx) {
  std::optional<int> dataRank = getInputRank(ctx, rule.dataInput);
  if (dataRank && *dataRank < 3)
    fail_shape_inference("input ", rule.dataInput,
                         " must have rank 3 or more (N x C x D1 ...), "
                         "not ",
                         *dataRank);
  for (const InputRank &other : rule.others) {
    std::optional<int> rank = getInputRank(ctx, other.input);
    if (!rank)
      continue;
    if (other.rank == kDataRank && dataRank && *rank != *dataRank)
      fail_shape_inference("input ", other.input, " has rank ", *rank,
                           ", input ", rule.dataInput, " has rank ",
                           *dataRank, "; they must be equal");
    if (other.rank != kDataRank && *rank != other.rank)
      fail_shape_inference("input ", other.input, " has rank ", *rank,
                           ", not ", other.rank);
  }
}

const RankRule *findRule(const std::string &opType, const std::string &domain) {
  if (!(domain.empty() || domain == "ai.onnx"))
    return nullptr;
  for (const RankRule &rule : kRankRules)
    if (rule.opType == opType)
      return &rule;
  return nullptr;
}

} // namespace

const ::onnx::OpSchema *
GuardedSchemaRegistry::GetSchema(const std::string &key,
                                 const int maxInclusiveVersion,
                                 const std::string &domain) const {
  const ::onnx::OpSchema *schema =
      ::onnx::OpSchemaRegistry::Schema(key, maxInclusiveVersion, domain);
  const RankRule *rule = findRule(key, domain);
  if (!schema || !rule || !schema->has_type_and_shape_inference_function())
    return schema;
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<::onnx::OpSchema> &copy = guarded[schema];
  if (!copy) {
    copy = std::make_unique<::onnx::OpSchema>(*schema);
    ::onnx::InferenceFunction infer =
        schema->GetTypeAndShapeInferenceFunction();
    copy->TypeAndShapeInferenceFunction(
        [rule, infer](::onnx::InferenceContext &ctx) {
          checkRanks(*rule, ctx);
          infer(ctx);
        });
  }
  return copy.get();
}

const GuardedSchemaRegistry &GuardedSchemaRegistry::get() {
  static const GuardedSchemaRegistry registry;
  return registry;
}

} // namespace lowrank
