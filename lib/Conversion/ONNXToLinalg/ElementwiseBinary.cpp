//===- ElementwiseBinary.cpp - onnx to linalg: broadcasting n-ary ops -----===//
//
// Arithmetic, Pow, Mod, PRelu, comparisons, logical ops, the variadic
// Min/Max/Sum/Mean and Where. Each is one linalg.generic over the result
// shape whose operands are read through broadcasting indexing maps.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace lowrank {

/// Combines two elements of type `type` (signedness kept, values signless).
using BinaryScalarFn = Value (*)(OpBuilder &b, Location loc, Value lhs,
                                 Value rhs, Type type);

/// Picks the float, signed or unsigned flavour of an arith op.
template <typename FloatOpTy, typename SignedOpTy, typename UnsignedOpTy>
static Value computeByKind(OpBuilder &b, Location loc, Value lhs, Value rhs,
                           Type type) {
  if (isa<FloatType>(type))
    return FloatOpTy::create(b, loc, lhs, rhs);
  if (isUnsignedInteger(type) || type.isInteger(1))
    return UnsignedOpTy::create(b, loc, lhs, rhs);
  return SignedOpTy::create(b, loc, lhs, rhs);
}

template <typename IntOpTy>
static Value computeIntOnly(OpBuilder &b, Location loc, Value lhs, Value rhs,
                            Type) {
  return IntOpTy::create(b, loc, lhs, rhs);
}

template <arith::CmpFPredicate FloatPredicate,
          arith::CmpIPredicate SignedPredicate,
          arith::CmpIPredicate UnsignedPredicate>
static Value computeCompare(OpBuilder &b, Location loc, Value lhs, Value rhs,
                            Type type) {
  if (isa<FloatType>(type))
    return arith::CmpFOp::create(b, loc, FloatPredicate, lhs, rhs);
  if (isUnsignedInteger(type) || type.isInteger(1))
    return arith::CmpIOp::create(b, loc, UnsignedPredicate, lhs, rhs);
  return arith::CmpIOp::create(b, loc, SignedPredicate, lhs, rhs);
}

static Value computePRelu(OpBuilder &b, Location loc, Value x, Value slope,
                          Type type) {
  if (isUnsignedInteger(type))
    return x;
  Value zero = createScalarConstant(b, loc, x.getType(), 0);
  Value negative =
      isa<FloatType>(type)
          ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero)
                .getResult()
          : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero)
                .getResult();
  Value scaled = isa<FloatType>(type)
                     ? arith::MulFOp::create(b, loc, slope, x).getResult()
                     : arith::MulIOp::create(b, loc, slope, x).getResult();
  return arith::SelectOp::create(b, loc, negative, scaled, x);
}

/// Mod with fmod=0: the remainder takes the sign of the divisor (Python %).
static Value computeFloorMod(OpBuilder &b, Location loc, Value lhs, Value rhs,
                             Type type) {
  if (isUnsignedInteger(type))
    return createSafeIntegerRemainder(b, loc, lhs, rhs, /*isUnsigned=*/true);
  bool isFloat = isa<FloatType>(type);
  Value remainder = isFloat
                        ? arith::RemFOp::create(b, loc, lhs, rhs).getResult()
                        : createSafeIntegerRemainder(b, loc, lhs, rhs,
                                                     /*isUnsigned=*/false);
  Value zero = createScalarConstant(b, loc, lhs.getType(), 0);
  auto isNegative = [&](Value v) -> Value {
    if (isFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, v, zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v, zero);
  };
  Value nonZero = isFloat
                      ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ONE,
                                              remainder, zero)
                            .getResult()
                      : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                              remainder, zero)
                            .getResult();
  Value signsDiffer =
      arith::XOrIOp::create(b, loc, isNegative(remainder), isNegative(rhs));
  Value needsAdjust = arith::AndIOp::create(b, loc, nonZero, signsDiffer);
  Value adjusted =
      isFloat ? arith::AddFOp::create(b, loc, remainder, rhs).getResult()
              : arith::AddIOp::create(b, loc, remainder, rhs).getResult();
  return arith::SelectOp::create(b, loc, needsAdjust, adjusted, remainder);
}

/// Div; integer quotients never trap (see createSafeIntegerDivision).
static Value computeDivision(OpBuilder &b, Location loc, Value lhs, Value rhs,
                             Type type) {
  if (isa<FloatType>(type))
    return arith::DivFOp::create(b, loc, lhs, rhs);
  return createSafeIntegerDivision(
      b, loc, lhs, rhs, isUnsignedInteger(type) || type.isInteger(1));
}

/// Mod with fmod=1: the remainder takes the sign of the dividend (C fmod).
static Value computeTruncatingMod(OpBuilder &b, Location loc, Value lhs,
                                  Value rhs, Type type) {
  if (isa<FloatType>(type))
    return arith::RemFOp::create(b, loc, lhs, rhs);
  return createSafeIntegerRemainder(
      b, loc, lhs, rhs, isUnsignedInteger(type) || type.isInteger(1));
}

/// Before an integer Div or Mod that computes anything, asserts that its
/// divisor (the converted operand `divisor`) has no zero element, as ONNX
/// Runtime checks.
static void assertNonZeroDivisor(OpBuilder &b, Operation *op, Value divisor) {
  Type type = getElementType(op->getOperand(1));
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!isa<IntegerType>(type) || !resultType ||
      (resultType.hasStaticShape() && resultType.getNumElements() == 0) ||
      !isa<RankedTensorType>(divisor.getType()))
    return;
  assertForAllElements(
      b, op->getLoc(), divisor,
      [](OpBuilder &nested, Location loc, Value element) -> Value {
        Value zero = createScalarConstant(nested, loc, element.getType(), 0);
        return arith::CmpIOp::create(nested, loc, arith::CmpIPredicate::ne,
                                     element, zero);
      },
      getNodePrefix(op) + op->getName().stripDialect().str() +
          ": integer division by zero");
}

/// Pow computes in f64 (f32 for float bases narrower than f64 with a non-f64
/// exponent) and converts back to the base type, matching std::pow as used by
/// ONNX Runtime, including truncation of integer results.
static Value computePow(OpBuilder &b, Location loc, Value base, Value exponent,
                        Type baseType, Type exponentType) {
  bool useF32 =
      isa<FloatType>(baseType) && !baseType.isF64() && !exponentType.isF64();
  Type computeType = useF32 ? Type(b.getF32Type()) : Type(b.getF64Type());
  Value wideBase = convertScalar(b, loc, base, baseType, computeType);
  Value wideExponent =
      convertScalar(b, loc, exponent, exponentType, computeType);
  Value power = math::PowFOp::create(b, loc, wideBase, wideExponent);
  return convertScalar(b, loc, power, computeType, baseType);
}

namespace {

template <typename OpTy, BinaryScalarFn ComputeFn>
struct BinaryOpLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type type = getElementType(op->getOperand(0));
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return ComputeFn(b, loc, args[0], args[1], type);
        });
  }
};

/// Shifts; a shift by the width or more (or, for signed types, by a
/// negative amount) gives 0, or -1 for a right shift of a negative signed
/// value, as in ONNX Runtime (arith leaves such shifts undefined). Right
/// shifts of signed types are arithmetic.
struct BitShiftOpLowering : OpConversionPattern<onnx::BitShiftOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::BitShiftOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    bool left = op.getDirection() == "LEFT";
    bool isSigned = !isUnsignedInteger(getElementType(op.getX()));
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x = args[0], amount = args[1];
          Type type = x.getType();
          unsigned width = type.getIntOrFloatBitWidth();
          Value zero = createScalarConstant(b, loc, type, 0);
          Value shifted;
          if (left)
            shifted = arith::ShLIOp::create(b, loc, x, amount);
          else if (isSigned)
            shifted = arith::ShRSIOp::create(b, loc, x, amount);
          else
            shifted = arith::ShRUIOp::create(b, loc, x, amount);
          // Unsigned comparison: a negative signed amount is out of range.
          Value inRange = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ult, amount,
              createScalarConstant(b, loc, type, width));
          Value outside = zero;
          if (!left && isSigned) {
            Value negative = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::slt, x, zero);
            outside = arith::SelectOp::create(
                b, loc, negative, createScalarConstant(b, loc, type, -1),
                zero);
          }
          return arith::SelectOp::create(b, loc, inRange, shifted, outside);
        });
  }
};

struct ModOpLowering : OpConversionPattern<onnx::ModOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ModOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type type = getElementType(op.getA());
    bool truncating = op.getFmod() == 1;
    assertNonZeroDivisor(rewriter, op, adaptor.getB());
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          if (truncating)
            return computeTruncatingMod(b, loc, args[0], args[1], type);
          return computeFloorMod(b, loc, args[0], args[1], type);
        });
  }
};

struct DivOpLowering : OpConversionPattern<onnx::DivOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DivOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type type = getElementType(op.getA());
    assertNonZeroDivisor(rewriter, op, adaptor.getB());
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return computeDivision(b, loc, args[0], args[1], type);
        });
  }
};

struct PowOpLowering : OpConversionPattern<onnx::PowOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::PowOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type baseType = getElementType(op.getA());
    Type exponentType = getElementType(op.getB());
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return computePow(b, loc, args[0], args[1], baseType, exponentType);
        });
  }
};

/// Folds the inputs of Min, Max, Sum and Mean left to right; Mean divides
/// the sum by the number of inputs.
template <typename OpTy, BinaryScalarFn CombineFn, bool IsMean = false>
struct VariadicOpLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ValueRange inputs = adaptor.getOperands();
    if (inputs.empty())
      return rewriter.notifyMatchFailure(op, "needs at least one input");
    Type type = getElementType(op->getResult(0));
    return replaceWithElementwiseGeneric(
        rewriter, op, inputs, [&](OpBuilder &b, Location loc, ValueRange args) {
          Value accumulator = args[0];
          for (Value arg : args.drop_front())
            accumulator = CombineFn(b, loc, accumulator, arg, type);
          if (!IsMean)
            return accumulator;
          Value count =
              createScalarConstant(b, loc, accumulator.getType(), args.size());
          return computeByKind<arith::DivFOp, arith::DivSIOp, arith::DivUIOp>(
              b, loc, accumulator, count, type);
        });
  }
};

struct WhereOpLowering : OpConversionPattern<onnx::WhereOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::WhereOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
        });
  }
};

} // namespace

void populateElementwiseBinaryPatterns(RewritePatternSet &patterns) {
  using arith::CmpFPredicate;
  using arith::CmpIPredicate;
  MLIRContext *context = patterns.getContext();
  patterns.add<
      BinaryOpLowering<onnx::AddOp, computeByKind<arith::AddFOp, arith::AddIOp,
                                                  arith::AddIOp>>,
      BinaryOpLowering<onnx::SubOp, computeByKind<arith::SubFOp, arith::SubIOp,
                                                  arith::SubIOp>>,
      BinaryOpLowering<onnx::MulOp, computeByKind<arith::MulFOp, arith::MulIOp,
                                                  arith::MulIOp>>,
      BinaryOpLowering<onnx::PReluOp, computePRelu>,
      BinaryOpLowering<onnx::EqualOp,
                       computeCompare<CmpFPredicate::OEQ, CmpIPredicate::eq,
                                      CmpIPredicate::eq>>,
      BinaryOpLowering<onnx::LessOp,
                       computeCompare<CmpFPredicate::OLT, CmpIPredicate::slt,
                                      CmpIPredicate::ult>>,
      BinaryOpLowering<onnx::LessOrEqualOp,
                       computeCompare<CmpFPredicate::OLE, CmpIPredicate::sle,
                                      CmpIPredicate::ule>>,
      BinaryOpLowering<onnx::GreaterOp,
                       computeCompare<CmpFPredicate::OGT, CmpIPredicate::sgt,
                                      CmpIPredicate::ugt>>,
      BinaryOpLowering<onnx::GreaterOrEqualOp,
                       computeCompare<CmpFPredicate::OGE, CmpIPredicate::sge,
                                      CmpIPredicate::uge>>,
      BinaryOpLowering<onnx::AndOp, computeIntOnly<arith::AndIOp>>,
      BinaryOpLowering<onnx::OrOp, computeIntOnly<arith::OrIOp>>,
      BinaryOpLowering<onnx::XorOp, computeIntOnly<arith::XOrIOp>>,
      BinaryOpLowering<onnx::BitwiseAndOp, computeIntOnly<arith::AndIOp>>,
      BinaryOpLowering<onnx::BitwiseOrOp, computeIntOnly<arith::OrIOp>>,
      BinaryOpLowering<onnx::BitwiseXorOp, computeIntOnly<arith::XOrIOp>>,
      BitShiftOpLowering>(context);
  // Float Min/Max propagate NaN, as ONNX Runtime does.
  patterns.add<
      VariadicOpLowering<
          onnx::MinOp,
          computeByKind<arith::MinimumFOp, arith::MinSIOp, arith::MinUIOp>>,
      VariadicOpLowering<
          onnx::MaxOp,
          computeByKind<arith::MaximumFOp, arith::MaxSIOp, arith::MaxUIOp>>,
      VariadicOpLowering<
          onnx::SumOp,
          computeByKind<arith::AddFOp, arith::AddIOp, arith::AddIOp>>,
      VariadicOpLowering<
          onnx::MeanOp,
          computeByKind<arith::AddFOp, arith::AddIOp, arith::AddIOp>,
          /*IsMean=*/true>>(context);
  patterns.add<DivOpLowering, ModOpLowering, PowOpLowering, WhereOpLowering>(
      context);
}

} // namespace lowrank
