//===- Conv.cpp - onnx to linalg: N-D grouped convolution -----------------===//
//
// The input is zero-padded with tensor.pad, so the convolution itself never
// tests bounds. Ungrouped 1-D, 2-D and 3-D convolutions become the named
// linalg.conv_{1d_ncw_fcw,2d_nchw_fchw,3d_ncdhw_fcdhw} ops, 2-D depthwise
// ones (one filter per channel) linalg.depthwise_conv_2d_nchw_chw; other
// grouped ones and higher ranks a linalg.generic over the group
// split (N, G, C/G, ...) of the operands. The accumulator starts as the
// bias broadcast over the output, or zero without one. Spatial sizes known
// only at run time (explicit or VALID padding) pad by the given pads and
// size the result by ONNX's floor rule, checked at run time.
//
//===----------------------------------------------------------------------===//

#include "LinearPatterns.h"
#include "RuntimeChecks.h"
#include "SpatialWindow.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// The initial accumulator: `bias` (M) broadcast along dimension 1 of
/// `resultType`, or zero when there is no bias; `dynamicSizes` are the
/// sizes `resultType` leaves unknown.
static Value createConvInit(OpBuilder &builder, Location loc,
                            RankedTensorType resultType, Value bias,
                            ValueRange dynamicSizes) {
  Value empty =
      tensor::EmptyOp::create(builder, loc, resultType.getShape(),
                              resultType.getElementType(), dynamicSizes);
  if (isNoneValue(bias)) {
    Value zero = arith::ConstantOp::create(
        builder, loc, builder.getZeroAttr(resultType.getElementType()));
    return linalg::FillOp::create(builder, loc, zero, empty).getResult(0);
  }
  MLIRContext *context = builder.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, getAffineDimExpr(1, context)),
      AffineMap::getMultiDimIdentityMap(rank, context)};
  return linalg::GenericOp::create(
             builder, loc, TypeRange{resultType}, ValueRange{bias},
             ValueRange{empty}, maps, getParallelIterators(rank),
             [](OpBuilder &b, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(b, nestedLoc, args[0]);
             })
      .getResult(0);
}

/// Splits dimension `dim` of `value` into (`outerSize`, rest).
static Value splitDim(OpBuilder &builder, Location loc, Value value,
                      int64_t dim, int64_t outerSize) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] /= outerSize;
  shape.insert(shape.begin() + dim, outerSize);
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i) {
    int64_t first = i <= dim ? i : i + 1;
    if (i == dim)
      reassociation.push_back({first, first + 1});
    else
      reassociation.push_back({first});
  }
  return tensor::ExpandShapeOp::create(
      builder, loc, RankedTensorType::get(shape, type.getElementType()),
      value, reassociation);
}

/// The grouped convolution over loops (n, g, m, o..., c, k...).
static Value buildGroupedConv(OpBuilder &builder, Location loc, Value input,
                              Value weight, Value init, int64_t group,
                              const SpatialWindow &window) {
  MLIRContext *context = builder.getContext();
  auto initType = cast<RankedTensorType>(init.getType());
  Value groupedInput = splitDim(builder, loc, input, 1, group);
  Value groupedWeight = splitDim(builder, loc, weight, 0, group);
  Value groupedInit = splitDim(builder, loc, init, 1, group);

  int64_t spatialRank = window.getRank();
  int64_t numLoops = 4 + 2 * spatialRank;
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, context); };
  AffineExpr n = dim(0), g = dim(1), m = dim(2), c = dim(3 + spatialRank);
  SmallVector<AffineExpr> inputExprs = {n, g, c}, weightExprs = {g, m, c},
                          outputExprs = {n, g, m};
  for (int64_t i = 0; i < spatialRank; ++i) {
    AffineExpr output = dim(3 + i), windowPos = dim(4 + spatialRank + i);
    inputExprs.push_back(getWindowInputExpr(window, i, output, windowPos));
    weightExprs.push_back(windowPos);
    outputExprs.push_back(output);
  }
  SmallVector<AffineMap> maps = {
      AffineMap::get(numLoops, 0, inputExprs, context),
      AffineMap::get(numLoops, 0, weightExprs, context),
      AffineMap::get(numLoops, 0, outputExprs, context)};
  SmallVector<utils::IteratorType> iterators =
      getParallelIterators(3 + spatialRank);
  iterators.append(1 + spatialRank, utils::IteratorType::reduction);

  Value grouped =
      linalg::GenericOp::create(
          builder, loc, TypeRange{groupedInit.getType()},
          ValueRange{groupedInput, groupedWeight}, ValueRange{groupedInit},
          maps, iterators,
          [](OpBuilder &b, Location nestedLoc, ValueRange args) {
            linalg::YieldOp::create(b, nestedLoc,
                                    createMultiplyAccumulate(
                                        b, nestedLoc, args[0], args[1],
                                        args[2]));
          })
          .getResult(0);
  SmallVector<ReassociationIndices> reassociation = {{0}, {1, 2}};
  for (int64_t i = 0; i < spatialRank; ++i)
    reassociation.push_back({3 + i});
  return tensor::CollapseShapeOp::create(builder, loc, initType, grouped,
                                         reassociation);
}

template <typename NamedConvOp>
static Value buildNamedConv(OpBuilder &builder, Location loc, Value input,
                            Value weight, Value init,
                            const SpatialWindow &window) {
  return NamedConvOp::create(builder, loc, TypeRange{init.getType()},
                             ValueRange{input, weight}, ValueRange{init},
                             getI64VectorAttr(builder, window.strides),
                             getI64VectorAttr(builder, window.dilations))
      .getResult(0);
}

/// A 2-D f32 convolution with one filter per input channel (group = C =
/// M): linalg.depthwise_conv_2d_nchw_chw on the C x KH x KW filters, which
/// the CPU pipeline runs in the runtime's depthwise kernel (other element
/// types keep the grouped generic).
static Value buildDepthwiseConv(OpBuilder &builder, Location loc, Value input,
                                Value weight, Value init,
                                const SpatialWindow &window) {
  Value filters = tensor::CollapseShapeOp::create(
      builder, loc, weight,
      SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  return buildNamedConv<linalg::DepthwiseConv2DNchwChwOp>(
      builder, loc, input, filters, init, window);
}

namespace {
struct ConvLowering : OpConversionPattern<onnx::ConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto weightType = dyn_cast<RankedTensorType>(adaptor.getW().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getY().getType());
    // The batch and, with explicit or VALID padding, the spatial sizes may
    // be symbolic; the channels and the kernel may not.
    if (!inputType || !weightType || !resultType || inputType.getRank() < 3 ||
        resultType.getRank() != inputType.getRank() ||
        !weightType.hasStaticShape() || resultType.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op,
                                         "needs static channels and kernel");

    ArrayRef<int64_t> kernel = weightType.getShape().drop_front(2);
    if (op.getKernelShape() && *op.getKernelShape() != kernel)
      return rewriter.notifyMatchFailure(
          op, "kernel_shape disagrees with the spatial sizes of W");
    WindowAttrs attrs{kernel,
                      op.getAutoPad(),
                      op.getPads(),
                      op.getStrides(),
                      op.getDilations(),
                      /*ceilMode=*/false,
                      /*allowDynamicSizes=*/true};
    FailureOr<SpatialWindow> window = resolveSpatialWindow(
        rewriter, op, inputType.getShape().drop_front(2),
        resultType.getShape().drop_front(2), attrs);
    if (failed(window))
      return failure();

    Location loc = op.getLoc();
    Value x = adaptor.getX();
    // Input channels known only at run time must be W's times the groups.
    if (inputType.isDynamicDim(1)) {
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
      sizes[1] =
          rewriter.getIndexAttr(weightType.getDimSize(1) * op.getGroup());
      x = castWithSizeChecks(rewriter, loc, x, sizes,
                             getNodePrefix(op) +
                                 "Conv's input channels are not W's times "
                                 "group");
    }
    Value input =
        padSpatialDims(rewriter, loc, x, *window,
                       rewriter.getZeroAttr(inputType.getElementType()));
    Value weight = adaptor.getW();
    SmallVector<Value> sizes = getWindowOutputSizes(
        rewriter, loc, x, resultType, *window, getNodePrefix(op) + "Conv: ");
    Value init =
        createConvInit(rewriter, loc, resultType, adaptor.getB(), sizes);
    int64_t group = op.getGroup();
    Value result;
    if (group == 1 && window->getRank() == 1)
      result = buildNamedConv<linalg::Conv1DNcwFcwOp>(rewriter, loc, input,
                                                      weight, init, *window);
    else if (group == 1 && window->getRank() == 2)
      result = buildNamedConv<linalg::Conv2DNchwFchwOp>(rewriter, loc, input,
                                                        weight, init, *window);
    else if (window->getRank() == 2 && group > 1 &&
             group == weightType.getDimSize(0) &&
             weightType.getDimSize(1) == 1 &&
             resultType.getElementType().isF32())
      result = buildDepthwiseConv(rewriter, loc, input, weight, init, *window);
    else if (group == 1 && window->getRank() == 3)
      result = buildNamedConv<linalg::Conv3DNcdhwFcdhwOp>(
          rewriter, loc, input, weight, init, *window);
    else
      result = buildGroupedConv(rewriter, loc, input, weight, init, group,
                                *window);
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void lowrank::populateONNXConvToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvLowering>(patterns.getContext());
}
