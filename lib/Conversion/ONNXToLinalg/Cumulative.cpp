//===- Cumulative.cpp - onnx to linalg: CumSum and CumProd ----------------===//
//
// y[..., i, ...] combines x[..., j, ...] over j <= i (j < i exclusive; j >= i
// reverse) as a reduction over a second copy of the axis. An axis known only
// at run time (a graph input) is checked against the rank, every axis is
// computed, and the one asked for is selected.
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

/// The cumulative sum or product of `x` along `axis`.
static Value buildCumulative(OpBuilder &builder, Location loc, Value x,
                             int64_t axis, bool exclusive, bool reverse,
                             bool isProduct) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  MLIRContext *context = builder.getContext();
  Type elementType = type.getElementType();
  bool isFloat = isa<FloatType>(elementType);
  Value init =
      isProduct
          ? createFilledTensor(
                builder, loc, type,
                isFloat ? TypedAttr(builder.getFloatAttr(elementType, 1.0))
                        : TypedAttr(builder.getIntegerAttr(elementType, 1)))
          : createZeroTensor(builder, loc, type);

  // Loop dims: the result's, then j (the combined position on the axis).
  SmallVector<AffineExpr> inputExprs;
  for (int64_t d = 0; d < rank; ++d)
    inputExprs.push_back(getAffineDimExpr(d == axis ? rank : d, context));
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank + 1, 0, inputExprs, context),
      AffineMap::getMultiDimIdentityMap(rank, context)};
  maps[1] = AffineMap::get(rank + 1, 0, maps[1].getResults(), context);
  SmallVector<utils::IteratorType> iterators = getParallelIterators(rank);
  iterators.push_back(utils::IteratorType::reduction);
  arith::CmpIPredicate predicate =
      reverse
          ? (exclusive ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::sge)
          : (exclusive ? arith::CmpIPredicate::slt : arith::CmpIPredicate::sle);
  auto generic = linalg::GenericOp::create(
      builder, loc, type, x, init, maps, iterators,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        Value i = linalg::IndexOp::create(b, nestedLoc, axis);
        Value j = linalg::IndexOp::create(b, nestedLoc, rank);
        Value take = arith::CmpIOp::create(b, nestedLoc, predicate, j, i);
        Value identity = createScalarConstant(b, nestedLoc, args[0].getType(),
                                              isProduct ? 1 : 0);
        Value term =
            arith::SelectOp::create(b, nestedLoc, take, args[0], identity);
        Value combined;
        if (isProduct)
          combined =
              isFloat
                  ? Value(arith::MulFOp::create(b, nestedLoc, args[1], term))
                  : Value(arith::MulIOp::create(b, nestedLoc, args[1], term));
        else
          combined =
              isFloat
                  ? Value(arith::AddFOp::create(b, nestedLoc, args[1], term))
                  : Value(arith::AddIOp::create(b, nestedLoc, args[1], term));
        linalg::YieldOp::create(b, nestedLoc, combined);
      });
  return generic.getResult(0);
}

namespace {

template <typename OpTy, bool IsProduct>
struct CumulativeLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    std::string name = IsProduct ? "CumProd" : "CumSum";
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || type.getRank() == 0)
      return rewriter.notifyMatchFailure(op, "needs a ranked input");
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static shape");
    if (isUnsignedInteger(type.getElementType()))
      return rewriter.notifyMatchFailure(
          op, "arith has no ops on unsigned integer elements");
    int64_t rank = type.getRank();
    Location loc = op.getLoc();
    bool exclusive = op.getExclusive() != 0;
    bool reverse = op.getReverse() != 0;

    std::optional<SmallVector<int64_t>> axisValue =
        getConstantIntValues(adaptor.getAxis());
    if (axisValue) {
      if (axisValue->size() != 1)
        return op.emitError(getNodePrefix(op) + name +
                            " axis must be a single value");
      if ((*axisValue)[0] < -rank || (*axisValue)[0] >= rank)
        return op.emitError(getNodePrefix(op) + name + " axis " +
                            std::to_string((*axisValue)[0]) +
                            " is out of range for rank " +
                            std::to_string(rank));
      Value result = buildCumulative(rewriter, loc, x,
                                     normalizeAxis((*axisValue)[0], rank),
                                     exclusive, reverse, IsProduct);
      rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
      return success();
    }

    Value axisTensor = adaptor.getAxis();
    auto axisType = dyn_cast<RankedTensorType>(axisTensor.getType());
    if (!axisType || !axisType.hasStaticShape() ||
        axisType.getNumElements() != 1)
      return op.emitError(getNodePrefix(op) + name +
                          " axis must be a single value");
    Value rankValue = arith::ConstantIndexOp::create(rewriter, loc, rank);
    assertIndicesInRange(rewriter, loc, axisTensor, rankValue,
                         getNodePrefix(op) + name +
                             " axis out of range for rank " +
                             std::to_string(rank));
    SmallVector<Value> zeros(axisType.getRank(),
                             arith::ConstantIndexOp::create(rewriter, loc, 0));
    Value axis = arith::IndexCastOp::create(
        rewriter, loc, rewriter.getIndexType(),
        tensor::ExtractOp::create(rewriter, loc, axisTensor, zeros));
    Value isNegative =
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, axis,
                              arith::ConstantIndexOp::create(rewriter, loc, 0));
    axis = arith::SelectOp::create(
        rewriter, loc, isNegative,
        arith::AddIOp::create(rewriter, loc, axis, rankValue), axis);
    Value result = buildCumulative(rewriter, loc, x, rank - 1, exclusive,
                                   reverse, IsProduct);
    for (int64_t d = rank - 2; d >= 0; --d) {
      Value isAxis = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq, axis,
          arith::ConstantIndexOp::create(rewriter, loc, d));
      Value candidate =
          buildCumulative(rewriter, loc, x, d, exclusive, reverse, IsProduct);
      result =
          arith::SelectOp::create(rewriter, loc, isAxis, candidate, result);
    }
    rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void lowrank::populateONNXCumulativeToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CumulativeLowering<onnx::CumSumOp, false>,
               CumulativeLowering<onnx::CumProdOp, true>>(
      patterns.getContext());
}
