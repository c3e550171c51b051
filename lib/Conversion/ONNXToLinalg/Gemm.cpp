//===- Gemm.cpp - onnx to linalg: Y = alpha * A' x B' + beta * C ----------===//
//
// The product is a linalg.matmul whose indexing_maps absorb transA and
// transB: a transposed weight (transB = 1, as exported from linear layers)
// is then read in place instead of being copied by a linalg.transpose, and
// the op stays a matmul contraction with the weight as its second operand.
// The matmul accumulates into zero; alpha, beta and the broadcast bias C
// are applied by one elementwise epilogue, which is omitted when it would
// be the identity. Sizes known only at run time are read from A and B; the
// inner sizes, and C's run-time sizes, are checked to agree.
//
//===----------------------------------------------------------------------===//

#include "LinearPatterns.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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
    auto declaredType = dyn_cast<RankedTensorType>(op.getY().getType());
    auto aType = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto bType = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    if (!declaredType || !aType || !bType || aType.getRank() != 2 ||
        bType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "needs ranked matrices");
    // Sizes known only at run time are read from A (rows, the inner size)
    // and B (columns); the inner sizes are checked to agree.
    int64_t aRows = op.getTransA() ? 1 : 0, bColumns = op.getTransB() ? 0 : 1;
    auto resultType = RankedTensorType::get(
        {aType.getDimSize(aRows), bType.getDimSize(bColumns)},
        declaredType.getElementType());
    if (failed(verifyCompatibleShape(resultType, declaredType)))
      return rewriter.notifyMatchFailure(op, "result type disagrees with A, B");
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

    if (hasBias && biasType.getRank() > 2)
      return rewriter.notifyMatchFailure(op, "C has more than two dimensions");

    Location loc = op.getLoc();
    std::string prefix = getNodePrefix(op);
    // An inner size known only at run time is checked against the other
    // operand's, and takes it where that one is static (the product then
    // has a static inner size).
    Value a = adaptor.getA(), b = adaptor.getB();
    int64_t aInner = 1 - aRows, bInner = 1 - bColumns;
    std::string innerMessage =
        prefix + "Gemm's A and B differ in their inner size";
    auto fixInner = [&](Value &operand, int64_t dim, int64_t size) {
      SmallVector<OpFoldResult> operandSizes =
          tensor::getMixedSizes(rewriter, loc, operand);
      operandSizes[dim] = rewriter.getIndexAttr(size);
      operand = castWithSizeChecks(rewriter, loc, operand, operandSizes,
                                   innerMessage);
    };
    if (aType.isDynamicDim(aInner) && bType.isDynamicDim(bInner)) {
      Value same = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq,
          tensor::DimOp::create(rewriter, loc, a, aInner),
          tensor::DimOp::create(rewriter, loc, b, bInner));
      cf::AssertOp::create(rewriter, loc, same, innerMessage);
    } else if (aType.isDynamicDim(aInner)) {
      fixInner(a, aInner, bType.getDimSize(bInner));
    } else if (bType.isDynamicDim(bInner)) {
      fixInner(b, bInner, aType.getDimSize(aInner));
    }
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, a, aRows),
        tensor::getMixedSize(rewriter, loc, b, bColumns)};
    // A size of C known only at run time must be Y's (broadcasting a
    // run-time size of 1 is not supported).
    if (hasBias && !biasType.hasStaticShape()) {
      SmallVector<OpFoldResult> biasSizes =
          tensor::getMixedSizes(rewriter, loc, bias);
      for (int64_t i = 0; i < biasType.getRank(); ++i)
        if (biasType.isDynamicDim(i))
          biasSizes[i] = sizes[2 - biasType.getRank() + i];
      bias = castWithSizeChecks(
          rewriter, loc, bias, biasSizes,
          prefix + "Gemm's C must have Y's sizes where they are known only "
                   "at run time");
    }
    Value zero = createZeroTensor(rewriter, loc, sizes, elementType);
    auto matmul = linalg::MatmulOp::create(rewriter, loc, TypeRange{resultType},
                                           ValueRange{a, b}, ValueRange{zero});
    matmul.setIndexingMapsAttr(
        getGemmIndexingMaps(rewriter, op.getTransA(), op.getTransB()));
    Value product = matmul.getResult(0);
    auto replace = [&](Value result) {
      rewriter.replaceOp(
          op, castToDeclaredType(rewriter, loc, result, declaredType,
                                 prefix + "Gemm's result differs from its "
                                          "declared shape"));
      return success();
    };
    if (alpha == 1.0 && !hasBias)
      return replace(product);

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
            ValueRange{
                tensor::EmptyOp::create(rewriter, loc, sizes, elementType)},
            maps, getParallelIterators(2),
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
    return replace(epilogue);
  }
};
} // namespace

void lowrank::populateONNXGemmToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<GemmLowering>(patterns.getContext());
}
