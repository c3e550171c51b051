//===- NonZero.cpp - onnx NonZero to linalg and scf -----------------------===//
//
// NonZero's result size depends on the input's values: a reduction counts
// the nonzero elements, the rank x count result is allocated with that
// size, and a loop over the elements in row-major order writes the indices
// of each nonzero one into the next column.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// Whether the scalar `element` of ONNX type `elementType` is not zero
/// (NaN is not zero).
static Value isNonZero(OpBuilder &b, Location loc, Value element,
                       Type elementType) {
  if (auto floatType = dyn_cast<FloatType>(elementType))
    return arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::UNE, element,
        arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, 0.0)));
  if (isUnsignedInteger(elementType))
    element =
        castScalarSignedness(b, loc, element, getSignlessType(elementType));
  Type signless = element.getType();
  return arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne, element,
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(signless, 0)));
}

namespace {

struct NonZeroLowering : OpConversionPattern<onnx::NonZeroOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::NonZeroOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getX();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!inputType || inputType.getRank() == 0 || !resultType)
      return rewriter.notifyMatchFailure(op, "needs a ranked input of rank 1+");
    Type elementType = op.getX().getType().getElementType();
    if (!isa<FloatType, IntegerType>(elementType))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Location loc = op.getLoc();
    int64_t rank = inputType.getRank();
    Type i64 = rewriter.getI64Type();

    // The count of nonzero elements.
    auto countType = RankedTensorType::get({}, i64);
    Value zeroCount =
        linalg::FillOp::create(
            rewriter, loc,
            arith::ConstantOp::create(rewriter, loc,
                                      rewriter.getI64IntegerAttr(0))
                .getResult(),
            tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{}, i64)
                .getResult())
            .getResult(0);
    SmallVector<AffineMap> maps = {
        rewriter.getMultiDimIdentityMap(rank),
        AffineMap::get(rank, 0, {}, rewriter.getContext())};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::reduction);
    Value count =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{countType}, ValueRange{input},
            ValueRange{zeroCount}, maps, iterators,
            [&](OpBuilder &b, Location nested, ValueRange args) {
              Value nonZero = isNonZero(b, nested, args[0], elementType);
              Value one = arith::ExtUIOp::create(b, nested, i64, nonZero);
              linalg::YieldOp::create(
                  b, nested,
                  ValueRange{arith::AddIOp::create(b, nested, args[1], one)});
            })
            .getResult(0);
    Value columns = arith::IndexCastOp::create(
        rewriter, loc, rewriter.getIndexType(),
        tensor::ExtractOp::create(rewriter, loc, count, ValueRange{}));

    // Each nonzero element's indices, in row-major order.
    SmallVector<Value> sizes;
    Value total = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t d = 0; d < rank; ++d) {
      sizes.push_back(tensor::DimOp::create(rewriter, loc, input, d));
      total = arith::MulIOp::create(rewriter, loc, total, sizes.back());
    }
    auto dynamicType = RankedTensorType::get({rank, ShapedType::kDynamic}, i64);
    Value init = tensor::EmptyOp::create(rewriter, loc, dynamicType.getShape(),
                                         i64, ValueRange{columns});
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, total, one, ValueRange{zero, init},
        [&](OpBuilder &b, Location nested, Value linear, ValueRange carried) {
          SmallVector<Value> indices(rank);
          Value rest = linear;
          for (int64_t d = rank - 1; d >= 0; --d) {
            indices[d] = arith::RemUIOp::create(b, nested, rest, sizes[d]);
            rest = arith::DivUIOp::create(b, nested, rest, sizes[d]);
          }
          Value element = tensor::ExtractOp::create(b, nested, input, indices);
          Value nonZero = isNonZero(b, nested, element, elementType);
          auto write = scf::IfOp::create(
              b, nested, nonZero,
              [&](OpBuilder &tb, Location tl) {
                Value column = carried[0];
                Value result = carried[1];
                for (int64_t d = 0; d < rank; ++d) {
                  Value row = arith::ConstantIndexOp::create(tb, tl, d);
                  Value index =
                      arith::IndexCastOp::create(tb, tl, i64, indices[d]);
                  result = tensor::InsertOp::create(tb, tl, index, result,
                                                    ValueRange{row, column});
                }
                Value next = arith::AddIOp::create(
                    tb, tl, column, arith::ConstantIndexOp::create(tb, tl, 1));
                scf::YieldOp::create(tb, tl, ValueRange{next, result});
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, carried);
              });
          scf::YieldOp::create(b, nested, write.getResults());
        });
    Value result = loop.getResult(1);
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowrank::populateONNXNonZeroToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<NonZeroLowering>(patterns.getContext());
}
