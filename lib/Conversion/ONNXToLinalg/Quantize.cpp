//===- Quantize.cpp - onnx to linalg: Quantize/DequantizeLinear -----------===//
//
// One linalg.generic over x's shape each: DequantizeLinear computes
// (x - zero_point) * scale, QuantizeLinear saturate(round(x / scale) +
// zero_point), with scale and zero point read per tensor (a constant map),
// per axis (a map selecting the axis loop) or per block (the axis loop
// divided by the block size). Integer constants stay integers until here,
// so a Q + L R layer keeps its int8 weights in memory and dequantizes them
// in the generic that feeds its matmul. 8- and 4-bit floats convert through
// f32 like Cast.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace lowrank {

/// The indexing map reading the scale (and zero point) of each element of
/// a tensor of `type`; fails for shapes the verifier would not accept.
static FailureOr<AffineMap> getParameterMap(RankedTensorType type,
                                            RankedTensorType scaleType,
                                            int64_t axis, int64_t blockSize) {
  MLIRContext *context = type.getContext();
  int64_t rank = type.getRank();
  if (blockSize > 0) {
    if (scaleType.getRank() != rank || rank == 0)
      return failure();
    int64_t blockAxis = normalizeAxis(axis, rank);
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < rank; ++i) {
      AffineExpr dim = getAffineDimExpr(i, context);
      exprs.push_back(i == blockAxis ? dim.floorDiv(blockSize) : dim);
    }
    return AffineMap::get(rank, 0, exprs, context);
  }
  if (scaleType.getRank() == 0)
    return AffineMap::get(rank, 0, {}, context);
  if (scaleType.getRank() != 1)
    return failure();
  if (scaleType.getDimSize(0) == 1 &&
      !(rank > 0 && type.getDimSize(normalizeAxis(axis, rank)) == 1))
    return AffineMap::get(rank, 0, {getAffineConstantExpr(0, context)},
                          context);
  if (rank == 0)
    return failure();
  return AffineMap::get(
      rank, 0, {getAffineDimExpr(normalizeAxis(axis, rank), context)}, context);
}

/// Whether the parameters of a tensor of `type` can be read without a run-time
/// size check: every size is static, or the parameters are per tensor or
/// per axis along a static size (blocks need static sizes).
static bool hasCheckedParameterShape(RankedTensorType type,
                                     RankedTensorType scaleType, int64_t axis,
                                     int64_t blockSize) {
  if (type.hasStaticShape())
    return true;
  if (blockSize > 0 || scaleType.getRank() > 1)
    return false;
  if (scaleType.getRank() == 0 || scaleType.getDimSize(0) == 1)
    return true;
  return type.getRank() > 0 &&
         !type.isDynamicDim(normalizeAxis(axis, type.getRank()));
}

/// Whether a quantization from or to `xType` with parameters of
/// `scaleType` lowers: ranked types of equal rank whose parameters are read
/// without a run-time size check.
static bool isLowerable(RankedTensorType xType, RankedTensorType resultType,
                        RankedTensorType scaleType, int64_t axis,
                        int64_t blockSize) {
  return xType && resultType && scaleType &&
         xType.getRank() == resultType.getRank() &&
         hasCheckedParameterShape(resultType, scaleType, axis, blockSize);
}

/// Builds the generic over `resultType` reading `x`, the scale and the zero
/// point (when not none; a scalar may be 1-D of size 1 while the scale is
/// 0-D, or the reverse).
static FailureOr<Value> buildQuantizationGeneric(
    ConversionPatternRewriter &rewriter, Location loc,
    RankedTensorType resultType, Value x, Value scale, Value zeroPoint,
    int64_t axis, int64_t blockSize,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> body) {
  int64_t rank = resultType.getRank();
  AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
  FailureOr<AffineMap> scaleMap = getParameterMap(
      resultType, cast<RankedTensorType>(scale.getType()), axis, blockSize);
  if (failed(scaleMap))
    return failure();
  SmallVector<Value> inputs = {x, scale};
  SmallVector<AffineMap> maps = {identity, *scaleMap};
  bool hasZeroPoint = !isa<NoneType>(zeroPoint.getType());
  if (hasZeroPoint) {
    auto zeroType = dyn_cast<RankedTensorType>(zeroPoint.getType());
    if (!zeroType)
      return failure();
    FailureOr<AffineMap> zeroMap =
        getParameterMap(resultType, zeroType, axis, blockSize);
    if (failed(zeroMap))
      return failure();
    inputs.push_back(zeroPoint);
    maps.push_back(*zeroMap);
  }
  maps.push_back(identity);
  Value init = createEmptyTensor(rewriter, loc, resultType, x);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &b, Location nested, ValueRange args) {
        auto signless = [&](Value v) {
          return castScalarSignedness(b, nested, v,
                                      getSignlessType(v.getType()));
        };
        Value result = body(b, nested, signless(args[0]), args[1],
                            hasZeroPoint ? signless(args[2]) : Value());
        linalg::YieldOp::create(
            b, nested,
            castScalarSignedness(b, nested, result,
                                 resultType.getElementType()));
      });
  return generic.getResult(0);
}

/// A quantized scalar (signless) of element type `type` as an f32 value.
static Value quantizedToF32(OpBuilder &b, Location loc, Value value,
                            Type type) {
  if (isSmallFloat(type))
    return extendSmallFloat(b, loc, value);
  return convertScalar(b, loc, value, type, b.getF32Type());
}

/// Parameters per axis along a size known only at run time: `x` with that
/// size fixed to the parameters' length (checked at run time, the message
/// naming `op`), and `type` likewise. Other forms are left as they are.
static std::pair<Value, RankedTensorType>
fixQuantizedAxisSize(OpBuilder &builder, Location loc, Operation *op, Value x,
                     RankedTensorType type, RankedTensorType scaleType,
                     int64_t axis, int64_t blockSize) {
  if (!type || !scaleType || blockSize > 0 || scaleType.getRank() != 1 ||
      scaleType.isDynamicDim(0) || scaleType.getDimSize(0) == 1 ||
      type.getRank() == 0)
    return {x, type};
  int64_t dim = normalizeAxis(axis, type.getRank());
  if (dim < 0 || dim >= type.getRank() || !type.isDynamicDim(dim))
    return {x, type};
  int64_t length = scaleType.getDimSize(0);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(builder, loc, x);
  sizes[dim] = builder.getIndexAttr(length);
  Value fixed = castWithSizeChecks(
      builder, loc, x, sizes,
      getNodePrefix(op) + op->getName().stripDialect().str() +
          ": the quantized axis must have as many elements as the scale (" +
          std::to_string(length) + ")");
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = length;
  return {fixed, type.clone(shape)};
}

/// `value` as `type` (a tensor.cast when the types differ).
static Value castIfNeeded(OpBuilder &builder, Location loc, Value value,
                          Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(builder, loc, type, value);
}

namespace {

struct DequantizeLinearLowering
    : OpConversionPattern<onnx::DequantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DequantizeLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto declaredType = dyn_cast<RankedTensorType>(op.getY().getType());
    auto scaleType = dyn_cast<RankedTensorType>(adaptor.getXScale().getType());
    auto [x, resultType] = fixQuantizedAxisSize(
        rewriter, op.getLoc(), op, adaptor.getX(), declaredType, scaleType,
        op.getAxis(), op.getBlockSize());
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!isLowerable(xType, resultType, scaleType, op.getAxis(),
                     op.getBlockSize()))
      return rewriter.notifyMatchFailure(
          op, "needs ranked shapes, static where parameters are per axis");
    Type quantized = xType.getElementType();
    Type scaleElement = scaleType.getElementType();
    Type resultElement = resultType.getElementType();
    FailureOr<Value> result = buildQuantizationGeneric(
        rewriter, op.getLoc(), resultType, x, adaptor.getXScale(),
        adaptor.getXZeroPoint(), op.getAxis(), op.getBlockSize(),
        [&](OpBuilder &b, Location loc, Value x, Value scale, Value zero) {
          Value real;
          if (isa<IntegerType>(quantized) && zero) {
            // The difference of two 32-bit integers needs 64 bits.
            Type wide = b.getI64Type();
            Value difference = arith::SubIOp::create(
                b, loc, convertScalar(b, loc, x, quantized, wide),
                convertScalar(b, loc, zero, quantized, wide));
            real = arith::SIToFPOp::create(b, loc, b.getF32Type(), difference);
          } else {
            real = quantizedToF32(b, loc, x, quantized);
            if (zero)
              real = arith::SubFOp::create(
                  b, loc, real, quantizedToF32(b, loc, zero, quantized));
          }
          Value scaled = arith::MulFOp::create(
              b, loc, real,
              convertScalar(b, loc, scale, scaleElement, b.getF32Type()));
          return convertScalar(b, loc, scaled, b.getF32Type(), resultElement);
        });
    if (failed(result))
      return rewriter.notifyMatchFailure(op, "unsupported parameter shapes");
    rewriter.replaceOp(
        op, castIfNeeded(rewriter, op.getLoc(), *result, declaredType));
    return success();
  }
};

struct QuantizeLinearLowering : OpConversionPattern<onnx::QuantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::QuantizeLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto declaredType = dyn_cast<RankedTensorType>(op.getY().getType());
    auto scaleType = dyn_cast<RankedTensorType>(adaptor.getYScale().getType());
    auto [input, resultType] = fixQuantizedAxisSize(
        rewriter, op.getLoc(), op, adaptor.getX(), declaredType, scaleType,
        op.getAxis(), op.getBlockSize());
    auto xType = dyn_cast<RankedTensorType>(input.getType());
    if (!isLowerable(xType, resultType, scaleType, op.getAxis(),
                     op.getBlockSize()))
      return rewriter.notifyMatchFailure(
          op, "needs ranked shapes, static where parameters are per axis");
    Type quantized = resultType.getElementType();
    Type xElement = xType.getElementType();
    Type scaleElement = scaleType.getElementType();
    bool saturate = op.getSaturate() != 0;
    FailureOr<Value> result = buildQuantizationGeneric(
        rewriter, op.getLoc(), resultType, input, adaptor.getYScale(),
        adaptor.getYZeroPoint(), op.getAxis(), op.getBlockSize(),
        [&](OpBuilder &b, Location loc, Value x, Value scale, Value zero) {
          Type f32 = b.getF32Type();
          Value ratio = arith::DivFOp::create(
              b, loc, convertScalar(b, loc, x, xElement, f32),
              convertScalar(b, loc, scale, scaleElement, f32));
          if (isSmallFloat(quantized)) {
            if (zero)
              ratio = arith::AddFOp::create(b, loc, ratio,
                                            extendSmallFloat(b, loc, zero));
            return truncateToSmallFloat(b, loc, ratio,
                                        cast<FloatType>(quantized), saturate);
          }
          // Round, shift and clamp in f64, which holds every 32-bit
          // integer exactly.
          Type f64 = b.getF64Type();
          Value value = math::RoundEvenOp::create(
              b, loc, arith::ExtFOp::create(b, loc, f64, ratio));
          if (zero)
            value = arith::AddFOp::create(
                b, loc, value, convertScalar(b, loc, zero, quantized, f64));
          unsigned width = quantized.getIntOrFloatBitWidth();
          bool isUnsigned = isUnsignedInteger(quantized);
          APInt low = isUnsigned ? APInt::getMinValue(width)
                                 : APInt::getSignedMinValue(width);
          APInt high = isUnsigned ? APInt::getMaxValue(width)
                                  : APInt::getSignedMaxValue(width);
          auto bound = [&](const APInt &v) {
            double d =
                isUnsigned ? v.roundToDouble(false) : v.roundToDouble(true);
            return arith::ConstantFloatOp::create(b, loc, cast<FloatType>(f64),
                                                  APFloat(d));
          };
          value = arith::MaximumFOp::create(b, loc, value, bound(low));
          value = arith::MinimumFOp::create(b, loc, value, bound(high));
          Value integer =
              arith::FPToSIOp::create(b, loc, b.getI64Type(), value);
          return arith::TruncIOp::create(b, loc, getSignlessType(quantized),
                                         integer)
              .getResult();
        });
    if (failed(result))
      return rewriter.notifyMatchFailure(op, "unsupported parameter shapes");
    rewriter.replaceOp(
        op, castIfNeeded(rewriter, op.getLoc(), *result, declaredType));
    return success();
  }
};

} // namespace

void populateQuantizePatterns(RewritePatternSet &patterns) {
  patterns.add<DequantizeLinearLowering, QuantizeLinearLowering>(
      patterns.getContext());
}

} // namespace lowrank
