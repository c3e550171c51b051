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
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// `lhs` (..., K) x `rhs` (K, N): collapses the leading dimensions of `lhs`
/// into rows so that a single 2-D linalg.matmul computes the product.
static Value buildRowsTimesMatrix(OpBuilder &builder, Location loc, Value lhs,
                                  Value rhs, RankedTensorType resultType) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  int64_t lhsRank = lhsType.getRank();
  if (lhsRank > 2) {
    ReassociationIndices rows =
        llvm::to_vector(llvm::seq<int64_t>(0, lhsRank - 1));
    lhs = tensor::CollapseShapeOp::create(
        builder, loc, lhs,
        SmallVector<ReassociationIndices>{rows, {lhsRank - 1}});
  }
  int64_t rowCount = cast<RankedTensorType>(lhs.getType()).getDimSize(0);
  auto productType = RankedTensorType::get(
      {rowCount, resultType.getShape().back()}, resultType.getElementType());
  Value product =
      linalg::MatmulOp::create(
          builder, loc, TypeRange{productType}, ValueRange{lhs, rhs},
          ValueRange{createZeroTensor(builder, loc, productType)})
          .getResult(0);
  if (lhsRank <= 2)
    return product;
  int64_t resultRank = resultType.getRank();
  ReassociationIndices rows =
      llvm::to_vector(llvm::seq<int64_t>(0, resultRank - 1));
  return tensor::ExpandShapeOp::create(
      builder, loc, resultType, product,
      SmallVector<ReassociationIndices>{rows, {resultRank - 1}});
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

/// The general contraction: loops are the result dimensions (batch, then m
/// when `lhs` is not 1-D, then n when `rhs` is not 1-D) plus the reduction k.
static Value buildGenericContraction(OpBuilder &builder, Location loc,
                                     Value lhs, Value rhs,
                                     RankedTensorType resultType) {
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

  return linalg::GenericOp::create(
             builder, loc, TypeRange{resultType}, ValueRange{lhs, rhs},
             ValueRange{createZeroTensor(builder, loc, resultType)}, maps,
             iterators,
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
    if (!lhsType || !rhsType || !resultType || !lhsType.hasStaticShape() ||
        !rhsType.hasStaticShape() || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
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
    if (lhsRank >= 2 && rhsRank == 2) {
      result = buildRowsTimesMatrix(rewriter, loc, lhs, rhs, resultType);
    } else if (lhsRank == 3 && rhsRank == 3 &&
               lhsType.getDimSize(0) == rhsType.getDimSize(0)) {
      result = linalg::BatchMatmulOp::create(
                   rewriter, loc, TypeRange{resultType}, ValueRange{lhs, rhs},
                   ValueRange{createZeroTensor(rewriter, loc, resultType)})
                   .getResult(0);
    } else {
      result = buildGenericContraction(rewriter, loc, lhs, rhs, resultType);
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
