//===- SliceGather.cpp - onnx to linalg: Concat, Split and Gather ---------===//
//
// Concat and Split map onto tensor.concat (a tree of them for many inputs)
// and tensor.extract_slice, Gather onto a linalg.generic that extracts from
// the data tensor. Slice is in Slice.cpp.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
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
    int64_t axis = normalizeAxis(op.getAxis(), resultType.getRank());
    // Inputs empty along the axis add nothing; tensor.concat would insert
    // them at the end of the axis, an offset its verifier rejects.
    SmallVector<Value> inputs;
    for (Value input : adaptor.getInputs()) {
      auto type = dyn_cast<RankedTensorType>(input.getType());
      if (!type)
        return rewriter.notifyMatchFailure(op, "an input is unranked");
      if (type.getDimSize(axis) != 0)
        inputs.push_back(input);
    }
    if (inputs.empty())
      inputs.push_back(adaptor.getInputs().front());
    if (inputs.size() == 1) {
      rewriter.replaceOp(
          op, castToType(rewriter, op.getLoc(), inputs.front(), resultType));
      return success();
    }
    rewriter.replaceOp(op, buildConcatTree(rewriter, op.getLoc(), resultType,
                                           axis, inputs));
    return success();
  }

  /// One tensor.concat of at most kMaxConcatOperands inputs, or concats of
  /// groups of that many and a concat of those (recursively). Each concat
  /// becomes one copy loop per input, and the groups are separate
  /// operations that later passes can put into different functions
  /// (lowrank-split-functions); a chain of insert_slices instead made
  /// bufferization cubic in the number of inputs.
  static Value buildConcatTree(OpBuilder &builder, Location loc,
                               RankedTensorType resultType, int64_t axis,
                               ValueRange inputs) {
    if (inputs.size() <= kMaxConcatOperands)
      return tensor::ConcatOp::create(builder, loc, resultType, axis, inputs);
    SmallVector<Value> groups;
    for (size_t start = 0; start < inputs.size();
         start += kMaxConcatOperands) {
      ValueRange group = inputs.slice(
          start, std::min(kMaxConcatOperands, inputs.size() - start));
      groups.push_back(tensor::ConcatOp::create(
          builder, loc, getConcatType(resultType, axis, group), axis, group));
    }
    return buildConcatTree(builder, loc, resultType, axis, groups);
  }

  /// The type of the concat of `inputs` along `axis`, otherwise shaped as
  /// `resultType`.
  static RankedTensorType getConcatType(RankedTensorType resultType,
                                        int64_t axis, ValueRange inputs) {
    SmallVector<int64_t> shape(resultType.getShape());
    shape[axis] = 0;
    for (Value input : inputs) {
      int64_t size = cast<RankedTensorType>(input.getType()).getDimSize(axis);
      shape[axis] = ShapedType::isDynamic(size) ||
                            ShapedType::isDynamic(shape[axis])
                        ? ShapedType::kDynamic
                        : shape[axis] + size;
    }
    return resultType.clone(shape);
  }

  static constexpr size_t kMaxConcatOperands = 64;
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
    if (isNoneValue(op.getSplit()) && !inputType.isDynamicDim(axis))
      splitSizes = onnx::SplitOp::getUnsplitPartSizes(
          inputType.getDimSize(axis), op.getOutputs().size());
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
    SmallVector<OpFoldResult> sizes =
        getSizes(rewriter, loc, adaptor.getInput());
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    SmallVector<Value> parts;
    int64_t offset = 0;
    for (auto [output, size] : llvm::zip(op.getOutputs(), partSizes)) {
      offsets[axis] = rewriter.getIndexAttr(offset);
      sizes[axis] = rewriter.getIndexAttr(size);
      // An empty part may start at the end of the axis, which extract_slice
      // rejects as out of bounds.
      Value part = size == 0
                       ? tensor::EmptyOp::create(rewriter, loc, sizes,
                                                 inputType.getElementType())
                             .getResult()
                       : tensor::ExtractSliceOp::create(rewriter, loc,
                                                        adaptor.getInput(),
                                                        offsets, sizes, strides)
                             .getResult();
      parts.push_back(castToType(rewriter, loc, part, output.getType()));
      offset += size;
    }
    rewriter.replaceOp(op, parts);
    return success();
  }
};

/// A dimension size for messages; "?" when it is only known at run time.
static std::string describeSize(int64_t size) {
  return ShapedType::isDynamic(size) ? "?" : std::to_string(size);
}

/// Result element (i..., j..., k...) is data[i..., wrap(indices[j...]), k...]
/// where wrap adds the axis size to negative indices. The indices are checked
/// first (an index outside the axis fails the run, as in ONNX Runtime); the
/// loads also clamp them, so that code whose checks were dropped (the GPU
/// pipeline) stays within the buffer.
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
    assertIndicesInRange(rewriter, loc, indices, axisSize,
                         getNodePrefix(op) +
                             "Gather index out of range for axis " +
                             std::to_string(axis) + " of size " +
                             describeSize(dataType.getDimSize(axis)));

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
          index =
              arith::SelectOp::create(b, nestedLoc, isNegative, wrapped, index);
          Value last = arith::SubIOp::create(
              b, nestedLoc, axisSize,
              arith::ConstantIndexOp::create(b, nestedLoc, 1));
          index = arith::MinSIOp::create(
              b, nestedLoc, arith::MaxSIOp::create(b, nestedLoc, index, zero),
              last);
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
        op, castToType(rewriter, loc, generic.getResult(0), resultType));
    return success();
  }
};

} // namespace

void lowrank::populateONNXSliceGatherToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConcatLowering, SplitLowering, GatherLowering>(
      patterns.getContext());
}
