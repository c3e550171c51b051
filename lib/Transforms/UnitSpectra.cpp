//===- UnitSpectra.cpp - Spectra of a layer or shared-input group ---------===//

#include "lowrank/Transforms/UnitSpectra.h"
#include "lowrank/Analysis/LinearOpAnalysis.h"
#include "lowrank/Numerics/GramSVD.h"
#include "lowrank/Numerics/SVD.h"
#include "lowrank/Numerics/Whitening.h"
#include "lowrank/Transforms/LayerCalibration.h"

using namespace mlir;
using namespace lowrank;
using namespace lowrank::numerics;

static SharedInputGroup makeGroup(ArrayRef<LinearLayerInfo> layers,
                                  ArrayRef<unsigned> members) {
  const LinearLayerInfo &lead = layers[members.front()];
  SharedInputGroup group;
  group.input = LinearOpInterface(lead.op).getLinearInput();
  group.dIn = lead.dIn;
  for (unsigned member : members) {
    group.members.push_back(member);
    group.dOut += layers[member].dOut;
  }
  return group;
}

/// Whether a group's spectra come from its members' Gram matrices: a large
/// group whose rows (d_in) are fewer than its columns, as for attention
/// projections and gate/up pairs.
static bool useSharedGramRoute(const WeightMatrix &matrix) {
  return matrix.rows() <= matrix.cols() &&
         isGramRouteCheaper(matrix.rows(), matrix.cols());
}

/// Fills `result`'s spectra of the (whitened) group matrix `m`.
static LogicalResult setSharedSpectra(UnitSpectra &result, const MatrixD &m,
                                      const std::vector<int64_t> &widths,
                                      const LinearLayerInfo &lead) {
  auto spectra = computeSharedSpectraFromGram(m, widths);
  if (!spectra)
    return lead.op->emitError("SVD of the group of layer '")
           << lead.name << "' failed: " << llvm::toString(spectra.takeError());
  result.singularValues = std::move(spectra->S);
  result.members.energies = std::move(spectra->energies);
  result.memberValues = std::move(spectra->memberValues);
  return success();
}

FailureOr<UnitSpectra>
lowrank::computeUnitSpectra(LinearOpAnalysis &analysis,
                            const LayerCalibration *calib,
                            ArrayRef<unsigned> members) {
  ArrayRef<LinearLayerInfo> layers = analysis.getLayers();
  const LinearLayerInfo &lead = layers[members.front()];
  UnitSpectra result;
  std::vector<int64_t> widths;
  for (unsigned member : members)
    widths.push_back(layers[member].dOut);

  if (!calib) {
    if (members.size() == 1) {
      result.singularValues = *lead.spectrum;
      result.members = getSingleMemberSpectra(result.singularValues);
      return result;
    }
    // Values alone do not say how the error splits across members.
    FailureOr<WeightMatrix> matrix =
        analysis.getGroupMatrix(makeGroup(layers, members));
    if (failed(matrix))
      return failure();
    if (useSharedGramRoute(*matrix)) {
      if (llvm::Error err = checkFinite(*matrix))
        return lead.op->emitError("SVD of the group of layer '")
               << lead.name << "' failed: " << llvm::toString(std::move(err));
      MatrixD wide(matrix->rows(), matrix->cols());
      std::copy(matrix->data(), matrix->data() + matrix->size(), wide.data());
      if (failed(setSharedSpectra(result, wide, widths, lead)))
        return failure();
      // The members' values as the analysis computed them.
      result.memberValues.clear();
      for (unsigned member : members)
        result.memberValues.push_back(*layers[member].spectrum);
      return result;
    }
    auto svd = computeThinSVD(*matrix, SVDPrecision::Float64);
    if (!svd)
      return lead.op->emitError("SVD of the group of layer '")
             << lead.name << "' failed: " << llvm::toString(svd.takeError());
    result.singularValues = svd->S;
    result.members = getMemberSpectra(svd->S, svd->Vt, widths);
    for (unsigned member : members)
      result.memberValues.push_back(*layers[member].spectrum);
    return result;
  }

  FailureOr<MatrixD> gram = calib->getGram(layers, members);
  if (failed(gram))
    return failure();
  FailureOr<CholeskyFactor> chol = calib->getCholesky(layers, members, *gram);
  if (failed(chol))
    return failure();
  result.jitter = chol->relativeJitter;
  FailureOr<WeightMatrix> matrix =
      analysis.getGroupMatrix(makeGroup(layers, members));
  if (failed(matrix))
    return failure();
  matrix = calib->getTargetMatrix(layers, members, std::move(*matrix));
  if (failed(matrix))
    return failure();
  auto fail = [&](llvm::Error error) {
    return lead.op->emitError("whitened SVD of layer '")
           << lead.name << "' failed: " << llvm::toString(std::move(error));
  };
  if (members.size() == 1) {
    auto spectrum = computeWhitenedSpectrum(*matrix, *chol);
    if (!spectrum)
      return fail(spectrum.takeError());
    result.singularValues = std::move(*spectrum);
    result.members = getSingleMemberSpectra(result.singularValues);
    return result;
  }
  if (useSharedGramRoute(*matrix)) {
    if (llvm::Error err = checkFinite(*matrix))
      return fail(std::move(err));
    if (failed(setSharedSpectra(result, whiten(*matrix, *chol), widths, lead)))
      return failure();
    return result;
  }
  auto svd = computeWhitenedSVD(*matrix, *chol);
  if (!svd)
    return fail(svd.takeError());
  result.singularValues = svd->S;
  result.members = getMemberSpectra(svd->S, svd->Vt, widths);
  for (unsigned member : members) {
    FailureOr<WeightMatrix> own =
        analysis.getGroupMatrix(makeGroup(layers, {member}));
    if (failed(own))
      return failure();
    own = calib->getTargetMatrix(layers, {member}, std::move(*own));
    if (failed(own))
      return failure();
    auto spectrum = computeWhitenedSpectrum(*own, *chol);
    if (!spectrum)
      return fail(spectrum.takeError());
    result.memberValues.push_back(std::move(*spectrum));
  }
  return result;
}
