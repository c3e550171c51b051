//===- TuckerConv.h - Tucker-2 rewrites of convolutions ----*- C++ -*-===//
//
// k x k convolutions are not LinearOpInterface layers (only 1x1 ones are),
// so their Tucker-2 decisions and rewrites live here: lowrank-select-ranks
// with tucker=true records `lowrank.decision = {action = "tucker",
// out_rank, in_rank, ...}` on each candidate, and lowrank-factorize turns
// it into 1x1 -> k x k core -> 1x1 convolutions.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TRANSFORMS_TUCKERCONV_H
#define LOWRANK_TRANSFORMS_TUCKERCONV_H

#include "lowrank/Transforms/Report.h"

#include "mlir/IR/BuiltinOps.h"

namespace lowrank {

/// The rank rule of lowrank-select-ranks as it applies to convolutions.
struct TuckerRankRule {
  int64_t rank = 0;
  double rankRatio = 0;
  double paramRatio = 0;
  /// Set when energy= or max-error= was the rule: not supported for
  /// Tucker-2, the convolutions stay dense with this reason.
  bool unsupportedRule = false;
  int64_t rankMultiple = 8;
  int64_t minSize = 16;
  bool enforceParity = true;
};

/// Records a Tucker-2 decision on every k x k onnx.Conv with a constant
/// weight.
mlir::LogicalResult selectTuckerRanks(mlir::ModuleOp module,
                                      const TuckerRankRule &rule);

/// Decomposes and rewrites the convolutions whose decision says `tucker`,
/// reporting every decided convolution.
mlir::LogicalResult applyTuckerDecisions(mlir::ModuleOp module,
                                         int hooiIterations,
                                         ReportBuilder &report);

} // namespace lowrank

#endif // LOWRANK_TRANSFORMS_TUCKERCONV_H
