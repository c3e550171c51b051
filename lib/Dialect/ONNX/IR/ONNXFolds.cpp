//===- ONNXFolds.cpp - Folders of the onnx operations ---------------------===//
//
// Folders that need no arithmetic on tensor contents: constants, identities
// and the shape of a statically shaped value. Shape arithmetic on folded
// shapes is done by the lowrank-onnx-fold-shapes pass.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace lowrank::onnx;

OpFoldResult NoValueOp::fold(FoldAdaptor) { return UnitAttr::get(getContext()); }

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult IdentityOp::fold(FoldAdaptor) {
  if (getX().getType() == getY().getType())
    return getX();
  return {};
}

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto resultType = dyn_cast<RankedTensorType>(getShape().getType());
  std::optional<SmallVector<int64_t>> dims = getStaticSelectedDims();
  if (!dims || !resultType || !resultType.hasStaticShape() ||
      static_cast<int64_t>(dims->size()) != resultType.getNumElements())
    return {};
  return DenseElementsAttr::get(resultType, ArrayRef<int64_t>(*dims));
}
