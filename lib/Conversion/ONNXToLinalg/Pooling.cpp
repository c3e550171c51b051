//===- Pooling.cpp - onnx to linalg: max, average and Lp pooling ----------===//
//
// Every pooling op is one linalg.generic over (n, c, out..., window...)
// whose window loops get their bounds from a `tensor.empty` of kernel shape,
// as in upstream's linalg.pooling_* ops, but for any spatial rank. The input
// is padded with the reduction's identity (lowest value for max, zero for
// sum), including the extra trailing elements that ceil_mode windows reach.
// AveragePool then divides by per-position element counts, which are static:
// each spatial dimension contributes its own factor, so the divisor is a
// scalar times one small 1-D constant per dimension whose count varies.
// LpPool sums |x|^p like AveragePool sums x, then takes the p-th root.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "RuntimeChecks.h"
#include "SpatialWindow.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {
enum class PoolKind { Max, Sum };
} // namespace

/// The identity of the `kind` reduction over `elementType`.
static TypedAttr getPoolIdentity(Builder &builder, Type elementType,
                                 PoolKind kind) {
  if (kind == PoolKind::Sum)
    return builder.getZeroAttr(elementType);
  return getMaxMinIdentity(elementType, /*isMax=*/true);
}

static Value combine(OpBuilder &builder, Location loc, PoolKind kind,
                     Value acc, Value element) {
  bool isFloat = isa<FloatType>(acc.getType());
  if (kind == PoolKind::Sum)
    return isFloat ? arith::AddFOp::create(builder, loc, acc, element)
                         .getResult()
                   : arith::AddIOp::create(builder, loc, acc, element)
                         .getResult();
  return isFloat ? arith::MaximumFOp::create(builder, loc, acc, element)
                       .getResult()
                 : arith::MaxSIOp::create(builder, loc, acc, element)
                       .getResult();
}

namespace {
/// The loops of a window reduction: (N, C, output positions) in parallel,
/// then the window positions reduced; the padded input is read at
/// `output * stride + window * dilation`.
struct WindowLoops {
  AffineMap inputMap, windowMap, outputMap;
  SmallVector<utils::IteratorType> iterators;
};
} // namespace

static WindowLoops getWindowLoops(MLIRContext *context,
                                  const SpatialWindow &window) {
  int64_t spatialRank = window.getRank();
  int64_t numLoops = 2 + 2 * spatialRank;
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, context); };
  SmallVector<AffineExpr> inputExprs = {dim(0), dim(1)}, windowExprs,
                          outputExprs = {dim(0), dim(1)};
  for (int64_t i = 0; i < spatialRank; ++i) {
    AffineExpr output = dim(2 + i), windowPos = dim(2 + spatialRank + i);
    inputExprs.push_back(getWindowInputExpr(window, i, output, windowPos));
    windowExprs.push_back(windowPos);
    outputExprs.push_back(output);
  }
  WindowLoops loops{AffineMap::get(numLoops, 0, inputExprs, context),
                    AffineMap::get(numLoops, 0, windowExprs, context),
                    AffineMap::get(numLoops, 0, outputExprs, context),
                    getParallelIterators(2 + spatialRank)};
  loops.iterators.append(spatialRank, utils::IteratorType::reduction);
  return loops;
}

/// Reduces every window of the already padded `input` into `resultType`.
static Value buildWindowReduction(OpBuilder &builder, Location loc, Value input,
                                  RankedTensorType resultType,
                                  const SpatialWindow &window, PoolKind kind,
                                  std::optional<ValueRange> dynamicSizes = {}) {
  Type elementType = resultType.getElementType();
  WindowLoops loops = getWindowLoops(builder.getContext(), window);
  SmallVector<AffineMap> maps = {loops.inputMap, loops.windowMap,
                                 loops.outputMap};
  SmallVector<utils::IteratorType> iterators = loops.iterators;

  Value windowShape =
      tensor::EmptyOp::create(builder, loc, window.kernel, elementType);
  Value init;
  if (dynamicSizes) {
    Value empty = tensor::EmptyOp::create(builder, loc, resultType.getShape(),
                                          elementType, *dynamicSizes);
    Value identity = arith::ConstantOp::create(
        builder, loc, getPoolIdentity(builder, elementType, kind));
    init = linalg::FillOp::create(builder, loc, identity, empty).getResult(0);
  } else {
    init = createFilledTensor(builder, loc, resultType,
                              getPoolIdentity(builder, elementType, kind),
                              /*dynamicSizesSource=*/input);
  }
  return linalg::GenericOp::create(
             builder, loc, TypeRange{resultType},
             ValueRange{input, windowShape}, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(
                   b, nestedLoc,
                   combine(b, nestedLoc, kind, args[2], args[0]));
             })
      .getResult(0);
}

/// MaxPool with its Indices: one reduction over every window of the padded
/// `input` into the maximum (as buildWindowReduction computes it) and the
/// index of the first element that attains it, counted as ONNX Runtime
/// does over the unpadded input flattened from (N, C, spatial...): the
/// spatial position row-major, or with `columnMajor` (storage_order 1)
/// the first spatial dimension fastest. Padding is never selected; a
/// window whose elements are all the lowest value (or NaN) keeps -1.
static std::pair<Value, Value>
buildWindowArgMax(OpBuilder &builder, Location loc, Value input,
                  RankedTensorType resultType, RankedTensorType indicesType,
                  const SpatialWindow &window, ArrayRef<int64_t> inputSizes,
                  int64_t channels, bool columnMajor, ValueRange dynamicSizes) {
  Type elementType = resultType.getElementType();
  int64_t spatialRank = window.getRank();
  WindowLoops loops = getWindowLoops(builder.getContext(), window);
  SmallVector<AffineMap> maps = {loops.inputMap, loops.windowMap,
                                 loops.outputMap, loops.outputMap};
  SmallVector<utils::IteratorType> iterators = loops.iterators;

  Value windowShape =
      tensor::EmptyOp::create(builder, loc, window.kernel, elementType);
  auto filled = [&](RankedTensorType type, TypedAttr value) {
    Value empty = tensor::EmptyOp::create(builder, loc, type.getShape(),
                                          type.getElementType(), dynamicSizes);
    Value fillValue = arith::ConstantOp::create(builder, loc, value);
    return linalg::FillOp::create(builder, loc, fillValue, empty).getResult(0);
  };
  Value values =
      filled(resultType, getPoolIdentity(builder, elementType, PoolKind::Max));
  Value indices = filled(indicesType, builder.getI64IntegerAttr(-1));
  int64_t spatialSize = 1;
  for (int64_t size : inputSizes)
    spatialSize *= size;
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{resultType, indicesType},
      ValueRange{input, windowShape}, ValueRange{values, indices}, maps,
      iterators, [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        Value element = args[0], best = args[2], bestIndex = args[3];
        auto constant = [&](int64_t value) -> Value {
          return arith::ConstantIndexOp::create(b, nestedLoc, value);
        };
        auto loopIndex = [&](int64_t i) -> Value {
          return linalg::IndexOp::create(b, nestedLoc, i);
        };
        auto multiplyAdd = [&](Value a, int64_t factor, Value c) -> Value {
          return arith::AddIOp::create(
              b, nestedLoc,
              arith::MulIOp::create(b, nestedLoc, a, constant(factor)), c);
        };
        // The unpadded input position of each spatial dimension.
        SmallVector<Value> positions;
        for (int64_t i = 0; i < spatialRank; ++i) {
          Value start = arith::MulIOp::create(b, nestedLoc, loopIndex(2 + i),
                                              constant(window.strides[i]));
          Value position = multiplyAdd(loopIndex(2 + spatialRank + i),
                                       window.dilations[i], start);
          positions.push_back(arith::SubIOp::create(
              b, nestedLoc, position, constant(window.padsBegin[i])));
        }
        Value spatial = constant(0);
        for (int64_t j = 0; j < spatialRank; ++j) {
          int64_t i = columnMajor ? spatialRank - 1 - j : j;
          spatial = multiplyAdd(spatial, inputSizes[i], positions[i]);
        }
        Value plane = multiplyAdd(loopIndex(0), channels, loopIndex(1));
        Value flat = multiplyAdd(plane, spatialSize, spatial);
        Value better =
            isa<FloatType>(elementType)
                ? arith::CmpFOp::create(b, nestedLoc, arith::CmpFPredicate::OGT,
                                        element, best)
                      .getResult()
                : arith::CmpIOp::create(b, nestedLoc, arith::CmpIPredicate::sgt,
                                        element, best)
                      .getResult();
        Value index =
            arith::IndexCastOp::create(b, nestedLoc, b.getI64Type(), flat);
        linalg::YieldOp::create(
            b, nestedLoc,
            ValueRange{combine(b, nestedLoc, PoolKind::Max, best, element),
                       arith::SelectOp::create(b, nestedLoc, better, index,
                                               bestIndex)});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

/// The number of elements AveragePool divides by at each output position of
/// spatial dimension `dim`: the window's taps that fall on the input, and
/// with `countIncludePad` on the explicit pads too (never on the extra
/// ceil_mode tail).
static SmallVector<int64_t> getWindowCounts(const SpatialWindow &window,
                                            int64_t dim, int64_t inputSize,
                                            int64_t outputSize,
                                            bool countIncludePad) {
  SmallVector<int64_t> counts;
  int64_t first = countIncludePad ? -window.padsBegin[dim] : 0;
  int64_t end = countIncludePad ? inputSize + window.padsEnd[dim] : inputSize;
  for (int64_t out = 0; out < outputSize; ++out) {
    int64_t start = out * window.strides[dim] - window.padsBegin[dim];
    int64_t count = 0;
    for (int64_t tap = 0; tap < window.kernel[dim]; ++tap) {
      int64_t position = start + tap * window.dilations[dim];
      count += position >= first && position < end;
    }
    counts.push_back(std::max<int64_t>(count, 1));
  }
  return counts;
}

/// Divides `sum` by the AveragePool element counts.
static Value buildAverageDivision(OpBuilder &builder, Location loc, Value sum,
                                  const SpatialWindow &window,
                                  ArrayRef<int64_t> inputSizes,
                                  bool countIncludePad) {
  MLIRContext *context = builder.getContext();
  auto resultType = cast<RankedTensorType>(sum.getType());
  Type elementType = resultType.getElementType();
  int64_t rank = resultType.getRank();
  SmallVector<Value> inputs = {sum};
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, context)};
  int64_t uniformFactor = 1;
  for (int64_t i = 0; i < window.getRank(); ++i) {
    int64_t outputSize = resultType.getDimSize(2 + i);
    SmallVector<int64_t> counts = getWindowCounts(
        window, i, inputSizes[i], outputSize, countIncludePad);
    if (llvm::all_equal(counts)) {
      uniformFactor *= counts.front();
      continue;
    }
    auto countsType = RankedTensorType::get({outputSize}, elementType);
    SmallVector<Attribute> countAttrs = llvm::map_to_vector(
        counts, [&](int64_t count) -> Attribute {
          return builder.getFloatAttr(elementType, count);
        });
    inputs.push_back(arith::ConstantOp::create(
        builder, loc, DenseElementsAttr::get(countsType, countAttrs)));
    maps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(2 + i, context)));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, context));
  Value uniformDivisor;
  if (uniformFactor != 1 || inputs.size() == 1)
    uniformDivisor =
        createScalarConstant(builder, loc, elementType, uniformFactor);
  return linalg::GenericOp::create(
             builder, loc, TypeRange{resultType}, inputs,
             ValueRange{createEmptyTensor(builder, loc, resultType, sum)},
             maps, getParallelIterators(rank),
             [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
               Value divisor = uniformDivisor;
               for (Value count : args.slice(1, inputs.size() - 1))
                 divisor = divisor ? arith::MulFOp::create(b, nestedLoc,
                                                           divisor, count)
                                   : count;
               linalg::YieldOp::create(
                   b, nestedLoc,
                   arith::DivFOp::create(b, nestedLoc, args[0], divisor)
                       .getResult());
             })
      .getResult(0);
}

/// The types of a pooling op's input and result, static but for the
/// batch, or failure.
static LogicalResult getPoolTypes(ConversionPatternRewriter &rewriter,
                                  Operation *op, Type input, Type result,
                                  RankedTensorType &inputType,
                                  RankedTensorType &resultType,
                                  bool allowDynamicSpatial = false) {
  inputType = dyn_cast<RankedTensorType>(input);
  resultType = dyn_cast<RankedTensorType>(result);
  // The batch may be symbolic; channels may not; spatial sizes only where
  // the caller sizes the result at run time.
  auto isSupported = [&](RankedTensorType type) {
    return type && type.getRank() > 2 && !type.isDynamicDim(1) &&
           (allowDynamicSpatial || hasStaticShapeExceptBatch(type));
  };
  if (!isSupported(inputType) || !isSupported(resultType) ||
      inputType.getRank() != resultType.getRank() ||
      inputType.isDynamicDim(0) != resultType.isDynamicDim(0))
    return rewriter.notifyMatchFailure(
        op, "needs static shapes but for the batch");
  if (inputType.getElementType().isUnsignedInteger())
    return rewriter.notifyMatchFailure(
        op, "arith has no unsigned integer element types");
  return success();
}

namespace {
struct MaxPoolLowering : OpConversionPattern<onnx::MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::MaxPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Unsigned values pool as signed ones of twice the width.
    Value input = adaptor.getX();
    Type inputTypeAsWritten = input.getType();
    Type resultTypeAsWritten = op.getY().getType();
    Type unsignedElement = getElementTypeOrSelf(inputTypeAsWritten);
    bool widen = isWidenableUnsigned(unsignedElement);
    if (widen) {
      Type wide =
          rewriter.getIntegerType(2 * unsignedElement.getIntOrFloatBitWidth());
      auto rankedInput = dyn_cast<RankedTensorType>(inputTypeAsWritten);
      auto rankedResult = dyn_cast<RankedTensorType>(resultTypeAsWritten);
      if (!rankedInput || !rankedResult)
        return rewriter.notifyMatchFailure(op, "needs ranked tensors");
      inputTypeAsWritten = rankedInput.clone(wide);
      resultTypeAsWritten = rankedResult.clone(wide);
    }
    RankedTensorType inputType, resultType;
    if (failed(getPoolTypes(rewriter, op, inputTypeAsWritten,
                            resultTypeAsWritten, inputType, resultType,
                            /*allowDynamicSpatial=*/true)))
      return failure();
    WindowAttrs attrs{
        op.getKernelShape(),       op.getAutoPad(),   op.getPads(),
        op.getStrides(),           op.getDilations(), op.getCeilMode() != 0,
        /*allowDynamicSizes=*/true};
    FailureOr<SpatialWindow> window = resolveSpatialWindow(
        rewriter, op, inputType.getShape().drop_front(2),
        resultType.getShape().drop_front(2), attrs);
    if (failed(window))
      return failure();
    bool withIndices = !op.getIndices().use_empty();
    auto indicesType = dyn_cast<RankedTensorType>(op.getIndices().getType());
    ArrayRef<int64_t> inputSizes = inputType.getShape().drop_front(2);
    if (withIndices &&
        (!indicesType || indicesType.getShape() != resultType.getShape() ||
         ShapedType::isDynamicShape(inputSizes)))
      return rewriter.notifyMatchFailure(
          op, "the Indices output needs static spatial sizes and the shape "
              "of Y");

    Location loc = op.getLoc();
    if (widen)
      input = widenUnsignedElements(rewriter, loc, input);
    SmallVector<Value> sizes =
        getWindowOutputSizes(rewriter, loc, input, resultType, *window,
                             getNodePrefix(op) + "MaxPool: ");
    TypedAttr lowest =
        getPoolIdentity(rewriter, inputType.getElementType(), PoolKind::Max);
    Value padded = padSpatialDims(rewriter, loc, input, *window, lowest);
    Value result, indices;
    if (withIndices)
      std::tie(result, indices) =
          buildWindowArgMax(rewriter, loc, padded, resultType, indicesType,
                            *window, inputSizes, inputType.getDimSize(1),
                            op.getStorageOrder() == 1, ValueRange(sizes));
    else
      result = buildWindowReduction(rewriter, loc, padded, resultType, *window,
                                    PoolKind::Max, ValueRange(sizes));
    if (widen)
      result = narrowToUnsignedElements(rewriter, loc, result, unsignedElement);
    rewriter.replaceOp(op, {result, indices});
    return success();
  }
};

struct AveragePoolLowering : OpConversionPattern<onnx::AveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::AveragePoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inputType, resultType;
    if (failed(getPoolTypes(rewriter, op, adaptor.getX().getType(),
                            op.getY().getType(), inputType, resultType,
                            /*allowDynamicSpatial=*/true)))
      return failure();
    // With sizes known only at run time, only windows that all count the
    // whole kernel: padding counted, or none (floor mode keeps every
    // window inside the padded input).
    bool dynamicSpatial =
        ShapedType::isDynamicShape(inputType.getShape().drop_front(2)) ||
        ShapedType::isDynamicShape(resultType.getShape().drop_front(2));
    bool unpadded = !op.getPads() || llvm::all_of(*op.getPads(), [](int64_t p) {
      return p == 0;
    });
    if (dynamicSpatial && !op.getCountIncludePad() && !unpadded)
      return rewriter.notifyMatchFailure(
          op, "run-time sizes need count_include_pad or no padding");
    WindowAttrs attrs{
        op.getKernelShape(),       op.getAutoPad(),   op.getPads(),
        op.getStrides(),           op.getDilations(), op.getCeilMode() != 0,
        /*allowDynamicSizes=*/true};
    ArrayRef<int64_t> inputSizes = inputType.getShape().drop_front(2);
    FailureOr<SpatialWindow> window = resolveSpatialWindow(
        rewriter, op, inputSizes, resultType.getShape().drop_front(2), attrs);
    if (failed(window))
      return failure();

    Location loc = op.getLoc();
    SmallVector<Value> sizes =
        getWindowOutputSizes(rewriter, loc, adaptor.getX(), resultType, *window,
                             getNodePrefix(op) + "AveragePool: ");
    Value padded =
        padSpatialDims(rewriter, loc, adaptor.getX(), *window,
                       rewriter.getZeroAttr(inputType.getElementType()));
    Value sum = buildWindowReduction(rewriter, loc, padded, resultType, *window,
                                     PoolKind::Sum, ValueRange(sizes));
    if (dynamicSpatial) {
      int64_t count = 1;
      for (int64_t k : window->kernel)
        count *= k;
      Value divisor = createScalarConstant(
          rewriter, loc, resultType.getElementType(), double(count));
      rewriter.replaceOp(
          op, buildElementwise(
                  rewriter, loc, cast<RankedTensorType>(sum.getType()), sum,
                  [&](OpBuilder &b, Location nested, ValueRange args) {
                    return arith::DivFOp::create(b, nested, args[0], divisor)
                        .getResult();
                  }));
      return success();
    }
    rewriter.replaceOp(op, buildAverageDivision(rewriter, loc, sum, *window,
                                                inputSizes,
                                                op.getCountIncludePad() != 0));
    return success();
  }
};

/// The p-th power of |x| (`inverse` false) or the p-th root of x (true),
/// elementwise, computed in f32 for half-precision types.
static Value buildLpPower(OpBuilder &builder, Location loc, Value value,
                          int64_t p, bool inverse) {
  auto type = cast<RankedTensorType>(value.getType());
  Type elementType = type.getElementType();
  Type computeType = elementType.isF16() || elementType.isBF16()
                         ? builder.getF32Type()
                         : elementType;
  return buildElementwise(
      builder, loc, type, value,
      [&](OpBuilder &b, Location nested, ValueRange args) -> Value {
        Value x = args[0];
        if (computeType != elementType)
          x = arith::ExtFOp::create(b, nested, computeType, x);
        Value y;
        if (inverse && p == 1)
          y = x;
        else if (inverse && p == 2)
          y = math::SqrtOp::create(b, nested, x);
        else if (inverse)
          y = math::PowFOp::create(
              b, nested, x,
              createScalarConstant(b, nested, computeType, 1.0 / p));
        else if (p == 1)
          y = math::AbsFOp::create(b, nested, x);
        else if (p == 2)
          y = arith::MulFOp::create(b, nested, x, x);
        else
          y = math::PowFOp::create(
              b, nested, math::AbsFOp::create(b, nested, x),
              createScalarConstant(b, nested, computeType, p));
        if (computeType != elementType)
          y = arith::TruncFOp::create(b, nested, elementType, y);
        return y;
      });
}

/// LpPool: the p-th root of the window sums of |x|^p; pads add zero.
struct LpPoolLowering : OpConversionPattern<onnx::LpPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LpPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inputType, resultType;
    if (failed(getPoolTypes(rewriter, op, adaptor.getX().getType(),
                            op.getY().getType(), inputType, resultType)))
      return failure();
    WindowAttrs attrs{op.getKernelShape(), op.getAutoPad(), op.getPads(),
                      op.getStrides(),     op.getDilations(),
                      op.getCeilMode() != 0};
    FailureOr<SpatialWindow> window = resolveSpatialWindow(
        rewriter, op, inputType.getShape().drop_front(2),
        resultType.getShape().drop_front(2), attrs);
    if (failed(window))
      return failure();

    Location loc = op.getLoc();
    int64_t p = static_cast<int64_t>(op.getP());
    Value powers = buildLpPower(rewriter, loc, adaptor.getX(), p,
                                /*inverse=*/false);
    Value padded =
        padSpatialDims(rewriter, loc, powers, *window,
                       rewriter.getZeroAttr(inputType.getElementType()));
    Value sum = buildWindowReduction(rewriter, loc, padded, resultType,
                                     *window, PoolKind::Sum);
    rewriter.replaceOp(op, buildLpPower(rewriter, loc, sum, p,
                                        /*inverse=*/true));
    return success();
  }
};

/// GlobalAveragePool and GlobalMaxPool: one window covering all spatial
/// dimensions.
template <typename GlobalPoolOp, PoolKind kind>
struct GlobalPoolLowering : OpConversionPattern<GlobalPoolOp> {
  using OpConversionPattern<GlobalPoolOp>::OpConversionPattern;
  using OpAdaptor = typename GlobalPoolOp::Adaptor;

  LogicalResult
  matchAndRewrite(GlobalPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (succeeded(lowerWithDynamicSizes(op, adaptor, rewriter)))
      return success();
    RankedTensorType inputType, resultType;
    if (failed(getPoolTypes(rewriter, op, adaptor.getX().getType(),
                            op.getY().getType(), inputType, resultType)))
      return failure();
    ArrayRef<int64_t> inputSizes = inputType.getShape().drop_front(2);
    if (llvm::any_of(resultType.getShape().drop_front(2),
                     [](int64_t size) { return size != 1; }))
      return rewriter.notifyMatchFailure(
          op, "global pooling result must have unit spatial sizes");
    int64_t spatialRank = inputSizes.size();
    SpatialWindow window;
    window.kernel.assign(inputSizes.begin(), inputSizes.end());
    window.strides.assign(spatialRank, 1);
    window.dilations.assign(spatialRank, 1);
    window.padsBegin.assign(spatialRank, 0);
    window.padsEnd.assign(spatialRank, 0);
    window.paddedEnd.assign(spatialRank, 0);

    Location loc = op.getLoc();
    Value result = buildWindowReduction(rewriter, loc, adaptor.getX(),
                                        resultType, window, kind);
    if (kind == PoolKind::Sum)
      result = buildAverageDivision(rewriter, loc, result, window, inputSizes,
                                    /*countIncludePad=*/true);
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Sizes known only at run time (an image of any size, channels): one
  /// reduction over the spatial sizes, and for the average a division by
  /// their product.
  static LogicalResult
  lowerWithDynamicSizes(GlobalPoolOp op, OpAdaptor adaptor,
                        ConversionPatternRewriter &rewriter) {
    auto inputType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto declaredType = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!inputType || !declaredType || inputType.getRank() < 3 ||
        declaredType.getRank() != inputType.getRank() ||
        inputType.hasStaticShape() ||
        llvm::any_of(declaredType.getShape().drop_front(2),
                     [](int64_t size) {
                       return size != 1 && !ShapedType::isDynamic(size);
                     }) ||
        !isa<FloatType>(inputType.getElementType()))
      return failure();
    // The result: the input's batch and channels, spatial sizes 1.
    SmallVector<int64_t> shape(inputType.getShape().take_front(2));
    shape.append(inputType.getRank() - 2, 1);
    auto resultType =
        RankedTensorType::get(shape, declaredType.getElementType());
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Type elementType = resultType.getElementType();
    int64_t rank = inputType.getRank();
    SmallVector<AffineExpr> outputExprs = {getAffineDimExpr(0, context),
                                           getAffineDimExpr(1, context)};
    outputExprs.append(rank - 2, getAffineConstantExpr(0, context));
    SmallVector<utils::IteratorType> iterators = getParallelIterators(2);
    iterators.append(rank - 2, utils::IteratorType::reduction);
    Value init = createFilledTensor(
        rewriter, loc, resultType, getPoolIdentity(rewriter, elementType, kind),
        adaptor.getX());
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{adaptor.getX()},
            ValueRange{init},
            {AffineMap::getMultiDimIdentityMap(rank, context),
             AffineMap::get(rank, 0, outputExprs, context)},
            iterators,
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
              linalg::YieldOp::create(
                  b, nestedLoc, combine(b, nestedLoc, kind, args[1], args[0]));
            })
            .getResult(0);
    if (kind == PoolKind::Sum) {
      Value count = arith::ConstantIndexOp::create(rewriter, loc, 1);
      for (int64_t i = 2; i < rank; ++i)
        count = arith::MulIOp::create(
            rewriter, loc, count,
            tensor::DimOp::create(rewriter, loc, adaptor.getX(), i));
      Value divisor = arith::UIToFPOp::create(
          rewriter, loc, elementType,
          arith::IndexCastUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                       count));
      result = buildParallelGeneric(
          rewriter, loc, resultType, result, {result},
          {AffineMap::getMultiDimIdentityMap(rank, context)},
          [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
            return arith::DivFOp::create(b, nestedLoc, args[0], divisor);
          });
    }
    rewriter.replaceOp(
        op, castToDeclaredType(rewriter, loc, result, declaredType,
                               getNodePrefix(op) +
                                   "global pooling result differs from its "
                                   "declared shape"));
    return success();
  }
};
} // namespace

void lowrank::populateONNXPoolingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MaxPoolLowering, AveragePoolLowering, LpPoolLowering,
               GlobalPoolLowering<onnx::GlobalAveragePoolOp, PoolKind::Sum>,
               GlobalPoolLowering<onnx::GlobalMaxPoolOp, PoolKind::Max>>(
      patterns.getContext());
}
