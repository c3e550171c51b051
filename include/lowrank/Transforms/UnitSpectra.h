//===- UnitSpectra.h - Spectra of a layer or shared-input group -*- C++ -*-===//
//
// What rank selection knows about a layer or a shared-bottleneck group: the
// singular values of its (concatenated) weight, plain or whitened by the
// calibration inputs, and how each component's energy splits across the
// members, so that every error bound can be checked per layer.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TRANSFORMS_UNITSPECTRA_H
#define LOWRANK_TRANSFORMS_UNITSPECTRA_H

#include "lowrank/Numerics/MemberSpectra.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"

#include <vector>

namespace lowrank {

class LinearOpAnalysis;
class LayerCalibration;

struct UnitSpectra {
  /// Singular values of the unit's weight (whitened when calibrated).
  std::vector<double> singularValues;
  numerics::MemberSpectra members;
  /// Each member's own singular values, for groups (empty for one layer).
  std::vector<std::vector<double>> memberValues;
  /// Jitter added to the Gram matrix, relative to trace/K.
  double jitter = 0;
};

/// The spectra of the unit made of `members` (layers reading one input).
/// With `calib`, of the whitened weight L^T W; otherwise of W.
mlir::FailureOr<UnitSpectra>
computeUnitSpectra(LinearOpAnalysis &analysis, const LayerCalibration *calib,
                   llvm::ArrayRef<unsigned> members);

} // namespace lowrank

#endif // LOWRANK_TRANSFORMS_UNITSPECTRA_H
