//===- Report.h - The compression report ------------------------*- C++ -*-===//
//
// lowrank-factorize records one row per layer and per group in the
// module's `lowrank.report` attribute (so it survives later lowering);
// the tools write it as JSON or as a table.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TRANSFORMS_REPORT_H
#define LOWRANK_TRANSFORMS_REPORT_H

#include "lowrank/Analysis/LinearOpAnalysis.h"
#include "lowrank/Transforms/LayerDecision.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace lowrank {

/// The report columns of a layer factored with calibration statistics.
struct CalibrationColumns {
  /// svd, whiten or basis.
  std::string method;
  /// Measured ||X (W - A B)||_F / ||X W||_F on the calibration data.
  double outputError = 0;
  /// The relative output error the whitened spectrum predicted for the
  /// layer's unit (the group for a group member); negative when none.
  double predictedError = -1;
  /// Jitter added to the Gram matrix, relative to trace/K.
  double jitter = 0;
  /// method=basis: kept components outside the leading `rank` ones, and
  /// the output error of the unrefit selection over the refit one.
  int64_t keptOutsideLeading = -1;
  double refitGain = 0;
};

class ReportBuilder {
public:
  explicit ReportBuilder(mlir::MLIRContext *context) : context(context) {}

  /// A layer row; `relativeError` is the measured ||W - A B|| / ||W||.
  /// `extra` fields are appended (e.g. the bits of a Q + L R layer:
  /// `storage_bits` replaces 32 x params_after in the totals).
  void addLayer(const LinearLayerInfo &layer, const LayerDecision &decision,
                double relativeError, int64_t paramsAfter,
                const CalibrationColumns *calibration = nullptr,
                llvm::ArrayRef<mlir::NamedAttribute> extra = {});
  /// A group row: the shared input projection and the members' totals;
  /// `relativeError` is the measured weight error of the concatenation.
  void addGroup(llvm::ArrayRef<LinearLayerInfo> layers,
                llvm::ArrayRef<unsigned> members,
                const LayerDecision &decision, double relativeError,
                const CalibrationColumns *calibration = nullptr,
                llvm::ArrayRef<mlir::NamedAttribute> extra = {});
  /// A row of any other kind (e.g. a Tucker-2 convolution), counted in the
  /// totals like a layer when it has params_before and params_after.
  void addRow(mlir::DictionaryAttr row) { rows.push_back(row); }
  /// Sets the module's `lowrank.report`, replacing an earlier one.
  void attachTo(mlir::ModuleOp module);

private:
  mlir::MLIRContext *context;
  llvm::SmallVector<mlir::Attribute> rows;
};

/// Writes the module's report as JSON: {"layers": [...], "groups": [...],
/// "totals": {...}}. Fails when the module has no report.
mlir::LogicalResult writeReportJSON(mlir::ModuleOp module,
                                    llvm::raw_ostream &os);

/// Writes the report as an aligned, human-readable table.
mlir::LogicalResult writeReportTable(mlir::ModuleOp module,
                                     llvm::raw_ostream &os);

} // namespace lowrank

#endif // LOWRANK_TRANSFORMS_REPORT_H
