//===- SelectRanks.cpp - The lowrank-select-ranks pass --------------------===//
//
// Turns the user's rule (a rank, a ratio, an energy or error target, or a
// global parameter budget) into one decision per layer or shared-input
// group, applying the parity rule and the skip rules, and records each
// decision on the ops as a `lowrank.decision` dictionary.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Analysis/LinearOpAnalysis.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/MemberSpectra.h"
#include "lowrank/Numerics/RankAllocation.h"
#include "lowrank/Support/MappedWeights.h"
#include "lowrank/Transforms/LayerCalibration.h"
#include "lowrank/Transforms/LayerDecision.h"
#include "lowrank/Transforms/OptionChecks.h"
#include "lowrank/Transforms/Passes.h"
#include "lowrank/Transforms/QuantizedLowRank.h"
#include "lowrank/Transforms/TuckerConv.h"
#include "lowrank/Transforms/UnitSpectra.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/GlobPattern.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKSELECTRANKS
#include "lowrank/Transforms/Passes.h.inc"
} // namespace lowrank

using namespace mlir;
using namespace lowrank;
using namespace lowrank::numerics;

namespace {

/// A layer, or a group of layers sharing an input, decided together.
struct Unit {
  SmallVector<unsigned> members;
  int64_t m = 0, n = 0;
  /// Set once computed (units left dense by a skip rule need none).
  std::optional<UnitSpectra> spectra;
  std::optional<int64_t> groupIndex;
  /// Set when the decision is already made (override, skip rule).
  std::optional<int64_t> forcedRank;
  std::string denseReason;
  /// False when a skip rule (head, size, override=dense) keeps it dense.
  bool factorable = true;
  /// Per member: the shared-bottleneck decision and why.
  SmallVector<std::string> grouping;
};

struct Override {
  llvm::GlobPattern pattern;
  std::string text;
  std::optional<int64_t> rank; // none: dense
  bool matched = false;
};

struct SelectRanksPass
    : lowrank::impl::LowrankSelectRanksBase<SelectRanksPass> {
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult validateOptions();
  FailureOr<SmallVector<Override>> parseOverrides();
  std::optional<int64_t> ruleRank(const Unit &unit);
  int64_t referenceRank(const Unit &unit);
  LogicalResult decideGroup(LinearOpAnalysis &analysis,
                            const LayerCalibration *calib, Unit group,
                            std::vector<Unit> &units);
};

} // namespace

/// Whether `value` is produced without reading other data: constants,
/// tensor.empty, omitted inputs.
static bool isDataFree(Value value) {
  Operation *def = value.getDefiningOp();
  return def && def->getNumOperands() == 0;
}

/// An output head: the layer's result reaches a function result through
/// ops that read no other data (bias adds, reshapes, activations).
static bool isOutputHead(Operation *op) {
  SmallVector<Operation *> worklist = {op};
  DenseSet<Operation *> seen;
  while (!worklist.empty()) {
    Operation *current = worklist.pop_back_val();
    if (!seen.insert(current).second)
      continue;
    for (Operation *user : current->getUsers()) {
      if (isa<func::ReturnOp>(user))
        return true;
      if (isa<LinearOpInterface>(user) || user->getNumResults() != 1)
        continue;
      unsigned dataOperands = llvm::count_if(
          user->getOperands(), [](Value v) { return !isDataFree(v); });
      if (dataOperands == 1)
        worklist.push_back(user);
    }
  }
  return false;
}

LogicalResult SelectRanksPass::validateOptions() {
  ModuleOp module = getOperation();
  // NaN counts as given (NaN != 0), and is refused below.
  // rank=-1 is "not given"; rank=0 is quantize-only (no low-rank part).
  int rules = (rank != -1) + (rankRatio != 0) + (energy != 0) +
              (maxError != 0) + (paramRatio != 0);
  if (rules != 1)
    return module.emitError("lowrank-select-ranks needs exactly one of rank, "
                            "rank-ratio, energy, max-error and param-ratio; ")
           << rules << " given";
  auto checkFraction = [&](double value, StringRef name, bool allowOne) {
    return checkFractionOption(module, name, value, allowOne);
  };
  if ((rank != -1 &&
       failed(checkIntegerOption(module, "rank", rank, 0, int64_t(1) << 32))) ||
      failed(checkIntegerOption(module, "min-size", minSize, 0,
                                std::numeric_limits<int64_t>::max())))
    return failure();
  if (!parseQuantizeOption(quantize))
    return module.emitError() << "unknown quantize '" << quantize
                              << "' (expected none, int8 or int4)";
  if (rank == 0 && quantize == "none")
    return module.emitError("rank=0 means no low-rank part and needs "
                            "quantize=int8 or int4 (quantize-only)");
  if (quantize != "none" && paramRatio != 0)
    return module.emitError()
           << "param-ratio cannot be combined with quantize: a Q + L R layer "
              "stores Q whatever its rank";
  if (failed(checkIntegerOption(module, "multiple", rankMultiple, 1,
                                int64_t(1) << 20)))
    return failure();
  return success(succeeded(checkFraction(rankRatio, "rank-ratio", true)) &&
                 succeeded(checkFraction(energy, "energy", true)) &&
                 succeeded(checkFraction(maxError, "max-error", false)) &&
                 succeeded(checkFraction(paramRatio, "param-ratio", true)) &&
                 succeeded(checkFraction(minSaving, "min-saving", false)));
}

FailureOr<SmallVector<Override>> SelectRanksPass::parseOverrides() {
  SmallVector<Override> result;
  for (const std::string &entry : overrides) {
    auto [glob, value] = StringRef(entry).rsplit('=');
    if (glob.empty() || value.empty() || !StringRef(entry).contains('='))
      return getOperation().emitError("override '")
             << entry << "' is not GLOB=RANK or GLOB=dense";
    auto pattern = llvm::GlobPattern::create(glob);
    if (!pattern) {
      llvm::consumeError(pattern.takeError());
      return getOperation().emitError("override '")
             << entry << "' has an invalid pattern";
    }
    Override parsed{std::move(*pattern), entry, std::nullopt, false};
    int64_t overrideRank;
    if (value != "dense") {
      if (value.getAsInteger(10, overrideRank) || overrideRank <= 0)
        return getOperation().emitError("override '")
               << entry << "': the rank must be a positive integer or 'dense'";
      parsed.rank = overrideRank;
    }
    result.push_back(std::move(parsed));
  }
  return result;
}

/// The rank the rule asks for, before rounding; every bound is met per
/// member of the unit. nullopt for param-ratio (allocated globally).
std::optional<int64_t> SelectRanksPass::ruleRank(const Unit &unit) {
  int64_t maxRank = std::min(unit.m, unit.n);
  if (rank >= 0)
    return rank;
  if (rankRatio != 0)
    return std::max<int64_t>(1, std::llround(rankRatio * maxRank));
  if (energy != 0)
    return getRankForMemberEnergy(unit.spectra->members, energy);
  if (maxError != 0)
    return getRankForMemberError(unit.spectra->members, maxError);
  return std::nullopt;
}

/// The rank at which a group is compared with its members alone: the
/// rule's rank, or for a budget the rank spending that fraction of the
/// group's parameters; rounded up like the final rank.
int64_t SelectRanksPass::referenceRank(const Unit &unit) {
  int64_t maxRank = std::min(unit.m, unit.n);
  std::optional<int64_t> r = ruleRank(unit);
  if (!r)
    r = static_cast<int64_t>(paramRatio * unit.m * unit.n /
                             static_cast<double>(unit.m + unit.n));
  return rank >= 0 ? std::min(*r, maxRank)
                   : roundRankUp(std::max<int64_t>(*r, 1), rankMultiple,
                                 maxRank);
}

/// Keeps `group` as one shared bottleneck when, at the same parameters, it
/// is no worse per member than its members factored alone; otherwise adds
/// the members as units of their own. Records the decision either way.
LogicalResult SelectRanksPass::decideGroup(LinearOpAnalysis &analysis,
                                           const LayerCalibration *calib,
                                           Unit group,
                                           std::vector<Unit> &units) {
  ArrayRef<LinearLayerInfo> layers = analysis.getLayers();
  FailureOr<UnitSpectra> spectra =
      computeUnitSpectra(analysis, calib, group.members);
  if (failed(spectra))
    return failure();
  group.spectra = std::move(*spectra);
  releaseRetainedHeap();
  std::vector<int64_t> widths;
  for (unsigned member : group.members)
    widths.push_back(layers[member].dOut);

  bool shared;
  std::string why;
  if (rank == 0) {
    shared = false;
    why = "no low-rank part (rank=0)";
  } else if (int64_t r = referenceRank(group);
             !isBelowParity(group.m, group.n, r)) {
    // The group would stay dense; its members alone may still save.
    shared = false;
    why = llvm::formatv("separate factorizations: the shared rank {0} is not "
                        "below the group's parity {1}",
                        r, getParityRank(group.m, group.n))
              .str();
  } else {
    GroupingComparison cmp =
        compareGrouping(group.spectra->members, group.m, widths,
                        group.spectra->memberValues, r);
    shared = cmp.shared;
    std::string errors;
    for (size_t j = 0; j < widths.size(); ++j)
      errors += llvm::formatv("{0}{1}: {2:F3} shared, {3:F3} alone at rank "
                              "{4}",
                              j ? "; " : "", layers[group.members[j]].name,
                              cmp.groupErrors[j], cmp.separateErrors[j],
                              cmp.separateRanks[j])
                    .str();
    double groupSum = 0, separateSum = 0;
    for (size_t j = 0; j < widths.size(); ++j) {
      groupSum += cmp.groupErrors[j] * cmp.groupErrors[j];
      separateSum += cmp.separateErrors[j] * cmp.separateErrors[j];
    }
    why = llvm::formatv("{0}: at {1} parameters (shared rank {2}) the "
                        "members' squared relative {3} errors sum to {4:F4} "
                        "shared, {5:F4} alone ({6})",
                        shared ? "shared bottleneck"
                               : "separate factorizations",
                        cmp.params, r, calib ? "output" : "weight", groupSum,
                        separateSum, errors)
              .str();
  }
  layers[group.members.front()].op->emitRemark("shared-input group of '")
      << layers[group.members.front()].name << "': " << why;
  if (shared) {
    group.grouping.assign(group.members.size(), why);
    units.push_back(std::move(group));
    return success();
  }
  for (auto [j, member] : llvm::enumerate(group.members)) {
    Unit unit;
    unit.members = {member};
    unit.m = layers[member].dIn;
    unit.n = layers[member].dOut;
    unit.grouping = {why};
    units.push_back(std::move(unit));
  }
  return success();
}

void SelectRanksPass::runOnOperation() {
  if (failed(validateOptions()))
    return signalPassFailure();
  FailureOr<SmallVector<Override>> parsedOverrides = parseOverrides();
  if (failed(parsedOverrides))
    return signalPassFailure();
  FailureOr<FactorMethod> factorMethod =
      resolveFactorMethod(getOperation(), method, calibration);
  if (failed(factorMethod))
    return signalPassFailure();
  LinearOpAnalysis &analysis = getAnalysis<LinearOpAnalysis>();
  ArrayRef<LinearLayerInfo> layers = analysis.getLayers();
  std::optional<LayerCalibration> calib;
  if (!calibration.empty()) {
    FailureOr<LayerCalibration> loaded =
        LayerCalibration::load(calibration, getOperation(), layers);
    if (failed(loaded))
      return signalPassFailure();
    calib = std::move(*loaded);
  }
  // Spectra are whitened for whiten and basis; method=svd reads weights.
  const LayerCalibration *whitening =
      *factorMethod != FactorMethod::SVD ? &*calib : nullptr;
  // The weights' own spectra serve only method=svd: a whitened run never
  // reads them (on a Llama-shaped model they cost a tenth of the run).
  if (!whitening && failed(analysis.computeSpectra()))
    return signalPassFailure();

  // Per-layer rules first: overrides, heads, size; what remains may group.
  std::vector<Unit> units;
  SmallVector<bool> standalone(layers.size(), false);
  for (auto [i, layer] : llvm::enumerate(layers)) {
    Unit unit;
    unit.members = {static_cast<unsigned>(i)};
    unit.m = layer.dIn;
    unit.n = layer.dOut;
    for (Override &o : *parsedOverrides) {
      if (!o.pattern.match(layer.name))
        continue;
      o.matched = true;
      if (o.rank)
        unit.forcedRank = *o.rank;
      else
        unit.denseReason = "override " + o.text;
      standalone[i] = true;
    }
    if (!standalone[i] && skipHeads && isOutputHead(layer.op)) {
      unit.denseReason = "output head";
      standalone[i] = true;
    }
    if (!standalone[i] && std::min(layer.dIn, layer.dOut) < minSize) {
      unit.denseReason = "smaller than min-size";
      standalone[i] = true;
    }
    unit.factorable = unit.denseReason.empty();
    if (standalone[i] || !grouping || !analysis.getGroupOf(i))
      units.push_back(std::move(unit));
  }
  for (const Override &o : *parsedOverrides)
    if (!o.matched) {
      getOperation().emitError("override '")
          << o.text << "' matches no linear layer";
      return signalPassFailure();
    }

  if (grouping) {
    for (auto [g, group] : llvm::enumerate(analysis.getGroups())) {
      Unit unit;
      for (unsigned member : group.members)
        if (!standalone[member])
          unit.members.push_back(member);
      if (unit.members.empty())
        continue;
      unit.m = layers[unit.members.front()].dIn;
      for (unsigned member : unit.members)
        unit.n += layers[member].dOut;
      if (unit.members.size() == 1) {
        units.push_back(std::move(unit));
        continue;
      }
      unit.groupIndex = g;
      if (failed(decideGroup(analysis, whitening, std::move(unit), units)))
        return signalPassFailure();
    }
  }

  for (Unit &unit : units) {
    if (!unit.denseReason.empty() || unit.spectra)
      continue;
    FailureOr<UnitSpectra> spectra =
        computeUnitSpectra(analysis, whitening, unit.members);
    if (failed(spectra))
      return signalPassFailure();
    unit.spectra = std::move(*spectra);
    releaseRetainedHeap();
  }

  // Ranks from the rule, or from the global budget.
  std::vector<std::optional<int64_t>> chosen(units.size());
  std::vector<RankCandidate> candidates;
  std::vector<size_t> candidateUnits;
  int64_t budgetTotal = 0, forcedParams = 0;
  for (auto [u, unit] : llvm::enumerate(units)) {
    if (!unit.denseReason.empty())
      continue;
    if (unit.forcedRank) {
      chosen[u] = unit.forcedRank;
      budgetTotal += unit.m * unit.n;
      forcedParams += isBelowParity(unit.m, unit.n, *unit.forcedRank)
                          ? getFactoredParams(unit.m, unit.n, *unit.forcedRank)
                          : unit.m * unit.n;
    } else if (llvm::all_of(unit.spectra->singularValues,
                            [](double s) { return s == 0; })) {
      // Every rule degenerates on a zero weight (energy and error ratios are
      // 0/0); it is exact and cheapest as it is.
      units[u].denseReason = "zero weight";
      units[u].factorable = false;
    } else if (paramRatio == 0) {
      chosen[u] = ruleRank(unit);
    } else {
      // Relative to the layer's own (output) energy: the allocation
      // minimizes the sum of the members' squared relative errors, so small
      // layers are not starved by large-norm ones.
      candidates.push_back(
          {unit.m, unit.n, getRelativeSpectrum(unit.spectra->members)});
      candidateUnits.push_back(u);
      budgetTotal += unit.m * unit.n;
    }
  }
  if (!candidates.empty()) {
    int64_t budget =
        static_cast<int64_t>(paramRatio * budgetTotal) - forcedParams;
    auto decisions = allocateRanksForBudget(candidates, budget, rankMultiple);
    for (auto [k, decision] : llvm::enumerate(decisions)) {
      if (decision.dense)
        units[candidateUnits[k]].denseReason =
            "the global budget keeps it dense";
      else
        chosen[candidateUnits[k]] = decision.rank;
    }
  }

  bool quantized = quantize != "none";
  for (auto [u, unit] : llvm::enumerate(units)) {
    int64_t maxRank = std::min(unit.m, unit.n);
    LayerDecision decision;
    decision.m = unit.m;
    decision.n = unit.n;
    decision.groupIndex = unit.groupIndex;
    decision.reason = unit.denseReason;
    decision.factorable = unit.factorable;
    if (*factorMethod != FactorMethod::SVD && unit.denseReason.empty()) {
      decision.method = stringifyFactorMethod(*factorMethod).str();
      decision.jitter = unit.spectra->jitter;
    }
    if (chosen[u]) {
      if (*chosen[u] > maxRank) {
        layers[unit.members.front()].op->emitError("rank ")
            << *chosen[u] << " exceeds min(d_in, d_out) = " << maxRank
            << " of layer '" << layers[unit.members.front()].name << "'";
        return signalPassFailure();
      }
      // Explicit ranks stay as given; rule ranks round up, so that a bound
      // met before rounding still holds after it.
      bool explicitRank = unit.forcedRank || rank >= 0;
      int64_t r = explicitRank ? *chosen[u]
                               : roundRankUp(*chosen[u], rankMultiple, maxRank);
      decision.rank = r;
      double saving =
          1.0 - static_cast<double>(getFactoredParams(unit.m, unit.n, r)) /
                    static_cast<double>(unit.m * unit.n);
      // Q + L R stores the quantized Q anyway: parity does not apply.
      if (!quantized && enforceParity && !isBelowParity(unit.m, unit.n, r))
        decision.reason = "rank " + std::to_string(r) +
                          " is not below parity " +
                          std::to_string(getParityRank(unit.m, unit.n));
      else if (!quantized && minSaving > 0 && saving < minSaving)
        decision.reason = "saving below min-saving";
    }
    decision.factor =
        decision.reason.empty() && (decision.rank > 0 || (quantized && chosen[u]));
    if (!decision.factor)
      decision.rank = 0;
    for (auto [j, member] : llvm::enumerate(unit.members)) {
      // Each member's own predicted error, not the group's.
      decision.relativeError =
          decision.factor
              ? unit.spectra->members.getRelativeError(j, decision.rank)
              : 0.0;
      decision.grouping = j < unit.grouping.size() ? unit.grouping[j] : "";
      writeDecision(layers[member], decision);
    }
  }

  if (tucker) {
    TuckerRankRule rule;
    rule.rank = std::max<int64_t>(rank, 0);
    rule.rankRatio = rankRatio;
    rule.paramRatio = paramRatio;
    rule.unsupportedRule = energy != 0 || maxError != 0;
    rule.rankMultiple = rankMultiple;
    rule.minSize = minSize;
    rule.enforceParity = enforceParity;
    if (failed(selectTuckerRanks(getOperation(), rule)))
      return signalPassFailure();
  }
}
