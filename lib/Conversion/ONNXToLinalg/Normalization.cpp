//===- Normalization.cpp - onnx Layer/BatchNormalization to linalg --------===//
//
// LayerNormalization reduces the trailing dimensions from `axis` twice (mean,
// then the mean of squared deviations) in the stash type, and normalizes in
// one elementwise pass that broadcasts the statistics, Scale and B.
// BatchNormalization (inference) folds scale / sqrt(var + epsilon) per
// channel first, so the pass over X is one subtract and one multiply-add.
//
//===----------------------------------------------------------------------===//

#include "NormalizationPatterns.h"
#include "ReductionBuilders.h"

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// 1 / sqrt(variance + epsilon).
static Value buildInverseStdDev(OpBuilder &b, Location loc, Value variance,
                                Value epsilon) {
  Type type = variance.getType();
  Value shifted = arith::AddFOp::create(b, loc, variance, epsilon);
  Value stdDev = math::SqrtOp::create(b, loc, shifted);
  Value one = createScalarConstant(b, loc, type, 1.0);
  return arith::DivFOp::create(b, loc, one, stdDev);
}

/// `value` (of the statistics' type) as the optional result `result`: none
/// when the result is omitted, a cast where only static sizes differ.
static Value getOptionalStatistic(OpBuilder &b, Location loc, Value result,
                                  Value value) {
  if (isNoneValue(result))
    return onnx::NoValueOp::create(b, loc, b.getNoneType()).getResult();
  return castToType(b, loc, value, result.getType());
}

/// Whether an optional statistic result can take values of `type`.
static bool isCompatibleStatistic(Value result, RankedTensorType type) {
  if (isNoneValue(result))
    return true;
  auto resultType = dyn_cast<RankedTensorType>(result.getType());
  return resultType && tensor::CastOp::areCastCompatible(resultType, type);
}

namespace {

struct LayerNormalizationLowering
    : OpConversionPattern<onnx::LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LayerNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getX();
    Value scale = adaptor.getScale();
    Value bias = adaptor.getB();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getY().getType());
    auto scaleType = dyn_cast<RankedTensorType>(scale.getType());
    auto biasType = isNoneValue(bias)
                        ? RankedTensorType()
                        : dyn_cast<RankedTensorType>(bias.getType());
    if (!inputType || !resultType || !scaleType ||
        (!isNoneValue(bias) && !biasType))
      return rewriter.notifyMatchFailure(op, "needs ranked tensors");
    int64_t rank = inputType.getRank();
    if (scaleType.getRank() > rank || (biasType && biasType.getRank() > rank))
      return rewriter.notifyMatchFailure(
          op, "Scale and B must broadcast to the input");

    // stash_type 1 asks for float statistics whatever the input type.
    Type statsElementType = op.getStashType() == 1
                                ? Type(rewriter.getF32Type())
                                : inputType.getElementType();
    ReductionShape shape =
        ReductionShape::trailing(normalizeAxis(op.getAxis(), rank), rank);
    auto statsType = RankedTensorType::get(
        shape.getResultShape(inputType.getShape()), statsElementType);
    if (!isCompatibleStatistic(op.getMean(), statsType) ||
        !isCompatibleStatistic(op.getInvStdDev(), statsType))
      return rewriter.notifyMatchFailure(
          op, "Mean or InvStdDev type disagrees with axis and stash_type");

    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value count = buildReducedElementCount(rewriter, loc, input, shape,
                                           statsElementType);
    Value sum = buildReduction(
        rewriter, loc, input, statsType, shape,
        rewriter.getZeroAttr(statsElementType), {},
        [&](OpBuilder &b, Location nloc, ValueRange elements,
            Value acc) -> Value {
          Value x = convertFloat(b, nloc, elements[0], statsElementType);
          return arith::AddFOp::create(b, nloc, x, acc);
        });
    Value mean = buildElementwise(
        rewriter, loc, statsType, sum,
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          return arith::DivFOp::create(b, nloc, args[0], count);
        });
    Value squaredDeviationSum = buildReduction(
        rewriter, loc, input, statsType, shape,
        rewriter.getZeroAttr(statsElementType), mean,
        [&](OpBuilder &b, Location nloc, ValueRange elements,
            Value acc) -> Value {
          Value x = convertFloat(b, nloc, elements[0], statsElementType);
          Value deviation = arith::SubFOp::create(b, nloc, x, elements[1]);
          Value square = arith::MulFOp::create(b, nloc, deviation, deviation);
          return arith::AddFOp::create(b, nloc, square, acc);
        });
    Value epsilon = createScalarConstant(rewriter, loc, statsElementType,
                                         op.getEpsilon().convertToDouble());
    Value invStdDev = buildElementwise(
        rewriter, loc, statsType, squaredDeviationSum,
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          Value variance = arith::DivFOp::create(b, nloc, args[0], count);
          return buildInverseStdDev(b, nloc, variance, epsilon);
        });

    AffineMap reducedMap = shape.getResultMap(context);
    SmallVector<Value> inputs{input, mean, invStdDev, scale};
    SmallVector<AffineMap> maps{
        AffineMap::getMultiDimIdentityMap(rank, context), reducedMap,
        reducedMap, getBroadcastIndexingMap(scaleType, rank, context)};
    if (biasType) {
      inputs.push_back(bias);
      maps.push_back(getBroadcastIndexingMap(biasType, rank, context));
    }
    Type resultElementType = resultType.getElementType();
    Value normalized = buildParallelGeneric(
        rewriter, loc, resultType, input, inputs, maps,
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          // As in the ONNX function body: normalize in the stash type, then
          // scale and shift in the input type.
          Value x = convertFloat(b, nloc, args[0], statsElementType);
          Value deviation = arith::SubFOp::create(b, nloc, x, args[1]);
          Value scaled = arith::MulFOp::create(b, nloc, deviation, args[2]);
          Value y = convertFloat(b, nloc, scaled, resultElementType);
          y = arith::MulFOp::create(
              b, nloc, y, convertFloat(b, nloc, args[3], resultElementType));
          if (biasType)
            y = arith::AddFOp::create(
                b, nloc, y, convertFloat(b, nloc, args[4], resultElementType));
          return y;
        });

    Value meanResult = getOptionalStatistic(rewriter, loc, op.getMean(), mean);
    Value invStdDevResult =
        getOptionalStatistic(rewriter, loc, op.getInvStdDev(), invStdDev);
    rewriter.replaceOp(op, {normalized, meanResult, invStdDevResult});
    return success();
  }
};

struct BatchNormalizationLowering
    : OpConversionPattern<onnx::BatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::BatchNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getTrainingMode() != 0)
      return rewriter.notifyMatchFailure(op, "only inference is supported");
    Value input = adaptor.getX();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getY().getType());
    auto scaleType = dyn_cast<RankedTensorType>(adaptor.getScale().getType());
    if (!inputType || !resultType || !scaleType || inputType.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "needs ranked tensors, X of "
                                             "rank >= 2");
    // In inference the running statistics are the given ones, unchanged.
    if ((!isNoneValue(op.getRunningMean()) &&
         op.getRunningMean().getType() != adaptor.getInputMean().getType()) ||
        (!isNoneValue(op.getRunningVar()) &&
         op.getRunningVar().getType() != adaptor.getInputVar().getType()))
      return rewriter.notifyMatchFailure(
          op, "running statistics types differ from the inputs");

    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Type elementType = resultType.getElementType();
    Value epsilon = createScalarConstant(rewriter, loc, elementType,
                                         op.getEpsilon().convertToDouble());
    RankedTensorType channelType = scaleType.clone(elementType);
    Value channelFactor = buildElementwise(
        rewriter, loc, channelType,
        ValueRange{adaptor.getScale(), adaptor.getInputVar()},
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          Value scale = convertFloat(b, nloc, args[0], elementType);
          Value variance = convertFloat(b, nloc, args[1], elementType);
          Value invStdDev = buildInverseStdDev(b, nloc, variance, epsilon);
          return arith::MulFOp::create(b, nloc, scale, invStdDev);
        });

    int64_t rank = inputType.getRank();
    AffineMap channelMap =
        AffineMap::get(rank, 0, getAffineDimExpr(1, context), context);
    Value result = buildParallelGeneric(
        rewriter, loc, resultType, input,
        ValueRange{input, adaptor.getInputMean(), channelFactor,
                   adaptor.getB()},
        {AffineMap::getMultiDimIdentityMap(rank, context), channelMap,
         channelMap, channelMap},
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          Value x = convertFloat(b, nloc, args[0], elementType);
          Value mean = convertFloat(b, nloc, args[1], elementType);
          Value bias = convertFloat(b, nloc, args[3], elementType);
          Value deviation = arith::SubFOp::create(b, nloc, x, mean);
          Value scaled = arith::MulFOp::create(b, nloc, deviation, args[2]);
          return arith::AddFOp::create(b, nloc, scaled, bias);
        });

    auto runningStatistic = [&](Value result, Value given) -> Value {
      if (isNoneValue(result))
        return onnx::NoValueOp::create(rewriter, loc, rewriter.getNoneType());
      return given;
    };
    rewriter.replaceOp(
        op, {result, runningStatistic(op.getRunningMean(),
                                      adaptor.getInputMean()),
             runningStatistic(op.getRunningVar(), adaptor.getInputVar())});
    return success();
  }
};

} // namespace

void lowrank::populateONNXNormalizationToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LayerNormalizationLowering, BatchNormalizationLowering>(
      patterns.getContext());
  populatePerInstanceNormalizationPatterns(patterns);
  populateLocalResponseNormalizationPatterns(patterns);
}
