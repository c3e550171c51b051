//===- Factorize.cpp - The lowrank-factorize pass -------------------------===//
//
// Rewrites each layer (or shared-input group) that lowrank-select-ranks
// marked `factor` into an input projection by A and output projections by
// B, through LinearOpInterface, so ONNX and linalg ops are handled alike.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Analysis/LinearOpAnalysis.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Transforms/LayerDecision.h"
#include "lowrank/Transforms/Passes.h"
#include "lowrank/Transforms/Report.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "lowrank-factorize"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKFACTORIZE
#include "lowrank/Transforms/Passes.h.inc"
} // namespace lowrank

using namespace mlir;
using namespace lowrank;
using namespace lowrank::numerics;

namespace {
struct FactorizePass : lowrank::impl::LowrankFactorizeBase<FactorizePass> {
  using Base::Base;
  void runOnOperation() override;

private:
  FailureOr<SVDResult> decompose(const WeightMatrix &matrix, int64_t rank,
                                 Operation *anchor);
  LogicalResult factorUnit(LinearOpAnalysis &analysis,
                           ArrayRef<unsigned> members, ReportBuilder &report);
};
} // namespace

FailureOr<SVDResult> FactorizePass::decompose(const WeightMatrix &matrix,
                                              int64_t rank,
                                              Operation *anchor) {
  int64_t minDim = std::min(matrix.rows(), matrix.cols());
  bool randomized = svd == "randomized" ||
                    (svd == "auto" && minDim >= 1024 && 4 * rank < minDim);
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

/// Erases `op` if unused and side-effect free, then its operands' producers
/// likewise: the weights (and transposes) a factored layer leaves behind.
/// Collects the weight blobs the erased ops referred to.
static void
eraseDeadProducers(Operation *op,
                   SmallVectorImpl<DenseResourceElementsHandle> &blobs) {
  if (!op || !op->use_empty() || !isMemoryEffectFree(op))
    return;
  SmallVector<Operation *> producers;
  for (Value operand : op->getOperands())
    producers.push_back(operand.getDefiningOp());
  op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
    blobs.push_back(attr.getRawHandle());
  });
  op->erase();
  for (Operation *producer : producers)
    eraseDeadProducers(producer, blobs);
}

/// Frees the data of the blobs in `blobs` that nothing in `root` refers to
/// any more. Blob entries live as long as the context: without this, every
/// factored weight would stay in memory (or mapped from the model's external
/// data) until the compiler exits.
static void releaseUnusedBlobs(Operation *root,
                               ArrayRef<DenseResourceElementsHandle> blobs) {
  if (blobs.empty())
    return;
  llvm::SmallPtrSet<void *, 8> candidates;
  for (DenseResourceElementsHandle handle : blobs)
    candidates.insert(handle.getResource());
  root->walk([&](Operation *op) {
    op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
      candidates.erase(attr.getRawHandle().getResource());
    });
  });
  for (DenseResourceElementsHandle handle : blobs)
    if (candidates.contains(handle.getResource()))
      handle.getResource()->setBlob(AsmResourceBlob());
}

LogicalResult FactorizePass::factorUnit(LinearOpAnalysis &analysis,
                                        ArrayRef<unsigned> members,
                                        ReportBuilder &report) {
  MutableArrayRef<LinearLayerInfo> layers = analysis.getLayers();
  LinearLayerInfo &lead = layers[members.front()];
  std::optional<LayerDecision> decision = readDecision(lead.op);
  int64_t rank = decision->rank;

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
  FailureOr<SVDResult> decomposition = decompose(*matrix, rank, lead.op);
  if (failed(decomposition))
    return failure();
  FactorPair pair = splitFactors(*decomposition, rank);
  SmallVector<DenseResourceElementsHandle> deadBlobs;

  // The shared projection goes before the first member so it dominates all.
  Operation *first = lead.op;
  for (unsigned member : members)
    if (layers[member].op->isBeforeInBlock(first))
      first = layers[member].op;
  OpBuilder builder(first);
  Value bottleneck =
      lead.op.buildInputProjection(builder, pair.A, lead.name + ".lowrank_a");
  bottleneck.getDefiningOp()->setAttr(kFactorAttr, builder.getStringAttr("A"));

  int64_t column = 0;
  for (unsigned member : members) {
    LinearLayerInfo &layer = layers[member];
    WeightMatrix b(rank, layer.dOut);
    for (int64_t r = 0; r < rank; ++r)
      std::copy(&pair.B(r, column), &pair.B(r, column) + layer.dOut, &b(r, 0));
    auto [error, norm] = getFactorError(pair.A, b, *matrix, column);
    column += layer.dOut;

    builder.setInsertionPoint(layer.op);
    Value replacement = layer.op.buildOutputProjection(
        builder, bottleneck, b, layer.name + ".lowrank_b");
    Operation *output = replacement.getDefiningOp();
    output->setAttr(kFactorAttr, builder.getStringAttr("B"));
    output->setAttr(kDecisionAttr, layer.op->getAttr(kDecisionAttr));
    report.addLayer(layer, *decision, norm == 0 ? 0 : error / norm,
                    /*paramsAfter=*/rank * layer.dOut +
                        (members.size() == 1 ? rank * layer.dIn : 0));

    Operation *old = layer.op;
    old->replaceAllUsesWith(ValueRange{replacement});
    eraseDeadProducers(old, deadBlobs);
  }
  releaseUnusedBlobs(getOperation(), deadBlobs);
  if (members.size() > 1)
    report.addGroup(layers, members, *decision);
  LLVM_DEBUG(llvm::dbgs() << "factored '" << lead.name << "' at rank " << rank
                          << " (" << members.size() << " members)\n");
  return success();
}

void FactorizePass::runOnOperation() {
  if (svd != "auto" && svd != "gesdd" && svd != "randomized") {
    getOperation().emitError("unknown svd algorithm '")
        << svd << "' (expected gesdd, randomized or auto)";
    return signalPassFailure();
  }
  if (powerIterations < 0) {
    getOperation().emitError("power-iterations must not be negative");
    return signalPassFailure();
  }
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
  for (auto &[key, members] : units)
    if (failed(factorUnit(analysis, members, report)))
      return signalPassFailure();
  report.attachTo(getOperation());
}
