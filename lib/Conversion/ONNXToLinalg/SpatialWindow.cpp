//===- SpatialWindow.cpp - Window geometry of Conv and the pooling ops ----===//

#include "SpatialWindow.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace lowrank {

bool SpatialWindow::needsPadding() const {
  return llvm::any_of(padsBegin, [](int64_t p) { return p != 0; }) ||
         llvm::any_of(paddedEnd, [](int64_t p) { return p != 0; });
}

static int64_t ceilDiv(int64_t lhs, int64_t rhs) {
  return (lhs + rhs - 1) / rhs;
}

FailureOr<SpatialWindow>
resolveSpatialWindow(PatternRewriter &rewriter, Operation *op,
                     ArrayRef<int64_t> inputSizes,
                     ArrayRef<int64_t> outputSizes,
                     const WindowAttrs &attrs) {
  int64_t rank = attrs.kernel.size();
  if (static_cast<int64_t>(inputSizes.size()) != rank ||
      static_cast<int64_t>(outputSizes.size()) != rank)
    return rewriter.notifyMatchFailure(
        op, "kernel rank differs from the spatial rank of the operands");
  if (ShapedType::isDynamicShape(inputSizes) ||
      ShapedType::isDynamicShape(outputSizes))
    return rewriter.notifyMatchFailure(
        op, "window geometry needs static spatial sizes");

  SpatialWindow window;
  window.kernel.assign(attrs.kernel.begin(), attrs.kernel.end());
  if (attrs.strides)
    window.strides.assign(attrs.strides->begin(), attrs.strides->end());
  else
    window.strides.assign(rank, 1);
  if (attrs.dilations)
    window.dilations.assign(attrs.dilations->begin(), attrs.dilations->end());
  else
    window.dilations.assign(rank, 1);

  bool isSame = attrs.autoPad == "SAME_UPPER" || attrs.autoPad == "SAME_LOWER";
  for (int64_t i = 0; i < rank; ++i) {
    int64_t in = inputSizes[i], stride = window.strides[i];
    int64_t dilatedKernel = window.getDilatedKernel(i);
    int64_t begin = 0, end = 0;
    if (isSame) {
      // Output size ceil(in / stride); the odd pad goes to the end for
      // SAME_UPPER and to the beginning for SAME_LOWER.
      int64_t total = std::max<int64_t>(
          0, (ceilDiv(in, stride) - 1) * stride + dilatedKernel - in);
      begin = attrs.autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end = total - begin;
    } else if (attrs.autoPad == "NOTSET" && attrs.pads) {
      begin = (*attrs.pads)[i];
      end = (*attrs.pads)[i + rank];
    } else if (attrs.autoPad != "NOTSET" && attrs.autoPad != "VALID") {
      return rewriter.notifyMatchFailure(op, "unknown auto_pad value");
    }
    window.padsBegin.push_back(begin);
    window.padsEnd.push_back(end);

    int64_t span = in + begin + end - dilatedKernel;
    if (span < 0)
      return rewriter.notifyMatchFailure(op, "window larger than padded input");
    int64_t floorSize = span / stride + 1;
    int64_t ceilSize = ceilDiv(span, stride) + 1;
    int64_t out = outputSizes[i];
    bool sizeAgrees = out == floorSize || (attrs.ceilMode && !isSame &&
                                           out >= floorSize && out <= ceilSize);
    if (!sizeAgrees)
      return rewriter.notifyMatchFailure(
          op, "result spatial size disagrees with the window attributes");
    window.paddedEnd.push_back(
        std::max<int64_t>(0, (out - 1) * stride + dilatedKernel - in - begin));
  }
  return window;
}

Value padSpatialDims(OpBuilder &builder, Location loc, Value input,
                     const SpatialWindow &window, TypedAttr padValue) {
  if (!window.needsPadding())
    return input;
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> low = {0, 0}, high = {0, 0};
  SmallVector<int64_t> paddedShape(inputType.getShape().take_front(2));
  for (int64_t i = 0; i < window.getRank(); ++i) {
    low.push_back(window.padsBegin[i]);
    high.push_back(window.paddedEnd[i]);
    paddedShape.push_back(inputType.getDimSize(i + 2) + window.padsBegin[i] +
                          window.paddedEnd[i]);
  }
  auto paddedType =
      RankedTensorType::get(paddedShape, inputType.getElementType());
  Value padScalar = arith::ConstantOp::create(builder, loc, padValue);
  MLIRContext *context = builder.getContext();
  return tensor::PadOp::create(builder, loc, paddedType, input,
                               getAsIndexOpFoldResult(context, low),
                               getAsIndexOpFoldResult(context, high),
                               padScalar);
}

AffineExpr getWindowInputExpr(const SpatialWindow &window, int64_t dim,
                              AffineExpr output, AffineExpr windowPos) {
  return output * window.strides[dim] + windowPos * window.dilations[dim];
}

DenseIntElementsAttr getI64VectorAttr(Builder &builder,
                                      ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    builder.getI64Type());
  return DenseIntElementsAttr::get(type, values);
}

} // namespace lowrank
