//===- Cast.cpp - onnx to linalg: Cast ------------------------------------===//
//
// Cast between any two numeric or bool element types; the scalar conversion
// lives in convertScalar, shared with ops that compute in another type.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace lowrank {

/// Strings have no arith counterpart.
static bool isCastableType(Type type) {
  return isa<FloatType, IntegerType>(type);
}

/// ONNX Cast of one scalar. 8- and 4-bit floats go through f32; floats
/// convert to 4- and 2-bit integers through 32 bits, and values out of the
/// target's range give 0 as in the reference implementation, where a
/// direct conversion would be poison.
static Value castScalar(OpBuilder &builder, Location loc, Value value,
                        Type from, Type to, bool saturate,
                        SmallFloatRounding rounding) {
  Type f32 = builder.getF32Type();
  if (isSmallFloat(from)) {
    value = extendSmallFloat(builder, loc, value);
    from = f32;
  }
  if (isSmallFloat(to))
    return truncateToSmallFloat(builder, loc,
                                convertScalar(builder, loc, value, from, f32),
                                cast<FloatType>(to), saturate, rounding);
  if (isa<FloatType>(from) && to.isIntOrIndex() && !to.isInteger(1) &&
      to.getIntOrFloatBitWidth() < 8) {
    Type wide = isUnsignedInteger(to)
                    ? builder.getIntegerType(32, /*isSigned=*/false)
                    : builder.getIntegerType(32);
    Value wideValue = convertScalar(builder, loc, value, from, wide);
    unsigned width = to.getIntOrFloatBitWidth();
    bool isUnsigned = isUnsignedInteger(to);
    int64_t low = isUnsigned ? 0 : -(int64_t(1) << (width - 1));
    int64_t high = isUnsigned ? (int64_t(1) << width) - 1
                              : (int64_t(1) << (width - 1)) - 1;
    auto constant = [&](int64_t v) {
      return arith::ConstantIntOp::create(builder, loc, v, 32);
    };
    Value inRange = arith::AndIOp::create(
        builder, loc,
        arith::CmpIOp::create(builder, loc,
                              isUnsigned ? arith::CmpIPredicate::uge
                                         : arith::CmpIPredicate::sge,
                              wideValue, constant(low)),
        arith::CmpIOp::create(builder, loc,
                              isUnsigned ? arith::CmpIPredicate::ule
                                         : arith::CmpIPredicate::sle,
                              wideValue, constant(high)));
    value =
        arith::SelectOp::create(builder, loc, inRange, wideValue, constant(0));
    from = wide;
  }
  return convertScalar(builder, loc, value, from, to);
}

namespace {

/// Cast, and CastLike (a Cast to the element type of its second input).
template <typename OpTy>
struct CastOpLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type from = getElementType(op.getInput());
    Type to = getElementType(op.getOutput());
    if (!isCastableType(from) || !isCastableType(to))
      return rewriter.notifyMatchFailure(
          op, "only float, integer and bool element types are supported");
    std::optional<SmallFloatRounding> rounding =
        llvm::StringSwitch<std::optional<SmallFloatRounding>>(op.getRoundMode())
            .Case("up", SmallFloatRounding::Up)
            .Case("down", SmallFloatRounding::Down)
            .Case("nearest", SmallFloatRounding::Nearest)
            .Default(std::nullopt);
    if (!rounding)
      return rewriter.notifyMatchFailure(op, "unknown round_mode");
    return replaceWithElementwiseGeneric(
        rewriter, op, adaptor.getInput(),
        [&](OpBuilder &builder, Location loc, ValueRange args) {
          return castScalar(builder, loc, args[0], from, to,
                            op.getSaturate() != 0, *rounding);
        });
  }
};

} // namespace

void populateCastPatterns(RewritePatternSet &patterns) {
  patterns.add<CastOpLowering<onnx::CastOp>, CastOpLowering<onnx::CastLikeOp>>(
      patterns.getContext());
}

} // namespace lowrank
