//===- LayerCalibration.cpp - Calibration statistics of a module ----------===//

#include "lowrank/Transforms/LayerCalibration.h"
#include "lowrank/Support/NodeName.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace lowrank {

StringRef stringifyFactorMethod(FactorMethod method) {
  switch (method) {
  case FactorMethod::SVD:
    return "svd";
  case FactorMethod::Whiten:
    return "whiten";
  case FactorMethod::Basis:
    return "basis";
  }
  llvm_unreachable("unknown factor method");
}

FailureOr<FactorMethod> resolveFactorMethod(ModuleOp module, StringRef method,
                                            StringRef calibration) {
  if (method.empty())
    return calibration.empty() ? FactorMethod::SVD : FactorMethod::Whiten;
  FactorMethod resolved;
  if (method == "svd")
    resolved = FactorMethod::SVD;
  else if (method == "whiten")
    resolved = FactorMethod::Whiten;
  else if (method == "basis")
    resolved = FactorMethod::Basis;
  else
    return emitError(module.getLoc(), "unknown method '")
           << method << "' (expected svd, whiten or basis)";
  if (resolved != FactorMethod::SVD && calibration.empty())
    return emitError(module.getLoc(), "method=")
           << method << " needs calibration statistics (calibration=FILE)";
  return resolved;
}

FailureOr<LayerCalibration>
LayerCalibration::load(StringRef path, ModuleOp module,
                       ArrayRef<LinearLayerInfo> layers) {
  auto stats = calibration::CalibrationStatistics::readFile(path);
  if (!stats)
    return emitError(module.getLoc(), llvm::toString(stats.takeError()));

  // Statistics may also describe linear ops that are not factored (an
  // activation times an activation); only other names are unknown.
  llvm::StringSet<> linearOps;
  module->walk([&](LinearOpInterface op) {
    if (std::optional<std::string> name = getNodeName(op))
      linearOps.insert(*name);
  });
  for (const LinearLayerInfo &layer : layers)
    linearOps.insert(layer.name);
  for (const calibration::LayerStatistics &entry : *stats)
    if (!linearOps.contains(entry.name))
      return emitError(module.getLoc())
             << path << ": unknown layer '" << entry.name
             << "': the model has no linear op of that name";
  for (const LinearLayerInfo &layer : layers) {
    const calibration::LayerStatistics *entry = stats->lookup(layer.name);
    if (entry && entry->dim != layer.dIn)
      return layer.op->emitError()
             << path << ": wrong shape for layer '" << layer.name
             << "': its d_in is " << layer.dIn
             << " but the statistics have dim " << entry->dim;
  }
  LayerCalibration result;
  result.path = path.str();
  result.stats = std::move(*stats);
  return result;
}

bool LayerCalibration::hasStatistics(ArrayRef<LinearLayerInfo> layers,
                                     ArrayRef<unsigned> members) const {
  return llvm::any_of(members, [&](unsigned member) {
    return stats.lookup(layers[member].name) != nullptr;
  });
}

FailureOr<numerics::MatrixD>
LayerCalibration::getGram(ArrayRef<LinearLayerInfo> layers,
                          ArrayRef<unsigned> members) const {
  const LinearLayerInfo &lead = layers[members.front()];
  const calibration::LayerStatistics *entry = nullptr;
  for (unsigned member : members)
    if ((entry = stats.lookup(layers[member].name)))
      break;
  if (!entry)
    return lead.op->emitError()
           << "layer '" << lead.name << "' has no calibration statistics in "
           << path << " (needed by method=whiten and method=basis; "
           << "override=" << lead.name << "=dense leaves it alone)";
  llvm::Expected<std::vector<double>> values = entry->getGram();
  if (!values)
    return lead.op->emitError()
           << path << ": " << llvm::toString(values.takeError());
  return numerics::makeGramMatrix(*values, entry->dim);
}

bool LayerCalibration::hasCross(ArrayRef<LinearLayerInfo> layers,
                                ArrayRef<unsigned> members) const {
  return llvm::any_of(members, [&](unsigned member) {
    const calibration::LayerStatistics *entry =
        stats.lookup(layers[member].name);
    return entry && entry->hasCross();
  });
}

FailureOr<WeightMatrix>
LayerCalibration::getTargetMatrix(ArrayRef<LinearLayerInfo> layers,
                                  ArrayRef<unsigned> members,
                                  WeightMatrix matrix) const {
  const LinearLayerInfo &lead = layers[members.front()];
  const calibration::LayerStatistics *entry = nullptr;
  for (unsigned member : members)
    if ((entry = stats.lookup(layers[member].name)))
      break;
  if (!entry || !entry->hasCross())
    return std::move(matrix);
  llvm::Expected<std::vector<double>> gram = entry->getGram();
  if (!gram)
    return lead.op->emitError()
           << path << ": " << llvm::toString(gram.takeError());
  llvm::Expected<std::vector<double>> cross = entry->getCross();
  if (!cross)
    return lead.op->emitError()
           << path << ": " << llvm::toString(cross.takeError());
  llvm::Expected<WeightMatrix> target =
      numerics::computeCrossCorrectedWeight(matrix, *gram, *cross);
  if (!target)
    return lead.op->emitError()
           << "sequential calibration statistics of layer '" << lead.name
           << "': " << llvm::toString(target.takeError());
  return std::move(*target);
}

FailureOr<numerics::CholeskyFactor>
LayerCalibration::getCholesky(ArrayRef<LinearLayerInfo> layers,
                              ArrayRef<unsigned> members,
                              const numerics::MatrixD &gram) const {
  auto chol = numerics::computeCholeskyWithJitter(gram);
  if (!chol)
    return layers[members.front()].op->emitError()
           << "calibration statistics of layer '"
           << layers[members.front()].name
           << "': " << llvm::toString(chol.takeError());
  return std::move(*chol);
}

} // namespace lowrank
