//===- TensorOps.cpp - onnx to linalg: constants, layout and broadcast ----===//
//
// Constant, Identity, Dropout, Transpose, Shape, ConstantOfShape, Expand and
// Tile. The reshape-like ops live in ReshapeOps.cpp, Concat, Split and Gather
// in SliceGather.cpp, Slice in Slice.cpp.
//
//===----------------------------------------------------------------------===//

#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// An identity-indexed linalg.generic over `resultType` that reads `input`
/// through `inputMap` and yields the element unchanged.
static Value createCopyGeneric(OpBuilder &builder, Location loc, Value input,
                               AffineMap inputMap,
                               RankedTensorType resultType) {
  return buildParallelGeneric(
      builder, loc, resultType, /*sizeSource=*/{}, input, inputMap,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

namespace {

struct ConstantLowering : OpConversionPattern<onnx::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Keeping the attribute as is keeps dense_resource blobs shared rather
    // than copied.
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "value is not a typed attribute");
    rewriter.replaceOp(op, arith::ConstantOp::create(rewriter, op.getLoc(),
                                                     value));
    return success();
  }
};

struct IdentityLowering : OpConversionPattern<onnx::IdentityOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::IdentityOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, castToType(rewriter, op.getLoc(), adaptor.getX(),
                                      op.getType()));
    return success();
  }
};

/// Inference-mode Dropout passes data through and keeps every element.
struct DropoutLowering : OpConversionPattern<onnx::DropoutOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isNoneValue(op.getTrainingMode())) {
      std::optional<SmallVector<int64_t>> training =
          getConstantIntValues(op.getTrainingMode());
      if (!training || training->size() != 1 || (*training)[0] != 0)
        return rewriter.notifyMatchFailure(
            op, "training mode is not known to be off");
    }
    Location loc = op.getLoc();
    Value output =
        castToType(rewriter, loc, adaptor.getData(), op.getOutput().getType());
    Value mask;
    if (isNoneValue(op.getMask())) {
      mask = onnx::NoValueOp::create(rewriter, loc, rewriter.getNoneType());
    } else {
      auto maskType = dyn_cast<RankedTensorType>(op.getMask().getType());
      if (!maskType)
        return rewriter.notifyMatchFailure(op, "mask is unranked");
      Value empty =
          createEmptyTensor(rewriter, loc, maskType, adaptor.getData());
      Value keep =
          arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(true));
      mask = linalg::FillOp::create(rewriter, loc, keep, empty).getResult(0);
    }
    rewriter.replaceOp(op, {output, mask});
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<onnx::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!inputType || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked operand or result");
    int64_t rank = inputType.getRank();
    SmallVector<int64_t> perm;
    if (std::optional<ArrayRef<int64_t>> attr = op.getPerm())
      perm.assign(attr->begin(), attr->end());
    else
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);

    // The init tensor takes its dynamic sizes from the permuted input dims.
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes;
    for (int64_t source : perm)
      sizes.push_back(
          tensor::getMixedSize(rewriter, loc, adaptor.getData(), source));
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                         inputType.getElementType());
    Value transposed =
        linalg::TransposeOp::create(rewriter, loc, adaptor.getData(), init,
                                    perm)
            ->getResult(0);
    rewriter.replaceOp(op, castToType(rewriter, loc, transposed, resultType));
    return success();
  }
};

struct ShapeLowering : OpConversionPattern<onnx::ShapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> dims = op.getStaticSelectedDims();
    if (!dims)
      return rewriter.notifyMatchFailure(op, "unranked or dynamic selected dim");
    auto type = RankedTensorType::get({static_cast<int64_t>(dims->size())},
                                      rewriter.getI64Type());
    Value shape = arith::ConstantOp::create(
        rewriter, op.getLoc(), DenseElementsAttr::get(type, ArrayRef(*dims)));
    rewriter.replaceOp(op,
                       castToType(rewriter, op.getLoc(), shape, op.getType()));
    return success();
  }
};

struct ConstantOfShapeLowering : OpConversionPattern<onnx::ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConstantOfShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(
          op, "the result shape is not static; run lowrank-onnx-fold-shapes");
    TypedAttr fillValue = rewriter.getF32FloatAttr(0.0f);
    if (std::optional<ElementsAttr> value = op.getValueAttr()) {
      auto values = value->tryGetValues<Attribute>();
      if (!values || value->getNumElements() != 1)
        return rewriter.notifyMatchFailure(op, "value is not one element");
      fillValue = dyn_cast<TypedAttr>(*values->begin());
      if (!fillValue)
        return rewriter.notifyMatchFailure(op, "value is not typed");
    }
    rewriter.replaceOp(op, createFilledTensor(rewriter, op.getLoc(),
                                              resultType, fillValue));
    return success();
  }
};

/// Expand is a broadcast of the input to the (static) result type, which
/// already encodes the shape operand, so the operand need not be constant.
struct ExpandLowering : OpConversionPattern<onnx::ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!inputType || !inputType.hasStaticShape() || !resultType ||
        !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(
          op, "input and result shapes must be static");
    if (inputType.getRank() > resultType.getRank())
      return rewriter.notifyMatchFailure(op, "result rank below input rank");
    AffineMap inputMap = getBroadcastIndexingMap(
        inputType, resultType.getRank(), rewriter.getContext());
    rewriter.replaceOp(op, createCopyGeneric(rewriter, op.getLoc(),
                                             adaptor.getInput(), inputMap,
                                             resultType));
    return success();
  }
};

/// Tile reads input element (i0 mod n0, i1 mod n1, ...) for every result
/// element, which needs static input sizes for the affine modulo.
struct TileLowering : OpConversionPattern<onnx::TileOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!inputType || !inputType.hasStaticShape() || !resultType ||
        !resultType.hasStaticShape() ||
        inputType.getRank() != resultType.getRank())
      return rewriter.notifyMatchFailure(
          op, "input and result shapes must be static and of equal rank");
    MLIRContext *context = rewriter.getContext();
    SmallVector<AffineExpr> exprs;
    for (auto [i, size] : llvm::enumerate(inputType.getShape())) {
      AffineExpr dim = getAffineDimExpr(i, context);
      if (size == 0 || size == resultType.getDimSize(i))
        exprs.push_back(dim);
      else if (size == 1)
        exprs.push_back(getAffineConstantExpr(0, context));
      else
        exprs.push_back(dim % size);
    }
    AffineMap inputMap =
        AffineMap::get(resultType.getRank(), 0, exprs, context);
    rewriter.replaceOp(op, createCopyGeneric(rewriter, op.getLoc(),
                                             adaptor.getInput(), inputMap,
                                             resultType));
    return success();
  }
};

} // namespace

void lowrank::populateONNXTensorToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, IdentityLowering, DropoutLowering,
               TransposeLowering, ShapeLowering, ConstantOfShapeLowering,
               ExpandLowering, TileLowering>(patterns.getContext());
  populateONNXReshapeLikeToLinalgPatterns(patterns);
  populateONNXSliceGatherToLinalgPatterns(patterns);
  populateONNXSliceToLinalgPatterns(patterns);
  populateONNXIndexingToLinalgPatterns(patterns);
  populateONNXCumulativeToLinalgPatterns(patterns);
  populateONNXScatterToLinalgPatterns(patterns);
  populateONNXSelectionToLinalgPatterns(patterns);
  populateONNXResizeToLinalgPatterns(patterns);
}
