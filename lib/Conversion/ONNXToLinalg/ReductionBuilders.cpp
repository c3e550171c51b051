//===- ReductionBuilders.cpp - Reduction loop nests for onnx lowering -----===//

#include "ReductionBuilders.h"

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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

RuntimeReductionShape
buildRuntimeReductionShape(OpBuilder &b, Location loc, Value input,
                           ArrayRef<Value> reduced, bool keepDims,
                           RankedTensorType resultType, StringRef prefix) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto select = [&](Value condition, Value yes, Value no) -> Value {
    return arith::SelectOp::create(b, loc, condition, yes, no);
  };
  auto mul = [&](Value lhs, Value rhs) -> Value {
    return arith::MulIOp::create(b, loc, lhs, rhs);
  };
  SmallVector<Value> sizes, keptSizes;
  RuntimeReductionShape shape;
  shape.reducedCount = one;
  for (int64_t d = 0; d < rank; ++d) {
    sizes.push_back(inputType.isDynamicDim(d)
                        ? Value(tensor::DimOp::create(b, loc, input, d))
                        : Value(arith::ConstantIndexOp::create(
                              b, loc, inputType.getDimSize(d))));
    keptSizes.push_back(select(reduced[d], one, sizes[d]));
    shape.reducedCount =
        mul(shape.reducedCount, select(reduced[d], sizes[d], one));
  }
  // Row-major strides of the kept-dimensions layout, whose flattening
  // equals that of the dropped-dimensions layout.
  shape.strides.assign(rank, zero);
  Value stride = one;
  for (int64_t d = rank - 1; d >= 0; --d) {
    shape.strides[d] = select(reduced[d], zero, stride);
    stride = mul(stride, keptSizes[d]);
  }
  shape.resultCount = stride;

  int64_t resultRank = resultType.getRank();
  Value fits = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  SmallVector<Value> resultSizes;
  if (keepDims) {
    resultSizes = keptSizes;
  } else {
    resultSizes.assign(resultRank, zero);
    Value position = zero;
    for (int64_t d = 0; d < rank; ++d) {
      Value kept = arith::XOrIOp::create(
          b, loc, reduced[d],
          arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
      for (int64_t j = 0; j < resultRank; ++j) {
        Value here = arith::AndIOp::create(
            b, loc, kept,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, position,
                                  arith::ConstantIndexOp::create(b, loc, j)));
        resultSizes[j] = select(here, sizes[d], resultSizes[j]);
      }
      position =
          arith::AddIOp::create(b, loc, position, select(kept, one, zero));
    }
    Value rankHolds = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, position,
        arith::ConstantIndexOp::create(b, loc, resultRank));
    fits = arith::AndIOp::create(b, loc, fits, rankHolds);
    cf::AssertOp::create(b, loc, rankHolds,
                         (prefix +
                          "the axes leave another rank than the "
                          "result's (" +
                          Twine(resultRank) + ")")
                             .str());
  }
  for (int64_t j = 0; j < resultRank; ++j) {
    if (resultType.isDynamicDim(j)) {
      shape.resultSizes.push_back(resultSizes[j]);
      continue;
    }
    int64_t size = resultType.getDimSize(j);
    shape.resultSizes.push_back(b.getIndexAttr(size));
    Value holds =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, resultSizes[j],
                              arith::ConstantIndexOp::create(b, loc, size));
    fits = arith::AndIOp::create(b, loc, fits, holds);
    cf::AssertOp::create(b, loc, holds,
                         (prefix + "the axes give result dimension " +
                          Twine(j) + " another size than " + Twine(size))
                             .str());
  }
  // Where the checks are dropped (the GPU pipeline), axes that fail them
  // accumulate everything into the first element of a buffer of the
  // result's size, which the code after reads within bounds.
  for (Value &dimStride : shape.strides)
    dimStride = select(fits, dimStride, zero);
  int64_t fallbackCount =
      resultType.hasStaticShape()
          ? std::max<int64_t>(resultType.getNumElements(), 1)
          : 1;
  shape.resultCount =
      select(fits, shape.resultCount,
             arith::ConstantIndexOp::create(b, loc, fallbackCount));
  return shape;
}

/// `value` as a 1-D tensor of dynamic size, its elements in row-major order.
static Value flattenTensor(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  auto flatType =
      RankedTensorType::get({ShapedType::kDynamic}, type.getElementType());
  Value flat = value;
  if (type.getRank() == 0)
    flat = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1}, type.getElementType()), value,
        ArrayRef<ReassociationIndices>{});
  else if (type.getRank() > 1)
    flat = tensor::CollapseShapeOp::create(
        b, loc, value,
        ArrayRef<ReassociationIndices>{
            llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()))});
  return castToType(b, loc, flat, flatType);
}

/// The flattened `flat` in the layout of `resultType`.
static Value unflattenTensor(OpBuilder &b, Location loc, Value flat,
                             RankedTensorType resultType,
                             ArrayRef<OpFoldResult> sizes) {
  int64_t rank = resultType.getRank();
  if (rank == 1)
    return castToType(b, loc, flat, resultType);
  if (rank == 0)
    return tensor::CollapseShapeOp::create(
        b, loc,
        castToType(b, loc, flat,
                   RankedTensorType::get({1}, resultType.getElementType())),
        ArrayRef<ReassociationIndices>{});
  // A static result expands a static source.
  if (resultType.hasStaticShape())
    flat = castToType(b, loc, flat,
                      RankedTensorType::get({resultType.getNumElements()},
                                            resultType.getElementType()));
  return tensor::ExpandShapeOp::create(
      b, loc, resultType, flat,
      ArrayRef<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, rank))},
      sizes);
}

/// The reduction as a loop nest over the input, each element combined into
/// the flattened result at its run-time offset.
static Value buildRuntimeReduction(OpBuilder &builder, Location loc,
                                   Value input, RankedTensorType resultType,
                                   const RuntimeReductionShape &shape,
                                   TypedAttr identity,
                                   ValueRange resultLayoutInputs,
                                   ReductionCombiner combine) {
  auto flatType = RankedTensorType::get({ShapedType::kDynamic},
                                        resultType.getElementType());
  Value empty =
      tensor::EmptyOp::create(builder, loc, flatType, shape.resultCount);
  Value identityValue = arith::ConstantOp::create(builder, loc, identity);
  Value init =
      linalg::FillOp::create(builder, loc, identityValue, empty).getResult(0);
  SmallVector<Value> flatInputs;
  for (Value value : resultLayoutInputs)
    flatInputs.push_back(flattenTensor(builder, loc, value));

  auto inputType = cast<RankedTensorType>(input.getType());
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  SmallVector<Value> lower(inputType.getRank(), zero),
      steps(inputType.getRank(), one), upper;
  for (int64_t d = 0; d < inputType.getRank(); ++d)
    upper.push_back(tensor::DimOp::create(builder, loc, input, d));
  scf::LoopNest nest = scf::buildLoopNest(
      builder, loc, lower, upper, steps, ValueRange{init},
      [&](OpBuilder &b, Location nestedLoc, ValueRange ivs,
          ValueRange iterArgs) -> scf::ValueVector {
        Value offset = arith::ConstantIndexOp::create(b, nestedLoc, 0);
        for (auto [iv, stride] : llvm::zip_equal(ivs, shape.strides))
          offset = arith::AddIOp::create(
              b, nestedLoc, offset,
              arith::MulIOp::create(b, nestedLoc, iv, stride));
        SmallVector<Value> elements{
            tensor::ExtractOp::create(b, nestedLoc, input, ivs)};
        for (Value flat : flatInputs)
          elements.push_back(
              tensor::ExtractOp::create(b, nestedLoc, flat, offset));
        Value accumulator =
            tensor::ExtractOp::create(b, nestedLoc, iterArgs[0], offset);
        Value next = combine(b, nestedLoc, elements, accumulator);
        return {
            tensor::InsertOp::create(b, nestedLoc, next, iterArgs[0], offset)};
      });
  return unflattenTensor(builder, loc, nest.results[0], resultType,
                         shape.resultSizes);
}

Value buildReduction(OpBuilder &builder, Location loc, Value input,
                     RankedTensorType resultType, const ReductionShape &shape,
                     TypedAttr identity, ValueRange resultLayoutInputs,
                     ReductionCombiner combine) {
  if (shape.runtime)
    return buildRuntimeReduction(builder, loc, input, resultType,
                                 *shape.runtime, identity, resultLayoutInputs,
                                 combine);
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
  if (shape.runtime)
    dynamicCount = shape.runtime->reducedCount;
  for (auto [dim, reduced] : llvm::enumerate(shape.reducedDims)) {
    if (!reduced || shape.runtime)
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
