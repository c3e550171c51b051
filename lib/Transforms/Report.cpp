//===- Report.cpp - The compression report --------------------------------===//

#include "lowrank/Transforms/Report.h"
#include "lowrank/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cmath>

using namespace mlir;

namespace lowrank {

static void appendCalibrationColumns(Builder &b,
                                     const CalibrationColumns *calibration,
                                     SmallVectorImpl<NamedAttribute> &fields);

void ReportBuilder::addLayer(const LinearLayerInfo &layer,
                             const LayerDecision &decision,
                             double relativeError, int64_t paramsAfter,
                             const CalibrationColumns *calibration,
                             ArrayRef<NamedAttribute> extra) {
  Builder b(context);
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("kind", b.getStringAttr("layer")),
      b.getNamedAttr("name", b.getStringAttr(layer.name)),
      b.getNamedAttr("op", b.getStringAttr(layer.op->getName().getStringRef())),
      b.getNamedAttr("d_in", b.getI64IntegerAttr(layer.dIn)),
      b.getNamedAttr("d_out", b.getI64IntegerAttr(layer.dOut)),
      b.getNamedAttr("aspect_ratio", b.getF64FloatAttr(layer.aspectRatio)),
      b.getNamedAttr("parity_rank", b.getI64IntegerAttr(layer.parityRank)),
      b.getNamedAttr("rank", b.getI64IntegerAttr(decision.factor ? decision.rank : 0)),
      b.getNamedAttr("params_before", b.getI64IntegerAttr(layer.params)),
      b.getNamedAttr("params_after", b.getI64IntegerAttr(paramsAfter)),
      b.getNamedAttr("relative_error", b.getF64FloatAttr(relativeError)),
      b.getNamedAttr("action", b.getStringAttr(decision.factor ? "factor" : "dense")),
  };
  if (decision.groupIndex)
    fields.push_back(b.getNamedAttr("group", b.getI64IntegerAttr(*decision.groupIndex)));
  if (!decision.reason.empty())
    fields.push_back(b.getNamedAttr("reason", b.getStringAttr(decision.reason)));
  if (!decision.grouping.empty())
    fields.push_back(
        b.getNamedAttr("grouping", b.getStringAttr(decision.grouping)));
  fields.push_back(
      b.getNamedAttr("factorable", b.getBoolAttr(decision.factorable)));
  appendCalibrationColumns(b, calibration, fields);
  fields.append(extra.begin(), extra.end());
  rows.push_back(b.getDictionaryAttr(fields));
}

static void appendCalibrationColumns(Builder &b,
                                     const CalibrationColumns *calibration,
                                     SmallVectorImpl<NamedAttribute> &fields) {
  if (calibration) {
    fields.push_back(
        b.getNamedAttr("method", b.getStringAttr(calibration->method)));
    fields.push_back(b.getNamedAttr(
        "output_error", b.getF64FloatAttr(calibration->outputError)));
    if (calibration->predictedError >= 0)
      fields.push_back(
          b.getNamedAttr("predicted_output_error",
                         b.getF64FloatAttr(calibration->predictedError)));
    if (calibration->jitter > 0)
      fields.push_back(
          b.getNamedAttr("jitter", b.getF64FloatAttr(calibration->jitter)));
    if (calibration->keptOutsideLeading >= 0) {
      fields.push_back(
          b.getNamedAttr("basis_kept_outside_leading",
                         b.getI64IntegerAttr(calibration->keptOutsideLeading)));
      fields.push_back(b.getNamedAttr(
          "refit_gain", b.getF64FloatAttr(calibration->refitGain)));
    }
  }
}

void ReportBuilder::addGroup(ArrayRef<LinearLayerInfo> layers,
                             ArrayRef<unsigned> members,
                             const LayerDecision &decision,
                             double relativeError,
                             const CalibrationColumns *calibration,
                             ArrayRef<NamedAttribute> extra) {
  Builder b(context);
  int64_t dIn = layers[members.front()].dIn, dOut = 0, before = 0;
  SmallVector<Attribute> names;
  for (unsigned member : members) {
    dOut += layers[member].dOut;
    before += layers[member].params;
    names.push_back(b.getStringAttr(layers[member].name));
  }
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("kind", b.getStringAttr("group")),
      b.getNamedAttr("group",
                     b.getI64IntegerAttr(decision.groupIndex.value_or(0))),
      b.getNamedAttr("members", b.getArrayAttr(names)),
      b.getNamedAttr("d_in", b.getI64IntegerAttr(dIn)),
      b.getNamedAttr("d_out", b.getI64IntegerAttr(dOut)),
      b.getNamedAttr(
          "aspect_ratio",
          b.getF64FloatAttr(static_cast<double>(std::min(dIn, dOut)) /
                            std::max(dIn, dOut))),
      b.getNamedAttr("parity_rank",
                     b.getI64IntegerAttr(dIn * dOut / (dIn + dOut))),
      b.getNamedAttr("rank", b.getI64IntegerAttr(decision.rank)),
      b.getNamedAttr("params_before", b.getI64IntegerAttr(before)),
      b.getNamedAttr("params_after",
                     b.getI64IntegerAttr(decision.rank * (dIn + dOut))),
      b.getNamedAttr("shared_params", b.getI64IntegerAttr(decision.rank * dIn)),
      b.getNamedAttr("relative_error", b.getF64FloatAttr(relativeError)),
  };
  if (!decision.grouping.empty())
    fields.push_back(
        b.getNamedAttr("grouping", b.getStringAttr(decision.grouping)));
  appendCalibrationColumns(b, calibration, fields);
  fields.append(extra.begin(), extra.end());
  rows.push_back(b.getDictionaryAttr(fields));
}

void ReportBuilder::attachTo(ModuleOp module) {
  module->setAttr(kReportAttr, ArrayAttr::get(context, rows));
}

static llvm::json::Value toJSON(Attribute attr) {
  if (auto s = dyn_cast<StringAttr>(attr))
    return s.str();
  if (auto flag = dyn_cast<BoolAttr>(attr))
    return flag.getValue();
  if (auto i = dyn_cast<IntegerAttr>(attr))
    return i.getInt();
  if (auto f = dyn_cast<FloatAttr>(attr)) {
    // JSON has no NaN or infinity: a value that is not finite is null.
    double value = f.getValueAsDouble();
    if (!std::isfinite(value))
      return nullptr;
    return value;
  }
  if (auto array = dyn_cast<ArrayAttr>(attr)) {
    llvm::json::Array values;
    for (Attribute element : array)
      values.push_back(toJSON(element));
    return values;
  }
  if (auto dict = dyn_cast<DictionaryAttr>(attr)) {
    llvm::json::Object object;
    for (NamedAttribute field : dict)
      object[field.getName().str()] = toJSON(field.getValue());
    return object;
  }
  return nullptr;
}

static int64_t getInt(DictionaryAttr row, StringRef name) {
  auto attr = row.getAs<IntegerAttr>(name);
  return attr ? attr.getInt() : 0;
}

namespace {
struct Totals {
  int64_t before = 0, after = 0, factored = 0, dense = 0;
  /// The layers the rules could factor (not heads, layers below min-size,
  /// dense overrides or zero weights): what param-ratio budgets.
  int64_t factorableBefore = 0, factorableAfter = 0;
  /// Storage of the compressed layers: float32 parameters unless a row
  /// gives its storage bits (quantized layers).
  double bitsAfter = 0;
  bool quantized = false;
};
} // namespace

static double getDouble(DictionaryAttr row, StringRef name, double fallback) {
  auto attr = row.getAs<FloatAttr>(name);
  return attr ? attr.getValueAsDouble() : fallback;
}

static Totals computeTotals(ArrayAttr rows) {
  Totals totals;
  for (auto row : rows.getAsRange<DictionaryAttr>()) {
    if (row.getAs<StringAttr>("kind").getValue() == "group") {
      totals.after += getInt(row, "shared_params");
      totals.factorableAfter += getInt(row, "shared_params");
      totals.bitsAfter += getDouble(row, "shared_storage_bits",
                                    32.0 * getInt(row, "shared_params"));
      continue;
    }
    totals.before += getInt(row, "params_before");
    totals.after += getInt(row, "params_after");
    // Rows without the flag (Tucker-2 convolutions) are factorable.
    auto factorable = row.getAs<BoolAttr>("factorable");
    if (!factorable || factorable.getValue()) {
      totals.factorableBefore += getInt(row, "params_before");
      totals.factorableAfter += getInt(row, "params_after");
    }
    totals.quantized |= row.get("storage_bits") != nullptr;
    totals.bitsAfter +=
        getDouble(row, "storage_bits", 32.0 * getInt(row, "params_after"));
    if (row.getAs<StringAttr>("action").getValue() != "dense")
      ++totals.factored;
    else
      ++totals.dense;
  }
  return totals;
}

static ArrayAttr getReport(ModuleOp module) {
  return module->getAttrOfType<ArrayAttr>(kReportAttr);
}

LogicalResult writeReportJSON(ModuleOp module, llvm::raw_ostream &os) {
  ArrayAttr rows = getReport(module);
  if (!rows)
    return failure();
  llvm::json::Array layers, groups;
  for (Attribute row : rows) {
    auto dict = cast<DictionaryAttr>(row);
    (dict.getAs<StringAttr>("kind").getValue() == "group" ? groups : layers)
        .push_back(toJSON(dict));
  }
  Totals totals = computeTotals(rows);
  llvm::json::Object report{
      {"layers", std::move(layers)},
      {"groups", std::move(groups)},
      {"totals",
       llvm::json::Object{
           {"params_before", totals.before},
           {"params_after", totals.after},
           {"param_ratio", totals.before == 0
                               ? 1.0
                               : static_cast<double>(totals.after) / totals.before},
           {"factorable_params_before", totals.factorableBefore},
           {"factorable_params_after", totals.factorableAfter},
           {"factorable_param_ratio",
            totals.factorableBefore == 0
                ? 1.0
                : static_cast<double>(totals.factorableAfter) /
                      totals.factorableBefore},
           {"factored_layers", totals.factored},
           {"dense_layers", totals.dense}}}};
  // Storage in bits per original parameter, given when a layer is quantized.
  if (totals.quantized)
    (*report.getObject("totals"))["bits_per_param"] =
        totals.before == 0 ? 32.0 : totals.bitsAfter / totals.before;
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report))) << "\n";
  return success();
}

LogicalResult writeReportTable(ModuleOp module, llvm::raw_ostream &os) {
  ArrayAttr rows = getReport(module);
  if (!rows)
    return failure();
  // Calibrated runs add the method and the output errors; "error" stays
  // the relative weight error.
  bool calibrated =
      llvm::any_of(rows.getAsRange<DictionaryAttr>(), [](DictionaryAttr row) {
        return row.get("method") != nullptr;
      });
  os << llvm::format("%-28s %11s %6s %6s %6s %10s %10s %8s", "layer", "shape",
                     "aspect", "parity", "rank", "params", "after", "error");
  if (calibrated)
    os << llvm::format(" %6s %8s %8s %8s", "method", "out_err", "pred_err",
                       "jitter");
  os << "  note\n";
  for (auto row : rows.getAsRange<DictionaryAttr>()) {
    bool isGroup = row.getAs<StringAttr>("kind").getValue() == "group";
    std::string name, shape, note;
    if (isGroup) {
      name = "group " + std::to_string(getInt(row, "group"));
      for (auto member : row.getAs<ArrayAttr>("members").getAsRange<StringAttr>())
        note += (note.empty() ? "shared A: " : ", ") + member.str();
    } else {
      name = row.getAs<StringAttr>("name").str();
      if (auto reason = row.getAs<StringAttr>("reason"))
        note = "dense: " + reason.str();
      else if (auto bits = row.getAs<IntegerAttr>("quant_bits"))
        note = llvm::formatv("Q int{0} + LR{1}, {2:F2} bits/param, Q alone "
                             "{3:F4}, {4} iterations",
                             bits.getInt(),
                             getInt(row, "factor_bits")
                                 ? " int" + std::to_string(
                                                getInt(row, "factor_bits"))
                                 : std::string(),
                             getDouble(row, "bits_per_param", 32),
                             getDouble(row, "quantization_error", 0),
                             getInt(row, "iterations"))
                   .str();
      else if (row.get("out_rank"))
        note = "tucker-2 ranks (" + std::to_string(getInt(row, "out_rank")) +
               ", " + std::to_string(getInt(row, "in_rank")) + ")";
      else if (row.get("group"))
        note = "in group " + std::to_string(getInt(row, "group"));
    }
    shape = std::to_string(getInt(row, "d_in")) + "x" +
            std::to_string(getInt(row, "d_out"));
    os << llvm::format(
        "%-28s %11s %6.3f %6lld %6lld %10lld %10lld %8.4f", name.c_str(),
        shape.c_str(), row.getAs<FloatAttr>("aspect_ratio").getValueAsDouble(),
        (long long)getInt(row, "parity_rank"), (long long)getInt(row, "rank"),
        (long long)getInt(row, "params_before"),
        (long long)getInt(row, "params_after"),
        row.getAs<FloatAttr>("relative_error").getValueAsDouble());
    if (calibrated) {
      auto number = [&](StringRef field) -> std::string {
        auto value = row.getAs<FloatAttr>(field);
        return value ? llvm::formatv("{0:F4}", value.getValueAsDouble()).str()
                     : "-";
      };
      auto method = row.getAs<StringAttr>("method");
      std::string jitter = "-";
      if (auto value = row.getAs<FloatAttr>("jitter"))
        jitter = llvm::formatv("{0:E1}", value.getValueAsDouble()).str();
      os << llvm::format(
          " %6s %8s %8s %8s", method ? method.str().c_str() : "-",
          number("output_error").c_str(),
          number("predicted_output_error").c_str(), jitter.c_str());
      if (auto refit = row.getAs<FloatAttr>("refit_gain"))
        note += llvm::formatv("{0}basis: {1} kept outside the leading {2}, "
                              "refit gain x{3:F3}",
                              note.empty() ? "" : "; ",
                              getInt(row, "basis_kept_outside_leading"),
                              getInt(row, "rank"), refit.getValueAsDouble())
                    .str();
    }
    os << "  " << note << "\n";
  }
  Totals totals = computeTotals(rows);
  os << llvm::format("total: %lld -> %lld linear-layer parameters (%.1f%%), "
                     "%lld layers factored, %lld dense\n",
                     (long long)totals.before, (long long)totals.after,
                     totals.before ? 100.0 * totals.after / totals.before : 100.0,
                     (long long)totals.factored, (long long)totals.dense);
  os << llvm::format("factorable: %lld -> %lld parameters (%.1f%%); the other "
                     "%lld are left dense by the skip rules\n",
                     (long long)totals.factorableBefore,
                     (long long)totals.factorableAfter,
                     totals.factorableBefore
                         ? 100.0 * totals.factorableAfter /
                               totals.factorableBefore
                         : 100.0,
                     (long long)(totals.before - totals.factorableBefore));
  if (totals.quantized)
    os << llvm::format("storage: %.2f bits per original parameter\n",
                       totals.before ? totals.bitsAfter / totals.before : 32.0);
  if (calibrated)
    os << "columns: error = relative weight error ||W - AB||/||W||; "
          "out_err = relative output error ||X(W - AB)||/||XW|| on the "
          "calibration data; pred_err = its prediction from the whitened "
          "spectrum (the optimum at that rank); jitter = added to the Gram "
          "diagonal, x trace/K\n";
  return success();
}

} // namespace lowrank
