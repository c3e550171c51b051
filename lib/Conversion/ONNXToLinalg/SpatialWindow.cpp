//===- SpatialWindow.cpp - Window geometry of Conv and the pooling ops ----===//

#include "SpatialWindow.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

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
  bool isSame = attrs.autoPad == "SAME_UPPER" || attrs.autoPad == "SAME_LOWER";
  // SAME padding depends on the input size unless every stride is 1.
  bool unitStrides =
      !attrs.strides ||
      llvm::all_of(*attrs.strides, [](int64_t s) { return s == 1; });
  if ((ShapedType::isDynamicShape(inputSizes) ||
       ShapedType::isDynamicShape(outputSizes)) &&
      (!attrs.allowDynamicSizes || (isSame && !unitStrides) || attrs.ceilMode))
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

  for (int64_t i = 0; i < rank; ++i) {
    int64_t in = inputSizes[i], stride = window.strides[i];
    int64_t dilatedKernel = window.getDilatedKernel(i);
    int64_t begin = 0, end = 0;
    if (isSame) {
      // Output size ceil(in / stride); the odd pad goes to the end for
      // SAME_UPPER and to the beginning for SAME_LOWER. With stride 1 the
      // total is the dilated kernel less one, whatever the input size.
      int64_t total =
          ShapedType::isDynamic(in)
              ? dilatedKernel - 1
              : std::max<int64_t>(0, (ceilDiv(in, stride) - 1) * stride +
                                         dilatedKernel - in);
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
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(outputSizes[i])) {
      // Checked at run time (getWindowOutputSizes); the full trailing pad
      // holds every window of the floor rule.
      window.paddedEnd.push_back(end);
      continue;
    }

    // A window larger than the padded input leaves no output, or one
    // window that hangs over the end when the stride exceeds the shortfall:
    // ONNX's shape inference and ONNX Runtime divide by truncation in floor
    // mode (a shortfall of 1 at stride 2 gives one window) and round up
    // under ceil_mode.
    int64_t span = in + begin + end - dilatedKernel;
    int64_t floorSize = span / stride + 1;
    int64_t ceilSize = llvm::divideCeilSigned(span, stride) + 1;
    if (floorSize < 0 && ceilSize < 1)
      return rewriter.notifyMatchFailure(op, "window larger than padded input");
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

SmallVector<Value> getWindowOutputSizes(OpBuilder &builder, Location loc,
                                        Value input,
                                        RankedTensorType resultType,
                                        const SpatialWindow &window,
                                        StringRef prefix) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto index = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(builder, loc, value);
  };
  SmallVector<Value> sizes;
  if (resultType.isDynamicDim(0))
    sizes.push_back(tensor::DimOp::create(builder, loc, input, 0));
  for (int64_t i = 0; i < window.getRank(); ++i) {
    int64_t dim = i + 2;
    if (!inputType.isDynamicDim(dim) && !resultType.isDynamicDim(dim))
      continue;
    // The padded input must hold one window; then the floor rule.
    Value padded = arith::AddIOp::create(
        builder, loc, tensor::DimOp::create(builder, loc, input, dim),
        index(window.padsBegin[i] + window.padsEnd[i]));
    Value kernel = index(window.getDilatedKernel(i));
    cf::AssertOp::create(
        builder, loc,
        arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::sge, padded,
                              kernel),
        (prefix + "the window is larger than the padded input").str());
    Value size = arith::AddIOp::create(
        builder, loc,
        arith::DivUIOp::create(
            builder, loc, arith::SubIOp::create(builder, loc, padded, kernel),
            index(window.strides[i])),
        index(1));
    if (resultType.isDynamicDim(dim)) {
      sizes.push_back(size);
      continue;
    }
    cf::AssertOp::create(
        builder, loc,
        arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq, size,
                              index(resultType.getDimSize(dim))),
        (prefix + "the result's size " + Twine(resultType.getDimSize(dim)) +
         " along spatial axis " + Twine(i) + " disagrees with the input's")
            .str());
  }
  return sizes;
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
    int64_t size = inputType.getDimSize(i + 2);
    paddedShape.push_back(ShapedType::isDynamic(size)
                              ? size
                              : size + window.padsBegin[i] +
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
