//===- LoweringUtils.cpp - Helpers shared by the onnx-to-linalg families -===//

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace lowrank {

bool isNoneValue(Value value) {
  return !value || isa<NoneType>(value.getType());
}

static std::optional<ElementsAttr> getConstantElements(Value value) {
  if (!value)
    return std::nullopt;
  if (auto constant = value.getDefiningOp<onnx::ConstantOp>())
    return constant.getValue();
  if (auto constant = value.getDefiningOp<arith::ConstantOp>())
    if (auto elements = dyn_cast<ElementsAttr>(constant.getValue()))
      return elements;
  return std::nullopt;
}

std::optional<SmallVector<int64_t>> getConstantIntValues(Value value) {
  std::optional<ElementsAttr> elements = getConstantElements(value);
  if (!elements || !elements->getElementType().isInteger())
    return std::nullopt;
  auto values = elements->tryGetValues<APInt>();
  if (!values)
    return std::nullopt;
  SmallVector<int64_t> result;
  for (const APInt &v : *values)
    result.push_back(v.getSExtValue());
  return result;
}

std::optional<SmallVector<double>> getConstantFloatValues(Value value) {
  std::optional<ElementsAttr> elements = getConstantElements(value);
  if (!elements || !isa<FloatType>(elements->getElementType()))
    return std::nullopt;
  auto values = elements->tryGetValues<APFloat>();
  if (!values)
    return std::nullopt;
  SmallVector<double> result;
  for (APFloat v : *values) {
    bool losesInfo;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    result.push_back(v.convertToDouble());
  }
  return result;
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

Value createEmptyTensor(OpBuilder &builder, Location loc, RankedTensorType type,
                        Value dynamicSizesSource) {
  SmallVector<Value> dynamicSizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i)) {
      assert(dynamicSizesSource && "dynamic result needs a size source");
      dynamicSizes.push_back(
          tensor::DimOp::create(builder, loc, dynamicSizesSource, i));
    }
  return tensor::EmptyOp::create(builder, loc, type.getShape(),
                                 type.getElementType(), dynamicSizes);
}

Value createFilledTensor(OpBuilder &builder, Location loc,
                         RankedTensorType type, TypedAttr value,
                         Value dynamicSizesSource) {
  Value empty = createEmptyTensor(builder, loc, type, dynamicSizesSource);
  Value scalar = arith::ConstantOp::create(builder, loc, value);
  return linalg::FillOp::create(builder, loc, scalar, empty).getResult(0);
}

Value createZeroTensor(OpBuilder &builder, Location loc,
                       RankedTensorType type, Value dynamicSizesSource) {
  return createFilledTensor(builder, loc, type,
                            builder.getZeroAttr(type.getElementType()),
                            dynamicSizesSource);
}

Value createZeroTensor(OpBuilder &builder, Location loc,
                       ArrayRef<OpFoldResult> sizes, Type elementType) {
  Value empty = tensor::EmptyOp::create(builder, loc, sizes, elementType);
  Value zero =
      arith::ConstantOp::create(builder, loc, builder.getZeroAttr(elementType));
  return linalg::FillOp::create(builder, loc, zero, empty).getResult(0);
}

Value createTransposed(OpBuilder &builder, Location loc, Value value,
                       ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(builder, loc, value);
  SmallVector<OpFoldResult> permuted;
  for (int64_t p : perm)
    permuted.push_back(sizes[p]);
  Value init =
      tensor::EmptyOp::create(builder, loc, permuted, type.getElementType());
  return linalg::TransposeOp::create(builder, loc, value, init, perm)
      ->getResult(0);
}

bool hasStaticShapeExceptBatch(RankedTensorType type) {
  return type.getRank() > 0 &&
         !ShapedType::isDynamicShape(type.getShape().drop_front());
}

Value castToType(OpBuilder &builder, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(builder, loc, type, value);
}

TypedAttr getMaxMinIdentity(Type elementType, bool isMax) {
  if (auto floatType = dyn_cast<FloatType>(elementType))
    return FloatAttr::get(
        floatType, APFloat::getInf(floatType.getFloatSemantics(), isMax));
  unsigned width = elementType.getIntOrFloatBitWidth();
  if (width == 1) // Booleans: false is the identity of max, true of min.
    return IntegerAttr::get(elementType, APInt(1, isMax ? 0 : 1));
  return IntegerAttr::get(elementType, isMax ? APInt::getSignedMinValue(width)
                                             : APInt::getSignedMaxValue(width));
}

Value buildParallelGeneric(OpBuilder &builder, Location loc,
                           RankedTensorType resultType, Value sizeSource,
                           ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                           ParallelBodyBuilder buildBody) {
  int64_t rank = resultType.getRank();
  Value init = createEmptyTensor(builder, loc, resultType, sizeSource);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, builder.getContext()));
  auto generic = linalg::GenericOp::create(
      builder, loc, resultType, inputs, init, maps, getParallelIterators(rank),
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(b, nestedLoc,
                                buildBody(b, nestedLoc, args.drop_back()));
      });
  return generic.getResult(0);
}

Value buildElementwise(OpBuilder &builder, Location loc,
                       RankedTensorType resultType, ValueRange inputs,
                       ParallelBodyBuilder buildBody) {
  SmallVector<AffineMap> maps(
      inputs.size(), AffineMap::getMultiDimIdentityMap(resultType.getRank(),
                                                       builder.getContext()));
  return buildParallelGeneric(builder, loc, resultType, inputs.front(), inputs,
                              maps, buildBody);
}

AffineMap getBroadcastIndexingMap(RankedTensorType operandType,
                                  int64_t resultRank, MLIRContext *context) {
  int64_t rank = operandType.getRank();
  int64_t offset = resultRank - rank;
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < rank; ++i) {
    if (operandType.getDimSize(i) == 1)
      exprs.push_back(getAffineConstantExpr(0, context));
    else
      exprs.push_back(getAffineDimExpr(offset + i, context));
  }
  return AffineMap::get(resultRank, 0, exprs, context);
}

SmallVector<utils::IteratorType> getParallelIterators(int64_t n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

Value createScalarConstant(OpBuilder &builder, Location loc, Type type,
                           double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(builder, loc,
                                     builder.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      builder, loc, builder.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value convertFloatElements(OpBuilder &builder, Location loc, Value value,
                           Type elementType) {
  auto type = cast<RankedTensorType>(value.getType());
  bool widen = elementType.getIntOrFloatBitWidth() >
               type.getElementType().getIntOrFloatBitWidth();
  return buildElementwise(
      builder, loc, type.clone(elementType), value,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
        if (widen)
          return arith::ExtFOp::create(b, nestedLoc, elementType, args[0]);
        return arith::TruncFOp::create(b, nestedLoc, elementType, args[0]);
      });
}

} // namespace lowrank
