//===- ONNXSpectralOps.cpp - Verifiers of DFT and STFT
//---------------------===//
//
// Ranks and the trailing complex dimension of the Fourier transforms.
// Dynamic dimensions are accepted wherever a static size would be checked.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace lowrank::onnx;

/// Whether `value` is none, a scalar or a 1-D tensor of one element (or
/// unranked).
static bool isNoneOrScalarLike(Value value) {
  if (isa<NoneType>(value.getType()))
    return true;
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return true;
  return type.getRank() == 0 ||
         (type.getRank() == 1 && !(type.getDimSize(0) > 1));
}

/// Checks that the static size of the last dimension of `type` (when
/// ranked and static) is one of `allowed`.
static LogicalResult verifyComponents(Operation *op, Type type,
                                      ArrayRef<int64_t> allowed,
                                      StringRef what) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || ranked.getRank() == 0 ||
      ranked.isDynamicDim(ranked.getRank() - 1))
    return success();
  if (!llvm::is_contained(allowed, ranked.getShape().back()))
    return op->emitOpError()
           << what << " must end in a dimension of "
           << (allowed.size() == 1 ? "" : "1 (real) or ") << allowed.back()
           << (allowed.back() == 2 ? " (complex)" : "");
  return success();
}

static LogicalResult verifyFlag(Operation *op, uint64_t value, StringRef name) {
  if (value > 1)
    return op->emitOpError() << name << " must be 0 or 1";
  return success();
}

LogicalResult DFTOp::verify() {
  if (failed(verifyFlag(*this, getInverse(), "inverse")) ||
      failed(verifyFlag(*this, getOnesided(), "onesided")))
    return failure();
  if (!isNoneOrScalarLike(getDftLength()) || !isNoneOrScalarLike(getAxis()))
    return emitOpError("dft_length and axis must be scalars");
  auto inputType = dyn_cast<RankedTensorType>(getInput().getType());
  auto outputType = dyn_cast<RankedTensorType>(getOutput().getType());
  if (inputType && inputType.getRank() < 2)
    return emitOpError("input must have rank >= 2 (the signal axis and the "
                       "complex dimension)");
  if (inputType && outputType && inputType.getRank() != outputType.getRank())
    return emitOpError("output must have the rank of input");
  if (getElementTypeOrSelf(getInput().getType()) !=
      getElementTypeOrSelf(getOutput().getType()))
    return emitOpError("output must have the element type of input");
  bool realOutput = getInverse() && getOnesided();
  if (failed(verifyComponents(*this, getInput().getType(), {1, 2}, "input")) ||
      failed(verifyComponents(*this, getOutput().getType(),
                              {realOutput ? int64_t(1) : int64_t(2)},
                              "output")))
    return failure();
  return success();
}

LogicalResult STFTOp::verify() {
  if (failed(verifyFlag(*this, getOnesided(), "onesided")))
    return failure();
  if (!isNoneOrScalarLike(getFrameStep()) ||
      !isNoneOrScalarLike(getFrameLength()))
    return emitOpError("frame_step and frame_length must be scalars");
  auto signalType = dyn_cast<RankedTensorType>(getSignal().getType());
  auto outputType = dyn_cast<RankedTensorType>(getOutput().getType());
  // ONNX Runtime also takes a real signal as [batch, length].
  if (signalType && signalType.getRank() != 2 && signalType.getRank() != 3)
    return emitOpError("signal must be [batch, length, 1 or 2] or [batch, "
                       "length]");
  if (outputType && outputType.getRank() != 4)
    return emitOpError("output must be [batch, frames, bins, 2]");
  auto windowType = dyn_cast<RankedTensorType>(getWindow().getType());
  if (windowType && windowType.getRank() != 1)
    return emitOpError("window must be 1-D");
  if (getElementTypeOrSelf(getSignal().getType()) !=
      getElementTypeOrSelf(getOutput().getType()))
    return emitOpError("output must have the element type of signal");
  if ((signalType && signalType.getRank() == 3 &&
       failed(verifyComponents(*this, signalType, {1, 2}, "signal"))) ||
      failed(verifyComponents(*this, getOutput().getType(), {2}, "output")))
    return failure();
  return success();
}
