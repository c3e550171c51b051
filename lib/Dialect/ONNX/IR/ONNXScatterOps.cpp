//===- ONNXScatterOps.cpp - Verifiers of the scatter operators ------------===//
//
// Ranks, shapes, axes and reductions of ScatterElements and ScatterND.
// Dynamic dimensions are accepted wherever a static size would be checked.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace lowrank::onnx;

static bool isKnownReduction(StringRef reduction) {
  return llvm::is_contained({"none", "add", "mul", "max", "min"}, reduction);
}

LogicalResult ScatterElementsOp::verify() {
  if (!isKnownReduction(getReduction()))
    return emitOpError("unknown reduction '") << getReduction() << "'";
  if (getElementTypeOrSelf(getUpdates().getType()) !=
      getElementTypeOrSelf(getData().getType()))
    return emitOpError("updates must have the element type of data");
  auto dataType = dyn_cast<RankedTensorType>(getData().getType());
  auto indicesType = dyn_cast<RankedTensorType>(getIndices().getType());
  auto updatesType = dyn_cast<RankedTensorType>(getUpdates().getType());
  if (dataType && dataType.getRank() == 0)
    return emitOpError("data must have rank >= 1");
  if (dataType && indicesType && dataType.getRank() != indicesType.getRank())
    return emitOpError("indices must have the rank of data (")
           << dataType.getRank() << "), got " << indicesType.getRank();
  if (indicesType && updatesType &&
      failed(verifyCompatibleShape(indicesType, updatesType)))
    return emitOpError("updates must have the shape of indices");
  // I64Attr getters return uint64_t: -1 arrives as 2^64 - 1.
  int64_t axis = static_cast<int64_t>(getAxis());
  if (dataType && (axis < -dataType.getRank() || axis >= dataType.getRank()))
    return emitOpError("axis ")
           << axis << " is out of range for rank " << dataType.getRank();
  return success();
}

LogicalResult ScatterNDOp::verify() {
  if (!isKnownReduction(getReduction()))
    return emitOpError("unknown reduction '") << getReduction() << "'";
  if (getElementTypeOrSelf(getUpdates().getType()) !=
      getElementTypeOrSelf(getData().getType()))
    return emitOpError("updates must have the element type of data");
  auto dataType = dyn_cast<RankedTensorType>(getData().getType());
  auto indicesType = dyn_cast<RankedTensorType>(getIndices().getType());
  auto updatesType = dyn_cast<RankedTensorType>(getUpdates().getType());
  if (dataType && dataType.getRank() == 0)
    return emitOpError("data must have rank >= 1");
  if (indicesType && indicesType.getRank() == 0)
    return emitOpError("indices must have rank >= 1");
  if (!dataType || !indicesType || !updatesType)
    return success();
  int64_t depth = indicesType.getShape().back();
  if (ShapedType::isDynamic(depth))
    return success();
  if (depth > dataType.getRank())
    return emitOpError("index tuples of ")
           << depth << " coordinates for " << dataType.getRank()
           << " dimensions";
  SmallVector<int64_t> expected(indicesType.getShape().drop_back());
  llvm::append_range(expected, dataType.getShape().drop_front(depth));
  if (failed(verifyCompatibleShape(expected, updatesType.getShape())))
    return emitOpError("updates must have the shape indices.shape[:-1] + "
                       "data.shape[indices.shape[-1]:]");
  return success();
}
