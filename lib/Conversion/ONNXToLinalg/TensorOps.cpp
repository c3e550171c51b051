//===- TensorOps.cpp - onnx to linalg: constants, layout and broadcast ----===//
//
// Constant, Identity, Dropout, Transpose, Shape, ConstantOfShape, Expand and
// Tile. The reshape-like ops live in ReshapeOps.cpp, Concat, Split and Gather
// in SliceGather.cpp, Slice in Slice.cpp.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
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
    auto shapeType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!resultType || (!resultType.hasStaticShape() &&
                        (!shapeType || shapeType.getRank() != 1 ||
                         shapeType.getDimSize(0) != resultType.getRank())))
      return rewriter.notifyMatchFailure(
          op, "needs a ranked result and a shape of its rank");
    TypedAttr fillValue = rewriter.getF32FloatAttr(0.0f);
    if (std::optional<ElementsAttr> value = op.getValueAttr()) {
      auto values = value->tryGetValues<Attribute>();
      if (!values || value->getNumElements() != 1)
        return rewriter.notifyMatchFailure(op, "value is not one element");
      fillValue = dyn_cast<TypedAttr>(*values->begin());
      if (!fillValue)
        return rewriter.notifyMatchFailure(op, "value is not typed");
    }
    // Sizes known only at run time come from the shape operand; the sizes
    // the type fixes are checked against it.
    Location loc = op.getLoc();
    SmallVector<Value> dynamicSizes;
    if (!resultType.hasStaticShape()) {
      std::string prefix = getNodePrefix(op);
      for (int64_t i = 0; i < resultType.getRank(); ++i) {
        Value size = arith::IndexCastOp::create(
            rewriter, loc, rewriter.getIndexType(),
            tensor::ExtractOp::create(
                rewriter, loc, adaptor.getInput(),
                ValueRange{arith::ConstantIndexOp::create(rewriter, loc, i)}));
        if (resultType.isDynamicDim(i)) {
          cf::AssertOp::create(
              rewriter, loc,
              arith::CmpIOp::create(
                  rewriter, loc, arith::CmpIPredicate::sge, size,
                  arith::ConstantIndexOp::create(rewriter, loc, 0)),
              prefix + "ConstantOfShape size is negative");
          dynamicSizes.push_back(size);
          continue;
        }
        cf::AssertOp::create(
            rewriter, loc,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, size,
                                  arith::ConstantIndexOp::create(
                                      rewriter, loc, resultType.getDimSize(i))),
            prefix + "ConstantOfShape size differs from the result's");
      }
    }
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                resultType.getElementType(), dynamicSizes);
    Value fill = arith::ConstantOp::create(rewriter, loc, fillValue);
    rewriter.replaceOp(
        op, linalg::FillOp::create(rewriter, loc, fill, empty).getResult(0));
    return success();
  }
};

/// The result sizes of Expand of `input` to the run-time `shape` (of static
/// length): where the shape says 1 the input's size stays, elsewhere the
/// shape's size. A symbolic input size must equal the result's (it is not
/// broadcast), which is checked at run time with the other sizes.
static SmallVector<OpFoldResult>
getExpandSizes(OpBuilder &builder, Location loc, Operation *op, Value input,
               Value shape, RankedTensorType resultType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = resultType.getRank();
  int64_t offset = rank - inputType.getRank();
  std::optional<SmallVector<int64_t>> constant = getConstantIntValues(shape);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value valid = arith::ConstantIntOp::create(builder, loc, 1, 1);
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(builder.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    Value requested;
    if (constant) {
      requested = arith::ConstantIndexOp::create(builder, loc, (*constant)[i]);
    } else {
      Value index = arith::ConstantIndexOp::create(builder, loc, i);
      requested = arith::IndexCastOp::create(
          builder, loc, builder.getIndexType(),
          tensor::ExtractOp::create(builder, loc, shape, index));
    }
    int64_t dim = i - offset;
    if (dim < 0 || inputType.getDimSize(dim) == 1) {
      sizes.push_back(requested);
      continue;
    }
    Value inputSize = tensor::DimOp::create(builder, loc, input, dim);
    Value keeps = arith::CmpIOp::create(
        builder, loc, arith::CmpIPredicate::eq, requested, one);
    Value size =
        arith::SelectOp::create(builder, loc, keeps, inputSize, requested);
    valid = arith::AndIOp::create(
        builder, loc, valid,
        arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq,
                              inputSize, size));
    sizes.push_back(size);
  }
  cf::AssertOp::create(builder, loc, valid,
                       getNodePrefix(op) +
                           "Expand to a shape that does not broadcast the "
                           "input (a symbolic size of 1 that broadcasts is "
                           "not supported)");
  return sizes;
}

/// Expand is a broadcast of the input to the result type, which already
/// encodes the shape operand when it is static, so the operand need not be
/// constant; symbolic result sizes are computed from it at run time.
struct ExpandLowering : OpConversionPattern<onnx::ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    auto shapeType = dyn_cast<RankedTensorType>(adaptor.getShape().getType());
    if (!inputType || !resultType || !shapeType)
      return rewriter.notifyMatchFailure(op, "needs ranked tensors");
    if (inputType.getRank() > resultType.getRank())
      return rewriter.notifyMatchFailure(op, "result rank below input rank");
    // A static input size other than 1 cannot become a symbolic result size
    // by broadcasting: the type would say so.
    int64_t offset = resultType.getRank() - inputType.getRank();
    for (int64_t i = 0; i < inputType.getRank(); ++i)
      if (inputType.getDimSize(i) != 1 &&
          inputType.getDimSize(i) != resultType.getDimSize(i + offset) &&
          !(inputType.isDynamicDim(i) && resultType.isDynamicDim(i + offset)))
        return rewriter.notifyMatchFailure(op, "sizes do not broadcast");
    Location loc = op.getLoc();
    AffineMap inputMap = getBroadcastIndexingMap(
        inputType, resultType.getRank(), rewriter.getContext());
    Value sizeSource;
    if (!resultType.hasStaticShape()) {
      if (shapeType.getRank() != 1 ||
          shapeType.getDimSize(0) != resultType.getRank())
        return rewriter.notifyMatchFailure(op, "shape of unknown length");
      SmallVector<OpFoldResult> sizes =
          getExpandSizes(rewriter, loc, op, adaptor.getInput(),
                         adaptor.getShape(), resultType);
      sizeSource = castToType(
          rewriter, loc,
          tensor::EmptyOp::create(rewriter, loc, sizes,
                                  resultType.getElementType()),
          resultType);
    }
    rewriter.replaceOp(
        op, buildParallelGeneric(
                rewriter, loc, resultType, sizeSource, adaptor.getInput(),
                inputMap,
                [](OpBuilder &, Location, ValueRange args) { return args[0]; }));
    return success();
  }
};

/// Tile reads input element (i0 mod n0, i1 mod n1, ...) for every result
/// element: an affine modulo for static sizes, a remainder computed in the
/// body otherwise.
struct TileLowering : OpConversionPattern<onnx::TileOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!inputType || !resultType ||
        inputType.getRank() != resultType.getRank())
      return rewriter.notifyMatchFailure(
          op, "input and result must be ranked and of equal rank");
    if (!inputType.hasStaticShape() || !resultType.hasStaticShape())
      return lowerDynamic(op, adaptor, rewriter, inputType, resultType);
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

  /// Sizes known at run time (repeats read from a tensor, inside a Loop
  /// body): each result size is the input's times its repeat, checked not
  /// to be negative, and each element reads the input at its index modulo
  /// the input's size.
  LogicalResult lowerDynamic(onnx::TileOp op, OpAdaptor adaptor,
                             ConversionPatternRewriter &rewriter,
                             RankedTensorType inputType,
                             RankedTensorType resultType) const {
    auto repeatsType =
        dyn_cast<RankedTensorType>(adaptor.getRepeats().getType());
    int64_t rank = inputType.getRank();
    if (!repeatsType || repeatsType.getRank() != 1 ||
        repeatsType.getDimSize(0) != rank)
      return rewriter.notifyMatchFailure(op, "repeats of unknown length");
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    SmallVector<Value> inputSizes, resultSizes;
    SmallVector<OpFoldResult> mixedSizes;
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    for (int64_t d = 0; d < rank; ++d) {
      Value position = arith::ConstantIndexOp::create(rewriter, loc, d);
      Value repeat = arith::IndexCastOp::create(
          rewriter, loc, rewriter.getIndexType(),
          tensor::ExtractOp::create(rewriter, loc, adaptor.getRepeats(),
                                    ValueRange{position}));
      Value nonNegative = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::sge, repeat, zero);
      cf::AssertOp::create(rewriter, loc, nonNegative,
                           getNodePrefix(op) +
                               "Tile repeats must not be negative");
      inputSizes.push_back(tensor::DimOp::create(rewriter, loc, input, d));
      resultSizes.push_back(
          arith::MulIOp::create(rewriter, loc, inputSizes.back(), repeat));
    }
    SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
    auto dynamicType = RankedTensorType::get(shape, inputType.getElementType());
    Value init = tensor::EmptyOp::create(
        rewriter, loc, shape, inputType.getElementType(), resultSizes);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    Value tiled =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{dynamicType}, ValueRange{},
            ValueRange{init}, maps, getParallelIterators(rank),
            [&](OpBuilder &b, Location nested, ValueRange) {
              SmallVector<Value> indices;
              for (int64_t d = 0; d < rank; ++d)
                indices.push_back(arith::RemUIOp::create(
                    b, nested, linalg::IndexOp::create(b, nested, d),
                    inputSizes[d]));
              linalg::YieldOp::create(b, nested,
                                      ValueRange{tensor::ExtractOp::create(
                                          b, nested, input, indices)});
            })
            .getResult(0);
    rewriter.replaceOp(
        op, tensor::CastOp::create(rewriter, loc, resultType, tiled));
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
  populateONNXNonZeroToLinalgPatterns(patterns);
  populateONNXSpectralToLinalgPatterns(patterns);
  populateONNXResizeToLinalgPatterns(patterns);
  populateONNXReverseSequenceToLinalgPatterns(patterns);
  populateONNXGridSampleToLinalgPatterns(patterns);
}
