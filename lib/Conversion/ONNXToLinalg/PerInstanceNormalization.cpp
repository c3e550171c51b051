//===- PerInstanceNormalization.cpp - Instance and Lp normalization -------===//
//
// InstanceNormalization reduces the spatial dimensions of each (batch item,
// channel) twice, like LayerNormalization, in float32 for half-precision
// inputs, and scales and shifts per channel. LpNormalization divides by the
// L1 or L2 norm of each line along its axis (lines of zeros stay zeros).
//
//===----------------------------------------------------------------------===//

#include "NormalizationPatterns.h"
#include "ReductionBuilders.h"

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// float32 for half-precision types, the type itself otherwise.
static Type getStatisticsType(OpBuilder &b, Type elementType) {
  return elementType.getIntOrFloatBitWidth() < 32 ? Type(b.getF32Type())
                                                  : elementType;
}

namespace {

struct InstanceNormalizationLowering
    : OpConversionPattern<onnx::InstanceNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::InstanceNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!inputType || !resultType || inputType.getRank() < 3 ||
        !isa<RankedTensorType>(adaptor.getScale().getType()) ||
        !isa<RankedTensorType>(adaptor.getB().getType()))
      return rewriter.notifyMatchFailure(op, "needs ranked tensors");
    int64_t rank = inputType.getRank();
    Type statsElementType =
        getStatisticsType(rewriter, inputType.getElementType());
    ReductionShape shape = ReductionShape::trailing(2, rank);
    auto statsType = RankedTensorType::get(
        shape.getResultShape(inputType.getShape()), statsElementType);
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();

    Value count =
        buildReducedElementCount(rewriter, loc, input, shape, statsElementType);
    Value sum = buildReduction(rewriter, loc, input, statsType, shape,
                               rewriter.getZeroAttr(statsElementType), {},
                               [&](OpBuilder &b, Location nloc,
                                   ValueRange elements, Value acc) -> Value {
                                 Value x = convertFloat(b, nloc, elements[0],
                                                        statsElementType);
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
          Value stdDev = math::SqrtOp::create(
              b, nloc, arith::AddFOp::create(b, nloc, variance, epsilon));
          return arith::DivFOp::create(
              b, nloc, createScalarConstant(b, nloc, statsElementType, 1.0),
              stdDev);
        });

    AffineMap reducedMap = shape.getResultMap(context);
    AffineMap channelMap =
        AffineMap::get(rank, 0, getAffineDimExpr(1, context));
    SmallVector<Value> inputs{input, mean, invStdDev, adaptor.getScale(),
                              adaptor.getB()};
    SmallVector<AffineMap> maps{
        AffineMap::getMultiDimIdentityMap(rank, context), reducedMap,
        reducedMap, channelMap, channelMap};
    Type resultElementType = resultType.getElementType();
    Value normalized = buildParallelGeneric(
        rewriter, loc, resultType, input, inputs, maps,
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          Value x = convertFloat(b, nloc, args[0], statsElementType);
          Value deviation = arith::SubFOp::create(b, nloc, x, args[1]);
          Value y = arith::MulFOp::create(b, nloc, deviation, args[2]);
          y = arith::MulFOp::create(
              b, nloc, y, convertFloat(b, nloc, args[3], statsElementType));
          y = arith::AddFOp::create(
              b, nloc, y, convertFloat(b, nloc, args[4], statsElementType));
          return convertFloat(b, nloc, y, resultElementType);
        });
    rewriter.replaceOp(op, normalized);
    return success();
  }
};

struct LpNormalizationLowering : OpConversionPattern<onnx::LpNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LpNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!inputType || !resultType || inputType.getRank() == 0)
      return rewriter.notifyMatchFailure(op, "needs a ranked input");
    int64_t rank = inputType.getRank();
    int64_t axis = normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
    bool isL1 = op.getP() == 1;
    Type statsElementType =
        getStatisticsType(rewriter, inputType.getElementType());
    ReductionShape shape = ReductionShape::fromAxes({axis}, rank, true);
    auto statsType = RankedTensorType::get(
        shape.getResultShape(inputType.getShape()), statsElementType);
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();

    Value sum = buildReduction(
        rewriter, loc, input, statsType, shape,
        rewriter.getZeroAttr(statsElementType), {},
        [&](OpBuilder &b, Location nloc, ValueRange elements,
            Value acc) -> Value {
          Value x = convertFloat(b, nloc, elements[0], statsElementType);
          Value term = isL1 ? Value(math::AbsFOp::create(b, nloc, x))
                            : Value(arith::MulFOp::create(b, nloc, x, x));
          return arith::AddFOp::create(b, nloc, term, acc);
        });
    Value normalized = buildParallelGeneric(
        rewriter, loc, resultType, input, {input, sum},
        {AffineMap::getMultiDimIdentityMap(rank, context),
         shape.getResultMap(context)},
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          Value x = convertFloat(b, nloc, args[0], statsElementType);
          Value norm =
              isL1 ? args[1] : Value(math::SqrtOp::create(b, nloc, args[1]));
          // A line of zeros stays zeros (ONNX's reference divides by 1).
          Value isZero = arith::CmpFOp::create(
              b, nloc, arith::CmpFPredicate::OEQ, norm,
              createScalarConstant(b, nloc, statsElementType, 0.0));
          norm = arith::SelectOp::create(
              b, nloc, isZero,
              createScalarConstant(b, nloc, statsElementType, 1.0), norm);
          return convertFloat(b, nloc, arith::DivFOp::create(b, nloc, x, norm),
                              resultType.getElementType());
        });
    rewriter.replaceOp(op, normalized);
    return success();
  }
};

} // namespace

void lowrank::populatePerInstanceNormalizationPatterns(
    RewritePatternSet &patterns) {
  patterns.add<InstanceNormalizationLowering, LpNormalizationLowering>(
      patterns.getContext());
}
