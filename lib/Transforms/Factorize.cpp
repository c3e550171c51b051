//===- Factorize.cpp - The lowrank-factorize pass -------------------------===//
//
// Rewrites each layer (or shared-input group) that lowrank-select-ranks
// marked `factor` into an input projection by A and output projections by
// B, through LinearOpInterface, so ONNX and linalg ops are handled alike.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Analysis/LinearOpAnalysis.h"
#include "lowrank/Numerics/BasisSelection.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Support/MappedWeights.h"
#include "lowrank/Transforms/LayerCalibration.h"
#include "lowrank/Transforms/LayerDecision.h"
#include "lowrank/Transforms/OptionChecks.h"
#include "lowrank/Transforms/Passes.h"
#include "lowrank/Transforms/QuantizedLowRank.h"
#include "lowrank/Transforms/Report.h"
#include "lowrank/Transforms/TuckerConv.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#define DEBUG_TYPE "lowrank-factorize"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKFACTORIZE
#include "lowrank/Transforms/Passes.h.inc"
} // namespace lowrank

using namespace mlir;
using namespace lowrank;
using namespace lowrank::numerics;

namespace {
/// How many attributes of the operations under a root refer to each weight
/// blob, kept up to date as factorization erases operations: a blob nothing
/// refers to any more is freed at once. Blob entries live as long as the
/// context: without this, every factored weight would stay in memory (or
/// mapped from the model's external data) until the compiler exits. Counted
/// once; walking the module after every layer made factorization quadratic
/// in the number of layers.
class BlobUseCounts {
public:
  explicit BlobUseCounts(Operation *root) {
    root->walk([&](Operation *op) {
      forEachBlob(op, [&](DenseResourceElementsHandle handle) {
        ++counts[handle.getResource()];
      });
    });
  }

  /// Forgets the references of `op`, about to be erased, and frees the
  /// blobs nothing refers to any more.
  void dropUses(Operation *op) {
    forEachBlob(op, [&](DenseResourceElementsHandle handle) {
      auto it = counts.find(handle.getResource());
      // Blobs created after the count (new factors) are not tracked.
      if (it == counts.end() || --it->second != 0)
        return;
      handle.getResource()->setBlob(AsmResourceBlob());
      counts.erase(it);
    });
  }

private:
  template <typename Fn>
  static void forEachBlob(Operation *op, Fn &&fn) {
    op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
      fn(attr.getRawHandle());
    });
  }

  llvm::DenseMap<void *, unsigned> counts;
};

/// The factors of one unit and what the report says about them.
struct UnitFactors {
  FactorPair pair;
  /// The shared input's Gram matrix, when the file has statistics for it.
  std::optional<MatrixD> gram;
  /// tr(W^T G W) of a single layer's weight, known from its whitened
  /// spectrum: sum s_i^2 = ||L^T W||^2 = tr(W^T (G + jitter I) W).
  std::optional<double> outputEnergy;
  CalibrationColumns columns;
};

struct FactorizePass : lowrank::impl::LowrankFactorizeBase<FactorizePass> {
  using Base::Base;
  void runOnOperation() override;

private:
  FailureOr<SVDResult> decompose(const WeightMatrix &matrix, int64_t rank,
                                 Operation *anchor);
  FailureOr<UnitFactors> factorMatrix(LinearOpAnalysis &analysis,
                                      ArrayRef<unsigned> members,
                                      const WeightMatrix &matrix, int64_t rank);
  LogicalResult factorUnit(LinearOpAnalysis &analysis,
                           ArrayRef<unsigned> members, ReportBuilder &report,
                           BlobUseCounts &blobs);
  LogicalResult correctDenseLayer(LinearOpAnalysis &analysis, unsigned index,
                                  BlobUseCounts &blobs);
  /// Set from `quantize` and `quantize-factors`: Q + L R instead of L R.
  std::optional<QuantizedLowRankConfig> quantizedLowRank;

  FactorMethod factorMethod = FactorMethod::SVD;
  std::optional<LayerCalibration> calib;
};
} // namespace

FailureOr<SVDResult> FactorizePass::decompose(const WeightMatrix &matrix,
                                              int64_t rank,
                                              Operation *anchor) {
  bool randomized =
      svd == "randomized" ||
      (svd == "auto" &&
       isRandomizedSVDCheaper(matrix.rows(), matrix.cols(), rank));
  llvm::Expected<SVDResult> result =
      randomized ? computeRandomizedSVD(matrix, rank,
                                        {/*oversampling=*/10, powerIterations})
                 : computeThinSVD(matrix, useFloat64 ? SVDPrecision::Float64
                                                     : SVDPrecision::Float32);
  if (!result)
    return anchor->emitError("SVD failed: ")
           << llvm::toString(result.takeError());
  return std::move(*result);
}

/// The factor pair of a unit's (concatenated) weight by the chosen method.
FailureOr<UnitFactors> FactorizePass::factorMatrix(LinearOpAnalysis &analysis,
                                                   ArrayRef<unsigned> members,
                                                   const WeightMatrix &matrix,
                                                   int64_t rank) {
  ArrayRef<LinearLayerInfo> layers = analysis.getLayers();
  const LinearLayerInfo &lead = layers[members.front()];
  UnitFactors result;
  result.columns.method = stringifyFactorMethod(factorMethod).str();
  if (calib && (factorMethod != FactorMethod::SVD ||
                calib->hasStatistics(layers, members))) {
    FailureOr<MatrixD> gram = calib->getGram(layers, members);
    if (failed(gram))
      return failure();
    result.gram = std::move(*gram);
  }

  switch (factorMethod) {
  case FactorMethod::SVD: {
    FailureOr<SVDResult> decomposition = decompose(matrix, rank, lead.op);
    if (failed(decomposition))
      return failure();
    result.pair = splitFactors(*decomposition, rank);
    return result;
  }
  case FactorMethod::Whiten: {
    FailureOr<CholeskyFactor> chol =
        calib->getCholesky(layers, members, *result.gram);
    if (failed(chol))
      return failure();
    auto svd = computeWhitenedSVD(matrix, *chol, rank);
    if (!svd)
      return lead.op->emitError("whitened SVD of layer '")
             << lead.name << "' failed: " << llvm::toString(svd.takeError());
    result.pair = unwhitenFactors(*svd, *chol, rank);
    if (members.size() == 1) {
      double whitened = 0, squaredNorm = 0;
      for (double value : llvm::reverse(svd->S))
        whitened += value * value;
      for (int64_t i = 0; i < matrix.size(); ++i)
        squaredNorm += double(matrix.data()[i]) * matrix.data()[i];
      result.outputEnergy = whitened - chol->jitter * squaredNorm;
    }
    result.columns.jitter = chol->relativeJitter;
    if (chol->jitter > 0)
      lead.op->emitWarning("the calibration Gram matrix of layer '")
          << lead.name << "' is not positive definite: added "
          << llvm::formatv("{0:E1}", chol->relativeJitter).str()
          << " x trace/K to its diagonal";
    return result;
  }
  case FactorMethod::Basis: {
    auto svd = computeThinSVD(matrix, SVDPrecision::Float64);
    if (!svd)
      return lead.op->emitError("SVD of layer '")
             << lead.name << "' failed: " << llvm::toString(svd.takeError());
    auto basis = selectBasis(matrix, *svd, *result.gram, rank);
    if (!basis)
      return lead.op->emitError("basis selection for layer '")
             << lead.name << "' failed: " << llvm::toString(basis.takeError());
    result.pair = std::move(basis->factors);
    result.columns.keptOutsideLeading = llvm::count_if(
        basis->kept, [&](int64_t index) { return index >= rank; });
    result.columns.refitGain = basis->squaredErrorAfterRefit > 0
                                   ? std::sqrt(basis->squaredErrorBeforeRefit /
                                               basis->squaredErrorAfterRefit)
                                   : 1.0;
    return result;
  }
  }
  llvm_unreachable("unknown factor method");
}

/// Erases `op` if unused and side-effect free, then its operands' producers
/// likewise: the weights (and transposes) a factored layer leaves behind.
/// Frees the weight blobs that only the erased ops referred to.
static void eraseDeadProducers(Operation *op, BlobUseCounts &blobs) {
  if (!op || !op->use_empty() || !isMemoryEffectFree(op))
    return;
  SmallVector<Operation *> producers;
  for (Value operand : op->getOperands())
    producers.push_back(operand.getDefiningOp());
  blobs.dropUses(op);
  op->erase();
  for (Operation *producer : producers)
    eraseDeadProducers(producer, blobs);
}

LogicalResult FactorizePass::factorUnit(LinearOpAnalysis &analysis,
                                        ArrayRef<unsigned> members,
                                        ReportBuilder &report,
                                        BlobUseCounts &blobs) {
  MutableArrayRef<LinearLayerInfo> layers = analysis.getLayers();
  LinearLayerInfo &lead = layers[members.front()];
  std::optional<LayerDecision> decision = readDecision(lead.op);
  int64_t rank = decision->rank;
  if (rank == 0 && !quantizedLowRank)
    return lead.op->emitError("layer '")
           << lead.name
           << "' has rank 0 (no low-rank part), which needs quantize=int8 "
              "or int4";
  // Ranks chosen on weight errors but factored for output errors, or the
  // reverse: legal, but usually options given to one pass only. (whiten and
  // basis both select on the whitened spectra.)
  StringRef methodName = stringifyFactorMethod(factorMethod);
  if (decision->method.empty() != (factorMethod == FactorMethod::SVD))
    lead.op->emitWarning("layer '")
        << lead.name << "': its rank was selected for method="
        << (decision->method.empty() ? "svd" : decision->method)
        << " but it is factored with method=" << methodName
        << " (give lowrank-select-ranks and lowrank-factorize the same "
           "calibration= and method=)";

  SharedInputGroup group;
  group.input = lead.op.getLinearInput();
  group.dIn = lead.dIn;
  for (unsigned member : members) {
    if (layers[member].op.getLinearInput() != group.input ||
        layers[member].dIn != group.dIn ||
        layers[member].op.getInputFormKey() != lead.op.getInputFormKey())
      return layers[member].op->emitError("layer '")
             << layers[member].name << "' is in the group of '" << lead.name
             << "' but does not read the same input";
    group.members.push_back(member);
    group.dOut += layers[member].dOut;
  }
  if (rank > std::min(group.dIn, group.dOut))
    return lead.op->emitError("rank ")
           << rank << " exceeds min(d_in, d_out) of layer '" << lead.name
           << "'";
  FailureOr<WeightMatrix> matrix = analysis.getGroupMatrix(group);
  if (failed(matrix))
    return failure();
  // Sequential calibration's statistics correct the weight to approximate.
  if (calib && factorMethod != FactorMethod::SVD)
    matrix = calib->getTargetMatrix(layers, members, std::move(*matrix));
  if (failed(matrix))
    return failure();
  if (quantizedLowRank) {
    // Against the calibration inputs' Gram matrix unless method=svd.
    std::optional<MatrixD> gram;
    if (calib && factorMethod != FactorMethod::SVD) {
      FailureOr<MatrixD> layerGram = calib->getGram(layers, members);
      if (failed(layerGram))
        return failure();
      gram = std::move(*layerGram);
    }
    return rewriteQuantizedLowRank(layers, members, *matrix, *decision,
                                   *quantizedLowRank,
                                   gram ? gram->data() : nullptr, report);
  }
  FailureOr<UnitFactors> factors =
      factorMatrix(analysis, members, *matrix, rank);
  if (failed(factors))
    return failure();
  FactorPair &pair = factors->pair;

  // The shared projection goes before the first member so it dominates all.
  Operation *first = lead.op;
  for (unsigned member : members)
    if (layers[member].op->isBeforeInBlock(first))
      first = layers[member].op;
  OpBuilder builder(first);
  Value bottleneck =
      lead.op.buildInputProjection(builder, pair.A, lead.name + ".lowrank_a");
  bottleneck.getDefiningOp()->setAttr(kFactorAttr, builder.getStringAttr("A"));

  // Group totals: squared weight and output errors and their norms.
  double groupError = 0, groupNorm = 0, groupOutputError = 0, groupEnergy = 0,
         groupPredictedError = 0;
  int64_t column = 0;
  for (unsigned member : members) {
    LinearLayerInfo &layer = layers[member];
    WeightMatrix b(rank, layer.dOut);
    for (int64_t r = 0; r < rank; ++r)
      std::copy(&pair.B(r, column), &pair.B(r, column) + layer.dOut, &b(r, 0));
    auto [error, norm] = getFactorError(pair.A, b, *matrix, column);
    column += layer.dOut;
    groupError += error * error;
    groupNorm += norm * norm;
    std::optional<CalibrationColumns> columns;
    if (factors->gram) {
      // The member's own columns, for its output error under the Gram.
      WeightMatrix original(layer.dIn, layer.dOut);
      int64_t first = column - layer.dOut;
      for (int64_t r = 0; r < layer.dIn; ++r)
        std::copy(&(*matrix)(r, first), &(*matrix)(r, first) + layer.dOut,
                  &original(r, 0));
      columns = factors->columns;
      double energy =
          factors->outputEnergy
              ? *factors->outputEnergy
              : computeSquaredOutputEnergy(original, *factors->gram);
      double outputError =
          computeSquaredOutputError(original, pair.A, b, *factors->gram);
      columns->outputError = energy > 0 ? std::sqrt(outputError / energy) : 0;
      groupOutputError += outputError;
      groupEnergy += energy;
      // Each member's own prediction (its share of the shared components).
      double predicted = readDecision(layer.op)->relativeError;
      groupPredictedError += predicted * predicted * energy;
      if (!decision->method.empty())
        columns->predictedError = predicted;
    }

    builder.setInsertionPoint(layer.op);
    Value replacement = layer.op.buildOutputProjection(
        builder, bottleneck, b, layer.name + ".lowrank_b");
    Operation *output = replacement.getDefiningOp();
    output->setAttr(kFactorAttr, builder.getStringAttr("B"));
    output->setAttr(kDecisionAttr, layer.op->getAttr(kDecisionAttr));
    report.addLayer(layer, *decision, norm == 0 ? 0 : error / norm,
                    /*paramsAfter=*/rank * layer.dOut +
                        (members.size() == 1 ? rank * layer.dIn : 0),
                    columns ? &*columns : nullptr);

    Operation *old = layer.op;
    old->replaceAllUsesWith(ValueRange{replacement});
    eraseDeadProducers(old, blobs);
  }
  if (members.size() > 1) {
    std::optional<CalibrationColumns> columns;
    if (factors->gram) {
      columns = factors->columns;
      columns->outputError =
          groupEnergy > 0 ? std::sqrt(groupOutputError / groupEnergy) : 0;
      if (!decision->method.empty())
        columns->predictedError =
            groupEnergy > 0 ? std::sqrt(groupPredictedError / groupEnergy) : 0;
    }
    report.addGroup(layers, members, *decision,
                    groupNorm > 0 ? std::sqrt(groupError / groupNorm) : 0,
                    columns ? &*columns : nullptr);
  }
  LLVM_DEBUG(llvm::dbgs() << "factored '" << lead.name << "' at rank " << rank
                          << " (" << members.size() << " members)\n");
  return success();
}

/// A layer that stays dense but has sequential calibration's statistics
/// gets its corrected weight W* = G^-1 C W: the same parameters, with
/// outputs closer to the original layer's on the inputs the compressed
/// layers before it now give (an output head absorbs their error). Only
/// for ops that apply the weight to rows of their input.
LogicalResult FactorizePass::correctDenseLayer(LinearOpAnalysis &analysis,
                                               unsigned index,
                                               BlobUseCounts &blobs) {
  MutableArrayRef<LinearLayerInfo> layers = analysis.getLayers();
  LinearLayerInfo &layer = layers[index];
  if (layer.op.getInputFormKey() != "rows" || !calib->hasCross(layers, {index}))
    return success();
  FailureOr<WeightMatrix> weight = layer.op.getWeightMatrix();
  if (failed(weight))
    return success();
  FailureOr<WeightMatrix> target =
      calib->getTargetMatrix(layers, {index}, std::move(*weight));
  if (failed(target))
    return failure();
  OpBuilder builder(layer.op);
  Value replacement = layer.op.buildOutputProjection(
      builder, layer.op.getLinearInput(), *target, layer.name + ".corrected");
  if (Attribute decision = layer.op->getAttr(kDecisionAttr))
    replacement.getDefiningOp()->setAttr(kDecisionAttr, decision);
  Operation *old = layer.op;
  old->replaceAllUsesWith(ValueRange{replacement});
  eraseDeadProducers(old, blobs);
  return success();
}

void FactorizePass::runOnOperation() {
  if (svd != "auto" && svd != "gesdd" && svd != "randomized") {
    getOperation().emitError("unknown svd algorithm '")
        << svd << "' (expected gesdd, randomized or auto)";
    return signalPassFailure();
  }
  if (failed(checkIntegerOption(getOperation(), "power-iterations",
                                powerIterations, 0, 100)) ||
      failed(checkIntegerOption(getOperation(), "qlr-iterations", qlrIterations,
                                1, 10000)) ||
      failed(checkIntegerOption(getOperation(), "hooi-iterations",
                                hooiIterations, 0, 10000)) ||
      failed(checkIntegerOption(getOperation(), "quantize-group", quantizeGroup,
                                0, 1 << 20)))
    return signalPassFailure();
  std::optional<int> bits = parseQuantizeOption(quantize);
  std::optional<int> factorBits = parseQuantizeFactorsOption(quantizeFactors);
  if (!bits || !factorBits) {
    getOperation().emitError("unknown ")
        << (bits ? "quantize-factors '" + quantizeFactors +
                       "' (expected none or int8)"
                 : "quantize '" + quantize + "' (expected none, int8 or int4)");
    return signalPassFailure();
  }
  if ((*factorBits != 0 || quantizeGroup != 0) && *bits == 0) {
    getOperation().emitError(*factorBits != 0 ? "quantize-factors"
                                              : "quantize-group")
        << " needs quantize=int8 or int4";
    return signalPassFailure();
  }
  if (*bits != 0)
    quantizedLowRank = QuantizedLowRankConfig{
        *bits, *factorBits, static_cast<int>(qlrIterations), quantizeGroup};
  FailureOr<FactorMethod> resolved =
      resolveFactorMethod(getOperation(), method, calibration);
  if (failed(resolved))
    return signalPassFailure();
  factorMethod = *resolved;
  LinearOpAnalysis analysis(getOperation());
  ReportBuilder report(&getContext());

  // Factored units in IR order: groups by their index, layers alone.
  llvm::MapVector<int64_t, SmallVector<unsigned>> units;
  for (auto [i, layer] : llvm::enumerate(analysis.getLayers())) {
    std::optional<LayerDecision> decision = readDecision(layer.op);
    if (decision && !decision->name.empty())
      layer.name = decision->name;
    if (!decision) {
      if (layer.op->hasAttr(kDecisionAttr)) {
        layer.op->emitError("malformed lowrank.decision on layer '")
            << layer.name << "'";
        return signalPassFailure();
      }
      continue;
    }
    if (!decision->factor) {
      report.addLayer(layer, *decision, 0.0, layer.params);
      continue;
    }
    int64_t key = decision->groupIndex ? *decision->groupIndex
                                       : -static_cast<int64_t>(i) - 1;
    units[key].push_back(i);
  }
  if (!calibration.empty()) {
    FailureOr<LayerCalibration> loaded = LayerCalibration::load(
        calibration, getOperation(), analysis.getLayers());
    if (failed(loaded))
      return signalPassFailure();
    calib = std::move(*loaded);
  }
  BlobUseCounts blobs(getOperation());
  for (auto &[key, members] : units) {
    if (failed(factorUnit(analysis, members, report, blobs)))
      return signalPassFailure();
    releaseRetainedHeap();
  }
  if (calib && factorMethod != FactorMethod::SVD) {
    llvm::DenseSet<unsigned> factored;
    for (auto &[key, members] : units)
      factored.insert(members.begin(), members.end());
    for (unsigned i = 0, e = analysis.getLayers().size(); i < e; ++i)
      if (!factored.contains(i) &&
          failed(correctDenseLayer(analysis, i, blobs)))
        return signalPassFailure();
  }
  if (failed(applyTuckerDecisions(getOperation(),
                                  static_cast<int>(hooiIterations), report)))
    return signalPassFailure();
  report.attachTo(getOperation());
}
