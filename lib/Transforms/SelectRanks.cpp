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
#include "lowrank/Numerics/RankAllocation.h"
#include "lowrank/Transforms/LayerCalibration.h"
#include "lowrank/Transforms/LayerDecision.h"
#include "lowrank/Transforms/QuantizedLowRank.h"
#include "lowrank/Transforms/TuckerConv.h"
#include "lowrank/Transforms/OptionChecks.h"
#include "lowrank/Transforms/Passes.h"

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
  std::vector<double> spectrum;
  std::optional<int64_t> groupIndex;
  /// Set when the decision is already made (override, skip rule).
  std::optional<int64_t> forcedRank;
  std::string denseReason;
  /// Jitter added to the Gram matrix for a whitened spectrum (relative).
  double jitter = 0;
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
  std::optional<int64_t> getLeadingCount(int64_t m, int64_t n,
                                         StringRef name, bool whitened);
  LogicalResult whitenSpectrum(LinearOpAnalysis &analysis,
                               const LayerCalibration &calib, Unit &unit);
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
  int rules = (rank != 0) + (rankRatio != 0) + (energy != 0) +
              (maxError != 0) + (paramRatio != 0);
  if (rules != 1)
    return module.emitError("lowrank-select-ranks needs exactly one of rank, "
                            "rank-ratio, energy, max-error and param-ratio; ")
           << rules << " given";
  auto checkFraction = [&](double value, StringRef name, bool allowOne) {
    return checkFractionOption(module, name, value, allowOne);
  };
  if (failed(checkIntegerOption(module, "rank", rank, 0, int64_t(1) << 32)) ||
      failed(checkIntegerOption(module, "min-size", minSize, 0,
                                std::numeric_limits<int64_t>::max())))
    return failure();
  if (!parseQuantizeOption(quantize))
    return module.emitError() << "unknown quantize '" << quantize
                              << "' (expected none, int8 or int4)";
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

std::optional<int64_t> SelectRanksPass::ruleRank(const Unit &unit) {
  int64_t maxRank = std::min(unit.m, unit.n);
  if (rank != 0)
    return rank;
  if (rankRatio != 0)
    return std::max<int64_t>(1, std::llround(rankRatio * maxRank));
  if (energy != 0)
    return getRankForEnergy(unit.spectrum, energy);
  if (maxError != 0) {
    for (int64_t r = 1; r <= maxRank; ++r)
      if (getRelativeTruncationError(unit.spectrum, r) <= maxError)
        return r;
    return maxRank;
  }
  return std::nullopt; // param-ratio: allocated globally
}

/// How many leading singular values the decision of an m x n unit reads: a
/// fixed-rank rule (rank, rank-ratio) needs only those up to its rank and
/// the energy of the rest for the reported error; none (the whole spectrum)
/// for the other rules, for whitened spectra, and for layers an override
/// names.
std::optional<int64_t> SelectRanksPass::getLeadingCount(int64_t m, int64_t n,
                                                        StringRef name,
                                                        bool whitened) {
  if ((rank == 0 && rankRatio == 0) || whitened)
    return std::nullopt;
  for (const std::string &entry : overrides) {
    auto pattern = llvm::GlobPattern::create(StringRef(entry).rsplit('=').first);
    if (!pattern) {
      llvm::consumeError(pattern.takeError());
      return std::nullopt;
    }
    if (pattern->match(name))
      return std::nullopt;
  }
  Unit unit;
  unit.m = m;
  unit.n = n;
  int64_t maxRank = std::min(m, n);
  std::optional<int64_t> r = ruleRank(unit);
  if (!r || *r > maxRank)
    return std::nullopt;
  return roundRank(*r, rankMultiple, maxRank);
}

/// Replaces the unit's weight spectrum by the whitened one, the singular
/// values of L^T W, scaled to unit norm: its tail sums are then squared
/// relative output errors, which the budget allocation adds across layers.
LogicalResult SelectRanksPass::whitenSpectrum(LinearOpAnalysis &analysis,
                                              const LayerCalibration &calib,
                                              Unit &unit) {
  ArrayRef<LinearLayerInfo> layers = analysis.getLayers();
  const LinearLayerInfo &lead = layers[unit.members.front()];
  SharedInputGroup group;
  group.input = LinearOpInterface(lead.op).getLinearInput();
  group.dIn = lead.dIn;
  for (unsigned member : unit.members) {
    group.members.push_back(member);
    group.dOut += layers[member].dOut;
  }
  FailureOr<WeightMatrix> matrix = analysis.getGroupMatrix(group);
  if (failed(matrix))
    return failure();
  FailureOr<MatrixD> gram = calib.getGram(layers, unit.members);
  if (failed(gram))
    return failure();
  FailureOr<CholeskyFactor> chol =
      calib.getCholesky(layers, unit.members, *gram);
  if (failed(chol))
    return failure();
  auto spectrum = computeWhitenedSpectrum(*matrix, *chol);
  if (!spectrum)
    return lead.op->emitError("whitened SVD of layer '")
           << lead.name << "' failed: " << llvm::toString(spectrum.takeError());
  double norm = 0;
  for (double s : *spectrum)
    norm += s * s;
  norm = std::sqrt(norm);
  for (double &s : *spectrum)
    s = norm > 0 ? s / norm : 0.0;
  unit.spectrum = std::move(*spectrum);
  unit.jitter = chol->relativeJitter;
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
  bool whitened = *factorMethod != FactorMethod::SVD;
  if (failed(analysis.computeSpectra([&](const LinearLayerInfo &layer) {
        return getLeadingCount(layer.dIn, layer.dOut, layer.name, whitened);
      })))
    return signalPassFailure();
  ArrayRef<LinearLayerInfo> layers = analysis.getLayers();
  std::optional<LayerCalibration> calib;
  if (!calibration.empty()) {
    FailureOr<LayerCalibration> loaded =
        LayerCalibration::load(calibration, getOperation(), layers);
    if (failed(loaded))
      return signalPassFailure();
    calib = std::move(*loaded);
  }

  // Per-layer rules first: overrides, heads, size; what remains may group.
  std::vector<Unit> units;
  SmallVector<bool> standalone(layers.size(), false);
  for (auto [i, layer] : llvm::enumerate(layers)) {
    Unit unit;
    unit.members = {static_cast<unsigned>(i)};
    unit.m = layer.dIn;
    unit.n = layer.dOut;
    unit.spectrum = *layer.spectrum;
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
      if (unit.members.size() == 1) {
        unsigned member = unit.members.front();
        unit.m = layers[member].dIn;
        unit.n = layers[member].dOut;
        unit.spectrum = *layers[member].spectrum;
        units.push_back(std::move(unit));
        continue;
      }
      SharedInputGroup subgroup = group;
      subgroup.members = unit.members;
      subgroup.dOut = 0;
      for (unsigned member : unit.members)
        subgroup.dOut += layers[member].dOut;
      FailureOr<std::vector<double>> spectrum = analysis.computeGroupSpectrum(
          subgroup, getLeadingCount(subgroup.dIn, subgroup.dOut, "",
                                    whitened));
      if (failed(spectrum))
        return signalPassFailure();
      unit.m = subgroup.dIn;
      unit.n = subgroup.dOut;
      unit.spectrum = std::move(*spectrum);
      unit.groupIndex = g;
      units.push_back(std::move(unit));
    }
  }

  if (*factorMethod != FactorMethod::SVD)
    for (Unit &unit : units)
      if (unit.denseReason.empty() &&
          failed(whitenSpectrum(analysis, *calib, unit)))
        return signalPassFailure();

  // Ranks from the rule, or from the global budget.
  std::vector<std::optional<int64_t>> chosen(units.size());
  std::vector<RankCandidate> candidates;
  std::vector<size_t> candidateUnits;
  for (auto [u, unit] : llvm::enumerate(units)) {
    if (!unit.denseReason.empty())
      continue;
    if (unit.forcedRank) {
      chosen[u] = unit.forcedRank;
    } else if (llvm::all_of(unit.spectrum, [](double s) { return s == 0; })) {
      // Every rule degenerates on a zero weight (energy and error ratios are
      // 0/0); it is exact and cheapest as it is.
      units[u].denseReason = "zero weight";
    } else if (paramRatio == 0) {
      chosen[u] = ruleRank(unit);
    } else {
      candidates.push_back({unit.m, unit.n, unit.spectrum});
      candidateUnits.push_back(u);
    }
  }
  if (!candidates.empty()) {
    int64_t total = 0;
    for (const RankCandidate &c : candidates)
      total += c.m * c.n;
    auto decisions = allocateRanksForBudget(
        candidates, static_cast<int64_t>(paramRatio * total), rankMultiple);
    for (auto [k, decision] : llvm::enumerate(decisions)) {
      if (decision.dense)
        units[candidateUnits[k]].denseReason =
            "the global budget keeps it dense";
      else
        chosen[candidateUnits[k]] = decision.rank;
    }
  }

  for (auto [u, unit] : llvm::enumerate(units)) {
    int64_t maxRank = std::min(unit.m, unit.n);
    LayerDecision decision;
    decision.m = unit.m;
    decision.n = unit.n;
    decision.groupIndex = unit.groupIndex;
    decision.reason = unit.denseReason;
    if (*factorMethod != FactorMethod::SVD && unit.denseReason.empty()) {
      decision.method = stringifyFactorMethod(*factorMethod).str();
      decision.jitter = unit.jitter;
    }
    if (chosen[u]) {
      if (*chosen[u] > maxRank) {
        layers[unit.members.front()].op->emitError("rank ")
            << *chosen[u] << " exceeds min(d_in, d_out) = " << maxRank
            << " of layer '" << layers[unit.members.front()].name << "'";
        return signalPassFailure();
      }
      int64_t r = unit.forcedRank ? *chosen[u]
                                  : roundRank(*chosen[u], rankMultiple, maxRank);
      decision.rank = r;
      double saving = 1.0 - static_cast<double>(getFactoredParams(unit.m, unit.n, r)) /
                                static_cast<double>(unit.m * unit.n);
      // Q + L R stores the quantized Q anyway: parity does not apply.
      bool quantized = quantize != "none";
      if (!quantized && enforceParity && !isBelowParity(unit.m, unit.n, r))
        decision.reason = "rank " + std::to_string(r) + " is not below parity " +
                          std::to_string(getParityRank(unit.m, unit.n));
      else if (!quantized && minSaving > 0 && saving < minSaving)
        decision.reason = "saving below min-saving";
      decision.relativeError =
          decision.reason.empty() ? getRelativeTruncationError(unit.spectrum, r)
                                  : 0.0;
    }
    decision.factor = decision.reason.empty() && decision.rank > 0;
    if (!decision.factor)
      decision.rank = 0;
    for (unsigned member : unit.members)
      writeDecision(layers[member], decision);
  }

  if (tucker) {
    TuckerRankRule rule;
    rule.rank = rank;
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
