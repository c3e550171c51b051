//===- ScaleAfterProducts.cpp - The lowrank-onnx-scale-after-products pass ===//
//
// Moves a multiplication by a one-element constant from a MatMul operand to
// the MatMul's result when the result is the smaller tensor: fewer
// multiplications, and the operand (often a transposed copy) becomes the
// product's direct input.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Dialect/ONNX/Transforms/Passes.h"
#include "lowrank/Interfaces/LinearOpInterface.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKONNXSCALEAFTERPRODUCTS
#include "lowrank/Dialect/ONNX/Transforms/Passes.h.inc"
} // namespace lowrank

using namespace mlir;
using namespace lowrank;

namespace {

/// A static f32 or f64 tensor type, or null. Half-precision products are
/// left alone: an exporter may scale the operands first precisely so that
/// the product stays within float16's range.
RankedTensorType getStaticFloatType(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape() ||
      (!type.getElementType().isF32() && !type.getElementType().isF64()))
    return nullptr;
  return type;
}

/// `value` when it is an onnx.Constant of one element whose rank is at most
/// `maxRank` (so that broadcasting it keeps a tensor of that rank), else
/// null.
Value getScalarConstant(Value value, int64_t maxRank) {
  auto constant = value.getDefiningOp<onnx::ConstantOp>();
  RankedTensorType type = getStaticFloatType(value);
  if (!constant || !type || type.getNumElements() != 1 ||
      type.getRank() > maxRank)
    return nullptr;
  return value;
}

/// A scaled operand: `scaled = Mul(unscaled, scale)` in either order.
struct ScaledOperand {
  onnx::MulOp mul;
  Value unscaled, scale;
};

std::optional<ScaledOperand> matchScaledOperand(Value operand,
                                                int64_t maxRank) {
  auto mul = operand.getDefiningOp<onnx::MulOp>();
  if (!mul || !mul->hasOneUse())
    return std::nullopt;
  RankedTensorType type = getStaticFloatType(mul.getResult());
  if (!type)
    return std::nullopt;
  for (auto [unscaled, scale] :
       {std::pair(mul.getA(), mul.getB()), std::pair(mul.getB(), mul.getA())}) {
    // The scale must not broadcast the other operand to a larger shape.
    if (getScalarConstant(scale, maxRank) && unscaled.getType() == type)
      return ScaledOperand{mul, unscaled, scale};
  }
  return std::nullopt;
}

/// The value of a one-element float constant.
std::optional<float> getScalarValue(Value scale) {
  auto constant = scale.getDefiningOp<onnx::ConstantOp>();
  auto attr = constant ? dyn_cast<ElementsAttr>(constant.getValueAttr())
                       : ElementsAttr();
  if (!attr || attr.getNumElements() != 1 ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  auto values = attr.tryGetValues<APFloat>();
  if (!values)
    return std::nullopt;
  return static_cast<float>((*values->begin()).convertToDouble());
}

/// `MatMul(Mul(x, c), W)` with W an f32 matrix constant read only there
/// becomes `MatMul(x, W')` with W' = c W computed here: no multiplication is
/// left at run time, and a factor pair's two products stay adjacent (GELU's
/// final halving, moved after the first factor's product, would sit between
/// them).
struct FoldScaleIntoWeight : OpRewritePattern<onnx::MatMulOp> {
  FoldScaleIntoWeight(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(onnx::MatMulOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType resultType = getStaticFloatType(op.getY());
    if (!resultType || !resultType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "result not static f32");
    for (unsigned i = 0; i < 2; ++i) {
      Value weight = op->getOperand(1 - i);
      auto weightType = dyn_cast<RankedTensorType>(weight.getType());
      std::optional<ScaledOperand> scaled =
          matchScaledOperand(op->getOperand(i), resultType.getRank());
      if (!scaled || !weight.getDefiningOp<onnx::ConstantOp>() ||
          !weight.hasOneUse() || !weightType || weightType.getRank() != 2 ||
          !weightType.getElementType().isF32())
        continue;
      std::optional<float> factor = getScalarValue(scaled->scale);
      FailureOr<WeightMatrix> matrix =
          readConstantMatrix(weight, /*transpose=*/false);
      if (!factor || !std::isfinite(*factor) || failed(matrix))
        continue;
      float *values = matrix->data();
      for (int64_t e = 0, end = matrix->size(); e < end; ++e)
        values[e] *= *factor;
      Operation *oldWeight = weight.getDefiningOp();
      auto attr = createWeightAttr(getContext(), "scaled_weight",
                                   weightType.getShape(), *matrix);
      rewriter.setInsertionPoint(oldWeight);
      Value folded = onnx::ConstantOp::create(rewriter, oldWeight->getLoc(),
                                              weightType, attr);
      SmallVector<Value> operands(op->getOperands());
      operands[i] = scaled->unscaled;
      operands[1 - i] = folded;
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<onnx::MatMulOp>(op, resultType, operands[0],
                                                  operands[1]);
      rewriter.eraseOp(scaled->mul);
      rewriter.eraseOp(oldWeight);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no scaled operand of a weight");
  }
};

struct MoveScaleAfterMatMul : OpRewritePattern<onnx::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::MatMulOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType resultType = getStaticFloatType(op.getY());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "result not static float");
    for (unsigned i = 0; i < 2; ++i) {
      std::optional<ScaledOperand> scaled =
          matchScaledOperand(op->getOperand(i), resultType.getRank());
      if (!scaled ||
          cast<RankedTensorType>(scaled->unscaled.getType()).getNumElements() <=
              resultType.getNumElements())
        continue;
      SmallVector<Value> operands(op->getOperands());
      operands[i] = scaled->unscaled;
      auto product = onnx::MatMulOp::create(rewriter, op.getLoc(), resultType,
                                            operands[0], operands[1]);
      rewriter.replaceOpWithNewOp<onnx::MulOp>(op, resultType, product,
                                               scaled->scale);
      rewriter.eraseOp(scaled->mul);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no scaled operand larger than "
                                           "the result");
  }
};

struct ScaleAfterProductsPass
    : lowrank::impl::LowrankONNXScaleAfterProductsBase<ScaleAfterProductsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldScaleIntoWeight, MoveScaleAfterMatMul>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
