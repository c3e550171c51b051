//===- ArgReduce.cpp - onnx ArgMax and ArgMin to linalg -------------------===//
//
// One linalg.generic reduces along `axis` into two results, the best value
// so far and its index; the index result is the op's result.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "ReductionBuilders.h"

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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
    if (isWidenableUnsigned(inputType.getElementType())) {
      // Unsigned values compare as signed ones of twice the width.
      input = widenUnsignedElements(rewriter, op.getLoc(), input);
      inputType = cast<RankedTensorType>(input.getType());
    }
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

    // The result's sizes follow from the input's; dynamic ones (inside a
    // Loop body) are read from it.
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    bool keepDims = op.getKeepdims() != 0;
    SmallVector<int64_t> sizes = shape.getResultShape(inputType.getShape());
    SmallVector<Value> dynamicSizes;
    for (auto [i, size] : llvm::enumerate(sizes)) {
      int64_t dim = keepDims || static_cast<int64_t>(i) < axis ? i : i + 1;
      if (ShapedType::isDynamic(size))
        dynamicSizes.push_back(
            tensor::DimOp::create(rewriter, loc, input, dim));
    }
    auto indicesType =
        RankedTensorType::get(sizes, resultType.getElementType());
    auto fill = [&](Type element, TypedAttr value) {
      Value empty =
          tensor::EmptyOp::create(rewriter, loc, sizes, element, dynamicSizes);
      Value scalar = arith::ConstantOp::create(rewriter, loc, value);
      return linalg::FillOp::create(rewriter, loc, scalar, empty).getResult(0);
    };
    Value values = fill(elementType, getMaxMinIdentity(elementType, IsMax));
    Value indices =
        fill(indicesType.getElementType(), rewriter.getI64IntegerAttr(0));

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
    Value result = generic.getResult(1);
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
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
