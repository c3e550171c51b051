//===- LinearOpAnalysis.h - The linear layers of a function -----*- C++ -*-===//
//
// Finds the ops implementing LinearOpInterface whose weight is constant and
// describes each (shapes, aspect ratio, parity rank, FLOPs, bytes, optional
// singular spectrum), and groups those reading the same input with the same
// input form: the candidates for a shared bottleneck.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_ANALYSIS_LINEAROPANALYSIS_H
#define LOWRANK_ANALYSIS_LINEAROPANALYSIS_H

#include "lowrank/Interfaces/LinearOpInterface.h"

#include "mlir/Pass/AnalysisManager.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>
#include <vector>

namespace lowrank {

struct LinearLayerInfo {
  LinearOpInterface op;
  /// The ONNX node name (from the location) or `<op name>#<index>`.
  std::string name;
  int64_t dIn = 0;
  int64_t dOut = 0;
  int64_t params = 0;
  int64_t parityRank = 0;
  double aspectRatio = 0;
  /// Rows of x per call, ShapedType::kDynamic when unknown.
  int64_t rows = 0;
  /// Multiply-adds count twice: 2 d_in d_out per row.
  int64_t flopsPerRow = 0;
  int64_t weightBytes = 0;
  /// Descending singular values, once computed.
  std::optional<std::vector<double>> spectrum;
  /// When not 0, `spectrum` holds only this many leading values, then the
  /// energy of the others (numerics::computeLeadingSingularValues).
  int64_t spectrumLeading = 0;
};

/// Linear layers reading the same value in the same form, factored jointly:
/// their weights concatenated along the output dimension.
struct SharedInputGroup {
  mlir::Value input;
  llvm::SmallVector<unsigned> members; // indices into getLayers()
  int64_t dIn = 0;
  int64_t dOut = 0; // summed over members
  int64_t parityRank = 0;
};

class LinearOpAnalysis {
public:
  LinearOpAnalysis(mlir::Operation *root);
  LinearOpAnalysis(mlir::Operation *root, mlir::AnalysisManager &)
      : LinearOpAnalysis(root) {}

  llvm::ArrayRef<LinearLayerInfo> getLayers() const { return layers; }
  llvm::MutableArrayRef<LinearLayerInfo> getLayers() { return layers; }
  /// Groups of two or more layers sharing an input.
  llvm::ArrayRef<SharedInputGroup> getGroups() const { return groups; }

  /// The index of the group a layer belongs to, if any.
  std::optional<unsigned> getGroupOf(unsigned layer) const;

  /// Computes the singular spectra of every layer not yet computed; emits an
  /// error naming the layer on bad weights (NaN, unreadable). A layer for
  /// which `leadingCount` returns a count gets only that many leading values
  /// and the energy of the rest, where that is much cheaper.
  mlir::LogicalResult computeSpectra(
      llvm::function_ref<std::optional<int64_t>(const LinearLayerInfo &)>
          leadingCount = nullptr);

  /// The d_in x (sum of d_out) concatenation of a group's weights.
  mlir::FailureOr<WeightMatrix> getGroupMatrix(const SharedInputGroup &group);

  /// Singular values of a group's concatenated weight; with `leadingCount`,
  /// only that many and the energy of the rest where that is much cheaper.
  mlir::FailureOr<std::vector<double>>
  computeGroupSpectrum(const SharedInputGroup &group,
                       std::optional<int64_t> leadingCount = std::nullopt);

private:
  std::vector<LinearLayerInfo> layers;
  std::vector<SharedInputGroup> groups;
  llvm::DenseMap<unsigned, unsigned> groupOfLayer;
};

} // namespace lowrank

#endif // LOWRANK_ANALYSIS_LINEAROPANALYSIS_H
