//===- MatMul.cpp - onnx to linalg: numpy-style matrix products -----------===//
//
// The product with a 2-D right operand (a weight) becomes one
// linalg.matmul over the flattened rows of the left operand, which is the
// form the low-rank factorization recognizes. Equal-batch 3-D products use
// linalg.batch_matmul; every other rank combination (1-D operands, batch
// broadcasting) is a linalg.generic contraction.
//
//===----------------------------------------------------------------------===//

#include "LinearPatterns.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
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

/// The result sizes of the general contraction of `lhs` and `rhs` when some
/// are symbolic: a symbolic batch size from an operand that has it (one
/// that is 1 at run time is not broadcast: both operands' symbolic sizes
/// must agree), m from `lhs`, n from `rhs`. The symbolic contraction sizes
/// are checked to agree too, so that no loop reads past an operand.
static SmallVector<OpFoldResult>
getContractionSizes(OpBuilder &builder, Location loc, Operation *op,
                    Value lhs, Value rhs, RankedTensorType resultType) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  bool hasRows = lhsType.getRank() >= 2;
  bool hasColumns = rhsType.getRank() >= 2;
  int64_t resultRank = resultType.getRank();
  int64_t batchRank = resultRank - hasRows - hasColumns;
  Value valid = arith::ConstantIntOp::create(builder, loc, 1, 1);
  auto requireEqual = [&](Value a, Value b) {
    valid = arith::AndIOp::create(
        builder, loc, valid,
        arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq, a, b));
  };
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < batchRank; ++i) {
    Value size;
    int64_t staticSize = 1;
    for (auto [operand, type] : {std::pair(lhs, lhsType), {rhs, rhsType}}) {
      int64_t dim = i - (batchRank - (type.getRank() - 2));
      if (type.getRank() < 2 || dim < 0)
        continue;
      if (!type.isDynamicDim(dim)) {
        staticSize = std::max(staticSize, type.getDimSize(dim));
        continue;
      }
      Value operandSize = tensor::DimOp::create(builder, loc, operand, dim);
      if (size)
        requireEqual(size, operandSize);
      else
        size = operandSize;
    }
    // A symbolic size beside a static one other than 1 must equal it: the
    // loop runs to the static size and reads the symbolic operand that far.
    if (size && staticSize != 1)
      requireEqual(size,
                   arith::ConstantIndexOp::create(builder, loc, staticSize));
    if (!resultType.isDynamicDim(i) || !size)
      sizes.push_back(builder.getIndexAttr(resultType.getDimSize(i)));
    else
      sizes.push_back(size);
  }
  if (hasRows)
    sizes.push_back(
        tensor::getMixedSize(builder, loc, lhs, lhsType.getRank() - 2));
  if (hasColumns)
    sizes.push_back(
        tensor::getMixedSize(builder, loc, rhs, rhsType.getRank() - 1));
  int64_t lhsK = lhsType.getRank() - 1;
  int64_t rhsK = hasColumns ? rhsType.getRank() - 2 : 0;
  if (lhsType.isDynamicDim(lhsK) || rhsType.isDynamicDim(rhsK))
    requireEqual(tensor::DimOp::create(builder, loc, lhs, lhsK),
                 tensor::DimOp::create(builder, loc, rhs, rhsK));
  cf::AssertOp::create(builder, loc, valid,
                       getNodePrefix(op) +
                           "MatMul operands of symbolic sizes that do not "
                           "match (a symbolic batch of 1 that broadcasts is "
                           "not supported)");
  return sizes;
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
    } else {
      SmallVector<OpFoldResult> sizes;
      if (!isStatic)
        sizes = getContractionSizes(rewriter, loc, op, lhs, rhs, resultType);
      result =
          buildGenericContraction(rewriter, loc, lhs, rhs, resultType, sizes);
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
