//===- LayerDecision.cpp - The lowrank.decision attribute -----------------===//

#include "lowrank/Transforms/LayerDecision.h"
#include "lowrank/Analysis/LinearOpAnalysis.h"
#include "lowrank/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

using namespace mlir;

namespace lowrank {

void writeDecision(const LinearLayerInfo &layer,
                   const LayerDecision &decision) {
  Builder b(layer.op->getContext());
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("action",
                     b.getStringAttr(decision.factor ? "factor" : "dense")),
      b.getNamedAttr("name", b.getStringAttr(layer.name)),
      b.getNamedAttr("rank", b.getI64IntegerAttr(decision.rank)),
      b.getNamedAttr("d_in", b.getI64IntegerAttr(layer.dIn)),
      b.getNamedAttr("d_out", b.getI64IntegerAttr(layer.dOut)),
      b.getNamedAttr("parity", b.getI64IntegerAttr(layer.parityRank)),
      b.getNamedAttr("error", b.getF64FloatAttr(decision.relativeError)),
  };
  if (decision.groupIndex) {
    fields.push_back(
        b.getNamedAttr("group", b.getI64IntegerAttr(*decision.groupIndex)));
    fields.push_back(
        b.getNamedAttr("group_d_out", b.getI64IntegerAttr(decision.n)));
  }
  if (!decision.reason.empty())
    fields.push_back(
        b.getNamedAttr("reason", b.getStringAttr(decision.reason)));
  if (!decision.method.empty())
    fields.push_back(
        b.getNamedAttr("method", b.getStringAttr(decision.method)));
  if (decision.jitter > 0)
    fields.push_back(
        b.getNamedAttr("jitter", b.getF64FloatAttr(decision.jitter)));
  if (!decision.grouping.empty())
    fields.push_back(
        b.getNamedAttr("grouping", b.getStringAttr(decision.grouping)));
  if (!decision.factorable)
    fields.push_back(b.getNamedAttr("factorable", b.getBoolAttr(false)));
  layer.op->setAttr(kDecisionAttr, b.getDictionaryAttr(fields));
}

static int64_t getInt(DictionaryAttr dict, StringRef name) {
  if (auto attr = dict.getAs<IntegerAttr>(name))
    return attr.getInt();
  return 0;
}

std::optional<LayerDecision> readDecision(Operation *op) {
  auto dict = op->getAttrOfType<DictionaryAttr>(kDecisionAttr);
  if (!dict)
    return std::nullopt;
  auto action = dict.getAs<StringAttr>("action");
  if (!action)
    return std::nullopt;
  LayerDecision decision;
  decision.factor = action.getValue() == "factor";
  decision.rank = getInt(dict, "rank");
  decision.m = getInt(dict, "d_in");
  decision.n = dict.get("group_d_out") ? getInt(dict, "group_d_out")
                                       : getInt(dict, "d_out");
  if (dict.get("group"))
    decision.groupIndex = getInt(dict, "group");
  if (auto name = dict.getAs<StringAttr>("name"))
    decision.name = name.str();
  if (auto reason = dict.getAs<StringAttr>("reason"))
    decision.reason = reason.str();
  if (auto error = dict.getAs<FloatAttr>("error"))
    decision.relativeError = error.getValueAsDouble();
  if (auto method = dict.getAs<StringAttr>("method"))
    decision.method = method.str();
  if (auto jitter = dict.getAs<FloatAttr>("jitter"))
    decision.jitter = jitter.getValueAsDouble();
  if (auto grouping = dict.getAs<StringAttr>("grouping"))
    decision.grouping = grouping.str();
  if (auto factorable = dict.getAs<BoolAttr>("factorable"))
    decision.factorable = factorable.getValue();
  // Rank 0 is a quantize-only layer (no low-rank part).
  if (decision.factor && decision.rank < 0)
    return std::nullopt;
  return decision;
}

} // namespace lowrank
