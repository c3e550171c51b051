//===- ConvTranspose.cpp - onnx ConvTranspose to linalg -------------------===//
//
// Each result element gathers the input elements that a convolution would
// have spread onto it: y[n, m, o...] sums x[n, c, (o + pad - k * dilation) /
// stride] * w[c, m, k] over the channels c of m's group and the kernel
// positions k whose division is exact and in range. One linalg.generic with
// the channel and kernel loops as reductions, whose extents come from an
// empty tensor read alongside; the body reads x and w with tensor.extract.
// The batch and the spatial sizes may be known only at run time: the result
// sizes (ONNX's rule, output_shape, or SAME's input x stride) and the
// padding that SAME or output_shape implies are then computed at run time.
//
//===----------------------------------------------------------------------===//

#include "LinearPatterns.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// `values`, or `count` copies of `fill` when absent.
static SmallVector<int64_t> getOrFill(std::optional<ArrayRef<int64_t>> values,
                                      int64_t count, int64_t fill) {
  if (values)
    return SmallVector<int64_t>(*values);
  return SmallVector<int64_t>(count, fill);
}

namespace {

struct ConvTransposeLowering : OpConversionPattern<onnx::ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX();
    Value w = adaptor.getW();
    Value bias = adaptor.getB();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto wType = dyn_cast<RankedTensorType>(w.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!xType || !wType || !resultType || !wType.hasStaticShape() ||
        xType.isDynamicDim(1) || resultType.isDynamicDim(1) ||
        xType.getRank() != resultType.getRank())
      return rewriter.notifyMatchFailure(
          op, "needs a static W and static channel counts");
    int64_t spatialRank = xType.getRank() - 2;
    int64_t group = static_cast<int64_t>(op.getGroup());
    int64_t channelsPerGroup = xType.getDimSize(1) / group;
    int64_t outputsPerGroup = wType.getDimSize(1);
    if (resultType.getDimSize(1) != outputsPerGroup * group)
      return rewriter.notifyMatchFailure(op, "result channels != W x group");

    SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
    SmallVector<int64_t> strides = getOrFill(op.getStrides(), spatialRank, 1);
    SmallVector<int64_t> dilations =
        getOrFill(op.getDilations(), spatialRank, 1);
    SmallVector<int64_t> outputPadding =
        getOrFill(op.getOutputPadding(), spatialRank, 0);
    SmallVector<int64_t> pads = getOrFill(op.getPads(), 2 * spatialRank, 0);
    StringRef autoPad = op.getAutoPad();
    // With output_shape or SAME padding, the padding is what makes the
    // result size come out: the larger half at the end for SAME_UPPER.
    if (!isNoneValue(bias) && !isa<RankedTensorType>(bias.getType()))
      return rewriter.notifyMatchFailure(op, "unranked B");
    bool derivePads = op.getOutputShape().has_value() ||
                      autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
    std::optional<ArrayRef<int64_t>> outputShape = op.getOutputShape();
    if (outputShape && static_cast<int64_t>(outputShape->size()) < spatialRank)
      return rewriter.notifyMatchFailure(op, "output_shape too short");

    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Type elementType = resultType.getElementType();
    int64_t resultRank = resultType.getRank();
    int64_t loopCount = resultRank + 1 + spatialRank;

    // Per spatial dimension: the input size, the result size and the
    // padding before the input, folded to constants where sizes are static.
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, v);
    };
    auto add = [&](Value a, Value b) {
      return rewriter.createOrFold<arith::AddIOp>(loc, a, b);
    };
    auto sub = [&](Value a, Value b) {
      return rewriter.createOrFold<arith::SubIOp>(loc, a, b);
    };
    auto mul = [&](Value a, Value b) {
      return rewriter.createOrFold<arith::MulIOp>(loc, a, b);
    };
    SmallVector<OpFoldResult> resultSizes = {
        tensor::getMixedSize(rewriter, loc, x, 0),
        rewriter.getIndexAttr(resultType.getDimSize(1))};
    SmallVector<Value> inputSizes, padBegin;
    for (int64_t i = 0; i < spatialRank; ++i) {
      Value in = getValueOrCreateConstantIndexOp(
          rewriter, loc, tensor::getMixedSize(rewriter, loc, x, 2 + i));
      // What the input covers: stride * (in - 1) + output_padding +
      // (kernel - 1) * dilation + 1.
      Value covered =
          add(mul(index(strides[i]), sub(in, index(1))),
              index(outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1));
      Value out;
      if (!resultType.isDynamicDim(2 + i))
        out = index(resultType.getDimSize(2 + i));
      else if (outputShape)
        out = index((*outputShape)[outputShape->size() - spatialRank + i]);
      else if (derivePads)
        out = mul(in, index(strides[i]));
      else if (autoPad == "VALID")
        out = covered;
      else
        out = sub(covered, index(pads[i] + pads[spatialRank + i]));
      Value begin = index(autoPad == "VALID" ? 0 : pads[i]);
      if (derivePads) {
        // Rounded down as ONNX's reference does: a negative total (a
        // result larger than the input covers) adds positions at the end.
        Value total = sub(covered, out);
        Value half =
            rewriter.createOrFold<arith::FloorDivSIOp>(loc, total, index(2));
        begin = autoPad == "SAME_UPPER" ? half : sub(total, half);
      }
      inputSizes.push_back(in);
      padBegin.push_back(begin);
      resultSizes.push_back(getAsOpFoldResult(out));
    }
    SmallVector<int64_t> computedShape;
    for (OpFoldResult size : resultSizes) {
      std::optional<int64_t> constant = getConstantIntValue(size);
      computedShape.push_back(constant ? *constant : ShapedType::kDynamic);
    }
    auto computedType = RankedTensorType::get(computedShape, elementType);

    // The initial value: the bias of each output channel, or zeros.
    Value init;
    if (isNoneValue(bias)) {
      init = createZeroTensor(rewriter, loc, resultSizes, elementType);
    } else {
      init = buildParallelGeneric(
          rewriter, loc, computedType,
          tensor::EmptyOp::create(rewriter, loc, resultSizes, elementType),
          bias, AffineMap::get(resultRank, 0, getAffineDimExpr(1, context)),
          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    }

    // Loops: the result's dims, then the group's channel and the kernel.
    SmallVector<int64_t> reducedShape{channelsPerGroup};
    llvm::append_range(reducedShape, kernel);
    Value extents =
        tensor::EmptyOp::create(rewriter, loc, reducedShape, elementType);
    SmallVector<AffineExpr> extentExprs;
    for (int64_t d = resultRank; d < loopCount; ++d)
      extentExprs.push_back(getAffineDimExpr(d, context));
    SmallVector<AffineMap> maps = {
        AffineMap::get(loopCount, 0, extentExprs, context),
        AffineMap::getMultiDimIdentityMap(resultRank, context)};
    maps[1] = AffineMap::get(loopCount, 0, maps[1].getResults(), context);
    SmallVector<utils::IteratorType> iterators =
        getParallelIterators(resultRank);
    iterators.append(1 + spatialRank, utils::IteratorType::reduction);

    auto generic = linalg::GenericOp::create(
        rewriter, loc, computedType, extents, init, maps, iterators,
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          auto constant = [&](int64_t v) -> Value {
            return arith::ConstantIndexOp::create(b, nloc, v);
          };
          Value zero = constant(0);
          Value n = linalg::IndexOp::create(b, nloc, 0);
          Value m = linalg::IndexOp::create(b, nloc, 1);
          Value c = linalg::IndexOp::create(b, nloc, resultRank);
          Value groupIndex =
              arith::DivUIOp::create(b, nloc, m, constant(outputsPerGroup));
          Value channel = arith::AddIOp::create(
              b, nloc,
              arith::MulIOp::create(b, nloc, groupIndex,
                                    constant(channelsPerGroup)),
              c);
          Value output =
              arith::RemUIOp::create(b, nloc, m, constant(outputsPerGroup));
          Value valid = arith::ConstantIntOp::create(b, nloc, 1, 1);
          SmallVector<Value> xCoords{n, channel}, wCoords{channel, output};
          for (int64_t i = 0; i < spatialRank; ++i) {
            Value o = linalg::IndexOp::create(b, nloc, 2 + i);
            Value k = linalg::IndexOp::create(b, nloc, resultRank + 1 + i);
            wCoords.push_back(k);
            // t = o + pad - k * dilation must be a multiple of the stride
            // whose quotient lies in the input.
            Value t = arith::SubIOp::create(
                b, nloc, arith::AddIOp::create(b, nloc, o, padBegin[i]),
                arith::MulIOp::create(b, nloc, k, constant(dilations[i])));
            Value notNegative = arith::CmpIOp::create(
                b, nloc, arith::CmpIPredicate::sge, t, zero);
            Value clamped = arith::MaxSIOp::create(b, nloc, t, zero);
            Value quotient =
                arith::DivUIOp::create(b, nloc, clamped, constant(strides[i]));
            Value exact = arith::CmpIOp::create(
                b, nloc, arith::CmpIPredicate::eq,
                arith::RemUIOp::create(b, nloc, clamped, constant(strides[i])),
                zero);
            Value inputSize = inputSizes[i];
            Value inside = arith::CmpIOp::create(
                b, nloc, arith::CmpIPredicate::slt, quotient, inputSize);
            valid = arith::AndIOp::create(
                b, nloc, valid,
                arith::AndIOp::create(
                    b, nloc, notNegative,
                    arith::AndIOp::create(b, nloc, exact, inside)));
            xCoords.push_back(arith::MinSIOp::create(
                b, nloc, quotient,
                arith::SubIOp::create(b, nloc, inputSize, constant(1))));
          }
          Value xValue = tensor::ExtractOp::create(b, nloc, x, xCoords);
          Value wValue = tensor::ExtractOp::create(b, nloc, w, wCoords);
          Value product = arith::MulFOp::create(b, nloc, xValue, wValue);
          Value term = arith::SelectOp::create(
              b, nloc, valid, product,
              createScalarConstant(b, nloc, elementType, 0.0));
          linalg::YieldOp::create(
              b, nloc,
              arith::AddFOp::create(b, nloc, args[1], term).getResult());
        });
    rewriter.replaceOp(
        op, castToDeclaredType(rewriter, loc, generic.getResult(0), resultType,
                               getNodePrefix(op) +
                                   "ConvTranspose's result differs from its "
                                   "declared shape"));
    return success();
  }
};

} // namespace

void lowrank::populateONNXConvTransposeToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConvTransposeLowering>(patterns.getContext());
}
