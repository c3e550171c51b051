//===- ConvTranspose.cpp - onnx ConvTranspose to linalg -------------------===//
//
// Each result element gathers the input elements that a convolution would
// have spread onto it: y[n, m, o...] sums x[n, c, (o + pad - k * dilation) /
// stride] * w[c, m, k] over the channels c of m's group and the kernel
// positions k whose division is exact and in range. One linalg.generic with
// the channel and kernel loops as reductions, whose extents come from an
// empty tensor read alongside; the body reads x and w with tensor.extract.
//
//===----------------------------------------------------------------------===//

#include "LinearPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/Support/MathExtras.h"

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
    if (!xType || !wType || !resultType || !xType.hasStaticShape() ||
        !wType.hasStaticShape() || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
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
    SmallVector<int64_t> padBegin(pads.begin(), pads.begin() + spatialRank);
    bool derivePads = op.getOutputShape().has_value() ||
                      autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
    for (int64_t i = 0; i < spatialRank; ++i) {
      if (autoPad == "VALID")
        padBegin[i] = 0;
      if (!derivePads)
        continue;
      int64_t total = strides[i] * (xType.getDimSize(2 + i) - 1) +
                      outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 -
                      resultType.getDimSize(2 + i);
      // Rounded down as ONNX's reference does: a negative total (a result
      // larger than the input covers) adds positions at the end.
      int64_t half = llvm::divideFloorSigned(total, 2);
      padBegin[i] = autoPad == "SAME_UPPER" ? half : total - half;
    }

    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Type elementType = resultType.getElementType();
    int64_t resultRank = resultType.getRank();
    int64_t loopCount = resultRank + 1 + spatialRank;

    // The initial value: the bias of each output channel, or zeros.
    Value init;
    if (isNoneValue(bias)) {
      init = createZeroTensor(rewriter, loc, resultType);
    } else {
      if (!isa<RankedTensorType>(bias.getType()))
        return rewriter.notifyMatchFailure(op, "unranked B");
      init = buildParallelGeneric(
          rewriter, loc, resultType, Value(), bias,
          AffineMap::get(resultRank, 0, getAffineDimExpr(1, context)),
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
        rewriter, loc, resultType, extents, init, maps, iterators,
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
                b, nloc,
                arith::AddIOp::create(b, nloc, o, constant(padBegin[i])),
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
            int64_t inputSize = xType.getDimSize(2 + i);
            Value inside =
                arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::slt,
                                      quotient, constant(inputSize));
            valid = arith::AndIOp::create(
                b, nloc, valid,
                arith::AndIOp::create(
                    b, nloc, notNegative,
                    arith::AndIOp::create(b, nloc, exact, inside)));
            xCoords.push_back(arith::MinSIOp::create(b, nloc, quotient,
                                                     constant(inputSize - 1)));
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
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void lowrank::populateONNXConvTransposeToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConvTransposeLowering>(patterns.getContext());
}
