//===- ReductionBuilders.cpp - Reduction loop nests for onnx lowering -----===//

#include "ReductionBuilders.h"

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace lowrank {

ReductionShape ReductionShape::fromAxes(ArrayRef<int64_t> axes, int64_t rank,
                                        bool keepDims) {
  ReductionShape shape;
  shape.keepDims = keepDims;
  // ONNX reduces over every dimension when no axis is given.
  shape.reducedDims.assign(rank, axes.empty());
  for (int64_t axis : axes)
    shape.reducedDims[axis] = true;
  return shape;
}

ReductionShape ReductionShape::trailing(int64_t firstAxis, int64_t rank) {
  ReductionShape shape;
  for (int64_t i = 0; i < rank; ++i)
    shape.reducedDims.push_back(i >= firstAxis);
  return shape;
}

SmallVector<int64_t>
ReductionShape::getResultShape(ArrayRef<int64_t> inputShape) const {
  SmallVector<int64_t> result;
  for (auto [size, reduced] : llvm::zip_equal(inputShape, reducedDims)) {
    if (!reduced)
      result.push_back(size);
    else if (keepDims)
      result.push_back(1);
  }
  return result;
}

AffineMap ReductionShape::getResultMap(MLIRContext *context) const {
  SmallVector<AffineExpr> exprs;
  for (auto [dim, reduced] : llvm::enumerate(reducedDims)) {
    if (!reduced)
      exprs.push_back(getAffineDimExpr(dim, context));
    else if (keepDims)
      exprs.push_back(getAffineConstantExpr(0, context));
  }
  return AffineMap::get(getInputRank(), 0, exprs, context);
}

/// A tensor.empty of `resultType` whose dynamic sizes are those of the input
/// dimensions they come from.
static Value createReductionResult(OpBuilder &builder, Location loc,
                                   Value input, RankedTensorType resultType,
                                   const ReductionShape &shape) {
  SmallVector<Value> dynamicSizes;
  int64_t resultDim = 0;
  for (auto [inputDim, reduced] : llvm::enumerate(shape.reducedDims)) {
    if (reduced && !shape.keepDims)
      continue;
    if (resultType.isDynamicDim(resultDim))
      dynamicSizes.push_back(tensor::DimOp::create(builder, loc, input,
                                                   inputDim));
    ++resultDim;
  }
  return tensor::EmptyOp::create(builder, loc, resultType.getShape(),
                                 resultType.getElementType(), dynamicSizes);
}

Value buildReduction(OpBuilder &builder, Location loc, Value input,
                     RankedTensorType resultType, const ReductionShape &shape,
                     TypedAttr identity, ValueRange resultLayoutInputs,
                     ReductionCombiner combine) {
  MLIRContext *context = builder.getContext();
  Value empty = createReductionResult(builder, loc, input, resultType, shape);
  Value identityValue = arith::ConstantOp::create(builder, loc, identity);
  Value init =
      linalg::FillOp::create(builder, loc, identityValue, empty).getResult(0);

  int64_t rank = shape.getInputRank();
  AffineMap resultMap = shape.getResultMap(context);
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, context)};
  maps.append(resultLayoutInputs.size(), resultMap);
  maps.push_back(resultMap);
  SmallVector<utils::IteratorType> iterators;
  for (bool reduced : shape.reducedDims)
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
  SmallVector<Value> inputs{input};
  llvm::append_range(inputs, resultLayoutInputs);

  auto generic = linalg::GenericOp::create(
      builder, loc, resultType, inputs, init, maps, iterators,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        Value next = combine(b, nestedLoc, args.drop_back(), args.back());
        linalg::YieldOp::create(b, nestedLoc, next);
      });
  return generic.getResult(0);
}

Value buildReducedElementCount(OpBuilder &builder, Location loc, Value input,
                               const ReductionShape &shape, Type type) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t staticCount = 1;
  Value dynamicCount;
  for (auto [dim, reduced] : llvm::enumerate(shape.reducedDims)) {
    if (!reduced)
      continue;
    if (!inputType.isDynamicDim(dim)) {
      staticCount *= inputType.getDimSize(dim);
      continue;
    }
    Value size = tensor::DimOp::create(builder, loc, input, dim);
    dynamicCount = dynamicCount
                       ? arith::MulIOp::create(builder, loc, dynamicCount, size)
                       : size;
  }
  if (!dynamicCount)
    return createScalarConstant(builder, loc, type,
                                static_cast<double>(staticCount));

  Value count = arith::MulIOp::create(
      builder, loc, dynamicCount,
      arith::ConstantIndexOp::create(builder, loc, staticCount));
  Value count64 =
      arith::IndexCastOp::create(builder, loc, builder.getI64Type(), count);
  if (isa<FloatType>(type))
    return arith::SIToFPOp::create(builder, loc, type, count64);
  if (type.getIntOrFloatBitWidth() < 64)
    return arith::TruncIOp::create(builder, loc, type, count64);
  return count64;
}

Value convertFloat(OpBuilder &builder, Location loc, Value value, Type type) {
  unsigned from = value.getType().getIntOrFloatBitWidth();
  unsigned to = type.getIntOrFloatBitWidth();
  if (value.getType() == type)
    return value;
  if (from < to)
    return arith::ExtFOp::create(builder, loc, type, value);
  return arith::TruncFOp::create(builder, loc, type, value);
}

Value buildMaxMin(OpBuilder &builder, Location loc, Value lhs, Value rhs,
                  bool isMax) {
  if (isa<FloatType>(lhs.getType())) {
    if (isMax)
      return arith::MaximumFOp::create(builder, loc, lhs, rhs);
    return arith::MinimumFOp::create(builder, loc, lhs, rhs);
  }
  // Booleans order false < true: unsigned (as signed, true is -1).
  if (lhs.getType().isInteger(1))
    return isMax ? Value(arith::MaxUIOp::create(builder, loc, lhs, rhs))
                 : Value(arith::MinUIOp::create(builder, loc, lhs, rhs));
  if (isMax)
    return arith::MaxSIOp::create(builder, loc, lhs, rhs);
  return arith::MinSIOp::create(builder, loc, lhs, rhs);
}

bool isArithElementType(Type type) {
  return isa<FloatType>(type) || type.isSignlessInteger();
}

} // namespace lowrank
