//===- LayerCalibration.h - Calibration statistics of a module --*- C++ -*-===//
//
// Ties a `.lrstats` file to the linear layers of a module: the file must
// name only linear layers of the model, with the layers' d_in, and every
// layer factored activation-aware needs its statistics. Shared by
// lowrank-select-ranks and lowrank-factorize.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TRANSFORMS_LAYERCALIBRATION_H
#define LOWRANK_TRANSFORMS_LAYERCALIBRATION_H

#include "lowrank/Analysis/LinearOpAnalysis.h"
#include "lowrank/Calibration/CalibrationStats.h"
#include "lowrank/Numerics/Whitening.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace lowrank {

/// How a weight is factored.
enum class FactorMethod {
  /// Truncated SVD of W: minimizes the weight error.
  SVD,
  /// Truncated SVD of the whitened weight: minimizes the output error on
  /// the calibration data.
  Whiten,
  /// Singular components of W ranked by their energy on the calibration
  /// data, with a least-squares refit of B.
  Basis,
};

llvm::StringRef stringifyFactorMethod(FactorMethod method);

/// `method` as given (empty: whiten with calibration, svd without); an
/// error at `module` for an unknown name or whiten/basis without a file.
mlir::FailureOr<FactorMethod> resolveFactorMethod(mlir::ModuleOp module,
                                                  llvm::StringRef method,
                                                  llvm::StringRef calibration);

/// The statistics of a module's layers, checked against the module.
class LayerCalibration {
public:
  /// Reads `path`; emits an error at `module` when the file is unreadable
  /// or malformed, names a layer that is not a linear op of the module
  /// ("unknown layer"), or gives a layer a dim other than its d_in.
  static mlir::FailureOr<LayerCalibration>
  load(llvm::StringRef path, mlir::ModuleOp module,
       llvm::ArrayRef<LinearLayerInfo> layers);

  /// Whether the file has statistics for one of `members`.
  bool hasStatistics(llvm::ArrayRef<LinearLayerInfo> layers,
                     llvm::ArrayRef<unsigned> members) const;

  /// The Gram matrix shared by `members` (layers reading one input): the
  /// first member's statistics. Errors name the layer without statistics.
  mlir::FailureOr<numerics::MatrixD>
  getGram(llvm::ArrayRef<LinearLayerInfo> layers,
          llvm::ArrayRef<unsigned> members) const;

  /// The Cholesky factor of that Gram matrix (with jitter when needed).
  mlir::FailureOr<numerics::CholeskyFactor>
  getCholesky(llvm::ArrayRef<LinearLayerInfo> layers,
              llvm::ArrayRef<unsigned> members,
              const numerics::MatrixD &gram) const;

  /// Whether the members' statistics have sequential calibration's cross
  /// products.
  bool hasCross(llvm::ArrayRef<LinearLayerInfo> layers,
                llvm::ArrayRef<unsigned> members) const;

  /// The weight the members' factors approximate: with the cross products
  /// of sequential calibration (the inputs of a model whose earlier layers
  /// are compressed), the corrected W* = G^-1 C W of `matrix` (the members'
  /// concatenated weights), whose outputs on those inputs come closest to
  /// the original layer's; `matrix` itself otherwise.
  mlir::FailureOr<WeightMatrix>
  getTargetMatrix(llvm::ArrayRef<LinearLayerInfo> layers,
                  llvm::ArrayRef<unsigned> members, WeightMatrix matrix) const;

  llvm::StringRef getPath() const { return path; }

private:
  std::string path;
  calibration::CalibrationStatistics stats;
};

} // namespace lowrank

#endif // LOWRANK_TRANSFORMS_LAYERCALIBRATION_H
