//===- ONNXQuantizeOps.cpp - Verifier of DequantizeLinear -----------------===//
//
// Scale and zero point are scalars (per tensor) or 1-D with one entry per
// index of x along `axis` (per axis); the result has x's shape and the
// scale's element type.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace lowrank::onnx;

/// Whether `type` holds a single element: rank 0, or 1-D of size 1.
static bool isScalarLike(RankedTensorType type) {
  return type.getRank() == 0 ||
         (type.getRank() == 1 && type.getDimSize(0) == 1);
}

LogicalResult DequantizeLinearOp::verify() {
  auto xType = dyn_cast<RankedTensorType>(getX().getType());
  auto yType = dyn_cast<RankedTensorType>(getY().getType());
  auto scaleType = dyn_cast<RankedTensorType>(getXScale().getType());
  if (getElementTypeOrSelf(getY().getType()) !=
      getElementTypeOrSelf(getXScale().getType()))
    return emitOpError("result element type ")
           << getElementTypeOrSelf(getY().getType())
           << " differs from the scale's " << getElementTypeOrSelf(scaleType);
  Value zeroPoint = getXZeroPoint();
  auto zeroType = dyn_cast<RankedTensorType>(zeroPoint.getType());
  if (!isa<NoneType>(zeroPoint.getType())) {
    if (getElementTypeOrSelf(zeroPoint.getType()) !=
        getElementTypeOrSelf(getX().getType()))
      return emitOpError("zero point element type ")
             << getElementTypeOrSelf(zeroPoint.getType())
             << " differs from the input's "
             << getElementTypeOrSelf(getX().getType());
    if (scaleType && zeroType && scaleType.getShape() != zeroType.getShape())
      return emitOpError("zero point shape differs from the scale's");
  }
  if (!xType || !scaleType)
    return success();
  if (yType && xType.getShape() != yType.getShape()) {
    for (auto [x, y] : llvm::zip(xType.getShape(), yType.getShape()))
      if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
        return emitOpError("result shape differs from the input's");
    if (xType.getRank() != yType.getRank())
      return emitOpError("result rank differs from the input's");
  }
  if (isScalarLike(scaleType))
    return success();
  if (scaleType.getRank() != 1)
    return emitOpError("scale must be a scalar or 1-D, got rank ")
           << scaleType.getRank();
  int64_t rank = xType.getRank(), axis = getAxis();
  if (axis < -rank || axis >= rank)
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  int64_t size = xType.getDimSize(axis < 0 ? axis + rank : axis);
  if (!ShapedType::isDynamic(size) && !scaleType.isDynamicDim(0) &&
      scaleType.getDimSize(0) != size)
    return emitOpError("per-axis scale has ")
           << scaleType.getDimSize(0) << " entries but the input has " << size
           << " along axis " << axis;
  return success();
}
