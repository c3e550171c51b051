//===- Slice.cpp - onnx to linalg: Slice ----------------------------------===//
//
// Constant bounds are clamped at compile time and become a tensor.extract_slice
// (positive steps) or a linalg.generic with an affine input map (negative
// steps). Bounds given at run time need a static result type, which fixes the
// sizes; offsets, strides and even the sliced axes are then computed at run
// time, and the generated code checks that the bounds give those sizes (a
// step of 0 and an axis out of range are errors too) before it reads.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Dialect/ONNX/IR/SliceBounds.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {

/// One sliced axis: the first element read, the element count and the step.
struct AxisSlice {
  int64_t axis;
  int64_t start;
  int64_t size;
  int64_t step;
};

} // namespace

/// Applies the ONNX clamping rules for one axis of static size `dim`.
static AxisSlice clampAxisSlice(int64_t axis, int64_t dim, int64_t start,
                                int64_t end, int64_t step) {
  onnx::SliceAxisBounds bounds = onnx::clampSliceAxis(dim, start, end, step);
  return {axis, bounds.start, bounds.size, step};
}

static Value sliceWithPositiveSteps(OpBuilder &builder, Location loc,
                                    Value data, ArrayRef<AxisSlice> slices) {
  int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, builder.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(rank, builder.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(builder, loc, data);
  for (const AxisSlice &slice : slices) {
    // An empty slice reads nothing; its offset is 0 (tensor.extract_slice
    // refuses an offset at the end of the dimension).
    offsets[slice.axis] = builder.getIndexAttr(slice.size ? slice.start : 0);
    sizes[slice.axis] = builder.getIndexAttr(slice.size);
    strides[slice.axis] = builder.getIndexAttr(slice.step);
  }
  return tensor::ExtractSliceOp::create(builder, loc, data, offsets, sizes,
                                        strides);
}

/// Negative steps read index start + step * i, which extract_slice cannot
/// express; the generic's affine input map can.
static Value sliceWithAffineGeneric(OpBuilder &builder, Location loc,
                                    Value data, ArrayRef<AxisSlice> slices) {
  auto dataType = cast<RankedTensorType>(data.getType());
  int64_t rank = dataType.getRank();
  MLIRContext *context = builder.getContext();
  SmallVector<AffineExpr> exprs;
  SmallVector<int64_t> shape(dataType.getShape());
  for (int64_t i = 0; i < rank; ++i)
    exprs.push_back(getAffineDimExpr(i, context));
  for (const AxisSlice &slice : slices) {
    exprs[slice.axis] = exprs[slice.axis] * slice.step + slice.start;
    shape[slice.axis] = slice.size;
  }
  auto resultType = RankedTensorType::get(shape, dataType.getElementType());
  SmallVector<Value> dynamicSizes;
  for (int64_t i = 0; i < rank; ++i)
    if (resultType.isDynamicDim(i))
      dynamicSizes.push_back(tensor::DimOp::create(builder, loc, data, i));
  Value init = tensor::EmptyOp::create(builder, loc, shape,
                                       dataType.getElementType(), dynamicSizes);
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, exprs, context),
                                 builder.getMultiDimIdentityMap(rank)};
  return linalg::GenericOp::create(
             builder, loc, resultType, data, init, maps,
             getParallelIterators(rank),
             [](OpBuilder &b, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(b, nestedLoc, args[0]);
             })
      .getResult(0);
}

/// Reads element `position` of a 1-D index tensor as an index.
static Value readIndex(OpBuilder &builder, Location loc, Value tensor,
                       int64_t position) {
  Value index = arith::ConstantIndexOp::create(builder, loc, position);
  Value element = tensor::ExtractOp::create(builder, loc, tensor, index);
  return arith::IndexCastOp::create(builder, loc, builder.getIndexType(),
                                    element);
}

/// Result element i reads data[offsets + strides * i] through tensor.extract,
/// for strides of either sign known only at run time; the result has
/// `sizes` (static ones as attributes).
static Value sliceWithRuntimeGeneric(OpBuilder &builder, Location loc,
                                     Value data, ArrayRef<Value> offsets,
                                     ArrayRef<Value> strides,
                                     ArrayRef<OpFoldResult> sizes) {
  int64_t rank = sizes.size();
  auto dataType = cast<RankedTensorType>(data.getType());
  Value init =
      tensor::EmptyOp::create(builder, loc, sizes, dataType.getElementType());
  return linalg::GenericOp::create(
             builder, loc, init.getType(), ValueRange{}, init,
             builder.getMultiDimIdentityMap(rank), getParallelIterators(rank),
             [&](OpBuilder &b, Location nestedLoc, ValueRange) {
               SmallVector<Value> coords;
               for (int64_t d = 0; d < rank; ++d) {
                 Value i = linalg::IndexOp::create(b, nestedLoc, d);
                 Value scaled =
                     arith::MulIOp::create(b, nestedLoc, i, strides[d]);
                 coords.push_back(
                     arith::AddIOp::create(b, nestedLoc, offsets[d], scaled));
               }
               Value element =
                   tensor::ExtractOp::create(b, nestedLoc, data, coords);
               linalg::YieldOp::create(b, nestedLoc, element);
             })
      .getResult(0);
}

namespace {

struct SliceLowering : OpConversionPattern<onnx::SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!dataType || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked data or result");
    int64_t rank = dataType.getRank();
    auto startsType = dyn_cast<RankedTensorType>(op.getStarts().getType());
    if (!startsType || startsType.isDynamicDim(0))
      return rewriter.notifyMatchFailure(op, "starts has no static length");
    int64_t count = startsType.getDimSize(0);

    std::optional<SmallVector<int64_t>> axes;
    if (isNoneValue(op.getAxes())) {
      axes.emplace();
      for (int64_t i = 0; i < count; ++i)
        axes->push_back(i);
    } else if ((axes = getConstantIntValues(op.getAxes()))) {
      for (int64_t &axis : *axes)
        axis = normalizeAxis(axis, rank);
    }
    std::optional<SmallVector<int64_t>> steps;
    if (isNoneValue(op.getSteps()))
      steps = SmallVector<int64_t>(count, 1);
    else
      steps = getConstantIntValues(op.getSteps());
    if ((axes && static_cast<int64_t>(axes->size()) != count) ||
        (steps && (static_cast<int64_t>(steps->size()) != count ||
                   llvm::is_contained(*steps, 0))))
      return rewriter.notifyMatchFailure(op, "malformed axes or steps");

    std::optional<SmallVector<int64_t>> starts =
        getConstantIntValues(op.getStarts());
    std::optional<SmallVector<int64_t>> ends =
        getConstantIntValues(op.getEnds());
    Location loc = op.getLoc();
    bool slicedDimIsSymbolic = axes && llvm::any_of(*axes, [&](int64_t axis) {
                                 return dataType.isDynamicDim(axis);
                               });
    if (starts && ends && axes && steps && !slicedDimIsSymbolic) {
      SmallVector<AxisSlice> slices;
      SmallVector<int64_t> shape(dataType.getShape());
      for (int64_t i = 0; i < count; ++i) {
        int64_t axis = (*axes)[i];
        slices.push_back(clampAxisSlice(axis, dataType.getDimSize(axis),
                                        (*starts)[i], (*ends)[i], (*steps)[i]));
        shape[axis] = slices.back().size;
      }
      if (failed(verifyCompatibleShape(shape, resultType.getShape())))
        return rewriter.notifyMatchFailure(
            op, "the slice bounds contradict the result type");
      Value sliced = data;
      if (llvm::any_of(slices, [](const AxisSlice &s) { return !s.size; })) {
        // Nothing is read (the verifier would check the affine reads of an
        // empty loop as if it ran once, past the input).
        SmallVector<Value> dynamicSizes;
        for (int64_t i = 0; i < dataType.getRank(); ++i)
          if (ShapedType::isDynamic(shape[i]))
            dynamicSizes.push_back(
                tensor::DimOp::create(rewriter, loc, data, i));
        sliced = tensor::EmptyOp::create(
            rewriter, loc, shape, dataType.getElementType(), dynamicSizes);
      } else {
        // The axes of positive steps are cut first: in the generic an axis
        // read at d * 1 + 0 would be a plain loop dimension, whose extent
        // linalg takes from both the input and the output sizes.
        SmallVector<AxisSlice> forward, backward;
        for (const AxisSlice &slice : slices)
          (slice.step > 0 ? forward : backward).push_back(slice);
        if (!forward.empty())
          sliced = sliceWithPositiveSteps(rewriter, loc, sliced, forward);
        if (!backward.empty())
          sliced = sliceWithAffineGeneric(rewriter, loc, sliced, backward);
      }
      rewriter.replaceOp(op, castToType(rewriter, loc, sliced, resultType));
      return success();
    }

    bool stepsArePositive =
        steps && llvm::all_of(*steps, [](int64_t s) { return s > 0; });
    // The result sizes are computed from the bounds at run time: an
    // extract_slice for constant axes and positive constant steps, else a
    // generic that reads through the computed offsets and strides. Static
    // result sizes are checked against the bounds' sizes first.
    bool extractSlice = axes && stepsArePositive;
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    SmallVector<Value> offsets(rank, zero);
    SmallVector<Value> strides(rank, one);
    SmallVector<OpFoldResult> runtimeSizes =
        tensor::getMixedSizes(rewriter, loc, data);
    std::string prefix = getNodePrefix(op) + "Slice: ";
    Value minusOne = arith::ConstantIndexOp::create(rewriter, loc, -1);
    for (int64_t k = 0; k < count; ++k) {
      Value start = readIndex(rewriter, loc, adaptor.getStarts(), k);
      Value step =
          steps ? arith::ConstantIndexOp::create(rewriter, loc, (*steps)[k])
                : readIndex(rewriter, loc, adaptor.getSteps(), k);
      if (!steps)
        cf::AssertOp::create(rewriter, loc,
                             arith::CmpIOp::create(rewriter, loc,
                                                   arith::CmpIPredicate::ne,
                                                   step, zero),
                             prefix + "a step is 0");
      Value axis;
      if (!axes) {
        axis = readIndex(rewriter, loc, adaptor.getAxes(), k);
        Value rankValue = arith::ConstantIndexOp::create(rewriter, loc, rank);
        Value isNegative = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::slt, axis, zero);
        Value wrapped = arith::AddIOp::create(rewriter, loc, axis, rankValue);
        axis =
            arith::SelectOp::create(rewriter, loc, isNegative, wrapped, axis);
        Value inRange = arith::AndIOp::create(
            rewriter, loc,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                                  axis, zero),
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt,
                                  axis, rankValue));
        cf::AssertOp::create(rewriter, loc, inRange,
                             prefix + "axis out of range");
      }
      for (int64_t d = 0; d < rank; ++d) {
        if (axes && (*axes)[k] != d)
          continue;
        // ONNX clamps the start into [0, dim] for positive steps and into
        // [0, dim - 1] for negative ones, the end (wrapped once) into
        // [0, dim] and [-1, dim - 1]; the element count is the span over
        // the step's magnitude, rounded up, at least 0.
        Value dim = tensor::DimOp::create(rewriter, loc, data, d);
        Value isNegative = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::slt, start, zero);
        Value wrapped = arith::AddIOp::create(rewriter, loc, start, dim);
        Value offset =
            arith::SelectOp::create(rewriter, loc, isNegative, wrapped, start);
        Value isForward = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::sgt, step, zero);
        Value dimMinusOne = arith::SubIOp::create(rewriter, loc, dim, one);
        Value upper =
            arith::SelectOp::create(rewriter, loc, isForward, dim, dimMinusOne);
        offset = arith::MaxSIOp::create(rewriter, loc, offset, zero);
        offset = arith::MinSIOp::create(rewriter, loc, offset, upper);
        Value end = readIndex(rewriter, loc, adaptor.getEnds(), k);
        Value endIsNegative = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::slt, end, zero);
        end = arith::SelectOp::create(
            rewriter, loc, endIsNegative,
            arith::AddIOp::create(rewriter, loc, end, dim), end);
        Value lower =
            arith::SelectOp::create(rewriter, loc, isForward, zero, minusOne);
        end = arith::MaxSIOp::create(rewriter, loc, end, lower);
        end = arith::MinSIOp::create(rewriter, loc, end, upper);
        Value span = arith::SelectOp::create(
            rewriter, loc, isForward,
            arith::SubIOp::create(rewriter, loc, end, offset),
            arith::SubIOp::create(rewriter, loc, offset, end));
        span = arith::MaxSIOp::create(rewriter, loc, span, zero);
        Value magnitude = arith::SelectOp::create(
            rewriter, loc, isForward, step,
            arith::SubIOp::create(rewriter, loc, zero, step));
        Value size = arith::CeilDivSIOp::create(rewriter, loc, span, magnitude);
        if (axes) {
          offsets[d] = offset;
          strides[d] = step;
          runtimeSizes[d] = size;
          continue;
        }
        Value isThisAxis = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::eq, axis,
            arith::ConstantIndexOp::create(rewriter, loc, d));
        offsets[d] = arith::SelectOp::create(rewriter, loc, isThisAxis, offset,
                                             offsets[d]);
        strides[d] = arith::SelectOp::create(rewriter, loc, isThisAxis, step,
                                             strides[d]);
        runtimeSizes[d] =
            arith::SelectOp::create(
                rewriter, loc, isThisAxis, size,
                getValueOrCreateConstantIndexOp(rewriter, loc, runtimeSizes[d]))
                .getResult();
      }
    }

    // Static result sizes are checked against the bounds, so that the
    // reads of either form stay inside the data.
    for (auto [d, size] : llvm::enumerate(resultType.getShape())) {
      if (ShapedType::isDynamic(size))
        continue;
      Value actual =
          getValueOrCreateConstantIndexOp(rewriter, loc, runtimeSizes[d]);
      Value equal = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq, actual,
          arith::ConstantIndexOp::create(rewriter, loc, size));
      cf::AssertOp::create(rewriter, loc, equal,
                           getNodePrefix(op) + "Slice bounds give dim " +
                               std::to_string(d) + " another size than " +
                               std::to_string(size));
      runtimeSizes[d] = rewriter.getIndexAttr(size);
    }
    Value sliced;
    if (extractSlice)
      sliced = tensor::ExtractSliceOp::create(
          rewriter, loc, data, getAsOpFoldResult(offsets), runtimeSizes,
          getAsOpFoldResult(strides));
    else
      sliced = sliceWithRuntimeGeneric(rewriter, loc, data, offsets, strides,
                                       runtimeSizes);
    rewriter.replaceOp(op, castToType(rewriter, loc, sliced, resultType));
    return success();
  }
};

} // namespace

void lowrank::populateONNXSliceToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<SliceLowering>(patterns.getContext());
}
