//===- ONNXQuantizeOps.cpp - Verifiers of Quantize/DequantizeLinear -------===//
//
// Scale and zero point are scalars (per tensor), 1-D with one entry per
// index of x along `axis` (per axis), or with `block_size` of x's rank with
// one entry per block along `axis` (blocked); the zero point has the
// quantized element type and the scale's shape.
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

/// Checks the scale and zero point against the shape of `shapeType` and the
/// quantized element type `quantized` (of the `quantizedName` value).
static LogicalResult verifyQuantizationParameters(
    Operation *op, Type shapeType, Value scale, Value zeroPoint, Type quantized,
    StringRef quantizedName, int64_t axis, int64_t blockSize) {
  auto xType = dyn_cast<RankedTensorType>(shapeType);
  auto scaleType = dyn_cast<RankedTensorType>(scale.getType());
  auto zeroType = dyn_cast<RankedTensorType>(zeroPoint.getType());
  if (!isa<NoneType>(zeroPoint.getType())) {
    if (getElementTypeOrSelf(zeroPoint.getType()) != quantized)
      return op->emitOpError("zero point element type ")
             << getElementTypeOrSelf(zeroPoint.getType())
             << " differs from the " << quantizedName << "'s " << quantized;
    if (scaleType && zeroType && scaleType.getShape() != zeroType.getShape() &&
        !(isScalarLike(scaleType) && isScalarLike(zeroType)))
      return op->emitOpError("zero point shape differs from the scale's");
  }
  if (blockSize < 0)
    return op->emitOpError("block_size must not be negative");
  if (!xType || !scaleType)
    return success();
  if (blockSize == 0 && isScalarLike(scaleType))
    return success();
  int64_t rank = xType.getRank();
  if (axis < -rank || axis >= rank)
    return op->emitOpError("axis ")
           << axis << " is out of range for rank " << rank;
  int64_t normalized = axis < 0 ? axis + rank : axis;
  int64_t size = xType.getDimSize(normalized);
  if (blockSize > 0) {
    if (scaleType.getRank() != rank)
      return op->emitOpError("blocked scale must have the input's rank ")
             << rank << ", got " << scaleType.getRank();
    for (int64_t i = 0; i < rank; ++i) {
      int64_t expected = xType.getDimSize(i);
      if (i == normalized && !ShapedType::isDynamic(expected))
        expected = (expected + blockSize - 1) / blockSize;
      if (!ShapedType::isDynamic(expected) && !scaleType.isDynamicDim(i) &&
          scaleType.getDimSize(i) != expected)
        return op->emitOpError("blocked scale has ")
               << scaleType.getDimSize(i) << " entries along axis " << i
               << ", expected " << expected;
    }
    return success();
  }
  if (scaleType.getRank() != 1)
    return op->emitOpError("scale must be a scalar or 1-D, got rank ")
           << scaleType.getRank();
  if (!ShapedType::isDynamic(size) && !scaleType.isDynamicDim(0) &&
      scaleType.getDimSize(0) != size)
    return op->emitOpError("per-axis scale has ")
           << scaleType.getDimSize(0) << " entries but the input has " << size
           << " along axis " << axis;
  return success();
}

/// The result has the input's shape.
static LogicalResult verifySameShape(Operation *op, Type input, Type result) {
  auto xType = dyn_cast<RankedTensorType>(input);
  auto yType = dyn_cast<RankedTensorType>(result);
  if (!xType || !yType || xType.getShape() == yType.getShape())
    return success();
  if (xType.getRank() != yType.getRank())
    return op->emitOpError("result rank differs from the input's");
  for (auto [x, y] : llvm::zip(xType.getShape(), yType.getShape()))
    if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
      return op->emitOpError("result shape differs from the input's");
  return success();
}

LogicalResult DequantizeLinearOp::verify() {
  if (getElementTypeOrSelf(getY().getType()) !=
      getElementTypeOrSelf(getXScale().getType()))
    return emitOpError("result element type ")
           << getElementTypeOrSelf(getY().getType()) << " differs from the "
           << "scale's " << getElementTypeOrSelf(getXScale().getType());
  if (failed(verifySameShape(*this, getX().getType(), getY().getType())))
    return failure();
  return verifyQuantizationParameters(*this, getX().getType(), getXScale(),
                                      getXZeroPoint(),
                                      getElementTypeOrSelf(getX().getType()),
                                      "input", getAxis(), getBlockSize());
}

LogicalResult QuantizeLinearOp::verify() {
  if (failed(verifySameShape(*this, getX().getType(), getY().getType())))
    return failure();
  return verifyQuantizationParameters(*this, getX().getType(), getYScale(),
                                      getYZeroPoint(),
                                      getElementTypeOrSelf(getY().getType()),
                                      "result", getAxis(), getBlockSize());
}
