//===- QuantizedLowRank.h - The Q + L R rewrite of a layer -*- C++ -*-===//
//
// lowrank-factorize with quantize=int8|int4 replaces y = x W (+ b) by
// y = x Q + (x L) R (+ b): Q an integer constant behind an
// onnx.DequantizeLinear with a scale per output channel or per output channel
// and group of input rows, L R a rank-r pair (optionally int8 as well). Layers
// of a shared-input group are fitted jointly on their concatenated weights
// and share L.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TRANSFORMS_QUANTIZEDLOWRANK_H
#define LOWRANK_TRANSFORMS_QUANTIZEDLOWRANK_H

#include "lowrank/Analysis/LinearOpAnalysis.h"
#include "lowrank/Transforms/LayerDecision.h"
#include "lowrank/Transforms/Report.h"

#include "llvm/ADT/StringRef.h"

#include <optional>

namespace lowrank {

struct QuantizedLowRankConfig {
  /// Bits of Q: 8 or 4.
  int bits = 8;
  /// Bits of L and R: 0 (float32) or 8.
  int factorBits = 0;
  int maxIterations = 15;
  /// Input rows per scale of Q in each column; 0: one scale per column.
  int64_t groupSize = 0;
};

/// Parses `quantize` (none|int8|int4) into a bit width, 0 for none.
std::optional<int> parseQuantizeOption(llvm::StringRef value);

/// Parses `quantize-factors` (none|int8) into a bit width, 0 for none.
std::optional<int> parseQuantizeFactorsOption(llvm::StringRef value);

/// Fits and rewrites the layers `members` (one layer, or a group reading the
/// same input) whose concatenated d_in x sum(d_out) weight is `weight`, at
/// the decision's rank; `gram` is the optional d_in x d_in Gram matrix of
/// their input. Only onnx.MatMul, onnx.Gemm and 1x1 onnx.Conv layers are
/// supported; others get an error naming the layer.
mlir::LogicalResult rewriteQuantizedLowRank(
    llvm::MutableArrayRef<LinearLayerInfo> layers,
    llvm::ArrayRef<unsigned> members, const WeightMatrix &weight,
    const LayerDecision &decision, const QuantizedLowRankConfig &config,
    const double *gram, ReportBuilder &report);

} // namespace lowrank

#endif // LOWRANK_TRANSFORMS_QUANTIZEDLOWRANK_H
