//===- Reduction.cpp - onnx Reduce* ops to linalg -------------------------===//
//
// Every reduction is one linalg.generic with reduction iterators over the
// reduced dimensions, accumulating into a filled init whose indexing map
// writes the result layout directly (size-1 dimensions with keepdims), plus
// an elementwise finalization where the op needs one (mean, L2, log).
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "ReductionBuilders.h"
#include "RuntimeChecks.h"

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Dialect/ONNX/IR/ReductionAxes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {

enum class ReduceKind {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  L1,
  L2,
  LogSum,
  LogSumExp,
  SumSquare
};

} // namespace

static bool needsFloatElements(ReduceKind kind) {
  return kind == ReduceKind::L2 || kind == ReduceKind::LogSum ||
         kind == ReduceKind::LogSumExp;
}

static Value buildAdd(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  if (isa<FloatType>(lhs.getType()))
    return arith::AddFOp::create(b, loc, lhs, rhs);
  return arith::AddIOp::create(b, loc, lhs, rhs);
}

static Value buildMul(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  if (isa<FloatType>(lhs.getType()))
    return arith::MulFOp::create(b, loc, lhs, rhs);
  return arith::MulIOp::create(b, loc, lhs, rhs);
}

static Value buildAbs(OpBuilder &b, Location loc, Value value) {
  if (isa<FloatType>(value.getType()))
    return math::AbsFOp::create(b, loc, value);
  return math::AbsIOp::create(b, loc, value);
}

/// Sums `input` after mapping each element through `map`.
static Value
buildSum(OpBuilder &b, Location loc, Value input, RankedTensorType resultType,
         const ReductionShape &shape, ValueRange resultLayoutInputs,
         function_ref<Value(OpBuilder &, Location, ValueRange)> map) {
  Type elementType = resultType.getElementType();
  return buildReduction(
      b, loc, input, resultType, shape, b.getZeroAttr(elementType),
      resultLayoutInputs,
      [&](OpBuilder &nb, Location nloc, ValueRange elements, Value acc) {
        return buildAdd(nb, nloc, map(nb, nloc, elements), acc);
      });
}

static Value buildMaxMinReduction(OpBuilder &b, Location loc, Value input,
                                  RankedTensorType resultType,
                                  const ReductionShape &shape, bool isMax) {
  return buildReduction(
      b, loc, input, resultType, shape,
      getMaxMinIdentity(resultType.getElementType(), isMax), {},
      [&](OpBuilder &nb, Location nloc, ValueRange elements, Value acc) {
        return buildMaxMin(nb, nloc, elements[0], acc, isMax);
      });
}

static Value lowerReductionInType(OpBuilder &b, Location loc, ReduceKind kind,
                                  Value input, RankedTensorType resultType,
                                  const ReductionShape &shape) {
  auto element = [](OpBuilder &, Location, ValueRange elements) {
    return elements[0];
  };
  auto square = [](OpBuilder &nb, Location nloc, ValueRange elements) {
    return buildMul(nb, nloc, elements[0], elements[0]);
  };
  auto mapResult = [&](Value reduced,
                       function_ref<Value(OpBuilder &, Location, Value)> fn) {
    return buildElementwise(b, loc, resultType, reduced,
                            [&](OpBuilder &nb, Location nloc, ValueRange args) {
                              return fn(nb, nloc, args[0]);
                            });
  };

  switch (kind) {
  case ReduceKind::Sum:
    return buildSum(b, loc, input, resultType, shape, {}, element);
  case ReduceKind::SumSquare:
    return buildSum(b, loc, input, resultType, shape, {}, square);
  case ReduceKind::L1:
    return buildSum(b, loc, input, resultType, shape, {},
                    [](OpBuilder &nb, Location nloc, ValueRange elements) {
                      return buildAbs(nb, nloc, elements[0]);
                    });
  case ReduceKind::L2:
    return mapResult(buildSum(b, loc, input, resultType, shape, {}, square),
                     [](OpBuilder &nb, Location nloc, Value sum) -> Value {
                       return math::SqrtOp::create(nb, nloc, sum);
                     });
  case ReduceKind::LogSum:
    return mapResult(buildSum(b, loc, input, resultType, shape, {}, element),
                     [](OpBuilder &nb, Location nloc, Value sum) -> Value {
                       return math::LogOp::create(nb, nloc, sum);
                     });
  case ReduceKind::Mean: {
    Type elementType = resultType.getElementType();
    Value sum = buildSum(b, loc, input, resultType, shape, {}, element);
    Value count = buildReducedElementCount(b, loc, input, shape, elementType);
    return mapResult(sum, [&](OpBuilder &nb, Location nloc, Value s) -> Value {
      if (isa<FloatType>(elementType))
        return arith::DivFOp::create(nb, nloc, s, count);
      return arith::DivSIOp::create(nb, nloc, s, count);
    });
  }
  case ReduceKind::Max:
  case ReduceKind::Min:
    return buildMaxMinReduction(b, loc, input, resultType, shape,
                                kind == ReduceKind::Max);
  case ReduceKind::Prod:
    return buildReduction(
        b, loc, input, resultType, shape,
        b.getOneAttr(resultType.getElementType()), {},
        [](OpBuilder &nb, Location nloc, ValueRange elements, Value acc) {
          return buildMul(nb, nloc, elements[0], acc);
        });
  case ReduceKind::LogSumExp: {
    // Shifting by the maximum keeps exp from overflowing; an all -inf slice
    // would shift by -inf and give NaN, so it is shifted by 0 instead.
    Value max = buildMaxMinReduction(b, loc, input, resultType, shape, true);
    Value shift = mapResult(max, [](OpBuilder &nb, Location nloc, Value m) {
      Value magnitude = math::AbsFOp::create(nb, nloc, m);
      Value infinity = createScalarConstant(
          nb, nloc, m.getType(), std::numeric_limits<double>::infinity());
      Value isFinite = arith::CmpFOp::create(
          nb, nloc, arith::CmpFPredicate::ONE, magnitude, infinity);
      Value zero = createScalarConstant(nb, nloc, m.getType(), 0.0);
      return arith::SelectOp::create(nb, nloc, isFinite, m, zero).getResult();
    });
    Value sum = buildSum(
        b, loc, input, resultType, shape, shift,
        [](OpBuilder &nb, Location nloc, ValueRange elements) -> Value {
          Value shifted =
              arith::SubFOp::create(nb, nloc, elements[0], elements[1]);
          return math::ExpOp::create(nb, nloc, shifted);
        });
    return buildElementwise(
        b, loc, resultType, ValueRange{sum, shift},
        [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Value log = math::LogOp::create(nb, nloc, args[0]);
          return arith::AddFOp::create(nb, nloc, log, args[1]);
        });
  }
  }
  llvm_unreachable("unknown reduction kind");
}

/// Half-precision sums and products accumulate in float32, as ONNX Runtime
/// does: in float16 a sum of 4096 ones stalls at 2048 and the square of 300
/// overflows. Max and Min are exact in any type.
static Value lowerReduction(OpBuilder &b, Location loc, ReduceKind kind,
                            Value input, RankedTensorType resultType,
                            const ReductionShape &shape) {
  Type elementType = resultType.getElementType();
  bool accumulates = kind != ReduceKind::Max && kind != ReduceKind::Min;
  if (!accumulates || !isa<Float16Type, BFloat16Type>(elementType))
    return lowerReductionInType(b, loc, kind, input, resultType, shape);
  Type f32 = b.getF32Type();
  Value wide = lowerReductionInType(b, loc, kind,
                                    convertFloatElements(b, loc, input, f32),
                                    resultType.clone(f32), shape);
  return convertFloatElements(b, loc, wide, elementType);
}

/// Checks what every reduction needs before any IR is created.
static LogicalResult checkReducible(ConversionPatternRewriter &rewriter,
                                    Operation *op, ReduceKind kind, Value input,
                                    Type resultType,
                                    const ReductionShape &shape) {
  auto inputType = dyn_cast<RankedTensorType>(input.getType());
  auto rankedResult = dyn_cast<RankedTensorType>(resultType);
  if (!inputType || !rankedResult)
    return rewriter.notifyMatchFailure(op, "needs ranked tensors");
  Type elementType = inputType.getElementType();
  if (!isArithElementType(elementType))
    return rewriter.notifyMatchFailure(
        op, "arith has no ops on unsigned integer elements");
  if (needsFloatElements(kind) && !isa<FloatType>(elementType))
    return rewriter.notifyMatchFailure(op, "needs float elements");
  if (rankedResult.getRank() !=
      static_cast<int64_t>(shape.getResultShape(inputType.getShape()).size()))
    return rewriter.notifyMatchFailure(op,
                                       "result rank disagrees with the axes");
  return success();
}

/// Normalized, sorted axes; fails on an axis out of range or repeated.
static FailureOr<SmallVector<int64_t>> normalizeAxes(ArrayRef<int64_t> axes,
                                                     int64_t rank) {
  SmallVector<int64_t> normalized;
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank)
      return failure();
    normalized.push_back(normalizeAxis(axis, rank));
  }
  llvm::sort(normalized);
  if (std::adjacent_find(normalized.begin(), normalized.end()) !=
      normalized.end())
    return failure();
  return normalized;
}

/// Lowers a reduction over the axes held by the run-time tensor `axes`: the
/// dimensions it lists (all of them when it is empty, none with
/// `noopWithEmptyAxes`) are found and checked by the generated code.
static LogicalResult
lowerRuntimeAxesReduction(ConversionPatternRewriter &rewriter, Operation *op,
                          ReduceKind kind, Value input, Value axes,
                          bool keepDims, bool noopWithEmptyAxes) {
  auto inputType = dyn_cast<RankedTensorType>(input.getType());
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  auto axesType = dyn_cast<RankedTensorType>(axes.getType());
  if (!inputType || !resultType || !axesType || axesType.getRank() != 1)
    return rewriter.notifyMatchFailure(op, "needs ranked tensors, 1-D axes");
  Type elementType = inputType.getElementType();
  if (!isArithElementType(elementType))
    return rewriter.notifyMatchFailure(
        op, "arith has no ops on unsigned integer elements");
  if (needsFloatElements(kind) && !isa<FloatType>(elementType))
    return rewriter.notifyMatchFailure(op, "needs float elements");
  int64_t rank = inputType.getRank();
  if (keepDims ? resultType.getRank() != rank : resultType.getRank() > rank)
    return rewriter.notifyMatchFailure(op,
                                       "result rank disagrees with the input");
  Location loc = op->getLoc();
  std::string prefix =
      getNodePrefix(op) + op->getName().stripDialect().str() + ": ";
  Value isEmpty;
  SmallVector<Value> listed =
      buildListedAxesMask(rewriter, loc, axes, rank, prefix, isEmpty);
  Value whenEmpty = arith::ConstantIntOp::create(
      rewriter, loc, rewriter.getI1Type(), noopWithEmptyAxes ? 0 : 1);
  SmallVector<Value> reduced;
  for (Value dimListed : listed)
    reduced.push_back(
        arith::SelectOp::create(rewriter, loc, isEmpty, whenEmpty, dimListed));
  RuntimeReductionShape runtime = buildRuntimeReductionShape(
      rewriter, loc, input, reduced, keepDims, resultType, prefix);
  ReductionShape shape;
  shape.reducedDims.assign(rank, false);
  shape.keepDims = keepDims;
  shape.runtime = &runtime;
  rewriter.replaceOp(
      op, lowerReduction(rewriter, loc, kind, input, resultType, shape));
  return success();
}

namespace {

/// ReduceMean, ReduceMax, ... with the `axes` attribute (opset 13 to 17),
/// or with axes computed at run time (opset 18 on).
template <typename OpTy, ReduceKind Kind>
struct ReduceWithAxesAttrLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getData();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    if (!inputType)
      return rewriter.notifyMatchFailure(op, "needs a ranked input");
    SmallVector<int64_t> rawAxes(op.getAxes().value_or(ArrayRef<int64_t>{}));
    if (Value dynamicAxes = adaptor.getDynamicAxes()) {
      std::optional<SmallVector<int64_t>> constantAxes =
          getConstantIntValues(dynamicAxes);
      if (!constantAxes)
        return lowerRuntimeAxesReduction(rewriter, op, Kind, input, dynamicAxes,
                                         op.getKeepdims() != 0,
                                         op.getNoopWithEmptyAxes() != 0);
      rawAxes = std::move(*constantAxes);
    }
    // No axes with noop_with_empty_axes reduce over no axis: the data, through
    // the reduction's element maps (squared, absolute, logarithm, ...), as
    // ONNX's reference computes it.
    bool noop = rawAxes.empty() && op.getNoopWithEmptyAxes() != 0;
    if (noop && Kind == ReduceKind::Sum && input.getType() == op.getType()) {
      rewriter.replaceOp(op, input);
      return success();
    }
    FailureOr<SmallVector<int64_t>> axes =
        normalizeAxes(rawAxes, inputType.getRank());
    if (failed(axes))
      return rewriter.notifyMatchFailure(op, "axes out of range or repeated");
    ReductionShape shape = ReductionShape::fromAxes(*axes, inputType.getRank(),
                                                    op.getKeepdims() != 0);
    if (noop)
      shape.reducedDims.assign(inputType.getRank(), false);
    auto resultType = cast<RankedTensorType>(op.getType());
    Type unsignedElement = inputType.getElementType();
    bool widen = (Kind == ReduceKind::Max || Kind == ReduceKind::Min) &&
                 isWidenableUnsigned(unsignedElement);
    if (widen) {
      // Unsigned values compare as signed ones of twice the width.
      input = widenUnsignedElements(rewriter, op.getLoc(), input);
      resultType = resultType.clone(
          cast<RankedTensorType>(input.getType()).getElementType());
    }
    if (failed(checkReducible(rewriter, op, Kind, input, resultType, shape)))
      return failure();
    Value result =
        lowerReduction(rewriter, op.getLoc(), Kind, input, resultType, shape);
    if (widen)
      result = narrowToUnsignedElements(rewriter, op.getLoc(), result,
                                        unsignedElement);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ReduceSum (opset 13), whose axes are a constant input.
struct ReduceSumLowering : OpConversionPattern<onnx::ReduceSumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ReduceSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getData();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    if (!inputType)
      return rewriter.notifyMatchFailure(op, "needs a ranked input");
    bool keepDims = op.getKeepdims() != 0;
    SmallVector<int64_t> rawAxes;
    if (!isNoneValue(op.getAxes())) {
      std::optional<SmallVector<int64_t>> constantAxes =
          getConstantIntValues(op.getAxes());
      auto resultType = dyn_cast<RankedTensorType>(op.getType());
      if (!constantAxes && resultType)
        constantAxes =
            onnx::inferReductionAxes(inputType, resultType, keepDims);
      if (!constantAxes)
        return lowerRuntimeAxesReduction(rewriter, op, ReduceKind::Sum, input,
                                         adaptor.getAxes(), keepDims,
                                         op.getNoopWithEmptyAxes() != 0);
      // Only size-1 dimensions are reduced: the data passes unchanged.
      if (constantAxes->empty() && input.getType() == op.getType()) {
        rewriter.replaceOp(op, input);
        return success();
      }
      rawAxes = std::move(*constantAxes);
    }
    if (rawAxes.empty() && op.getNoopWithEmptyAxes() != 0) {
      if (input.getType() != op.getType())
        return rewriter.notifyMatchFailure(
            op, "identity reduction changes the type");
      rewriter.replaceOp(op, input);
      return success();
    }
    FailureOr<SmallVector<int64_t>> axes =
        normalizeAxes(rawAxes, inputType.getRank());
    if (failed(axes))
      return rewriter.notifyMatchFailure(op, "axes out of range or repeated");
    ReductionShape shape =
        ReductionShape::fromAxes(*axes, inputType.getRank(), keepDims);
    if (failed(checkReducible(rewriter, op, ReduceKind::Sum, input,
                              op.getType(), shape)))
      return failure();
    rewriter.replaceOp(
        op, lowerReduction(rewriter, op.getLoc(), ReduceKind::Sum, input,
                           cast<RankedTensorType>(op.getType()), shape));
    return success();
  }
};

} // namespace

void lowrank::populateONNXReductionToLinalgPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns
      .add<ReduceWithAxesAttrLowering<onnx::ReduceMeanOp, ReduceKind::Mean>,
           ReduceWithAxesAttrLowering<onnx::ReduceMaxOp, ReduceKind::Max>,
           ReduceWithAxesAttrLowering<onnx::ReduceMinOp, ReduceKind::Min>,
           ReduceWithAxesAttrLowering<onnx::ReduceProdOp, ReduceKind::Prod>,
           ReduceWithAxesAttrLowering<onnx::ReduceL1Op, ReduceKind::L1>,
           ReduceWithAxesAttrLowering<onnx::ReduceL2Op, ReduceKind::L2>,
           ReduceWithAxesAttrLowering<onnx::ReduceLogSumOp, ReduceKind::LogSum>,
           ReduceWithAxesAttrLowering<onnx::ReduceLogSumExpOp,
                                      ReduceKind::LogSumExp>,
           ReduceWithAxesAttrLowering<onnx::ReduceSumSquareOp,
                                      ReduceKind::SumSquare>,
           ReduceSumLowering>(context);
  populateONNXArgReduceToLinalgPatterns(patterns);
  populateONNXSoftmaxToLinalgPatterns(patterns);
}
