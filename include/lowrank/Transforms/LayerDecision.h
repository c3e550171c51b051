//===- LayerDecision.h - The lowrank.decision attribute ---------*- C++ -*-===//
//
// lowrank-select-ranks writes its decision for each layer as a dictionary
// attribute, so it is visible in the IR, survives until lowrank-factorize
// reads it, and can be written by hand in tests:
//
//   lowrank.decision = {action = "factor", rank = 24 : i64, d_in = 64 : i64,
//                       d_out = 64 : i64, parity = 32 : i64,
//                       error = 0.12 : f64, group = 0 : i64,
//                       group_d_out = 192 : i64, reason = "...",
//                       grouping = "...", factorable = false}
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TRANSFORMS_LAYERDECISION_H
#define LOWRANK_TRANSFORMS_LAYERDECISION_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"

#include <optional>
#include <string>

namespace lowrank {

struct LinearLayerInfo;

/// The decision for a layer or a group (then m x n is the concatenation).
struct LayerDecision {
  bool factor = false;
  int64_t rank = 0;
  int64_t m = 0;
  int64_t n = 0;
  std::optional<int64_t> groupIndex;
  /// The layer's name as selection saw it (empty when not recorded).
  std::string name;
  /// Why the layer stays dense; empty when factored.
  std::string reason;
  /// Predicted relative error of the layer or group: of the weight, or of
  /// the output on the calibration data when `method` is set.
  double relativeError = 0;
  /// The factorization the prediction assumed, when calibration statistics
  /// were used ("whiten" or "basis"); empty for plain SVD.
  std::string method;
  /// Jitter added to the Gram matrix, relative to trace/K; 0 when none.
  double jitter = 0;
  /// Whether the rules may factor the layer at all: false for output
  /// heads, layers below min-size, `override=...=dense` and zero weights,
  /// which the report counts apart.
  bool factorable = true;
  /// For a layer of a shared-input group: whether it shares the bottleneck
  /// and why (the errors of both choices at equal parameters).
  std::string grouping;
};

/// Sets `lowrank.decision` on the layer's op.
void writeDecision(const LinearLayerInfo &layer, const LayerDecision &decision);

/// Reads `lowrank.decision` back; nullopt when absent or malformed.
std::optional<LayerDecision> readDecision(mlir::Operation *op);

} // namespace lowrank

#endif // LOWRANK_TRANSFORMS_LAYERDECISION_H
