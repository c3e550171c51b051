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
#include "mlir/Dialect/SCF/IR/SCF.h"
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

/// Checks that `operandType` broadcasts to `resultType`: each size is 1, or
/// the result's, or one of them is symbolic (then the sizes are computed
/// and checked at run time).
static LogicalResult checkBroadcastable(RankedTensorType operandType,
                                        RankedTensorType resultType) {
  int64_t offset = resultType.getRank() - operandType.getRank();
  if (offset < 0)
    return failure();
  for (int64_t i = 0; i < operandType.getRank(); ++i) {
    int64_t size = operandType.getDimSize(i);
    int64_t resultSize = resultType.getDimSize(offset + i);
    if (size != 1 && size != resultSize && !ShapedType::isDynamic(resultSize) &&
        !ShapedType::isDynamic(size))
      return failure();
  }
  return success();
}

namespace {
/// The result sizes of an elementwise op whose result has symbolic sizes.
struct BroadcastSizes {
  /// An empty tensor of the result type with the run-time sizes.
  Value init;
  /// True when every symbolic operand size equals the result's, so that no
  /// operand broadcasts along a symbolic size; null when that is known.
  Value noSymbolicBroadcast;
};
} // namespace

/// Computes the symbolic result sizes by ONNX broadcasting: at each
/// position, the operands' sizes other than 1 must agree (checked at run
/// time), and the result takes that size (1 if all are 1). Failure when no
/// operand has a size at a symbolic position.
static FailureOr<BroadcastSizes>
computeBroadcastSizes(OpBuilder &builder, Location loc, Operation *op,
                      RankedTensorType resultType, ValueRange operands) {
  int64_t rank = resultType.getRank();
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value valid = arith::ConstantIntOp::create(builder, loc, 1, 1);
  Value noBroadcast;
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      // A static result size: each symbolic operand size there must be 1
      // (broadcast) or the result's.
      int64_t resultSize = resultType.getDimSize(i);
      Value expected = arith::ConstantIndexOp::create(builder, loc, resultSize);
      for (Value operand : operands) {
        auto type = cast<RankedTensorType>(operand.getType());
        int64_t dim = i - (rank - type.getRank());
        if (dim < 0 || !type.isDynamicDim(dim))
          continue;
        Value size = tensor::DimOp::create(builder, loc, operand, dim);
        Value equal = arith::CmpIOp::create(
            builder, loc, arith::CmpIPredicate::eq, size, expected);
        Value isOne = arith::CmpIOp::create(
            builder, loc, arith::CmpIPredicate::eq, size, one);
        valid = arith::AndIOp::create(
            builder, loc, valid,
            arith::OrIOp::create(builder, loc, equal, isOne));
        if (resultSize != 1)
          noBroadcast = noBroadcast ? arith::AndIOp::create(builder, loc,
                                                            noBroadcast, equal)
                                    : equal;
      }
      sizes.push_back(builder.getIndexAttr(resultSize));
      continue;
    }
    SmallVector<Value> contributions, symbolic;
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t dim = i - (rank - type.getRank());
      if (dim < 0 || type.getDimSize(dim) == 1)
        continue;
      Value size = tensor::DimOp::create(builder, loc, operand, dim);
      contributions.push_back(size);
      if (type.isDynamicDim(dim))
        symbolic.push_back(size);
    }
    if (contributions.empty())
      return failure();
    Value size = contributions.front();
    for (Value next : ArrayRef(contributions).drop_front()) {
      Value isOne = arith::CmpIOp::create(builder, loc,
                                          arith::CmpIPredicate::eq, size, one);
      size = arith::SelectOp::create(builder, loc, isOne, next, size);
    }
    for (Value contribution : contributions) {
      Value equal = arith::CmpIOp::create(
          builder, loc, arith::CmpIPredicate::eq, contribution, size);
      Value isOne = arith::CmpIOp::create(
          builder, loc, arith::CmpIPredicate::eq, contribution, one);
      valid = arith::AndIOp::create(
          builder, loc, valid,
          arith::OrIOp::create(builder, loc, equal, isOne));
    }
    if (contributions.size() > 1)
      for (Value contribution : symbolic) {
        Value equal = arith::CmpIOp::create(
            builder, loc, arith::CmpIPredicate::eq, contribution, size);
        noBroadcast = noBroadcast ? arith::AndIOp::create(builder, loc,
                                                          noBroadcast, equal)
                                  : equal;
      }
    sizes.push_back(size);
  }
  cf::AssertOp::create(builder, loc, valid,
                       getNodePrefix(op) +
                           "operand shapes do not broadcast together");
  Value empty =
      tensor::EmptyOp::create(builder, loc, sizes, resultType.getElementType());
  return BroadcastSizes{castToType(builder, loc, empty, resultType),
                        noBroadcast};
}

/// The element of `operand` that result position `indices` reads under
/// ONNX broadcasting decided at run time: index 0 along sizes that are 1.
static Value extractBroadcastElement(OpBuilder &builder, Location loc,
                                     Value operand, ValueRange indices) {
  auto type = cast<RankedTensorType>(operand.getType());
  int64_t offset = indices.size() - type.getRank();
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  SmallVector<Value> operandIndices;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (type.getDimSize(i) == 1) {
      operandIndices.push_back(zero);
      continue;
    }
    Value index = indices[offset + i];
    if (type.isDynamicDim(i)) {
      Value size = tensor::DimOp::create(builder, loc, operand, i);
      Value isOne = arith::CmpIOp::create(builder, loc,
                                          arith::CmpIPredicate::eq, size, one);
      index = arith::SelectOp::create(builder, loc, isOne, zero, index);
    }
    operandIndices.push_back(index);
  }
  return tensor::ExtractOp::create(builder, loc, operand, operandIndices);
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
  BroadcastSizes broadcast;
  bool symbolicOperand = llvm::any_of(operands, [](Value operand) {
    return !cast<RankedTensorType>(operand.getType()).hasStaticShape();
  });
  if (!resultType.hasStaticShape() || symbolicOperand) {
    FailureOr<BroadcastSizes> computed =
        computeBroadcastSizes(rewriter, loc, op, resultType, operands);
    if (failed(computed))
      return rewriter.notifyMatchFailure(
          op, "no operand carries the dynamic sizes of the result");
    broadcast = *computed;
  }

  int64_t rank = resultType.getRank();
  MLIRContext *context = rewriter.getContext();
  Type resultElementType = resultType.getElementType();
  // `gathered` operands are read with tensor.extract at run-time broadcast
  // indices; the others through their indexing maps.
  auto buildGeneric = [&](OpBuilder &builder, bool gatherSymbolic) {
    SmallVector<Value> inputs;
    SmallVector<AffineMap> indexingMaps;
    SmallVector<bool> gathered;
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      bool gather = gatherSymbolic && !type.hasStaticShape();
      gathered.push_back(gather);
      if (gather)
        continue;
      inputs.push_back(operand);
      indexingMaps.push_back(getBroadcastIndexingMap(type, rank, context));
    }
    return buildParallelGeneric(
        builder, loc, resultType, broadcast.init, inputs, indexingMaps,
        [&](OpBuilder &b, Location bodyLoc, ValueRange args) {
          SmallVector<Value> indices;
          if (gatherSymbolic)
            for (int64_t i = 0; i < rank; ++i)
              indices.push_back(linalg::IndexOp::create(b, bodyLoc, i));
          SmallVector<Value> signlessArgs;
          auto next = args.begin();
          for (auto [operand, gather] : llvm::zip(operands, gathered)) {
            Value arg =
                gather ? extractBroadcastElement(b, bodyLoc, operand, indices)
                       : *next++;
            signlessArgs.push_back(castScalarSignedness(
                b, bodyLoc, arg, getSignlessType(arg.getType())));
          }
          Value element = buildBody(b, bodyLoc, signlessArgs);
          return castScalarSignedness(b, bodyLoc, element, resultElementType);
        });
  };

  if (!broadcast.noSymbolicBroadcast) {
    rewriter.replaceOp(op, buildGeneric(rewriter, /*gatherSymbolic=*/false));
    return success();
  }
  // An operand's symbolic size may be 1 and broadcast: the usual case (no
  // broadcasting along symbolic sizes) keeps the indexed generic, the other
  // reads the operands element by element.
  auto ifOp = scf::IfOp::create(
      rewriter, loc, broadcast.noSymbolicBroadcast,
      [&](OpBuilder &b, Location nestedLoc) {
        scf::YieldOp::create(b, nestedLoc,
                             buildGeneric(b, /*gatherSymbolic=*/false));
      },
      [&](OpBuilder &b, Location nestedLoc) {
        scf::YieldOp::create(b, nestedLoc,
                             buildGeneric(b, /*gatherSymbolic=*/true));
      });
  rewriter.replaceOp(op, ifOp.getResult(0));
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

bool isWidenableUnsigned(Type type) {
  return isUnsignedInteger(type) && type.getIntOrFloatBitWidth() < 64;
}

Value widenUnsignedElements(OpBuilder &builder, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  Type element = type.getElementType();
  Type wide = builder.getIntegerType(2 * element.getIntOrFloatBitWidth());
  return buildElementwise(
      builder, loc, type.clone(wide), value,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        Value signless = castScalarSignedness(b, nestedLoc, args[0],
                                              getSignlessType(element));
        return convertScalar(b, nestedLoc, signless, element, wide);
      });
}

Value narrowToUnsignedElements(OpBuilder &builder, Location loc, Value value,
                               Type unsignedElement) {
  auto type = cast<RankedTensorType>(value.getType());
  return buildElementwise(
      builder, loc, type.clone(unsignedElement), value,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        Value narrow = arith::TruncIOp::create(
            b, nestedLoc, getSignlessType(unsignedElement), args[0]);
        return castScalarSignedness(b, nestedLoc, narrow, unsignedElement);
      });
}

void populateONNXElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  populateElementwiseUnaryPatterns(patterns);
  populateElementwiseBinaryPatterns(patterns);
  populateCastPatterns(patterns);
  populateQuantizePatterns(patterns);
}

} // namespace lowrank
