//===- ElementwiseUnary.cpp - onnx to linalg: unary ops and Clip ----------===//
//
// Math functions, activations, Not and Clip. f16 and bf16 are computed in
// f32 and rounded once at the end, as ONNX Runtime does, which also keeps
// libm calls (erf, tan, ...) to types libm has.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>
#include <type_traits>

using namespace mlir;

namespace lowrank {

/// Computes one element of `op` from `x`. `type` is the element type the
/// computation runs in (f32 for half types) and keeps integer signedness.
template <typename OpTy>
using UnaryScalarFn = Value (*)(OpTy op, OpBuilder &b, Location loc, Value x,
                                Type type);

static Value constantLike(OpBuilder &b, Location loc, Value like,
                          double value) {
  return createScalarConstant(b, loc, like.getType(), value);
}

static Value attrConstant(OpBuilder &b, Location loc, Value like,
                          FloatAttr attr) {
  return constantLike(b, loc, like, attr.getValueAsDouble());
}

/// min(max(x, lo), hi) for floats, propagating NaN.
static Value clampFloat(OpBuilder &b, Location loc, Value x, double lo,
                        double hi) {
  Value atLeastLo =
      arith::MaximumFOp::create(b, loc, x, constantLike(b, loc, x, lo));
  return arith::MinimumFOp::create(b, loc, atLeastLo,
                                   constantLike(b, loc, x, hi));
}

static Value createExp(OpBuilder &b, Location loc, Value x) {
  return math::ExpOp::create(b, loc, x);
}

static Value createAbs(OpBuilder &b, Location loc, Value x, Type type) {
  if (isa<FloatType>(type))
    return math::AbsFOp::create(b, loc, x);
  if (isUnsignedInteger(type))
    return x;
  return math::AbsIOp::create(b, loc, x);
}

//===----------------------------------------------------------------------===//
// Element computations
//===----------------------------------------------------------------------===//

static Value computeAbs(onnx::AbsOp, OpBuilder &b, Location loc, Value x,
                        Type type) {
  return createAbs(b, loc, x, type);
}

static Value computeNeg(onnx::NegOp, OpBuilder &b, Location loc, Value x,
                        Type type) {
  if (isa<FloatType>(type))
    return arith::NegFOp::create(b, loc, x);
  return arith::SubIOp::create(b, loc, constantLike(b, loc, x, 0), x);
}

static Value computeSign(onnx::SignOp, OpBuilder &b, Location loc, Value x,
                         Type type) {
  Value zero = constantLike(b, loc, x, 0);
  Value one = constantLike(b, loc, x, 1);
  if (isUnsignedInteger(type)) {
    Value nonZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
    return arith::SelectOp::create(b, loc, nonZero, one, zero);
  }
  Value minusOne = constantLike(b, loc, x, -1);
  Value positive, negative;
  if (isa<FloatType>(type)) {
    using arith::CmpFPredicate;
    positive = arith::CmpFOp::create(b, loc, CmpFPredicate::OGT, x, zero);
    negative = arith::CmpFOp::create(b, loc, CmpFPredicate::OLT, x, zero);
  } else {
    using arith::CmpIPredicate;
    positive = arith::CmpIOp::create(b, loc, CmpIPredicate::sgt, x, zero);
    negative = arith::CmpIOp::create(b, loc, CmpIPredicate::slt, x, zero);
  }
  // Falling back to `x` keeps zeros and lets NaN through, as numpy does.
  Value notPositive = arith::SelectOp::create(b, loc, negative, minusOne, x);
  return arith::SelectOp::create(b, loc, positive, one, notPositive);
}

static Value computeRelu(onnx::ReluOp, OpBuilder &b, Location loc, Value x,
                         Type type) {
  Value zero = constantLike(b, loc, x, 0);
  if (isa<FloatType>(type))
    return arith::MaximumFOp::create(b, loc, x, zero);
  if (isUnsignedInteger(type))
    return x;
  return arith::MaxSIOp::create(b, loc, x, zero);
}

static Value computeReciprocal(onnx::ReciprocalOp, OpBuilder &b, Location loc,
                               Value x, Type) {
  return arith::DivFOp::create(b, loc, constantLike(b, loc, x, 1), x);
}

static Value computeSigmoid(onnx::SigmoidOp, OpBuilder &b, Location loc,
                            Value x, Type) {
  Value one = constantLike(b, loc, x, 1);
  Value expNeg = createExp(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, expNeg));
}

static Value computeSoftplus(onnx::SoftplusOp, OpBuilder &b, Location loc,
                             Value x, Type type) {
  // log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)) without overflow.
  Value positivePart =
      arith::MaximumFOp::create(b, loc, x, constantLike(b, loc, x, 0));
  Value negAbs = arith::NegFOp::create(b, loc, createAbs(b, loc, x, type));
  Value tail = math::Log1pOp::create(b, loc, createExp(b, loc, negAbs));
  return arith::AddFOp::create(b, loc, positivePart, tail);
}

static Value computeSoftsign(onnx::SoftsignOp, OpBuilder &b, Location loc,
                             Value x, Type type) {
  Value denominator = arith::AddFOp::create(b, loc, constantLike(b, loc, x, 1),
                                            createAbs(b, loc, x, type));
  return arith::DivFOp::create(b, loc, x, denominator);
}

static Value computeHardSwish(onnx::HardSwishOp, OpBuilder &b, Location loc,
                              Value x, Type) {
  Value sixth = constantLike(b, loc, x, 1.0 / 6);
  Value scaled =
      arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, x, sixth),
                            constantLike(b, loc, x, 0.5));
  return arith::MulFOp::create(b, loc, x, clampFloat(b, loc, scaled, 0, 1));
}

static Value computeNot(onnx::NotOp, OpBuilder &b, Location loc, Value x,
                        Type) {
  return arith::XOrIOp::create(b, loc, x, constantLike(b, loc, x, 1));
}

static Value computeBitwiseNot(onnx::BitwiseNotOp, OpBuilder &b, Location loc,
                               Value x, Type) {
  Value allOnes = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(x.getType(), -1));
  return arith::XOrIOp::create(b, loc, x, allOnes);
}

static Value computeLeakyRelu(onnx::LeakyReluOp op, OpBuilder &b, Location loc,
                              Value x, Type) {
  Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                         constantLike(b, loc, x, 0));
  Value scaled = arith::MulFOp::create(
      b, loc, attrConstant(b, loc, x, op.getAlphaAttr()), x);
  return arith::SelectOp::create(b, loc, negative, scaled, x);
}

static Value computeElu(onnx::EluOp op, OpBuilder &b, Location loc, Value x,
                        Type) {
  Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                         constantLike(b, loc, x, 0));
  Value scaled = arith::MulFOp::create(
      b, loc, attrConstant(b, loc, x, op.getAlphaAttr()),
      math::ExpM1Op::create(b, loc, x));
  return arith::SelectOp::create(b, loc, negative, scaled, x);
}

static Value computeCelu(onnx::CeluOp op, OpBuilder &b, Location loc, Value x,
                         Type) {
  // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
  Value zero = constantLike(b, loc, x, 0);
  Value alpha = attrConstant(b, loc, x, op.getAlphaAttr());
  Value expm1 =
      math::ExpM1Op::create(b, loc, arith::DivFOp::create(b, loc, x, alpha));
  Value negativePart = arith::MinimumFOp::create(
      b, loc, zero, arith::MulFOp::create(b, loc, alpha, expm1));
  return arith::AddFOp::create(
      b, loc, arith::MaximumFOp::create(b, loc, zero, x), negativePart);
}

static Value computeThresholdedRelu(onnx::ThresholdedReluOp op, OpBuilder &b,
                                    Location loc, Value x, Type) {
  Value above =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                            attrConstant(b, loc, x, op.getAlphaAttr()));
  return arith::SelectOp::create(b, loc, above, x, constantLike(b, loc, x, 0));
}

static Value computeSelu(onnx::SeluOp op, OpBuilder &b, Location loc, Value x,
                         Type) {
  Value alpha = attrConstant(b, loc, x, op.getAlphaAttr());
  Value gamma = attrConstant(b, loc, x, op.getGammaAttr());
  Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                         constantLike(b, loc, x, 0));
  Value scaledExp =
      arith::MulFOp::create(b, loc, alpha, createExp(b, loc, x));
  Value negativePart = arith::SubFOp::create(b, loc, scaledExp, alpha);
  Value selected = arith::SelectOp::create(b, loc, positive, x, negativePart);
  return arith::MulFOp::create(b, loc, gamma, selected);
}

static Value computeHardSigmoid(onnx::HardSigmoidOp op, OpBuilder &b,
                                Location loc, Value x, Type) {
  Value linear = arith::AddFOp::create(
      b, loc,
      arith::MulFOp::create(b, loc, attrConstant(b, loc, x, op.getAlphaAttr()),
                            x),
      attrConstant(b, loc, x, op.getBetaAttr()));
  return clampFloat(b, loc, linear, 0, 1);
}

static Value computeShrink(onnx::ShrinkOp op, OpBuilder &b, Location loc,
                           Value x, Type) {
  Value lambd = attrConstant(b, loc, x, op.getLambdAttr());
  Value bias = attrConstant(b, loc, x, op.getBiasAttr());
  Value below = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                      arith::NegFOp::create(b, loc, lambd));
  Value above =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, lambd);
  Value inside = arith::SelectOp::create(
      b, loc, above, arith::SubFOp::create(b, loc, x, bias),
      constantLike(b, loc, x, 0));
  return arith::SelectOp::create(b, loc, below,
                                 arith::AddFOp::create(b, loc, x, bias), inside);
}

/// The element computation of ops that are a single math op.
template <typename OpTy, typename MathOpTy>
static Value computeMathOp(OpTy, OpBuilder &b, Location loc, Value x, Type) {
  return MathOpTy::create(b, loc, x);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

template <typename OpTy, UnaryScalarFn<OpTy> ComputeFn>
struct UnaryOpLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type type = getElementType(op.getX());
    Type f32 = rewriter.getF32Type();
    bool computeInF32 = type.isF16() || type.isBF16();
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getX(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          if (!computeInF32)
            return ComputeFn(op, b, loc, args[0], type);
          Value wide = arith::ExtFOp::create(b, loc, f32, args[0]);
          Value result = ComputeFn(op, b, loc, wide, f32);
          return arith::TruncFOp::create(b, loc, type, result);
        });
  }
};

/// Clip with optional scalar bounds, read inside the generic through a
/// broadcasting map so that bounds computed at run time work too.
struct ClipOpLowering : OpConversionPattern<onnx::ClipOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ClipOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type type = getElementType(op.getInput());
    SmallVector<Value> operands = {adaptor.getInput()};
    bool hasMin = !isNoneValue(adaptor.getMin());
    bool hasMax = !isNoneValue(adaptor.getMax());
    for (Value bound : {adaptor.getMin(), adaptor.getMax()}) {
      if (isNoneValue(bound))
        continue;
      auto boundType = dyn_cast<RankedTensorType>(bound.getType());
      if (!boundType || !boundType.hasStaticShape() ||
          boundType.getNumElements() != 1)
        return rewriter.notifyMatchFailure(
            op, "min and max must be tensors of one element");
      operands.push_back(bound);
    }
    bool isFloat = isa<FloatType>(type);
    bool isUnsigned = isUnsignedInteger(type);
    return replaceWithElementwiseGeneric(
        rewriter, op, operands,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x = args[0];
          unsigned next = 1;
          if (hasMin) {
            Value min = args[next++];
            if (isFloat)
              x = arith::MaximumFOp::create(b, loc, x, min);
            else if (isUnsigned)
              x = arith::MaxUIOp::create(b, loc, x, min);
            else
              x = arith::MaxSIOp::create(b, loc, x, min);
          }
          if (hasMax) {
            Value max = args[next];
            if (isFloat)
              x = arith::MinimumFOp::create(b, loc, x, max);
            else if (isUnsigned)
              x = arith::MinUIOp::create(b, loc, x, max);
            else
              x = arith::MinSIOp::create(b, loc, x, max);
          }
          return x;
        });
  }
};

/// IsNaN and IsInf: an i1 per element, tested in the input's own type.
template <typename OpTy>
struct FloatClassLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getX(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x = args[0];
          if constexpr (std::is_same_v<OpTy, onnx::IsNaNOp>) {
            return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x,
                                         x);
          } else {
            Value inf = createScalarConstant(
                b, loc, x.getType(), std::numeric_limits<double>::infinity());
            Value negInf = createScalarConstant(
                b, loc, x.getType(), -std::numeric_limits<double>::infinity());
            Value result = createScalarConstant(b, loc, b.getI1Type(), 0);
            if (op.getDetectPositive())
              result = arith::OrIOp::create(
                  b, loc, result,
                  arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x,
                                        inf));
            if (op.getDetectNegative())
              result = arith::OrIOp::create(
                  b, loc, result,
                  arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x,
                                        negInf));
            return result;
          }
        });
  }
};

template <typename OpTy, typename MathOpTy>
using MathOpLowering =
    UnaryOpLowering<OpTy, computeMathOp<OpTy, MathOpTy>>;

} // namespace

void populateElementwiseUnaryPatterns(RewritePatternSet &patterns) {
  patterns.add<
      UnaryOpLowering<onnx::AbsOp, computeAbs>,
      UnaryOpLowering<onnx::NegOp, computeNeg>,
      UnaryOpLowering<onnx::SignOp, computeSign>,
      UnaryOpLowering<onnx::ReluOp, computeRelu>,
      UnaryOpLowering<onnx::ReciprocalOp, computeReciprocal>,
      UnaryOpLowering<onnx::SigmoidOp, computeSigmoid>,
      UnaryOpLowering<onnx::SoftplusOp, computeSoftplus>,
      UnaryOpLowering<onnx::SoftsignOp, computeSoftsign>,
      UnaryOpLowering<onnx::HardSwishOp, computeHardSwish>,
      UnaryOpLowering<onnx::NotOp, computeNot>,
      UnaryOpLowering<onnx::BitwiseNotOp, computeBitwiseNot>,
      FloatClassLowering<onnx::IsNaNOp>, FloatClassLowering<onnx::IsInfOp>,
      UnaryOpLowering<onnx::LeakyReluOp, computeLeakyRelu>,
      UnaryOpLowering<onnx::EluOp, computeElu>,
      UnaryOpLowering<onnx::CeluOp, computeCelu>,
      UnaryOpLowering<onnx::ThresholdedReluOp, computeThresholdedRelu>,
      UnaryOpLowering<onnx::SeluOp, computeSelu>,
      UnaryOpLowering<onnx::HardSigmoidOp, computeHardSigmoid>,
      UnaryOpLowering<onnx::ShrinkOp, computeShrink>,
      MathOpLowering<onnx::SqrtOp, math::SqrtOp>,
      MathOpLowering<onnx::ExpOp, math::ExpOp>,
      MathOpLowering<onnx::LogOp, math::LogOp>,
      MathOpLowering<onnx::TanhOp, math::TanhOp>,
      MathOpLowering<onnx::ErfOp, math::ErfOp>,
      MathOpLowering<onnx::FloorOp, math::FloorOp>,
      MathOpLowering<onnx::CeilOp, math::CeilOp>,
      MathOpLowering<onnx::RoundOp, math::RoundEvenOp>,
      MathOpLowering<onnx::SinOp, math::SinOp>,
      MathOpLowering<onnx::CosOp, math::CosOp>,
      MathOpLowering<onnx::TanOp, math::TanOp>,
      MathOpLowering<onnx::AtanOp, math::AtanOp>,
      MathOpLowering<onnx::AcosOp, math::AcosOp>,
      MathOpLowering<onnx::AsinOp, math::AsinOp>,
      MathOpLowering<onnx::SinhOp, math::SinhOp>,
      MathOpLowering<onnx::CoshOp, math::CoshOp>,
      MathOpLowering<onnx::AsinhOp, math::AsinhOp>,
      MathOpLowering<onnx::AcoshOp, math::AcoshOp>,
      MathOpLowering<onnx::AtanhOp, math::AtanhOp>>(patterns.getContext());
  patterns.add<ClipOpLowering>(patterns.getContext());
}

} // namespace lowrank
