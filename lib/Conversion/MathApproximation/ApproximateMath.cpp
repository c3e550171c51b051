//===- ApproximateMath.cpp - Inline polynomial math for the CPU -----------===//
//
// Replaces f32 transcendental math ops by MLIR's polynomial approximations,
// so that the loops computing GELU, softmax or tanh contain arithmetic only
// and LLVM vectorizes them, where a call into libm per element would stop
// it.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringSet.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKAPPROXIMATEMATH
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {
struct ApproximateMathPass
    : lowrank::impl::LowrankApproximateMathBase<ApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    // The patterns are selected by full operation name (`math.erf`).
    llvm::StringSet<> selected;
    for (const std::string &name : functions)
      selected.insert("math." + name);
    if (selected.empty())
      for (StringRef name :
           {"exp", "expm1", "erf", "tanh", "log", "log1p", "log2"})
        selected.insert(("math." + name).str());
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [&](StringRef name) { return selected.contains(name); });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
