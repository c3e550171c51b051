//===- ArgReduce.cpp - onnx ArgMax and ArgMin to linalg -------------------===//
//
// One linalg.generic reduces along `axis` into two results, the best value
// so far and its index; the index result is the op's result.
//
//===----------------------------------------------------------------------===//

#include "ReductionBuilders.h"

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {

/// ArgMax and ArgMin: a reduction carrying the best value and its index.
template <typename OpTy, bool IsMax>
struct ArgReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getData();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!inputType || !resultType || inputType.getRank() == 0)
      return rewriter.notifyMatchFailure(op, "needs a ranked non-scalar input");
    Type elementType = inputType.getElementType();
    if (!isArithElementType(elementType))
      return rewriter.notifyMatchFailure(
          op, "arith has no ops on unsigned integer elements");
    int64_t rank = inputType.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    ReductionShape shape =
        ReductionShape::fromAxes({axis}, rank, op.getKeepdims() != 0);
    if (resultType.getRank() !=
        static_cast<int64_t>(shape.getResultShape(inputType.getShape()).size()))
      return rewriter.notifyMatchFailure(op,
                                         "result rank disagrees with keepdims");

    if (!resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static result shape");

    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value values = createFilledTensor(
        rewriter, loc, resultType.clone(elementType),
        getMaxMinIdentity(elementType, IsMax));
    Value indices = createFilledTensor(rewriter, loc, resultType,
                                       rewriter.getI64IntegerAttr(0));

    AffineMap resultMap = shape.getResultMap(context);
    SmallVector<AffineMap> maps{
        AffineMap::getMultiDimIdentityMap(rank, context), resultMap,
        resultMap};
    SmallVector<utils::IteratorType> iterators = getParallelIterators(rank);
    iterators[axis] = utils::IteratorType::reduction;
    bool selectLast = op.getSelectLastIndex() != 0;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{values.getType(), indices.getType()}, input,
        ValueRange{values, indices}, maps, iterators,
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value candidate = args[0], best = args[1], bestIndex = args[2];
          // Ties replace the best only when the last index is wanted.
          Value better;
          if (isa<FloatType>(elementType)) {
            auto predicate = IsMax ? (selectLast ? arith::CmpFPredicate::OGE
                                                 : arith::CmpFPredicate::OGT)
                                   : (selectLast ? arith::CmpFPredicate::OLE
                                                 : arith::CmpFPredicate::OLT);
            better = arith::CmpFOp::create(b, nloc, predicate, candidate, best);
          } else {
            auto predicate = IsMax ? (selectLast ? arith::CmpIPredicate::sge
                                                 : arith::CmpIPredicate::sgt)
                                   : (selectLast ? arith::CmpIPredicate::sle
                                                 : arith::CmpIPredicate::slt);
            better = arith::CmpIOp::create(b, nloc, predicate, candidate, best);
          }
          Value index = arith::IndexCastOp::create(
              b, nloc, b.getI64Type(), linalg::IndexOp::create(b, nloc, axis));
          Value newBest =
              arith::SelectOp::create(b, nloc, better, candidate, best);
          Value newIndex =
              arith::SelectOp::create(b, nloc, better, index, bestIndex);
          linalg::YieldOp::create(b, nloc, ValueRange{newBest, newIndex});
        });
    rewriter.replaceOp(op, generic.getResult(1));
    return success();
  }
};

} // namespace

void lowrank::populateONNXArgReduceToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ArgReduceLowering<onnx::ArgMaxOp, /*IsMax=*/true>,
               ArgReduceLowering<onnx::ArgMinOp, /*IsMax=*/false>>(
      patterns.getContext());
}
