//===- MatMul.cpp - onnx to linalg: numpy-style matrix products -----------===//
//
// The product with a 2-D right operand (a weight) becomes one
// linalg.matmul over the flattened rows of the left operand, which is the
// form the low-rank factorization recognizes. Equal-batch 3-D products use
// linalg.batch_matmul; every other rank combination (1-D operands, batch
// broadcasting) is a linalg.generic contraction. A symbolic batch size that
// is 1 at run time broadcasts, as in ONNX Runtime: the operands are then
// copied out to the result's batch sizes first.
//
//===----------------------------------------------------------------------===//

#include "LinearPatterns.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// A zero-filled tensor of `type` whose dynamic sizes are `sizes`.
static Value createZeroTensor(OpBuilder &builder, Location loc,
                              RankedTensorType type,
                              ArrayRef<OpFoldResult> sizes) {
  Value empty =
      tensor::EmptyOp::create(builder, loc, sizes, type.getElementType());
  empty = castToType(builder, loc, empty, type);
  Value zero = arith::ConstantOp::create(
      builder, loc, builder.getZeroAttr(type.getElementType()));
  return linalg::FillOp::create(builder, loc, zero, empty).getResult(0);
}

/// `lhs` (..., K) x `rhs` (K, N): collapses the leading dimensions of `lhs`
/// into rows so that a single 2-D linalg.matmul computes the product. The
/// leading dimensions may be dynamic (a symbolic batch or sequence).
static Value buildRowsTimesMatrix(OpBuilder &builder, Location loc, Value lhs,
                                  Value rhs, RankedTensorType resultType) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  int64_t lhsRank = lhsType.getRank();
  SmallVector<OpFoldResult> lhsSizes = tensor::getMixedSizes(builder, loc, lhs);
  if (lhsRank > 2) {
    ReassociationIndices rows =
        llvm::to_vector(llvm::seq<int64_t>(0, lhsRank - 1));
    lhs = tensor::CollapseShapeOp::create(
        builder, loc, lhs,
        SmallVector<ReassociationIndices>{rows, {lhsRank - 1}});
  }
  int64_t rowCount = cast<RankedTensorType>(lhs.getType()).getDimSize(0);
  int64_t columnCount = resultType.getShape().back();
  auto productType = RankedTensorType::get({rowCount, columnCount},
                                           resultType.getElementType());
  SmallVector<OpFoldResult> productSizes = {
      tensor::getMixedSize(builder, loc, lhs, 0),
      builder.getIndexAttr(columnCount)};
  Value product =
      linalg::MatmulOp::create(
          builder, loc, TypeRange{productType}, ValueRange{lhs, rhs},
          ValueRange{createZeroTensor(builder, loc, productType, productSizes)})
          .getResult(0);
  if (lhsRank <= 2)
    return castToType(builder, loc, product, resultType);
  int64_t resultRank = resultType.getRank();
  ReassociationIndices rows =
      llvm::to_vector(llvm::seq<int64_t>(0, resultRank - 1));
  SmallVector<OpFoldResult> resultSizes(ArrayRef(lhsSizes).drop_back());
  resultSizes.push_back(builder.getIndexAttr(columnCount));
  // Sizes that folded to constants (inside a Loop body) are static: the
  // expanded type and its size operands must agree.
  for (OpFoldResult &size : resultSizes)
    if (auto value = dyn_cast<Value>(size))
      size = getAsOpFoldResult(value);
  SmallVector<int64_t> expandedShape =
      llvm::map_to_vector(resultSizes, [](OpFoldResult size) {
        return getConstantIntValue(size).value_or(ShapedType::kDynamic);
      });
  auto expandedType =
      RankedTensorType::get(expandedShape, resultType.getElementType());
  // Static row sizes make a static row count: the collapsed product says so.
  if (productType.isDynamicDim(0) &&
      !ShapedType::isDynamicShape(ArrayRef(expandedShape).drop_back())) {
    int64_t rows = 1;
    for (int64_t size : ArrayRef(expandedShape).drop_back())
      rows *= size;
    product = tensor::CastOp::create(
        builder, loc,
        RankedTensorType::get({rows, columnCount}, resultType.getElementType()),
        product);
  }
  return castToType(
      builder, loc,
      tensor::ExpandShapeOp::create(
          builder, loc, expandedType, product,
          SmallVector<ReassociationIndices>{rows, {resultRank - 1}},
          resultSizes),
      resultType);
}

/// The map reading the batch dimensions of an operand of rank `rank` (its
/// last `matrixRank` dimensions are matrix dimensions) inside `batchRank`
/// batch loops, broadcasting its size-1 and missing dimensions.
static SmallVector<AffineExpr> getBatchExprs(RankedTensorType type,
                                             int64_t matrixRank,
                                             int64_t batchRank,
                                             MLIRContext *context) {
  int64_t operandBatchRank = type.getRank() - matrixRank;
  int64_t offset = batchRank - operandBatchRank;
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < operandBatchRank; ++i)
    exprs.push_back(type.getDimSize(i) == 1
                        ? getAffineConstantExpr(0, context)
                        : getAffineDimExpr(offset + i, context));
  return exprs;
}

namespace {
/// The result sizes of a general contraction whose sizes are not all static.
struct ContractionSizes {
  SmallVector<OpFoldResult> sizes;
  /// True at run time when no operand's symbolic batch size is 1 where the
  /// result's is not, so that no operand broadcasts along a symbolic size;
  /// null when that cannot happen.
  Value noSymbolicBroadcast;
};
} // namespace

/// The result sizes of the general contraction of `lhs` and `rhs` when some
/// are symbolic: each batch size by ONNX broadcasting (the operands' sizes
/// other than 1 must agree, and the result takes that size, or 1), m from
/// `lhs`, n from `rhs`. The symbolic sizes are checked at run time, the
/// contraction's included, so that no loop reads past an operand.
static ContractionSizes getContractionSizes(OpBuilder &builder, Location loc,
                                            Operation *op, Value lhs, Value rhs,
                                            RankedTensorType resultType) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  bool hasRows = lhsType.getRank() >= 2;
  bool hasColumns = rhsType.getRank() >= 2;
  int64_t resultRank = resultType.getRank();
  int64_t batchRank = resultRank - hasRows - hasColumns;
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  auto isEqual = [&](Value a, Value b) -> Value {
    return builder.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, a,
                                               b);
  };
  auto conjoin = [&](Value &all, Value next) {
    all = all ? builder.createOrFold<arith::AndIOp>(loc, all, next) : next;
  };
  Value valid = arith::ConstantIntOp::create(builder, loc, 1, 1);
  ContractionSizes result;
  for (int64_t i = 0; i < batchRank; ++i) {
    // The sizes other than a static 1 decide; the symbolic ones among them
    // may be 1 at run time and broadcast.
    SmallVector<Value> contributions, symbolic;
    for (auto [operand, type] : {std::pair(lhs, lhsType), {rhs, rhsType}}) {
      int64_t dim = i - (batchRank - (type.getRank() - 2));
      if (type.getRank() < 2 || dim < 0 || type.getDimSize(dim) == 1)
        continue;
      Value size = getValueOrCreateConstantIndexOp(
          builder, loc, tensor::getMixedSize(builder, loc, operand, dim));
      contributions.push_back(size);
      if (type.isDynamicDim(dim))
        symbolic.push_back(size);
    }
    if (contributions.empty()) {
      result.sizes.push_back(builder.getIndexAttr(1));
      continue;
    }
    Value size = contributions.front();
    for (Value next : ArrayRef(contributions).drop_front())
      size = builder.createOrFold<arith::SelectOp>(loc, isEqual(size, one),
                                                   next, size);
    for (Value contribution : contributions)
      conjoin(valid, builder.createOrFold<arith::OrIOp>(
                         loc, isEqual(contribution, size),
                         isEqual(contribution, one)));
    if (contributions.size() > 1)
      for (Value contribution : symbolic)
        conjoin(result.noSymbolicBroadcast, isEqual(contribution, size));
    if (resultType.isDynamicDim(i)) {
      result.sizes.push_back(size);
      continue;
    }
    int64_t staticSize = resultType.getDimSize(i);
    if (!symbolic.empty())
      conjoin(valid, isEqual(size, arith::ConstantIndexOp::create(builder, loc,
                                                                  staticSize)));
    result.sizes.push_back(builder.getIndexAttr(staticSize));
  }
  if (hasRows)
    result.sizes.push_back(
        tensor::getMixedSize(builder, loc, lhs, lhsType.getRank() - 2));
  if (hasColumns)
    result.sizes.push_back(
        tensor::getMixedSize(builder, loc, rhs, rhsType.getRank() - 1));
  int64_t lhsK = lhsType.getRank() - 1;
  int64_t rhsK = hasColumns ? rhsType.getRank() - 2 : 0;
  if (lhsType.isDynamicDim(lhsK) || rhsType.isDynamicDim(rhsK))
    conjoin(valid, isEqual(tensor::DimOp::create(builder, loc, lhs, lhsK),
                           tensor::DimOp::create(builder, loc, rhs, rhsK)));
  cf::AssertOp::create(builder, loc, valid,
                       getNodePrefix(op) +
                           "MatMul operands of symbolic sizes that do not "
                           "match or broadcast");
  return result;
}

/// `operand` (a matrix or a batch of them) copied out to the result's
/// batch sizes `batchSizes` (the last of them when it has fewer) along its
/// symbolic batch dimensions, where a size of 1 at run time is broadcast;
/// its other dimensions are kept.
static Value broadcastSymbolicBatch(OpBuilder &builder, Location loc,
                                    Value operand,
                                    ArrayRef<OpFoldResult> batchSizes) {
  auto type = cast<RankedTensorType>(operand.getType());
  int64_t rank = type.getRank();
  int64_t operandBatchRank = rank - 2;
  if (operandBatchRank <= 0 ||
      llvm::none_of(llvm::seq<int64_t>(0, operandBatchRank),
                    [&](int64_t i) { return type.isDynamicDim(i); }))
    return operand;
  int64_t offset = batchSizes.size() - operandBatchRank;
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  SmallVector<OpFoldResult> sizes;
  SmallVector<Value> isOne(rank);
  for (int64_t i = 0; i < rank; ++i) {
    if (i >= operandBatchRank || !type.isDynamicDim(i)) {
      sizes.push_back(tensor::getMixedSize(builder, loc, operand, i));
      continue;
    }
    sizes.push_back(batchSizes[offset + i]);
    isOne[i] = arith::CmpIOp::create(
        builder, loc, arith::CmpIPredicate::eq,
        tensor::DimOp::create(builder, loc, operand, i), one);
  }
  Value init =
      tensor::EmptyOp::create(builder, loc, sizes, type.getElementType());
  MLIRContext *context = builder.getContext();
  return linalg::GenericOp::create(
             builder, loc, TypeRange{init.getType()}, ValueRange{},
             ValueRange{init},
             SmallVector<AffineMap>{
                 AffineMap::getMultiDimIdentityMap(rank, context)},
             getParallelIterators(rank),
             [&](OpBuilder &b, Location nestedLoc, ValueRange) {
               SmallVector<Value> indices;
               for (int64_t i = 0; i < rank; ++i) {
                 Value index = linalg::IndexOp::create(b, nestedLoc, i);
                 if (isOne[i])
                   index = arith::SelectOp::create(b, nestedLoc, isOne[i], zero,
                                                   index);
                 indices.push_back(index);
               }
               linalg::YieldOp::create(
                   b, nestedLoc,
                   tensor::ExtractOp::create(b, nestedLoc, operand, indices)
                       .getResult());
             })
      .getResult(0);
}

/// The general contraction: loops are the result dimensions (batch, then m
/// when `lhs` is not 1-D, then n when `rhs` is not 1-D) plus the reduction k.
/// `resultSizes` gives the result's sizes when some are symbolic.
static Value buildGenericContraction(OpBuilder &builder, Location loc,
                                     Value lhs, Value rhs,
                                     RankedTensorType resultType,
                                     ArrayRef<OpFoldResult> resultSizes) {
  MLIRContext *context = builder.getContext();
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  bool hasRows = lhsType.getRank() >= 2;
  bool hasColumns = rhsType.getRank() >= 2;
  int64_t resultRank = resultType.getRank();
  int64_t batchRank = resultRank - hasRows - hasColumns;
  AffineExpr k = getAffineDimExpr(resultRank, context);

  SmallVector<AffineExpr> lhsExprs;
  if (hasRows) {
    lhsExprs = getBatchExprs(lhsType, 2, batchRank, context);
    lhsExprs.push_back(getAffineDimExpr(batchRank, context));
  }
  lhsExprs.push_back(k);

  SmallVector<AffineExpr> rhsExprs;
  if (hasColumns)
    rhsExprs = getBatchExprs(rhsType, 2, batchRank, context);
  rhsExprs.push_back(k);
  if (hasColumns)
    rhsExprs.push_back(getAffineDimExpr(batchRank + hasRows, context));

  SmallVector<AffineMap> maps = {
      AffineMap::get(resultRank + 1, 0, lhsExprs, context),
      AffineMap::get(resultRank + 1, 0, rhsExprs, context),
      AffineMap::getMultiDimIdentityMap(resultRank + 1, context)
          .dropResult(resultRank)};
  SmallVector<utils::IteratorType> iterators = getParallelIterators(resultRank);
  iterators.push_back(utils::IteratorType::reduction);

  Value init = resultSizes.empty()
                   ? createZeroTensor(builder, loc, resultType)
                   : createZeroTensor(builder, loc, resultType, resultSizes);
  return linalg::GenericOp::create(
             builder, loc, TypeRange{resultType}, ValueRange{lhs, rhs},
             ValueRange{init}, maps, iterators,
             [](OpBuilder &b, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(
                   b, nestedLoc,
                   createMultiplyAccumulate(b, nestedLoc, args[0], args[1],
                                            args[2]));
             })
      .getResult(0);
}

namespace {
struct MatMulLowering : OpConversionPattern<onnx::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value lhs = adaptor.getA(), rhs = adaptor.getB();
    auto lhsType = dyn_cast<RankedTensorType>(lhs.getType());
    auto rhsType = dyn_cast<RankedTensorType>(rhs.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!lhsType || !rhsType || !resultType)
      return rewriter.notifyMatchFailure(op, "needs ranked operands");
    // A product by a static matrix is one linalg.matmul over the rows of
    // the left operand, whose leading sizes may be symbolic; the other
    // products of symbolic sizes are generic contractions.
    bool rowsTimesMatrix = lhsType.getRank() >= 2 && rhsType.getRank() == 2 &&
                           rhsType.hasStaticShape() &&
                           !lhsType.isDynamicDim(lhsType.getRank() - 1);
    bool isStatic = lhsType.hasStaticShape() && rhsType.hasStaticShape() &&
                    resultType.hasStaticShape();
    if (resultType.getElementType().isUnsignedInteger())
      return rewriter.notifyMatchFailure(
          op, "arith has no unsigned integer element types");

    Location loc = op.getLoc();
    // Half-precision products accumulate in float32, as ONNX Runtime does
    // (in float16 a dot product of 4096 ones stalls at 2048).
    Type elementType = resultType.getElementType();
    bool accumulateWider = isa<Float16Type, BFloat16Type>(elementType);
    if (accumulateWider) {
      Type f32 = rewriter.getF32Type();
      lhs = convertFloatElements(rewriter, loc, lhs, f32);
      rhs = convertFloatElements(rewriter, loc, rhs, f32);
      lhsType = cast<RankedTensorType>(lhs.getType());
      rhsType = cast<RankedTensorType>(rhs.getType());
      resultType = resultType.clone(f32);
    }
    int64_t lhsRank = lhsType.getRank(), rhsRank = rhsType.getRank();
    Value result;
    if (rowsTimesMatrix) {
      result = buildRowsTimesMatrix(rewriter, loc, lhs, rhs, resultType);
    } else if (isStatic && lhsRank == 3 && rhsRank == 3 &&
               lhsType.getDimSize(0) == rhsType.getDimSize(0)) {
      result = linalg::BatchMatmulOp::create(
                   rewriter, loc, TypeRange{resultType}, ValueRange{lhs, rhs},
                   ValueRange{createZeroTensor(rewriter, loc, resultType)})
                   .getResult(0);
    } else if (isStatic) {
      result = buildGenericContraction(rewriter, loc, lhs, rhs, resultType,
                                       /*resultSizes=*/{});
    } else {
      ContractionSizes sizes =
          getContractionSizes(rewriter, loc, op, lhs, rhs, resultType);
      if (!sizes.noSymbolicBroadcast) {
        result = buildGenericContraction(rewriter, loc, lhs, rhs, resultType,
                                         sizes.sizes);
      } else {
        // An operand's symbolic batch size may be 1 and broadcast: then the
        // operands are first copied out to the result's batch sizes.
        int64_t batchRank =
            resultType.getRank() - (lhsRank >= 2) - (rhsRank >= 2);
        ArrayRef<OpFoldResult> batchSizes =
            ArrayRef(sizes.sizes).take_front(batchRank);
        auto ifOp = scf::IfOp::create(
            rewriter, loc, sizes.noSymbolicBroadcast,
            [&](OpBuilder &b, Location nestedLoc) {
              scf::YieldOp::create(b, nestedLoc,
                                   buildGenericContraction(b, nestedLoc, lhs,
                                                           rhs, resultType,
                                                           sizes.sizes));
            },
            [&](OpBuilder &b, Location nestedLoc) {
              Value wideLhs =
                  broadcastSymbolicBatch(b, nestedLoc, lhs, batchSizes);
              Value wideRhs =
                  broadcastSymbolicBatch(b, nestedLoc, rhs, batchSizes);
              scf::YieldOp::create(
                  b, nestedLoc,
                  buildGenericContraction(b, nestedLoc, wideLhs, wideRhs,
                                          resultType, sizes.sizes));
            });
        result = ifOp.getResult(0);
      }
    }
    if (accumulateWider)
      result = convertFloatElements(rewriter, loc, result, elementType);
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void lowrank::populateONNXMatMulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulLowering>(patterns.getContext());
}
