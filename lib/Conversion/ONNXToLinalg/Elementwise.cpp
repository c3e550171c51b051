//===- Elementwise.cpp - onnx to linalg: shared elementwise machinery -----===//
//
// The linalg.generic builder every elementwise op goes through, ONNX Cast
// conversion of scalars, and the family's pattern registration.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace lowrank {

Type getSignlessType(Type type) {
  auto intType = dyn_cast<IntegerType>(type);
  if (intType && !intType.isSignless())
    return IntegerType::get(type.getContext(), intType.getWidth());
  return type;
}

bool isUnsignedInteger(Type type) {
  auto intType = dyn_cast<IntegerType>(type);
  return intType && intType.isUnsigned();
}

Type getElementType(Value value) {
  return cast<ShapedType>(value.getType()).getElementType();
}

Value castScalarSignedness(OpBuilder &builder, Location loc, Value scalar,
                           Type type) {
  if (scalar.getType() == type)
    return scalar;
  return UnrealizedConversionCastOp::create(builder, loc, type, scalar)
      .getResult(0);
}

/// Checks that `operandType` broadcasts to `resultType` without guessing
/// about dynamic sizes: a dynamic dimension is taken to be non-broadcasting
/// only when the result dimension is dynamic too.
static LogicalResult checkBroadcastable(RankedTensorType operandType,
                                        RankedTensorType resultType) {
  int64_t offset = resultType.getRank() - operandType.getRank();
  for (int64_t i = 0; i < operandType.getRank(); ++i) {
    int64_t size = operandType.getDimSize(i);
    if (size == 1)
      continue;
    if (offset + i < 0 || size != resultType.getDimSize(offset + i))
      return failure();
  }
  return success();
}

/// An operand that has every dynamic dimension of the result at the same
/// position, to read the dynamic sizes of the result from; null if the
/// result is static or no operand qualifies.
static Value findDynamicSizesSource(RankedTensorType resultType,
                                    ValueRange operands) {
  if (resultType.hasStaticShape())
    return {};
  for (Value operand : operands) {
    auto type = cast<RankedTensorType>(operand.getType());
    if (type.getRank() != resultType.getRank())
      continue;
    if (llvm::all_of(llvm::seq<int64_t>(0, type.getRank()), [&](int64_t i) {
          return !resultType.isDynamicDim(i) || type.isDynamicDim(i);
        }))
      return operand;
  }
  return {};
}

LogicalResult replaceWithElementwiseGeneric(RewriterBase &rewriter,
                                            Operation *op, ValueRange operands,
                                            ElementwiseBodyBuilder buildBody) {
  Location loc = op->getLoc();
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType)
    return rewriter.notifyMatchFailure(op, "result is not a ranked tensor");
  for (Value operand : operands) {
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "operand is not a ranked tensor");
    if (failed(checkBroadcastable(type, resultType)))
      return rewriter.notifyMatchFailure(
          op, "operand shape does not provably broadcast to the result shape");
  }
  Value dynamicSizesSource = findDynamicSizesSource(resultType, operands);
  if (!resultType.hasStaticShape() && !dynamicSizesSource)
    return rewriter.notifyMatchFailure(
        op, "no operand carries the dynamic sizes of the result");

  int64_t rank = resultType.getRank();
  MLIRContext *context = rewriter.getContext();
  SmallVector<AffineMap> indexingMaps;
  for (Value operand : operands)
    indexingMaps.push_back(getBroadcastIndexingMap(
        cast<RankedTensorType>(operand.getType()), rank, context));

  Type resultElementType = resultType.getElementType();
  Value result = buildParallelGeneric(
      rewriter, loc, resultType, dynamicSizesSource, operands, indexingMaps,
      [&](OpBuilder &builder, Location bodyLoc, ValueRange args) {
        SmallVector<Value> signlessArgs;
        for (Value arg : args)
          signlessArgs.push_back(castScalarSignedness(
              builder, bodyLoc, arg, getSignlessType(arg.getType())));
        Value element = buildBody(builder, bodyLoc, signlessArgs);
        return castScalarSignedness(builder, bodyLoc, element,
                                    resultElementType);
      });
  rewriter.replaceOp(op, result);
  return success();
}

Value convertScalar(OpBuilder &builder, Location loc, Value value, Type from,
                    Type to) {
  if (from == to)
    return value;
  Type signlessTo = getSignlessType(to);
  if (to.isInteger(1)) {
    Value zero = createScalarConstant(builder, loc, value.getType(), 0);
    if (isa<FloatType>(from))
      // NaN is "not zero" and so true, as in C++.
      return arith::CmpFOp::create(builder, loc, arith::CmpFPredicate::UNE,
                                   value, zero);
    return arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne, value,
                                 zero);
  }

  if (auto fromFloat = dyn_cast<FloatType>(from)) {
    if (auto toFloat = dyn_cast<FloatType>(to)) {
      if (fromFloat.getWidth() == toFloat.getWidth()) {
        // f16 <-> bf16: go through f32, which holds both exactly.
        Value wide =
            arith::ExtFOp::create(builder, loc, builder.getF32Type(), value);
        return arith::TruncFOp::create(builder, loc, toFloat, wide);
      }
      if (fromFloat.getWidth() < toFloat.getWidth())
        return arith::ExtFOp::create(builder, loc, toFloat, value);
      return arith::TruncFOp::create(builder, loc, toFloat, value);
    }
    if (isUnsignedInteger(to))
      return arith::FPToUIOp::create(builder, loc, signlessTo, value);
    return arith::FPToSIOp::create(builder, loc, signlessTo, value);
  }

  // Bool converts as the unsigned values 0 and 1.
  bool fromUnsigned = isUnsignedInteger(from) || from.isInteger(1);
  if (isa<FloatType>(to)) {
    if (fromUnsigned)
      return arith::UIToFPOp::create(builder, loc, to, value);
    return arith::SIToFPOp::create(builder, loc, to, value);
  }
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth == toWidth)
    return value;
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(builder, loc, signlessTo, value);
  if (fromUnsigned)
    return arith::ExtUIOp::create(builder, loc, signlessTo, value);
  return arith::ExtSIOp::create(builder, loc, signlessTo, value);
}

void populateONNXElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  populateElementwiseUnaryPatterns(patterns);
  populateElementwiseBinaryPatterns(patterns);
  populateCastPatterns(patterns);
  populateQuantizePatterns(patterns);
}

} // namespace lowrank
