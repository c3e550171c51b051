//===- ONNXNormalizationOps.cpp - Verifiers of per-instance norms ---------===//
//
// Ranks of InstanceNormalization's operands, LpNormalization's axis and p,
// LRN's size.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

using namespace mlir;
using namespace lowrank::onnx;

LogicalResult InstanceNormalizationOp::verify() {
  auto inputType = dyn_cast<RankedTensorType>(getInput().getType());
  if (inputType && inputType.getRank() < 3)
    return emitOpError("input must have rank >= 3 (N, C, spatial...)");
  for (Value perChannel : {getScale(), getB()}) {
    auto type = dyn_cast<RankedTensorType>(perChannel.getType());
    if (!type)
      continue;
    if (type.getRank() != 1)
      return emitOpError("scale and B must be 1-D");
    if (inputType && !inputType.isDynamicDim(1) && !type.isDynamicDim(0) &&
        type.getDimSize(0) != inputType.getDimSize(1))
      return emitOpError("scale and B must have one value per channel (")
             << inputType.getDimSize(1) << "), got " << type.getDimSize(0);
  }
  if (auto resultType = dyn_cast<RankedTensorType>(getOutput().getType());
      inputType && resultType &&
      failed(verifyCompatibleShape(inputType, resultType)))
    return emitOpError("the result must have the shape of input");
  return success();
}

LogicalResult LpNormalizationOp::verify() {
  int64_t p = static_cast<int64_t>(getP());
  if (p != 1 && p != 2)
    return emitOpError("p must be 1 or 2, got ") << p;
  // I64Attr getters return uint64_t: -1 arrives as 2^64 - 1.
  int64_t axis = static_cast<int64_t>(getAxis());
  if (auto type = dyn_cast<RankedTensorType>(getInput().getType());
      type && (axis < -type.getRank() || axis >= type.getRank()))
    return emitOpError("axis ")
           << axis << " is out of range for rank " << type.getRank();
  return success();
}

LogicalResult LRNOp::verify() {
  int64_t size = static_cast<int64_t>(getSize());
  if (size < 1)
    return emitOpError("size must be at least 1, got ") << size;
  if (auto type = dyn_cast<RankedTensorType>(getX().getType());
      type && type.getRank() < 2)
    return emitOpError("X must have rank >= 2 (N, C, ...)");
  return success();
}
