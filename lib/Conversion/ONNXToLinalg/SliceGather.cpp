//===- SliceGather.cpp - onnx to linalg: Concat, Split, Slice, Gather -----===//
//
// The ops that move whole sub-tensors: Concat and Split map onto
// tensor.concat and tensor.extract_slice, Slice onto extract_slice (or a
// linalg.generic reading reversed indices for negative steps), Gather onto a
// linalg.generic that extracts from the data tensor.
//
//===----------------------------------------------------------------------===//

#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

static Value castIfNeeded(OpBuilder &builder, Location loc, Value value,
                          Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(builder, loc, type, value);
}

/// The sizes of every dim of `value`, static ones as attributes.
static SmallVector<OpFoldResult> getSizes(OpBuilder &builder, Location loc,
                                          Value value) {
  return tensor::getMixedSizes(builder, loc, value);
}

namespace {

struct ConcatLowering : OpConversionPattern<onnx::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "result is unranked");
    if (adaptor.getInputs().size() == 1) {
      rewriter.replaceOp(op, castIfNeeded(rewriter, op.getLoc(),
                                          adaptor.getInputs()[0], resultType));
      return success();
    }
    int64_t axis = normalizeAxis(op.getAxis(), resultType.getRank());
    rewriter.replaceOp(op, tensor::ConcatOp::create(rewriter, op.getLoc(),
                                                    resultType, axis,
                                                    adaptor.getInputs()));
    return success();
  }
};

/// Each output is an extract_slice along the axis; the part sizes come from
/// the result types, so equal splits and constant `split` operands lower the
/// same way.
struct SplitLowering : OpConversionPattern<onnx::SplitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!inputType)
      return rewriter.notifyMatchFailure(op, "input is unranked");
    int64_t axis = normalizeAxis(op.getAxis(), inputType.getRank());
    std::optional<SmallVector<int64_t>> splitSizes =
        getConstantIntValues(op.getSplit());
    SmallVector<int64_t> partSizes;
    for (auto [i, output] : llvm::enumerate(op.getOutputs())) {
      auto type = dyn_cast<RankedTensorType>(output.getType());
      if (type && !type.isDynamicDim(axis))
        partSizes.push_back(type.getDimSize(axis));
      else if (splitSizes && i < splitSizes->size())
        partSizes.push_back((*splitSizes)[i]);
      else
        return rewriter.notifyMatchFailure(
            op, "a part size is neither static nor a constant split");
    }

    Location loc = op.getLoc();
    int64_t rank = inputType.getRank();
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, adaptor.getInput());
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    SmallVector<Value> parts;
    int64_t offset = 0;
    for (auto [output, size] : llvm::zip(op.getOutputs(), partSizes)) {
      offsets[axis] = rewriter.getIndexAttr(offset);
      sizes[axis] = rewriter.getIndexAttr(size);
      Value part = tensor::ExtractSliceOp::create(rewriter, loc,
                                                  adaptor.getInput(), offsets,
                                                  sizes, strides);
      parts.push_back(castIfNeeded(rewriter, loc, part, output.getType()));
      offset += size;
    }
    rewriter.replaceOp(op, parts);
    return success();
  }
};

/// One sliced axis: the first element read, the element count and the step.
struct AxisSlice {
  int64_t axis;
  int64_t start;
  int64_t size;
  int64_t step;
};

/// Applies the ONNX clamping rules for one axis of static size `dim`.
static AxisSlice clampAxisSlice(int64_t axis, int64_t dim, int64_t start,
                                int64_t end, int64_t step) {
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  int64_t size;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    size = end > start ? (end - start + step - 1) / step : 0;
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    size = start > end ? (start - end - step - 1) / -step : 0;
  }
  return {axis, start, size, step};
}

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

    std::optional<SmallVector<int64_t>> starts =
        getConstantIntValues(op.getStarts());
    std::optional<SmallVector<int64_t>> ends =
        getConstantIntValues(op.getEnds());
    auto startsType = dyn_cast<RankedTensorType>(op.getStarts().getType());
    if (!startsType || startsType.isDynamicDim(0))
      return rewriter.notifyMatchFailure(op, "starts has no static length");
    int64_t count = startsType.getDimSize(0);

    SmallVector<int64_t> axes;
    if (isNoneValue(op.getAxes())) {
      for (int64_t i = 0; i < count; ++i)
        axes.push_back(i);
    } else if (auto constantAxes = getConstantIntValues(op.getAxes())) {
      for (int64_t axis : *constantAxes)
        axes.push_back(normalizeAxis(axis, rank));
    } else {
      return rewriter.notifyMatchFailure(op, "axes is not constant");
    }
    SmallVector<int64_t> steps(count, 1);
    if (!isNoneValue(op.getSteps())) {
      auto constantSteps = getConstantIntValues(op.getSteps());
      if (!constantSteps)
        return rewriter.notifyMatchFailure(op, "steps is not constant");
      steps = *constantSteps;
    }
    if (static_cast<int64_t>(axes.size()) != count ||
        static_cast<int64_t>(steps.size()) != count ||
        llvm::is_contained(steps, 0))
      return rewriter.notifyMatchFailure(op, "malformed axes or steps");

    Location loc = op.getLoc();
    if (starts && ends) {
      SmallVector<AxisSlice> slices;
      for (int64_t i = 0; i < count; ++i) {
        if (dataType.isDynamicDim(axes[i]))
          return rewriter.notifyMatchFailure(op, "a sliced dim is dynamic");
        slices.push_back(clampAxisSlice(axes[i], dataType.getDimSize(axes[i]),
                                        (*starts)[i], (*ends)[i], steps[i]));
      }
      SmallVector<int64_t> shape(dataType.getShape());
      for (const AxisSlice &slice : slices)
        shape[slice.axis] = slice.size;
      if (failed(verifyCompatibleShape(shape, resultType.getShape())))
        return rewriter.notifyMatchFailure(
            op, "the slice bounds contradict the result type");
      Value sliced = llvm::all_of(steps, [](int64_t s) { return s > 0; })
                         ? sliceWithPositiveSteps(rewriter, loc, data, slices)
                         : sliceWithGeneric(rewriter, loc, data, slices);
      rewriter.replaceOp(op, castIfNeeded(rewriter, loc, sliced, resultType));
      return success();
    }

    // Runtime starts: the static result type gives the sizes.
    if (!resultType.hasStaticShape() ||
        llvm::any_of(steps, [](int64_t s) { return s < 0; }))
      return rewriter.notifyMatchFailure(
          op, "runtime bounds need a static result and positive steps");
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes;
    for (int64_t size : resultType.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    for (int64_t i = 0; i < count; ++i) {
      Value position = arith::ConstantIndexOp::create(rewriter, loc, i);
      Value start = tensor::ExtractOp::create(rewriter, loc,
                                              adaptor.getStarts(), position);
      start = arith::IndexCastOp::create(rewriter, loc,
                                         rewriter.getIndexType(), start);
      Value dim = tensor::DimOp::create(rewriter, loc, data, axes[i]);
      Value isNegative = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::slt, start, zero);
      Value wrapped = arith::AddIOp::create(rewriter, loc, start, dim);
      start = arith::SelectOp::create(rewriter, loc, isNegative, wrapped, start);
      start = arith::MaxSIOp::create(rewriter, loc, start, zero);
      start = arith::MinSIOp::create(rewriter, loc, start, dim);
      offsets[axes[i]] = start;
      strides[axes[i]] = rewriter.getIndexAttr(steps[i]);
    }
    Value sliced = tensor::ExtractSliceOp::create(rewriter, loc, resultType,
                                                  data, offsets, sizes, strides);
    rewriter.replaceOp(op, sliced);
    return success();
  }

private:
  static Value sliceWithPositiveSteps(OpBuilder &builder, Location loc,
                                      Value data,
                                      ArrayRef<AxisSlice> slices) {
    int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
    SmallVector<OpFoldResult> offsets(rank, builder.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(rank, builder.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes = getSizes(builder, loc, data);
    for (const AxisSlice &slice : slices) {
      offsets[slice.axis] = builder.getIndexAttr(slice.start);
      sizes[slice.axis] = builder.getIndexAttr(slice.size);
      strides[slice.axis] = builder.getIndexAttr(slice.step);
    }
    return tensor::ExtractSliceOp::create(builder, loc, data, offsets, sizes,
                                          strides);
  }

  /// Negative steps read index start + step * i, which extract_slice cannot
  /// express; the generic's affine input map can.
  static Value sliceWithGeneric(OpBuilder &builder, Location loc, Value data,
                                ArrayRef<AxisSlice> slices) {
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
                                         dataType.getElementType(),
                                         dynamicSizes);
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
};

/// Result element (i..., j..., k...) is data[i..., wrap(indices[j...]), k...]
/// where wrap adds the axis size to negative indices.
struct GatherLowering : OpConversionPattern<onnx::GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    Value indices = adaptor.getIndices();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!dataType || !indicesType || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked operand or result");
    int64_t dataRank = dataType.getRank();
    int64_t indicesRank = indicesType.getRank();
    int64_t resultRank = dataRank - 1 + indicesRank;
    int64_t axis = normalizeAxis(op.getAxis(), dataRank);

    Location loc = op.getLoc();
    SmallVector<OpFoldResult> dataSizes = getSizes(rewriter, loc, data);
    SmallVector<OpFoldResult> indicesSizes = getSizes(rewriter, loc, indices);
    SmallVector<OpFoldResult> sizes(dataSizes.begin(),
                                    dataSizes.begin() + axis);
    sizes.append(indicesSizes);
    sizes.append(dataSizes.begin() + axis + 1, dataSizes.end());
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                         dataType.getElementType());
    Value axisSize = tensor::DimOp::create(rewriter, loc, data, axis);

    MLIRContext *context = rewriter.getContext();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t j = 0; j < indicesRank; ++j)
      indexExprs.push_back(getAffineDimExpr(axis + j, context));
    SmallVector<AffineMap> maps = {
        AffineMap::get(resultRank, 0, indexExprs, context),
        rewriter.getMultiDimIdentityMap(resultRank)};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, init.getType(), indices, init, maps,
        getParallelIterators(resultRank),
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value index = arith::IndexCastOp::create(b, nestedLoc,
                                                   b.getIndexType(), args[0]);
          Value zero = arith::ConstantIndexOp::create(b, nestedLoc, 0);
          Value isNegative = arith::CmpIOp::create(
              b, nestedLoc, arith::CmpIPredicate::slt, index, zero);
          Value wrapped = arith::AddIOp::create(b, nestedLoc, index, axisSize);
          index = arith::SelectOp::create(b, nestedLoc, isNegative, wrapped,
                                          index);
          SmallVector<Value> coords;
          for (int64_t i = 0; i < axis; ++i)
            coords.push_back(linalg::IndexOp::create(b, nestedLoc, i));
          coords.push_back(index);
          for (int64_t i = axis + 1; i < dataRank; ++i)
            coords.push_back(
                linalg::IndexOp::create(b, nestedLoc, i - 1 + indicesRank));
          Value element = tensor::ExtractOp::create(b, nestedLoc, data, coords);
          linalg::YieldOp::create(b, nestedLoc, element);
        });
    rewriter.replaceOp(
        op, castIfNeeded(rewriter, loc, generic.getResult(0), resultType));
    return success();
  }
};

} // namespace

void lowrank::populateONNXSliceGatherToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConcatLowering, SplitLowering, SliceLowering, GatherLowering>(
      patterns.getContext());
}
