//===- Elementwise.cpp - onnx to linalg: shared elementwise machinery -----===//
//
// The linalg.generic builder every elementwise op goes through, ONNX Cast
// conversion of scalars, and the family's pattern registration.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

/// An empty tensor of `resultType` whose symbolic sizes are read from the
/// operands: each from the first operand with a symbolic size at that
/// (right-aligned) position. Other operands with a symbolic size there must
/// agree at run time; a symbolic size of 1 that would broadcast is refused
/// by that check rather than guessed. Null for a static result, or when no
/// operand carries some symbolic size.
static Value createBroadcastInit(OpBuilder &builder, Location loc,
                                 Operation *op, RankedTensorType resultType,
                                 ValueRange operands) {
  if (resultType.hasStaticShape())
    return {};
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> sizes;
  SmallVector<std::pair<Value, int64_t>> checks;
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(builder.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    Value size;
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t dim = i - (rank - type.getRank());
      if (dim < 0 || !type.isDynamicDim(dim))
        continue;
      Value operandSize = tensor::DimOp::create(builder, loc, operand, dim);
      if (!size) {
        size = operandSize;
        continue;
      }
      Value equal = arith::CmpIOp::create(
          builder, loc, arith::CmpIPredicate::eq, size, operandSize);
      cf::AssertOp::create(
          builder, loc, equal,
          getNodePrefix(op) + "operands differ in the symbolic size of "
                              "result dimension " +
              std::to_string(i) +
              " (a symbolic size of 1 that broadcasts is not supported)");
    }
    if (!size)
      return {};
    sizes.push_back(size);
  }
  Value empty = tensor::EmptyOp::create(builder, loc, sizes,
                                        resultType.getElementType());
  return castToType(builder, loc, empty, resultType);
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
  Value dynamicSizesSource =
      createBroadcastInit(rewriter, loc, op, resultType, operands);
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
