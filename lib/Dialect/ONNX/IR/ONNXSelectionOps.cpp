//===- ONNXSelectionOps.cpp - Verifiers of the selection operators --------===//
//
// Ranks and axes of the selection operators. Dynamic dimensions are
// accepted wherever a static size would be checked.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace lowrank::onnx;

static std::optional<int64_t> getRankOf(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return std::nullopt;
  return type.getRank();
}

/// Whether `value` is a scalar or a 1-D tensor of one element (or unranked).
static bool isScalarLike(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return true;
  return type.getRank() == 0 ||
         (type.getRank() == 1 && !(type.getDimSize(0) > 1));
}

/// Fails on an `axis` outside [-rank, rank) of a ranked `rank`.
static LogicalResult verifyAxis(Operation *op, int64_t axis,
                                std::optional<int64_t> rank) {
  if (rank && (axis < -*rank || axis >= *rank))
    return op->emitOpError("axis ")
           << axis << " is out of range for rank " << *rank;
  return success();
}

LogicalResult TopKOp::verify() {
  if (!isScalarLike(getK()))
    return emitOpError("K must be a scalar or a 1-D tensor of one element");
  std::optional<int64_t> rank = getRankOf(getX());
  if (rank && *rank == 0)
    return emitOpError("X must have rank >= 1");
  if (getElementTypeOrSelf(getValues().getType()) !=
      getElementTypeOrSelf(getX().getType()))
    return emitOpError("Values must have the element type of X");
  // I64Attr getters return uint64_t: -1 arrives as 2^64 - 1.
  return verifyAxis(*this, static_cast<int64_t>(getAxis()), rank);
}

LogicalResult HardmaxOp::verify() {
  return verifyAxis(*this, static_cast<int64_t>(getAxis()),
                    getRankOf(getInput()));
}

LogicalResult OneHotOp::verify() {
  if (!isScalarLike(getDepth()))
    return emitOpError("depth must be a scalar or a 1-D tensor of one element");
  auto valuesType = dyn_cast<RankedTensorType>(getValues().getType());
  if (valuesType &&
      (valuesType.getRank() != 1 ||
       (!valuesType.isDynamicDim(0) && valuesType.getDimSize(0) != 2)))
    return emitOpError("values must be [off_value, on_value]");
  if (getElementTypeOrSelf(getValues().getType()) !=
      getElementTypeOrSelf(getOutput().getType()))
    return emitOpError("the result must have the element type of values");
  std::optional<int64_t> rank = getRankOf(getIndices());
  return verifyAxis(*this, static_cast<int64_t>(getAxis()),
                    rank ? std::optional<int64_t>(*rank + 1) : std::nullopt);
}

LogicalResult EyeLikeOp::verify() {
  std::optional<int64_t> rank = getRankOf(getInput());
  if (rank && *rank != 2)
    return emitOpError("input must be 2-D");
  auto inputType = dyn_cast<ShapedType>(getInput().getType());
  auto resultType = dyn_cast<ShapedType>(getOutput().getType());
  if (inputType && resultType && inputType.hasRank() && resultType.hasRank() &&
      failed(
          verifyCompatibleShape(inputType.getShape(), resultType.getShape())))
    return emitOpError("the result must have the shape of input");
  return success();
}

LogicalResult NonZeroOp::verify() {
  auto resultType = dyn_cast<RankedTensorType>(getY().getType());
  if (!resultType)
    return success();
  if (resultType.getRank() != 2)
    return emitOpError("result must have rank 2, got ") << resultType.getRank();
  std::optional<int64_t> rank = getRankOf(getX());
  if (rank && !resultType.isDynamicDim(0) &&
      resultType.getDimSize(0) != std::max<int64_t>(*rank, 1))
    return emitOpError("result has ") << resultType.getDimSize(0)
                                      << " rows for an input of rank " << *rank;
  return success();
}
