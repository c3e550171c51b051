//===- LinearOpAnalysis.cpp - The linear layers of a function -------------===//

#include "lowrank/Analysis/LinearOpAnalysis.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/SVD.h"
#include "lowrank/Support/MappedWeights.h"
#include "lowrank/Support/NodeName.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;

namespace lowrank {

LinearOpAnalysis::LinearOpAnalysis(Operation *root) {
  unsigned index = 0;
  root->walk([&](LinearOpInterface op) {
    // The factors of an earlier factorization are not candidates again.
    if (!op.isLinear() || op->hasAttr("lowrank.factor"))
      return;
    // Subgraphs (If branches, Loop and Scan bodies, regions of opaque
    // nodes) are written back as they were read: a factorization there
    // would be lost.
    for (Operation *parent = op->getParentOp(); parent;
         parent = parent->getParentOp())
      if (parent->getName().getDialectNamespace() == "onnx")
        return;
    LinearLayerInfo info;
    info.op = op;
    info.name = getNodeName(op).value_or(
        (op->getName().getStringRef() + "#" + std::to_string(index)).str());
    ++index;
    std::tie(info.dIn, info.dOut) = op.getLinearShape();
    info.params = info.dIn * info.dOut;
    info.parityRank = numerics::getParityRank(info.dIn, info.dOut);
    info.aspectRatio = numerics::getAspectRatio(info.dIn, info.dOut);
    info.rows = op.getNumInputRows();
    info.flopsPerRow = 2 * info.params;
    info.weightBytes = 4 * info.params;
    layers.push_back(std::move(info));
  });

  // Group by (input value, input form, d_in); keep groups in IR order. The
  // forms are numbered so that the key hashes (a linear scan over the keys
  // made models with many layers quadratic).
  using GroupKey = std::tuple<Value, unsigned, int64_t>;
  llvm::StringMap<unsigned> formNumbers;
  llvm::MapVector<GroupKey, SmallVector<unsigned>> byInput;
  for (auto [i, layer] : llvm::enumerate(layers)) {
    unsigned form =
        formNumbers.try_emplace(layer.op.getInputFormKey(), formNumbers.size())
            .first->second;
    byInput[{layer.op.getLinearInput(), form, layer.dIn}].push_back(i);
  }
  for (auto &[key, members] : byInput) {
    if (members.size() < 2)
      continue;
    SharedInputGroup group;
    group.input = std::get<0>(key);
    group.dIn = std::get<2>(key);
    group.members = members;
    for (unsigned member : members) {
      group.dOut += layers[member].dOut;
      groupOfLayer[member] = groups.size();
    }
    group.parityRank = numerics::getParityRank(group.dIn, group.dOut);
    groups.push_back(std::move(group));
  }
}

std::optional<unsigned> LinearOpAnalysis::getGroupOf(unsigned layer) const {
  auto it = groupOfLayer.find(layer);
  if (it == groupOfLayer.end())
    return std::nullopt;
  return it->second;
}

static FailureOr<WeightMatrix> readWeight(LinearLayerInfo &layer) {
  FailureOr<WeightMatrix> weight = layer.op.getWeightMatrix();
  if (failed(weight))
    return layer.op->emitError("cannot read the constant weight of layer '")
           << layer.name << "'";
  if (llvm::Error err = numerics::checkFinite(*weight))
    return layer.op->emitError("weight of layer '")
           << layer.name << "' is not finite: " << llvm::toString(std::move(err));
  return weight;
}

/// The whole spectrum of `matrix`, or its `leadingCount` leading values
/// and the energy of the rest where that is much cheaper; sets `leading` to
/// the number of leading values (0 for the whole spectrum).
static llvm::Expected<std::vector<double>>
computeSpectrum(const WeightMatrix &matrix,
                std::optional<int64_t> leadingCount, int64_t &leading) {
  leading = 0;
  if (leadingCount && *leadingCount > 0 &&
      numerics::isRandomizedSVDCheaper(matrix.rows(), matrix.cols(),
                                       *leadingCount)) {
    leading = *leadingCount;
    return numerics::computeLeadingSingularValues(matrix, *leadingCount);
  }
  return numerics::computeSingularValues(matrix);
}

LogicalResult LinearOpAnalysis::computeSpectra(
    llvm::function_ref<std::optional<int64_t>(const LinearLayerInfo &)>
        leadingCount) {
  for (LinearLayerInfo &layer : layers) {
    std::optional<int64_t> count =
        leadingCount ? leadingCount(layer) : std::nullopt;
    // A partial spectrum serves only requests for as many values or fewer.
    if (layer.spectrum &&
        (layer.spectrumLeading == 0 ||
         (count && *count <= layer.spectrumLeading)))
      continue;
    FailureOr<WeightMatrix> weight = readWeight(layer);
    if (failed(weight))
      return failure();
    auto spectrum = computeSpectrum(*weight, count, layer.spectrumLeading);
    if (!spectrum)
      return layer.op->emitError("SVD of layer '")
             << layer.name << "' failed: "
             << llvm::toString(spectrum.takeError());
    layer.spectrum = std::move(*spectrum);
    releaseRetainedHeap();
  }
  return success();
}

FailureOr<WeightMatrix>
LinearOpAnalysis::getGroupMatrix(const SharedInputGroup &group) {
  // A layer alone: its weight as read, without a second copy.
  if (group.members.size() == 1)
    return readWeight(layers[group.members.front()]);
  WeightMatrix concatenated(group.dIn, group.dOut);
  int64_t column = 0;
  for (unsigned member : group.members) {
    FailureOr<WeightMatrix> weight = readWeight(layers[member]);
    if (failed(weight))
      return failure();
    for (int64_t r = 0; r < weight->rows(); ++r)
      std::copy(&(*weight)(r, 0), &(*weight)(r, 0) + weight->cols(),
                &concatenated(r, column));
    column += weight->cols();
  }
  return concatenated;
}

FailureOr<std::vector<double>>
LinearOpAnalysis::computeGroupSpectrum(const SharedInputGroup &group,
                                       std::optional<int64_t> leadingCount) {
  FailureOr<WeightMatrix> matrix = getGroupMatrix(group);
  if (failed(matrix))
    return failure();
  int64_t leading;
  auto spectrum = computeSpectrum(*matrix, leadingCount, leading);
  if (!spectrum)
    return layers[group.members.front()].op->emitError("SVD of the group of '")
           << layers[group.members.front()].name
           << "' failed: " << llvm::toString(spectrum.takeError());
  return std::move(*spectrum);
}

} // namespace lowrank
