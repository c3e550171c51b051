//===- Indexing.cpp - onnx to linalg: computed-position reads -------------===//
//
// GatherElements, GatherND, Trilu, Range, Size and Shape. Each is one
// linalg.generic over its result whose body computes where to read (with
// tensor.extract) or what to keep. Indices read from tensors are checked
// before the op (RuntimeChecks.h) and clamped in the loads, so that code
// whose checks were dropped (the GPU pipeline) stays within its buffers.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// `index` (of index type) wrapped when negative by `size` and clamped into
/// [0, size - 1].
static Value wrapAndClampIndex(OpBuilder &b, Location loc, Value index,
                               Value size) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value isNegative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  Value wrapped = arith::SelectOp::create(
      b, loc, isNegative, arith::AddIOp::create(b, loc, index, size), index);
  Value last = arith::SubIOp::create(b, loc, size, one);
  return arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, wrapped, zero), last);
}

static Value toIndex(OpBuilder &b, Location loc, Value integer) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), integer);
}

/// The single element of a scalar or one-element tensor.
static Value extractScalar(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> zeros(type.getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, tensor, zeros);
}

static std::string describeSize(int64_t size) {
  return ShapedType::isDynamic(size) ? "?" : std::to_string(size);
}

namespace {

/// output[i...] = data[i... with indices[i...] at axis].
struct GatherElementsLowering : OpConversionPattern<onnx::GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    Value indices = adaptor.getIndices();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!dataType || !indicesType || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked operand or result");
    int64_t rank = dataType.getRank();
    int64_t axis = normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
    Location loc = op.getLoc();
    Value axisSize = tensor::DimOp::create(rewriter, loc, data, axis);
    assertIndicesInRange(rewriter, loc, indices, axisSize,
                         getNodePrefix(op) +
                             "GatherElements index out of range for axis " +
                             std::to_string(axis) + " of size " +
                             describeSize(dataType.getDimSize(axis)));
    auto initType = RankedTensorType::get(indicesType.getShape(),
                                          dataType.getElementType());
    Value result = buildElementwise(
        rewriter, loc, initType, indices,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(
                d == axis ? wrapAndClampIndex(b, nestedLoc,
                                              toIndex(b, nestedLoc, args[0]),
                                              axisSize)
                          : Value(linalg::IndexOp::create(b, nestedLoc, d)));
          return tensor::ExtractOp::create(b, nestedLoc, data, coords);
        });
    rewriter.replaceOp(op, castToType(rewriter, loc, result, resultType));
    return success();
  }
};

/// output[b..., i..., s...] = data[b..., indices[b..., i..., :], s...].
struct GatherNDLowering : OpConversionPattern<onnx::GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    Value indices = adaptor.getIndices();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!dataType || !indicesType || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked operand or result");
    int64_t depth = indicesType.getShape().back();
    if (ShapedType::isDynamic(depth))
      return rewriter.notifyMatchFailure(op, "index tuple size is dynamic");
    int64_t batchDims = static_cast<int64_t>(op.getBatchDims());
    int64_t indicesRank = indicesType.getRank();
    int64_t resultRank = resultType.getRank();
    Location loc = op.getLoc();

    // Coordinate j of every tuple is checked against its own axis.
    SmallVector<Value> axisSizes;
    for (int64_t j = 0; j < depth; ++j) {
      int64_t axis = batchDims + j;
      Value axisSize = tensor::DimOp::create(rewriter, loc, data, axis);
      axisSizes.push_back(axisSize);
      SmallVector<OpFoldResult> offsets(indicesRank, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes =
          tensor::getMixedSizes(rewriter, loc, indices);
      SmallVector<OpFoldResult> strides(indicesRank, rewriter.getIndexAttr(1));
      offsets.back() = rewriter.getIndexAttr(j);
      sizes.back() = rewriter.getIndexAttr(1);
      Value coordinate = tensor::ExtractSliceOp::create(
          rewriter, loc, indices, offsets, sizes, strides);
      assertIndicesInRange(rewriter, loc, coordinate, axisSize,
                           getNodePrefix(op) +
                               "GatherND index out of range for axis " +
                               std::to_string(axis) + " of size " +
                               describeSize(dataType.getDimSize(axis)));
    }

    // The batch dims of indices and data must agree; symbolic ones are
    // checked at run time.
    for (int64_t d = 0; d < batchDims; ++d) {
      if (!indicesType.isDynamicDim(d) && !dataType.isDynamicDim(d))
        continue;
      Value equal = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq,
          tensor::DimOp::create(rewriter, loc, indices, d),
          tensor::DimOp::create(rewriter, loc, data, d));
      cf::AssertOp::create(rewriter, loc, equal,
                           getNodePrefix(op) + "GatherND batch dim " +
                               std::to_string(d) +
                               " of indices and data differ");
    }

    // Result sizes: the tuple positions, then data's unindexed dims.
    auto initType =
        RankedTensorType::get(resultType.getShape(), dataType.getElementType());
    Value sizeSource;
    if (!resultType.hasStaticShape()) {
      if (resultRank !=
          indicesRank - 1 + dataType.getRank() - batchDims - depth)
        return rewriter.notifyMatchFailure(op, "result rank mismatch");
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < indicesRank - 1; ++d)
        sizes.push_back(tensor::getMixedSize(rewriter, loc, indices, d));
      for (int64_t d = batchDims + depth; d < dataType.getRank(); ++d)
        sizes.push_back(tensor::getMixedSize(rewriter, loc, data, d));
      sizeSource = tensor::EmptyOp::create(rewriter, loc, sizes,
                                           dataType.getElementType());
      initType = cast<RankedTensorType>(sizeSource.getType());
    }
    Value result = buildParallelGeneric(
        rewriter, loc, initType, sizeSource, /*inputs=*/{},
        /*inputMaps=*/{},
        [&](OpBuilder &b, Location nestedLoc, ValueRange) -> Value {
          // Result dims: the tuple positions (indices rank - 1, the batch
          // dims first), then the dims of data after the indexed ones.
          SmallVector<Value> tuplePosition;
          for (int64_t d = 0; d < indicesRank - 1; ++d)
            tuplePosition.push_back(linalg::IndexOp::create(b, nestedLoc, d));
          SmallVector<Value> coords(tuplePosition.begin(),
                                    tuplePosition.begin() + batchDims);
          for (int64_t j = 0; j < depth; ++j) {
            SmallVector<Value> at = tuplePosition;
            at.push_back(arith::ConstantIndexOp::create(b, nestedLoc, j));
            Value raw = tensor::ExtractOp::create(b, nestedLoc, indices, at);
            coords.push_back(wrapAndClampIndex(
                b, nestedLoc, toIndex(b, nestedLoc, raw), axisSizes[j]));
          }
          for (int64_t d = indicesRank - 1; d < resultRank; ++d)
            coords.push_back(linalg::IndexOp::create(b, nestedLoc, d));
          return tensor::ExtractOp::create(b, nestedLoc, data, coords);
        });
    rewriter.replaceOp(op, castToType(rewriter, loc, result, resultType));
    return success();
  }
};

/// Keeps x[..., i, j] where j - i >= k (upper) or j - i <= k (lower).
struct TriluLowering : OpConversionPattern<onnx::TriluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto type = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "unranked operand or result");
    Location loc = op.getLoc();
    Value k = arith::ConstantIndexOp::create(rewriter, loc, 0);
    if (!isNoneValue(adaptor.getK()))
      k = toIndex(rewriter, loc, extractScalar(rewriter, loc, adaptor.getK()));
    int64_t rank = type.getRank();
    bool upper = op.getUpper() != 0;
    Value result = buildElementwise(
        rewriter, loc, type, input,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          Value row = linalg::IndexOp::create(b, nestedLoc, rank - 2);
          Value column = linalg::IndexOp::create(b, nestedLoc, rank - 1);
          Value offset = arith::SubIOp::create(b, nestedLoc, column, row);
          Value keep = arith::CmpIOp::create(b, nestedLoc,
                                             upper ? arith::CmpIPredicate::sge
                                                   : arith::CmpIPredicate::sle,
                                             offset, k);
          Value zero = createScalarConstant(b, nestedLoc, args[0].getType(), 0);
          return arith::SelectOp::create(b, nestedLoc, keep, args[0], zero);
        });
    rewriter.replaceOp(op, castToType(rewriter, loc, result, resultType));
    return success();
  }
};

/// output[i] = start + i * delta, of max(ceil((limit - start) / delta), 0)
/// elements.
struct RangeLowering : OpConversionPattern<onnx::RangeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::RangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "unranked result");
    Location loc = op.getLoc();
    Type element = resultType.getElementType();
    Value start = extractScalar(rewriter, loc, adaptor.getStart());
    Value limit = extractScalar(rewriter, loc, adaptor.getLimit());
    Value delta = extractScalar(rewriter, loc, adaptor.getDelta());
    bool isFloat = isa<FloatType>(element);

    Value init;
    if (resultType.hasStaticShape()) {
      init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                     element);
    } else {
      // The element count, computed as ONNX Runtime does: in double for
      // floats, with a ceiling division for integers.
      Value count;
      if (isFloat) {
        Type f64 = rewriter.getF64Type();
        auto widen = [&](Value v) -> Value {
          return v.getType() == f64
                     ? v
                     : Value(arith::ExtFOp::create(rewriter, loc, f64, v));
        };
        Value quotient = arith::DivFOp::create(
            rewriter, loc,
            arith::SubFOp::create(rewriter, loc, widen(limit), widen(start)),
            widen(delta));
        Value ceiled = math::CeilOp::create(rewriter, loc, quotient);
        count = arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(),
                                        ceiled);
      } else {
        Value span = arith::SubIOp::create(rewriter, loc, limit, start);
        count = arith::CeilDivSIOp::create(rewriter, loc, span, delta);
        if (count.getType() != rewriter.getI64Type())
          count = arith::ExtSIOp::create(rewriter, loc, rewriter.getI64Type(),
                                         count);
      }
      Value zero =
          arith::ConstantIntOp::create(rewriter, loc, rewriter.getI64Type(), 0);
      count = arith::MaxSIOp::create(rewriter, loc, count, zero);
      init = tensor::EmptyOp::create(
          rewriter, loc,
          ArrayRef<OpFoldResult>{OpFoldResult(toIndex(rewriter, loc, count))},
          element);
    }
    auto generic = linalg::GenericOp::create(
        rewriter, loc, init.getType(), ValueRange{}, init,
        ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(1)},
        getParallelIterators(1),
        [&](OpBuilder &b, Location nestedLoc, ValueRange) {
          Value i = linalg::IndexOp::create(b, nestedLoc, 0);
          Value position;
          if (isFloat) {
            Value asInt =
                arith::IndexCastOp::create(b, nestedLoc, b.getI64Type(), i);
            position = arith::SIToFPOp::create(b, nestedLoc, element, asInt);
            position = arith::MulFOp::create(b, nestedLoc, position, delta);
            position = arith::AddFOp::create(b, nestedLoc, start, position);
          } else {
            position = arith::IndexCastOp::create(b, nestedLoc, element, i);
            position = arith::MulIOp::create(b, nestedLoc, position, delta);
            position = arith::AddIOp::create(b, nestedLoc, start, position);
          }
          linalg::YieldOp::create(b, nestedLoc, position);
        });
    rewriter.replaceOp(
        op, castToType(rewriter, loc, generic.getResult(0), resultType));
    return success();
  }
};

/// The element count of the input, as an int64 scalar.
struct SizeLowering : OpConversionPattern<onnx::SizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::SizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked input");
    Location loc = op.getLoc();
    Value count = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t d = 0; d < type.getRank(); ++d)
      count = arith::MulIOp::create(
          rewriter, loc, count,
          tensor::DimOp::create(rewriter, loc, adaptor.getData(), d));
    Value asI64 =
        arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), count);
    auto scalarType = RankedTensorType::get({}, rewriter.getI64Type());
    Value result =
        tensor::FromElementsOp::create(rewriter, loc, scalarType, asI64);
    rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
    return success();
  }
};

/// The selected sizes of the input, as int64 elements; shapes of static
/// sizes fold to constants before the lowering, so this lowers the
/// symbolic ones.
struct ShapeLowering : OpConversionPattern<onnx::ShapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked input");
    Location loc = op.getLoc();
    auto [first, last] = op.getDimRange(type.getRank());
    SmallVector<Value> sizes;
    for (int64_t d = first; d < last; ++d) {
      if (!type.isDynamicDim(d)) {
        sizes.push_back(arith::ConstantIntOp::create(rewriter, loc,
                                                     type.getDimSize(d), 64));
        continue;
      }
      Value size = tensor::DimOp::create(rewriter, loc, adaptor.getData(), d);
      sizes.push_back(arith::IndexCastOp::create(rewriter, loc,
                                                 rewriter.getI64Type(), size));
    }
    auto shapeType = RankedTensorType::get({static_cast<int64_t>(sizes.size())},
                                           rewriter.getI64Type());
    Value result =
        tensor::FromElementsOp::create(rewriter, loc, shapeType, sizes);
    rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void lowrank::populateONNXIndexingToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<GatherElementsLowering, GatherNDLowering, TriluLowering,
               RangeLowering, SizeLowering, ShapeLowering>(
      patterns.getContext());
  populateONNXPadToLinalgPatterns(patterns);
}
