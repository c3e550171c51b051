//===- Gemm.cpp - onnx to linalg: Y = alpha * A' x B' + beta * C ----------===//
//
// The product is a linalg.matmul whose indexing_maps absorb transA and
// transB: a transposed weight (transB = 1, as exported from linear layers)
// is then read in place instead of being copied by a linalg.transpose, and
// the op stays a matmul contraction with the weight as its second operand.
// The matmul accumulates into zero; alpha, beta and the broadcast bias C
// are applied by one elementwise epilogue, which is omitted when it would
// be the identity.
//
//===----------------------------------------------------------------------===//

#include "LinearPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace lowrank;

/// The matmul maps over loops (m, n, k) reading A and B in their stored
/// layout.
static ArrayAttr getGemmIndexingMaps(Builder &builder, bool transposeLhs,
                                     bool transposeRhs) {
  MLIRContext *context = builder.getContext();
  AffineExpr m, n, k;
  bindDims(context, m, n, k);
  auto map = [&](AffineExpr row, AffineExpr column) {
    return AffineMapAttr::get(AffineMap::get(3, 0, {row, column}, context));
  };
  return builder.getArrayAttr({transposeLhs ? map(k, m) : map(m, k),
                               transposeRhs ? map(n, k) : map(k, n),
                               map(m, n)});
}

/// `value * scale` in the arithmetic of `value`'s type.
static Value createScaled(OpBuilder &builder, Location loc, Value value,
                          Value scale) {
  if (isa<FloatType>(value.getType()))
    return arith::MulFOp::create(builder, loc, value, scale);
  return arith::MulIOp::create(builder, loc, value, scale);
}

namespace {
struct GemmLowering : OpConversionPattern<onnx::GemmOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "needs a ranked result");
    // Symbolic rows (a batch) are read from A; everything else is static.
    Value rowsSource;
    if (!resultType.hasStaticShape()) {
      auto aType = dyn_cast<RankedTensorType>(adaptor.getA().getType());
      if (op.getTransA() || !aType || resultType.isDynamicDim(1) ||
          !hasStaticShapeExceptBatch(aType))
        return rewriter.notifyMatchFailure(
            op, "needs a static result shape but for the rows of A");
      rowsSource = adaptor.getA();
    }
    Type elementType = resultType.getElementType();
    if (elementType.isUnsignedInteger())
      return rewriter.notifyMatchFailure(
          op, "arith has no unsigned integer element types");
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    if (!isa<FloatType>(elementType) &&
        (alpha != std::trunc(alpha) || beta != std::trunc(beta)))
      return rewriter.notifyMatchFailure(
          op, "fractional alpha or beta on an integer Gemm");

    Value bias = adaptor.getC();
    bool hasBias = !isNoneValue(bias) && beta != 0.0;
    auto biasType =
        hasBias ? dyn_cast<RankedTensorType>(bias.getType()) : nullptr;
    if (hasBias && !biasType)
      return rewriter.notifyMatchFailure(op, "C must be a ranked tensor");

    Location loc = op.getLoc();
    Value zero = createZeroTensor(rewriter, loc, resultType, rowsSource);
    auto matmul = linalg::MatmulOp::create(
        rewriter, loc, TypeRange{resultType},
        ValueRange{adaptor.getA(), adaptor.getB()}, ValueRange{zero});
    matmul.setIndexingMapsAttr(
        getGemmIndexingMaps(rewriter, op.getTransA(), op.getTransB()));
    Value product = matmul.getResult(0);
    if (alpha == 1.0 && !hasBias) {
      rewriter.replaceOp(op, product);
      return success();
    }

    MLIRContext *context = rewriter.getContext();
    Value alphaValue, betaValue;
    if (alpha != 1.0)
      alphaValue = createScalarConstant(rewriter, loc, elementType, alpha);
    if (hasBias && beta != 1.0)
      betaValue = createScalarConstant(rewriter, loc, elementType, beta);
    SmallVector<Value> inputs = {product};
    AffineMap identity = AffineMap::getMultiDimIdentityMap(2, context);
    SmallVector<AffineMap> maps = {identity};
    if (hasBias) {
      inputs.push_back(bias);
      maps.push_back(getBroadcastIndexingMap(biasType, 2, context));
    }
    maps.push_back(identity);
    Value epilogue =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, inputs,
            ValueRange{createEmptyTensor(rewriter, loc, resultType,
                                         rowsSource)},
            maps,
            getParallelIterators(2),
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
              Value result = args[0];
              if (alphaValue)
                result = createScaled(b, nestedLoc, result, alphaValue);
              if (hasBias) {
                Value term = args[1];
                if (betaValue)
                  term = createScaled(b, nestedLoc, term, betaValue);
                result = isa<FloatType>(elementType)
                             ? arith::AddFOp::create(b, nestedLoc, result, term)
                                   .getResult()
                             : arith::AddIOp::create(b, nestedLoc, result, term)
                                   .getResult();
              }
              linalg::YieldOp::create(b, nestedLoc, result);
            })
            .getResult(0);
    rewriter.replaceOp(op, epilogue);
    return success();
  }
};
} // namespace

void lowrank::populateONNXGemmToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<GemmLowering>(patterns.getContext());
}
