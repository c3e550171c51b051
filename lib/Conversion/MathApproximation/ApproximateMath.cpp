//===- ApproximateMath.cpp - Inline polynomial math for the CPU -----------===//
//
// Replaces f32 transcendental math ops by MLIR's polynomial approximations,
// so that the loops computing GELU, softmax or tanh contain arithmetic only
// and LLVM vectorizes them, where a call into libm per element would stop
// it. f32 erf (GELU's) is one rational function instead of MLIR's
// three-range approximation.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
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
/// f32 `math.erf` (scalar or vector) as x P(x^2) / Q(x^2) on x clamped to
/// [-4, 4], where erf is 1 to f32 precision, the result clamped to
/// [-1, 1]: 10 fused multiply-adds and a division, no range selection. The
/// minimax coefficients are the ones Eigen and XLA use for f32 erf; against erf
/// in double the result is within 3e-7 (about 5 ulp near 1) over [-6, 6]
/// (erf-accuracy.mlir). MLIR's approximation selects coefficients among three
/// ranges per element: in GELU's loop about 100 vector instructions per 16
/// elements. NaN stays NaN (the clamps propagate it), the infinities give -1
/// and 1, -0 gives -0.
struct ErfRationalApproximation : OpRewritePattern<math::ErfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::ErfOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return rewriter.notifyMatchFailure(op, "not f32");
    Location loc = op.getLoc();
    auto constant = [&](float value) -> Value {
      TypedAttr scalar = rewriter.getF32FloatAttr(value);
      if (auto vectorType = dyn_cast<VectorType>(type))
        return arith::ConstantOp::create(
            rewriter, loc, vectorType,
            DenseElementsAttr::get(vectorType, scalar));
      return arith::ConstantOp::create(rewriter, loc, scalar);
    };
    // Odd numerator x * (a1 + a3 x^2 + ... + a13 x^12), even denominator
    // b0 + b2 x^2 + ... + b8 x^8, highest degree first.
    static constexpr float kNumerator[] = {
        -2.72614225801306e-10f, 2.77068142495902e-08f,  -2.10102402082508e-06f,
        -5.69250639462346e-05f, -7.34990630326855e-04f, -2.95459980854025e-03f,
        -1.60960333262415e-02f};
    static constexpr float kDenominator[] = {
        -1.45660718464996e-05f, -2.13374055278905e-04f, -1.68282697438203e-03f,
        -7.37332916720468e-03f, -1.42647390514189e-02f};
    Value x = arith::MaximumFOp::create(
        rewriter, loc,
        arith::MinimumFOp::create(rewriter, loc, op.getOperand(),
                                  constant(4.0f)),
        constant(-4.0f));
    Value square = arith::MulFOp::create(rewriter, loc, x, x);
    auto evaluate = [&](ArrayRef<float> coefficients) {
      Value sum = constant(coefficients.front());
      for (float coefficient : coefficients.drop_front())
        sum = math::FmaOp::create(rewriter, loc, square, sum,
                                  constant(coefficient));
      return sum;
    };
    Value numerator =
        arith::MulFOp::create(rewriter, loc, x, evaluate(kNumerator));
    Value ratio =
        arith::DivFOp::create(rewriter, loc, numerator, evaluate(kDenominator));
    // Near the clamp the ratio exceeds 1 by an ulp or two.
    rewriter.replaceOpWithNewOp<arith::MaximumFOp>(
        op, arith::MinimumFOp::create(rewriter, loc, ratio, constant(1.0f)),
        constant(-1.0f));
    return success();
  }
};

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
    if (selected.contains("math.erf"))
      patterns.add<ErfRationalApproximation>(&getContext(), /*benefit=*/2);
    populateMathPolynomialApproximationPatterns(patterns, [&](StringRef name) {
      return name != "math.erf" && selected.contains(name);
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
