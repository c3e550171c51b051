//===- Determinant.cpp - onnx to linalg: Det ------------------------------===//
//
// The determinant of each matrix is the product of the pivots of its LU
// factorization with partial pivoting, negated once per row exchange. The
// factorization runs in scf.for loops over a copy of the matrix carried as
// a tensor, one batch item after the other; half-precision matrices are
// factorized in f32. A zero pivot (a singular matrix) makes the product 0
// and the elimination below it is skipped instead of dividing by it.
//
//===----------------------------------------------------------------------===//

#include "LinearPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

static Value extractAt(OpBuilder &b, Location loc, Value matrix, Value row,
                       Value col) {
  return tensor::ExtractOp::create(b, loc, matrix, ValueRange{row, col});
}

/// The row in [k, n) whose element in column k has the largest magnitude
/// (the first one among equals).
static Value findPivotRow(OpBuilder &builder, Location loc, Value matrix,
                          Value k, Value n) {
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value start =
      math::AbsFOp::create(builder, loc, extractAt(builder, loc, matrix, k, k));
  auto search = scf::ForOp::create(
      builder, loc, arith::AddIOp::create(builder, loc, k, one), n, one,
      ValueRange{k, start},
      [&](OpBuilder &b, Location l, Value i, ValueRange args) {
        Value magnitude =
            math::AbsFOp::create(b, l, extractAt(b, l, matrix, i, k));
        Value larger = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                             magnitude, args[1]);
        scf::YieldOp::create(
            b, l,
            ValueRange{
                arith::SelectOp::create(b, l, larger, i, args[0]),
                arith::SelectOp::create(b, l, larger, magnitude, args[1])});
      });
  return search.getResult(0);
}

/// `matrix` with rows `k` and `p` exchanged (unchanged when they are equal).
static Value swapRows(OpBuilder &builder, Location loc, Value matrix, Value k,
                      Value p, Value n) {
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  auto loop = scf::ForOp::create(
      builder, loc, zero, n, one, ValueRange{matrix},
      [&](OpBuilder &b, Location l, Value j, ValueRange args) {
        Value fromK = extractAt(b, l, args[0], k, j);
        Value fromP = extractAt(b, l, args[0], p, j);
        Value once =
            tensor::InsertOp::create(b, l, fromP, args[0], ValueRange{k, j});
        Value twice =
            tensor::InsertOp::create(b, l, fromK, once, ValueRange{p, j});
        scf::YieldOp::create(b, l, twice);
      });
  return loop.getResult(0);
}

/// Subtracts multiples of row `k` from the rows below it so that column `k`
/// becomes zero there; nothing changes when the pivot is zero.
static Value eliminateBelow(OpBuilder &builder, Location loc, Value matrix,
                            Value k, Value pivot, Value n) {
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value next = arith::AddIOp::create(builder, loc, k, one);
  Value zero = createScalarConstant(builder, loc, pivot.getType(), 0);
  Value singular = arith::CmpFOp::create(
      builder, loc, arith::CmpFPredicate::OEQ, pivot, zero);
  auto rows = scf::ForOp::create(
      builder, loc, next, n, one, ValueRange{matrix},
      [&](OpBuilder &b, Location l, Value i, ValueRange rowArgs) {
        Value quotient = arith::DivFOp::create(
            b, l, extractAt(b, l, rowArgs[0], i, k), pivot);
        Value factor = arith::SelectOp::create(b, l, singular, zero, quotient);
        auto cols = scf::ForOp::create(
            b, l, next, n, one, ValueRange{rowArgs[0]},
            [&](OpBuilder &cb, Location cl, Value j, ValueRange colArgs) {
              Value product = arith::MulFOp::create(
                  cb, cl, factor, extractAt(cb, cl, colArgs[0], k, j));
              Value updated = arith::SubFOp::create(
                  cb, cl, extractAt(cb, cl, colArgs[0], i, j), product);
              scf::YieldOp::create(
                  cb, cl,
                  ValueRange{tensor::InsertOp::create(
                                 cb, cl, updated, colArgs[0], ValueRange{i, j})
                                 .getResult()});
            });
        scf::YieldOp::create(b, l, cols.getResults());
      });
  return rows.getResult(0);
}

/// The determinant of the n x n float `matrix`.
static Value buildDeterminant(OpBuilder &builder, Location loc, Value matrix,
                              Value n) {
  Type type = cast<RankedTensorType>(matrix.getType()).getElementType();
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value unit = createScalarConstant(builder, loc, type, 1);
  auto columns = scf::ForOp::create(
      builder, loc, zero, n, one, ValueRange{matrix, unit},
      [&](OpBuilder &b, Location l, Value k, ValueRange args) {
        Value p = findPivotRow(b, l, args[0], k, n);
        Value swapped = swapRows(b, l, args[0], k, p, n);
        Value pivot = extractAt(b, l, swapped, k, k);
        Value exchanged =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, p, k);
        Value signedDet = arith::SelectOp::create(
            b, l, exchanged, arith::NegFOp::create(b, l, args[1]), args[1]);
        Value product = arith::MulFOp::create(b, l, signedDet, pivot);
        Value reduced = eliminateBelow(b, l, swapped, k, pivot, n);
        scf::YieldOp::create(b, l, ValueRange{reduced, product});
      });
  return columns.getResult(1);
}

namespace {

/// Y[b...] = det(X[b..., :, :]), one batch item after the other.
struct DetLowering : OpConversionPattern<onnx::DetOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DetOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked input");
    int64_t rank = type.getRank();
    int64_t batchRank = rank - 2;
    Type elementType = type.getElementType();
    Type computeType = elementType.isF16() || elementType.isBF16()
                           ? rewriter.getF32Type()
                           : elementType;
    Location loc = op.getLoc();

    Value n = tensor::DimOp::create(rewriter, loc, input, rank - 1);
    int64_t staticSize = type.getDimSize(rank - 1);
    if (ShapedType::isDynamic(staticSize))
      staticSize = type.getDimSize(rank - 2);
    auto matrixType =
        RankedTensorType::get({staticSize, staticSize}, elementType);

    SmallVector<Value> lbs, ubs, steps, dynamicSizes;
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t d = 0; d < batchRank; ++d) {
      Value size = tensor::DimOp::create(rewriter, loc, input, d);
      lbs.push_back(zero);
      ubs.push_back(size);
      steps.push_back(one);
      if (type.isDynamicDim(d))
        dynamicSizes.push_back(size);
    }
    Value init = tensor::EmptyOp::create(
        rewriter, loc, type.getShape().drop_back(2), elementType, dynamicSizes);

    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{init},
        [&](OpBuilder &b, Location l, ValueRange ivs,
            ValueRange args) -> scf::ValueVector {
          SmallVector<OpFoldResult> offsets(ivs.begin(), ivs.end());
          offsets.append(2, b.getIndexAttr(0));
          SmallVector<OpFoldResult> sizes(batchRank, b.getIndexAttr(1));
          OpFoldResult side = ShapedType::isDynamic(staticSize)
                                  ? OpFoldResult(n)
                                  : OpFoldResult(b.getIndexAttr(staticSize));
          sizes.append(2, side);
          SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
          Value matrix = tensor::ExtractSliceOp::create(
              b, l, matrixType, input, offsets, sizes, strides);
          if (computeType != elementType)
            matrix = convertFloatElements(b, l, matrix, computeType);
          Value det = buildDeterminant(b, l, matrix, n);
          if (computeType != elementType)
            det = arith::TruncFOp::create(b, l, elementType, det);
          return {
              tensor::InsertOp::create(b, l, det, args[0], ivs).getResult()};
        });
    Value result = nest.results.empty() ? init : nest.results[0];
    rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void lowrank::populateONNXDeterminantToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DetLowering>(patterns.getContext());
}
