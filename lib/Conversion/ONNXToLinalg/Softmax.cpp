//===- Softmax.cpp - onnx Softmax and LogSoftmax to linalg ----------------===//
//
// Opset 13 semantics: both normalize along the single dimension `axis`;
// with `flatten_from_axis` (opsets 1 to 12) along every dimension from
// `axis` on.
// The maximum along the axis is subtracted before exponentiating so exp
// never overflows; the maximum and the sum keep the input's rank with a
// size-1 axis and are broadcast back along it.
//
//===----------------------------------------------------------------------===//

#include "ReductionBuilders.h"

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {

/// What Softmax and LogSoftmax share: the input, its axis and the layouts.
struct SoftmaxOperands {
  Value input;
  RankedTensorType type;
  RankedTensorType reducedType;
  ReductionShape shape;
  AffineMap identityMap;
  AffineMap reducedMap;
};

} // namespace

static FailureOr<SoftmaxOperands>
getSoftmaxOperands(ConversionPatternRewriter &rewriter, Operation *op,
                   Value input, int64_t axis, bool flattenFromAxis) {
  auto type = dyn_cast<RankedTensorType>(input.getType());
  if (!type || type.getRank() == 0)
    return rewriter.notifyMatchFailure(op, "needs a ranked non-scalar input");
  if (type != op->getResult(0).getType())
    return rewriter.notifyMatchFailure(op, "result type differs from input");
  int64_t rank = type.getRank();
  SoftmaxOperands operands;
  operands.input = input;
  operands.type = type;
  SmallVector<int64_t> axes = {normalizeAxis(axis, rank)};
  if (flattenFromAxis)
    for (int64_t dim = axes.front() + 1; dim < rank; ++dim)
      axes.push_back(dim);
  operands.shape = ReductionShape::fromAxes(axes, rank, /*keepDims=*/true);
  operands.reducedType =
      type.clone(operands.shape.getResultShape(type.getShape()));
  MLIRContext *context = rewriter.getContext();
  operands.identityMap = AffineMap::getMultiDimIdentityMap(rank, context);
  operands.reducedMap = operands.shape.getResultMap(context);
  return operands;
}

static Value buildMaxAlongAxis(OpBuilder &b, Location loc,
                               const SoftmaxOperands &operands) {
  return buildReduction(
      b, loc, operands.input, operands.reducedType, operands.shape,
      getMaxMinIdentity(operands.type.getElementType(), /*isMax=*/true), {},
      [](OpBuilder &nb, Location nloc, ValueRange elements, Value acc) {
        return buildMaxMin(nb, nloc, elements[0], acc, /*isMax=*/true);
      });
}

namespace {

struct SoftmaxLowering : OpConversionPattern<onnx::SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<SoftmaxOperands> operands =
        getSoftmaxOperands(rewriter, op, adaptor.getInput(), op.getAxis(),
                           op.getFlattenFromAxis());
    if (failed(operands))
      return failure();
    Location loc = op.getLoc();
    Value max = buildMaxAlongAxis(rewriter, loc, *operands);
    // The exponentials are kept rather than recomputed for the division.
    Value exps = buildParallelGeneric(
        rewriter, loc, operands->type, operands->input,
        ValueRange{operands->input, max},
        {operands->identityMap, operands->reducedMap},
        [](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          Value shifted = arith::SubFOp::create(b, nloc, args[0], args[1]);
          return math::ExpOp::create(b, nloc, shifted);
        });
    Value sum = buildReduction(
        rewriter, loc, exps, operands->reducedType, operands->shape,
        rewriter.getZeroAttr(operands->type.getElementType()), {},
        [](OpBuilder &b, Location nloc, ValueRange elements, Value acc) {
          return arith::AddFOp::create(b, nloc, elements[0], acc).getResult();
        });
    Value result = buildParallelGeneric(
        rewriter, loc, operands->type, operands->input, ValueRange{exps, sum},
        {operands->identityMap, operands->reducedMap},
        [](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          return arith::DivFOp::create(b, nloc, args[0], args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LogSoftmaxLowering : OpConversionPattern<onnx::LogSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LogSoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<SoftmaxOperands> operands =
        getSoftmaxOperands(rewriter, op, adaptor.getInput(), op.getAxis(),
                           op.getFlattenFromAxis());
    if (failed(operands))
      return failure();
    Location loc = op.getLoc();
    Value max = buildMaxAlongAxis(rewriter, loc, *operands);
    Value sum = buildReduction(
        rewriter, loc, operands->input, operands->reducedType, operands->shape,
        rewriter.getZeroAttr(operands->type.getElementType()), max,
        [](OpBuilder &b, Location nloc, ValueRange elements,
           Value acc) -> Value {
          Value shifted =
              arith::SubFOp::create(b, nloc, elements[0], elements[1]);
          Value exp = math::ExpOp::create(b, nloc, shifted);
          return arith::AddFOp::create(b, nloc, exp, acc);
        });
    // log(softmax(x)) = (x - max) - log(sum). Subtracting the maximum first
    // keeps the small log(sum) from being rounded away against a large max.
    Value logSum = buildElementwise(
        rewriter, loc, operands->reducedType, sum,
        [](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          return math::LogOp::create(b, nloc, args[0]);
        });
    Value result = buildParallelGeneric(
        rewriter, loc, operands->type, operands->input,
        ValueRange{operands->input, max, logSum},
        {operands->identityMap, operands->reducedMap, operands->reducedMap},
        [](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          Value shifted = arith::SubFOp::create(b, nloc, args[0], args[1]);
          return arith::SubFOp::create(b, nloc, shifted, args[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowrank::populateONNXSoftmaxToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxLowering, LogSoftmaxLowering>(patterns.getContext());
}
