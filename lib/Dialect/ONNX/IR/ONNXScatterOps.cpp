//===- ONNXScatterOps.cpp - Verifiers of the scatter operators ------------===//
//
// Ranks, shapes, axes and reductions of ScatterElements, Scatter and
// ScatterND.
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

/// What ScatterElements and the deprecated Scatter share: `updates` of the
/// data's element type and the indices' shape, indices of the data's rank
/// and an axis within it.
static LogicalResult verifyElementScatter(Operation *op, Value data,
                                          Value indices, Value updates,
                                          int64_t axis) {
  if (getElementTypeOrSelf(updates.getType()) !=
      getElementTypeOrSelf(data.getType()))
    return op->emitOpError("updates must have the element type of data");
  auto dataType = dyn_cast<RankedTensorType>(data.getType());
  auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
  auto updatesType = dyn_cast<RankedTensorType>(updates.getType());
  if (dataType && dataType.getRank() == 0)
    return op->emitOpError("data must have rank >= 1");
  if (dataType && indicesType && dataType.getRank() != indicesType.getRank())
    return op->emitOpError("indices must have the rank of data (")
           << dataType.getRank() << "), got " << indicesType.getRank();
  if (indicesType && updatesType &&
      failed(verifyCompatibleShape(indicesType, updatesType)))
    return op->emitOpError("updates must have the shape of indices");
  if (dataType && (axis < -dataType.getRank() || axis >= dataType.getRank()))
    return op->emitOpError("axis ")
           << axis << " is out of range for rank " << dataType.getRank();
  return success();
}

LogicalResult ScatterElementsOp::verify() {
  if (!isKnownReduction(getReduction()))
    return emitOpError("unknown reduction '") << getReduction() << "'";
  // I64Attr getters return uint64_t: -1 arrives as 2^64 - 1.
  return verifyElementScatter(*this, getData(), getIndices(), getUpdates(),
                              static_cast<int64_t>(getAxis()));
}

LogicalResult ScatterOp::verify() {
  return verifyElementScatter(*this, getData(), getIndices(), getUpdates(),
                              static_cast<int64_t>(getAxis()));
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
