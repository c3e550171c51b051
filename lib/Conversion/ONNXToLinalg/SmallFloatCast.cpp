//===- SmallFloatCast.cpp - Scalar casts to and from 8- and 4-bit floats --===//
//
// LLVM has no 8- or 4-bit float types: the LLVM type converter stores
// f8E4M3FN, f8E4M3FNUZ, f8E5M2, f8E5M2FNUZ, f8E8M0FNU and f4E2M1FN as i8
// and i4, and arith.extf/truncf on them do not lower. Casts go through f32
// with integer arithmetic on the bits instead: decoding is exact, encoding
// rounds to nearest even (E8M0 rounds up, as ONNX's default round_mode) and
// handles overflow as ONNX Cast's `saturate` asks. The same code runs on
// the CPU and in GPU kernels.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/APFloat.h"

using namespace mlir;

namespace lowrank {

bool isSmallFloat(Type type) {
  auto floatType = dyn_cast<FloatType>(type);
  return floatType && floatType.getWidth() <= 8;
}

namespace {

/// How a small float type spends its encodings on non-finite values.
enum class NonFinite {
  IEEE,         // E5M2: exponent all ones is infinity (mantissa 0) or NaN
  AllOnesNaN,   // E4M3FN: only S.1111.111 is NaN, no infinities
  NegZeroNaN,   // FNUZ types: 0x80 is the only NaN, no -0 nor infinities
  ExponentOnly, // E8M0: unsigned powers of two, 0xFF is NaN, no zero
  None,         // E2M1: finite values only
};

/// The layout of a small float type, derived from its APFloat semantics.
struct SmallFloatFormat {
  unsigned width;
  unsigned mantissaBits;
  int minExponent; // of the smallest normal number
  bool hasSign;
  NonFinite nonFinite;
  const llvm::fltSemantics *semantics;

  explicit SmallFloatFormat(FloatType type)
      : width(type.getWidth()), semantics(&type.getFloatSemantics()) {
    mantissaBits = llvm::APFloat::semanticsPrecision(*semantics) - 1;
    minExponent = llvm::APFloat::semanticsMinExponent(*semantics);
    hasSign = llvm::APFloat::semanticsHasSignedRepr(*semantics);
    if (isa<Float8E5M2Type>(type))
      nonFinite = NonFinite::IEEE;
    else if (isa<Float8E4M3FNType>(type))
      nonFinite = NonFinite::AllOnesNaN;
    else if (isa<Float8E4M3FNUZType, Float8E5M2FNUZType>(type))
      nonFinite = NonFinite::NegZeroNaN;
    else if (isa<Float8E8M0FNUType>(type))
      nonFinite = NonFinite::ExponentOnly;
    else
      nonFinite = NonFinite::None;
  }

  /// Bits of the largest finite value (positive).
  uint32_t largestCode() const {
    return llvm::APFloat::getLargest(*semantics)
        .bitcastToAPInt()
        .getZExtValue();
  }
  /// The largest finite value as a float32.
  float largestValue() const {
    return llvm::APFloat::getLargest(*semantics).convertToFloat();
  }
};

/// Builds i32 scalar arithmetic at one insertion point.
struct BitBuilder {
  OpBuilder &b;
  Location loc;

  Value i32(int64_t value) {
    return arith::ConstantIntOp::create(b, loc, value, 32);
  }
  Value f32(float value) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                          llvm::APFloat(value));
  }
  Value shl(Value v, int64_t n) {
    return arith::ShLIOp::create(b, loc, v, i32(n));
  }
  Value shr(Value v, int64_t n) {
    return arith::ShRUIOp::create(b, loc, v, i32(n));
  }
  Value mask(Value v, int64_t m) {
    return arith::AndIOp::create(b, loc, v, i32(m));
  }
  Value eq(Value v, int64_t c) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, i32(c));
  }
  Value select(Value cond, Value t, Value f) {
    return arith::SelectOp::create(b, loc, cond, t, f);
  }
  Value toBits(Value f) {
    return arith::BitcastOp::create(b, loc, b.getI32Type(), f);
  }
  Value toFloat(Value bits) {
    return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
  }
};

} // namespace

Value extendSmallFloat(OpBuilder &builder, Location loc, Value value) {
  auto type = cast<FloatType>(value.getType());
  SmallFloatFormat format(type);
  BitBuilder bb{builder, loc};
  unsigned m = format.mantissaBits;
  Value raw = arith::BitcastOp::create(
      builder, loc, builder.getIntegerType(format.width), value);
  Value bits = arith::ExtUIOp::create(builder, loc, builder.getI32Type(), raw);

  if (format.nonFinite == NonFinite::ExponentOnly) {
    // 2^(bits - 127); 0 is 2^-127, a float32 subnormal; 0xFF is NaN.
    Value normal = bb.toFloat(bb.shl(bits, 23));
    Value result =
        bb.select(bb.eq(bits, 0), bb.toFloat(bb.i32(0x00400000)), normal);
    return bb.select(bb.eq(bits, 0xFF), bb.f32(NAN), result);
  }

  unsigned signShift = format.width - 1;
  Value magnitude = bb.mask(bits, (1 << signShift) - 1);
  Value exponent = bb.shr(magnitude, m);
  Value mantissa = bb.mask(magnitude, (1 << m) - 1);
  // Normal numbers: rebias the exponent and left-align the mantissa.
  int bias = 1 - format.minExponent;
  Value normalBits = arith::OrIOp::create(
      builder, loc,
      bb.shl(arith::AddIOp::create(builder, loc, exponent, bb.i32(127 - bias)),
             23),
      bb.shl(mantissa, 23 - m));
  // Subnormals: mantissa * 2^(minExponent - m), exact in float32.
  Value subnormal = arith::MulFOp::create(
      builder, loc,
      arith::UIToFPOp::create(builder, loc, builder.getF32Type(), mantissa),
      bb.f32(std::ldexp(1.0f, format.minExponent - static_cast<int>(m))));
  Value result =
      bb.select(bb.eq(exponent, 0), subnormal, bb.toFloat(normalBits));
  Value sign = bb.shl(bb.shr(bits, signShift), 31);
  result =
      bb.toFloat(arith::OrIOp::create(builder, loc, bb.toBits(result), sign));

  int64_t allOnesExponent = (1 << (signShift - m)) - 1;
  switch (format.nonFinite) {
  case NonFinite::IEEE: {
    Value infinity = bb.toFloat(
        arith::OrIOp::create(builder, loc, sign, bb.i32(0x7F800000)));
    Value special = bb.select(bb.eq(mantissa, 0), infinity, bb.f32(NAN));
    return bb.select(bb.eq(exponent, allOnesExponent), special, result);
  }
  case NonFinite::AllOnesNaN:
    return bb.select(bb.eq(magnitude, (1 << signShift) - 1), bb.f32(NAN),
                     result);
  case NonFinite::NegZeroNaN:
    return bb.select(bb.eq(bits, 1 << signShift), bb.f32(NAN), result);
  default:
    return result;
  }
}

Value truncateToSmallFloat(OpBuilder &builder, Location loc, Value value,
                           FloatType type, bool saturate,
                           SmallFloatRounding rounding) {
  SmallFloatFormat format(type);
  BitBuilder bb{builder, loc};
  unsigned m = format.mantissaBits;
  Type intType = builder.getIntegerType(format.width);
  auto finish = [&](Value code) {
    Value narrow = arith::TruncIOp::create(builder, loc, intType, code);
    return arith::BitcastOp::create(builder, loc, type, narrow).getResult();
  };
  Value bits = bb.toBits(value);
  Value exponent = bb.mask(bb.shr(bits, 23), 0xFF);

  if (format.nonFinite == NonFinite::ExponentOnly) {
    // The float32 exponent field, plus one when rounding up: for `up` on
    // any fraction, for `nearest` from half way (ties go up, except from
    // the subnormals), never for `down`; except past the largest power when
    // saturating. NaN and infinities become NaN (0xFF).
    if (rounding == SmallFloatRounding::Down)
      return finish(exponent);
    Value roundUp;
    auto isNonZero = [&](Value v) {
      return arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne, v,
                                   bb.i32(0));
    };
    if (rounding == SmallFloatRounding::Up) {
      roundUp = isNonZero(bb.mask(bits, 0x7FFFFF));
    } else {
      Value guard = isNonZero(bb.mask(bits, 0x400000));
      Value rest =
          arith::OrIOp::create(builder, loc, isNonZero(bb.mask(bits, 0x3FFFFF)),
                               isNonZero(exponent));
      roundUp = arith::AndIOp::create(builder, loc, guard, rest);
    }
    Value finite = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne,
                                         exponent, bb.i32(0xFF));
    roundUp = arith::AndIOp::create(builder, loc, roundUp, finite);
    if (saturate)
      roundUp = arith::AndIOp::create(
          builder, loc, roundUp,
          arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne,
                                exponent, bb.i32(0xFE)));
    Value increment =
        arith::ExtUIOp::create(builder, loc, builder.getI32Type(), roundUp);
    return finish(arith::AddIOp::create(builder, loc, exponent, increment));
  }

  // Round the magnitude to the grid of the target at its exponent: the
  // spacing is 2^(e - m) for normal numbers and 2^(minExponent - m) below.
  Value magnitude = math::AbsFOp::create(builder, loc, value);
  Value gridExponent = arith::MinSIOp::create(
      builder, loc,
      arith::MaxSIOp::create(builder, loc, exponent,
                             bb.i32(format.minExponent + 127)),
      bb.i32(254));
  Value spacing = bb.toFloat(
      bb.shl(arith::SubIOp::create(builder, loc, gridExponent, bb.i32(m)), 23));
  Value steps = math::RoundEvenOp::create(
      builder, loc, arith::DivFOp::create(builder, loc, magnitude, spacing));
  Value rounded = arith::MulFOp::create(builder, loc, steps, spacing);

  // Encode the rounded magnitude (exact in the target when in range).
  int bias = 1 - format.minExponent;
  Value normalCode =
      arith::SubIOp::create(builder, loc, bb.shr(bb.toBits(rounded), 23 - m),
                            bb.i32(static_cast<int64_t>(127 - bias) << m));
  Value subnormalCode = arith::FPToUIOp::create(
      builder, loc, builder.getI32Type(),
      arith::MulFOp::create(
          builder, loc, rounded,
          bb.f32(std::ldexp(1.0f, static_cast<int>(m) - format.minExponent))));
  Value isSubnormal =
      arith::CmpFOp::create(builder, loc, arith::CmpFPredicate::OLT, rounded,
                            bb.f32(std::ldexp(1.0f, format.minExponent)));
  Value code = bb.select(isSubnormal, subnormalCode, normalCode);

  unsigned signShift = format.width - 1;
  Value sign = bb.shl(bb.shr(bits, 31), signShift);
  Value signedCode = arith::OrIOp::create(builder, loc, code, sign);
  // FNUZ types have no -0: its encoding is NaN.
  if (format.nonFinite == NonFinite::NegZeroNaN)
    signedCode = bb.select(bb.eq(code, 0), code, signedCode);

  // Beyond the largest finite value (infinities included): saturate, or
  // infinity where the type has one, or NaN. E2M1 has neither: it always
  // saturates.
  Value largest =
      arith::OrIOp::create(builder, loc, bb.i32(format.largestCode()), sign);
  Value overflowCode;
  if (saturate || format.nonFinite == NonFinite::None)
    overflowCode = largest;
  else if (format.nonFinite == NonFinite::IEEE)
    overflowCode = arith::OrIOp::create(
        builder, loc, bb.i32((((1 << (signShift - m)) - 1) << m)), sign);
  else if (format.nonFinite == NonFinite::AllOnesNaN)
    overflowCode = bb.i32((1 << format.width) - 1);
  else
    overflowCode = bb.i32(1 << signShift);
  Value overflows =
      arith::CmpFOp::create(builder, loc, arith::CmpFPredicate::OGT, rounded,
                            bb.f32(format.largestValue()));
  Value result = bb.select(overflows, overflowCode, signedCode);

  int64_t nanCode = 0;
  switch (format.nonFinite) {
  case NonFinite::IEEE:
    nanCode = (((1 << (signShift - m)) - 1) << m) | (1 << (m - 1));
    break;
  case NonFinite::AllOnesNaN:
    nanCode = (1 << signShift) - 1;
    break;
  case NonFinite::NegZeroNaN:
    nanCode = 1 << signShift;
    break;
  default:
    break;
  }
  Value isNaN = arith::CmpFOp::create(builder, loc, arith::CmpFPredicate::UNO,
                                      value, value);
  return finish(bb.select(isNaN, bb.i32(nanCode), result));
}

} // namespace lowrank
