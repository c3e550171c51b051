//===- Selection.cpp - onnx to linalg: TopK, Hardmax, OneHot, EyeLike -----===//
//
// TopK and Hardmax rank every element on its axis by counting the elements
// that come before it (greater, or equal at a lower position): a reduction
// over a second copy of the axis, quadratic in its size but free of sorting
// loops. TopK then gathers the elements of ranks 0..K-1; Hardmax keeps the
// element of rank 0. OneHot and EyeLike compare result positions.
//
// K and OneHot's depth may be graph inputs; the result size then comes from
// the result type, and the value read at run time is checked against it.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// Whether `lhs` orders strictly before `rhs` (greater when `largest`,
/// smaller otherwise); `elementType` carries the signedness.
static Value ordersBefore(OpBuilder &b, Location loc, Value lhs, Value rhs,
                          Type elementType, bool largest) {
  if (isa<FloatType>(elementType))
    return arith::CmpFOp::create(
        b, loc, largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT,
        lhs, rhs);
  bool isUnsigned = isUnsignedInteger(elementType);
  if (isUnsigned) {
    lhs = castScalarSignedness(b, loc, lhs, getSignlessType(elementType));
    rhs = castScalarSignedness(b, loc, rhs, getSignlessType(elementType));
  }
  arith::CmpIPredicate predicate =
      largest
          ? (isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt)
          : (isUnsigned ? arith::CmpIPredicate::ult
                        : arith::CmpIPredicate::slt);
  return arith::CmpIOp::create(b, loc, predicate, lhs, rhs);
}

static Value elementsEqual(OpBuilder &b, Location loc, Value lhs, Value rhs,
                           Type elementType) {
  if (isa<FloatType>(elementType))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, lhs, rhs);
  if (isUnsignedInteger(elementType)) {
    lhs = castScalarSignedness(b, loc, lhs, getSignlessType(elementType));
    rhs = castScalarSignedness(b, loc, rhs, getSignlessType(elementType));
  }
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lhs, rhs);
}

/// The rank of every element of `x` on `axis`: how many elements of its
/// line order before it, ties broken by position. An i64 tensor shaped
/// like `x`.
static Value buildRanks(OpBuilder &builder, Location loc, Value x, int64_t axis,
                        bool largest) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  MLIRContext *context = builder.getContext();
  Type elementType = type.getElementType();
  auto ranksType = RankedTensorType::get(type.getShape(), builder.getI64Type());
  Value init = createZeroTensor(builder, loc, ranksType);

  // Loop dims: x's (with i on the axis), then j, the compared position.
  SmallVector<AffineExpr> selfExprs, otherExprs;
  for (int64_t d = 0; d < rank; ++d) {
    selfExprs.push_back(getAffineDimExpr(d, context));
    otherExprs.push_back(getAffineDimExpr(d == axis ? rank : d, context));
  }
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank + 1, 0, selfExprs, context),
      AffineMap::get(rank + 1, 0, otherExprs, context),
      AffineMap::get(rank + 1, 0, selfExprs, context)};
  SmallVector<utils::IteratorType> iterators = getParallelIterators(rank);
  iterators.push_back(utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      builder, loc, ranksType, ValueRange{x, x}, init, maps, iterators,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        Value i = linalg::IndexOp::create(b, nestedLoc, axis);
        Value j = linalg::IndexOp::create(b, nestedLoc, rank);
        Value earlier = arith::CmpIOp::create(b, nestedLoc,
                                              arith::CmpIPredicate::ult, j, i);
        Value tie = arith::AndIOp::create(
            b, nestedLoc,
            elementsEqual(b, nestedLoc, args[1], args[0], elementType),
            earlier);
        Value before = arith::OrIOp::create(
            b, nestedLoc,
            ordersBefore(b, nestedLoc, args[1], args[0], elementType, largest),
            tie);
        Value count =
            arith::ExtUIOp::create(b, nestedLoc, b.getI64Type(), before);
        linalg::YieldOp::create(
            b, nestedLoc,
            arith::AddIOp::create(b, nestedLoc, args[2], count).getResult());
      });
  return generic.getResult(0);
}

/// The integer or float scalar `tensor` holds, as an index; asserts at run
/// time that it equals `expected` when that is static.
static Value readCountInput(OpBuilder &builder, Location loc, Value tensor,
                            int64_t expected, StringRef message) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!ShapedType::isDynamic(expected))
    assertForAllElements(
        builder, loc, tensor,
        [&](OpBuilder &b, Location nestedLoc, Value value) -> Value {
          if (isa<FloatType>(value.getType()))
            value =
                arith::FPToSIOp::create(b, nestedLoc, b.getI64Type(), value);
          Value count =
              arith::IndexCastOp::create(b, nestedLoc, b.getIndexType(), value);
          return arith::CmpIOp::create(
              b, nestedLoc, arith::CmpIPredicate::eq, count,
              arith::ConstantIndexOp::create(b, nestedLoc, expected));
        },
        message);
  SmallVector<Value> zeros(type.getRank(),
                           arith::ConstantIndexOp::create(builder, loc, 0));
  Value value = tensor::ExtractOp::create(builder, loc, tensor, zeros);
  if (isa<FloatType>(value.getType()))
    value = arith::FPToSIOp::create(builder, loc, builder.getI64Type(), value);
  return arith::IndexCastOp::create(builder, loc, builder.getIndexType(),
                                    value);
}

namespace {

struct TopKLowering : OpConversionPattern<onnx::TopKOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    auto valuesType = dyn_cast<RankedTensorType>(op.getValues().getType());
    auto indicesType = dyn_cast<RankedTensorType>(op.getIndices().getType());
    if (!type || !type.hasStaticShape() || !valuesType || !indicesType)
      return rewriter.notifyMatchFailure(op, "needs a static input shape");
    if (!isa<RankedTensorType>(adaptor.getK().getType()))
      return rewriter.notifyMatchFailure(op, "unranked K");
    int64_t rank = type.getRank();
    int64_t axis = normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
    int64_t axisSize = type.getDimSize(axis);
    Location loc = op.getLoc();

    // K: a constant, or read at run time and checked against the axis (and
    // the result size, when static).
    int64_t k = valuesType.getDimSize(axis);
    if (std::optional<SmallVector<int64_t>> constantK =
            getConstantIntValues(adaptor.getK())) {
      if (constantK->size() != 1 || (*constantK)[0] < 0 ||
          (*constantK)[0] > axisSize)
        return op.emitError(getNodePrefix(op) + "TopK K must be in [0, " +
                            std::to_string(axisSize) + "]");
      k = (*constantK)[0];
    }
    assertForAllElements(
        rewriter, loc, adaptor.getK(),
        [&](OpBuilder &b, Location nestedLoc, Value value) -> Value {
          Value notNegative = arith::CmpIOp::create(
              b, nestedLoc, arith::CmpIPredicate::sge, value,
              createScalarConstant(b, nestedLoc, value.getType(), 0));
          Value notAbove = arith::CmpIOp::create(
              b, nestedLoc, arith::CmpIPredicate::sle, value,
              createScalarConstant(b, nestedLoc, value.getType(),
                                   static_cast<double>(axisSize)));
          return arith::AndIOp::create(b, nestedLoc, notNegative, notAbove);
        },
        getNodePrefix(op) + "TopK K out of range for axis " +
            std::to_string(axis) + " of size " + std::to_string(axisSize));
    Value kValue = readCountInput(rewriter, loc, adaptor.getK(), k,
                                  getNodePrefix(op) +
                                      "TopK K does not match the result size " +
                                      std::to_string(k));

    SmallVector<int64_t> shape(type.getShape());
    shape[axis] = k;
    SmallVector<Value> dynamicSizes;
    if (ShapedType::isDynamic(k))
      dynamicSizes.push_back(kValue);
    Value ranks = buildRanks(rewriter, loc, x, axis, op.getLargest() != 0);

    // indices[..., p, ...] = the position on the axis whose rank is p.
    MLIRContext *context = rewriter.getContext();
    auto positionsType = RankedTensorType::get(shape, rewriter.getI64Type());
    Value zero =
        arith::ConstantOp::create(rewriter, loc, rewriter.getI64IntegerAttr(0));
    Value positionsInit = tensor::EmptyOp::create(
        rewriter, loc, shape, rewriter.getI64Type(), dynamicSizes);
    positionsInit = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                           ValueRange{positionsInit})
                        .getResult(0);
    SmallVector<AffineExpr> ranksExprs, resultExprs;
    for (int64_t d = 0; d < rank; ++d) {
      ranksExprs.push_back(getAffineDimExpr(d == axis ? rank : d, context));
      resultExprs.push_back(getAffineDimExpr(d, context));
    }
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + 1, 0, ranksExprs, context),
        AffineMap::get(rank + 1, 0, resultExprs, context)};
    SmallVector<utils::IteratorType> iterators = getParallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    Value positions =
        linalg::GenericOp::create(
            rewriter, loc, positionsType, ranks, positionsInit, maps, iterators,
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
              Value p = arith::IndexCastOp::create(
                  b, nestedLoc, b.getI64Type(),
                  linalg::IndexOp::create(b, nestedLoc, axis));
              Value i = arith::IndexCastOp::create(
                  b, nestedLoc, b.getI64Type(),
                  linalg::IndexOp::create(b, nestedLoc, rank));
              Value isRank = arith::CmpIOp::create(
                  b, nestedLoc, arith::CmpIPredicate::eq, args[0], p);
              Value term = arith::SelectOp::create(
                  b, nestedLoc, isRank, i,
                  arith::ConstantOp::create(b, nestedLoc,
                                            b.getI64IntegerAttr(0)));
              linalg::YieldOp::create(
                  b, nestedLoc,
                  arith::AddIOp::create(b, nestedLoc, args[1], term)
                      .getResult());
            })
            .getResult(0);

    auto gatheredType = RankedTensorType::get(shape, type.getElementType());
    Value valuesInit = tensor::EmptyOp::create(
        rewriter, loc, shape, type.getElementType(), dynamicSizes);
    SmallVector<AffineMap> gatherMaps(
        2, AffineMap::getMultiDimIdentityMap(rank, context));
    Value values =
        linalg::GenericOp::create(
            rewriter, loc, gatheredType, positions, valuesInit, gatherMaps,
            getParallelIterators(rank),
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
              SmallVector<Value> coords;
              for (int64_t d = 0; d < rank; ++d)
                coords.push_back(
                    d == axis
                        ? Value(arith::IndexCastOp::create(
                              b, nestedLoc, b.getIndexType(), args[0]))
                        : Value(linalg::IndexOp::create(b, nestedLoc, d)));
              linalg::YieldOp::create(
                  b, nestedLoc,
                  tensor::ExtractOp::create(b, nestedLoc, x, coords)
                      .getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, {castToType(rewriter, loc, values, valuesType),
                            castToType(rewriter, loc, positions, indicesType)});
    return success();
  }
};

/// 1 where an element ranks first on its axis, 0 elsewhere.
struct HardmaxLowering : OpConversionPattern<onnx::HardmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::HardmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type || !type.hasStaticShape() || type.getRank() == 0)
      return rewriter.notifyMatchFailure(op, "needs a static input shape");
    int64_t axis =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), type.getRank());
    Location loc = op.getLoc();
    Value ranks = buildRanks(rewriter, loc, input, axis, /*largest=*/true);
    Value result = buildElementwise(
        rewriter, loc, type, ranks,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          Value first = arith::CmpIOp::create(
              b, nestedLoc, arith::CmpIPredicate::eq, args[0],
              arith::ConstantOp::create(b, nestedLoc, b.getI64IntegerAttr(0)));
          return arith::SelectOp::create(
              b, nestedLoc, first,
              createScalarConstant(b, nestedLoc, type.getElementType(), 1),
              createScalarConstant(b, nestedLoc, type.getElementType(), 0));
        });
    rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
    return success();
  }
};

/// output[..., p, ...] = on_value where indices[...] (wrapped by depth) is
/// p, off_value elsewhere; indices outside [-depth, depth) match nothing.
struct OneHotLowering : OpConversionPattern<onnx::OneHotOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::OneHotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value indices = adaptor.getIndices();
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!indicesType || !resultType ||
        resultType.getRank() != indicesType.getRank() + 1 ||
        !isa<RankedTensorType>(adaptor.getDepth().getType()) ||
        !isa<RankedTensorType>(adaptor.getValues().getType()))
      return rewriter.notifyMatchFailure(op, "needs ranked operands");
    if (isUnsignedInteger(indicesType.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsigned indices");
    int64_t rank = resultType.getRank();
    int64_t axis = normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
    Location loc = op.getLoc();
    int64_t staticDepth = resultType.getDimSize(axis);
    Value depth = readCountInput(
        rewriter, loc, adaptor.getDepth(), staticDepth,
        getNodePrefix(op) + "OneHot depth does not match the result size " +
            std::to_string(staticDepth));

    // The result takes the indices' sizes (known at run time or not) with
    // the depth inserted at `axis`.
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, indices);
    if (ShapedType::isDynamic(staticDepth)) {
      sizes.insert(sizes.begin() + axis, depth);
    } else {
      depth = arith::ConstantIndexOp::create(rewriter, loc, staticDepth);
      sizes.insert(sizes.begin() + axis, rewriter.getIndexAttr(staticDepth));
    }
    Type elementType = resultType.getElementType();
    Value values = adaptor.getValues();
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, elementType);
    MLIRContext *context = rewriter.getContext();
    SmallVector<AffineExpr> indicesExprs;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        indicesExprs.push_back(getAffineDimExpr(d, context));
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank, 0, indicesExprs, context),
        AffineMap::getMultiDimIdentityMap(rank, context)};
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), indices, init, maps,
            getParallelIterators(rank),
            [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
              Value index = args[0];
              if (isa<FloatType>(index.getType()))
                index = arith::FPToSIOp::create(b, nestedLoc, b.getI64Type(),
                                                index);
              index = arith::IndexCastOp::create(b, nestedLoc, b.getIndexType(),
                                                 index);
              Value isNegative = arith::CmpIOp::create(
                  b, nestedLoc, arith::CmpIPredicate::slt, index,
                  arith::ConstantIndexOp::create(b, nestedLoc, 0));
              index = arith::SelectOp::create(
                  b, nestedLoc, isNegative,
                  arith::AddIOp::create(b, nestedLoc, index, depth), index);
              Value hit = arith::CmpIOp::create(
                  b, nestedLoc, arith::CmpIPredicate::eq, index,
                  linalg::IndexOp::create(b, nestedLoc, axis));
              // Read inside the loop, where the GPU pipeline places it.
              Value off = tensor::ExtractOp::create(
                  b, nestedLoc, values,
                  ValueRange{arith::ConstantIndexOp::create(b, nestedLoc, 0)});
              Value on = tensor::ExtractOp::create(
                  b, nestedLoc, values,
                  ValueRange{arith::ConstantIndexOp::create(b, nestedLoc, 1)});
              linalg::YieldOp::create(
                  b, nestedLoc,
                  arith::SelectOp::create(b, nestedLoc, hit, on, off)
                      .getResult());
            })
            .getResult(0);
    rewriter.replaceOp(
        op, castToDeclaredType(rewriter, loc, result, resultType,
                               getNodePrefix(op) +
                                   "OneHot's result differs from its declared "
                                   "shape"));
    return success();
  }
};

/// output[i][j] = 1 where j == i + k, 0 elsewhere.
struct EyeLikeLowering : OpConversionPattern<onnx::EyeLikeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::EyeLikeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!isa<RankedTensorType>(input.getType()) || !resultType ||
        resultType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "needs a 2-D result");
    Location loc = op.getLoc();
    Type elementType = resultType.getElementType();
    Type signless = getSignlessType(elementType);
    int64_t k = static_cast<int64_t>(op.getK());
    Value result = buildParallelGeneric(
        rewriter, loc, resultType,
        resultType.hasStaticShape() ? Value() : input, {}, {},
        [&](OpBuilder &b, Location nestedLoc, ValueRange) -> Value {
          Value row = linalg::IndexOp::create(b, nestedLoc, 0);
          Value column = linalg::IndexOp::create(b, nestedLoc, 1);
          Value diagonal = arith::AddIOp::create(
              b, nestedLoc, row,
              arith::ConstantIndexOp::create(b, nestedLoc, k));
          Value onDiagonal = arith::CmpIOp::create(
              b, nestedLoc, arith::CmpIPredicate::eq, column, diagonal);
          Value value = arith::SelectOp::create(
              b, nestedLoc, onDiagonal,
              createScalarConstant(b, nestedLoc, signless, 1),
              createScalarConstant(b, nestedLoc, signless, 0));
          return signless == elementType
                     ? value
                     : castScalarSignedness(b, nestedLoc, value, elementType);
        });
    rewriter.replaceOp(op, castToType(rewriter, loc, result, resultType));
    return success();
  }
};

} // namespace

void lowrank::populateONNXSelectionToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TopKLowering, HardmaxLowering, OneHotLowering, EyeLikeLowering>(
      patterns.getContext());
}
