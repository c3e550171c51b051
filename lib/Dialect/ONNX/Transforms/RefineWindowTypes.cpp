//===- RefineWindowTypes.cpp - Static result types of windowed ops -------===//
//
// Conv and the pooling ops (global ones too) get the spatial sizes of their
// result from the input's once those are static (an input padded by pads that
// were folded late, as `torch.stft` exports compute them): ONNX's output size
// rule for explicit pads, VALID and SAME padding, and ceil_mode. STFT gets
// its [batch, frames, bins, 2] once its frame length is known.
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

using namespace mlir;
using namespace lowrank;

namespace {

/// The attributes that set a window's geometry.
struct WindowGeometry {
  ArrayRef<int64_t> kernel;
  StringRef autoPad;
  std::optional<ArrayRef<int64_t>> pads, strides, dilations;
  bool ceilMode = false;
};

/// The size of a windowed result along spatial dim `i` of size `in`; none
/// when the attributes do not fit the input.
std::optional<int64_t> getWindowedSize(const WindowGeometry &window, size_t i,
                                       int64_t in) {
  size_t rank = window.kernel.size();
  int64_t stride = window.strides ? (*window.strides)[i] : 1;
  int64_t dilation = window.dilations ? (*window.dilations)[i] : 1;
  if (stride <= 0 || dilation <= 0 || window.kernel[i] <= 0)
    return std::nullopt;
  if (window.autoPad == "SAME_UPPER" || window.autoPad == "SAME_LOWER")
    return (in + stride - 1) / stride;
  int64_t padded = in;
  if (window.autoPad == "NOTSET" && window.pads) {
    if (window.pads->size() != 2 * rank)
      return std::nullopt;
    padded += (*window.pads)[i] + (*window.pads)[i + rank];
  } else if (window.autoPad != "NOTSET" && window.autoPad != "VALID") {
    return std::nullopt;
  }
  int64_t span = padded - ((window.kernel[i] - 1) * dilation + 1);
  if (span < 0)
    return std::nullopt;
  if (!window.ceilMode)
    return span / stride + 1;
  int64_t out = (span + stride - 1) / stride + 1;
  // A last window that would start in the end padding is dropped.
  int64_t begin =
      window.pads && window.autoPad == "NOTSET" ? (*window.pads)[i] : 0;
  if ((out - 1) * stride >= in + begin)
    --out;
  return out;
}

/// Refines the first result of `op` to [batch, channels, spatial...] from
/// the input `x` and `window`.
LogicalResult refineWindowed(PatternRewriter &rewriter, Operation *op, Value x,
                             int64_t channels, const WindowGeometry &window) {
  auto inputType = dyn_cast<RankedTensorType>(x.getType());
  auto resultType = dyn_cast<TensorType>(op->getResult(0).getType());
  size_t rank = window.kernel.size();
  if (!inputType || !resultType || inputType.getRank() != int64_t(rank) + 2)
    return rewriter.notifyMatchFailure(op, "input rank does not fit");
  if ((window.strides && window.strides->size() != rank) ||
      (window.dilations && window.dilations->size() != rank))
    return rewriter.notifyMatchFailure(op, "attribute sizes do not fit");
  SmallVector<int64_t> shape = {inputType.getDimSize(0), channels};
  for (size_t i = 0; i < rank; ++i) {
    int64_t in = inputType.getDimSize(i + 2);
    std::optional<int64_t> out;
    if (!ShapedType::isDynamic(in))
      out = getWindowedSize(window, i, in);
    shape.push_back(out.value_or(ShapedType::kDynamic));
  }
  // Keep what the current type knows that the input does not.
  if (auto current = dyn_cast<RankedTensorType>(resultType)) {
    if (current.getRank() != static_cast<int64_t>(shape.size()))
      return rewriter.notifyMatchFailure(op, "result rank does not fit");
    for (auto [size, known] : llvm::zip(shape, current.getShape()))
      if (ShapedType::isDynamic(size))
        size = known;
  }
  return refineResultType(
      rewriter, op->getResult(0),
      RankedTensorType::get(shape, resultType.getElementType()));
}

struct ConvRefine : OpRewritePattern<onnx::ConvOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ConvOp op,
                                PatternRewriter &rewriter) const override {
    auto weightType = dyn_cast<RankedTensorType>(op.getW().getType());
    if (!weightType || weightType.getRank() < 3 || !weightType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "weight shape not static");
    ArrayRef<int64_t> kernel = weightType.getShape().drop_front(2);
    if (op.getKernelShape() && *op.getKernelShape() != kernel)
      return rewriter.notifyMatchFailure(op, "kernel_shape disagrees with W");
    WindowGeometry window{kernel, op.getAutoPad(), op.getPads(),
                          op.getStrides(), op.getDilations()};
    return refineWindowed(rewriter, op, op.getX(), weightType.getDimSize(0),
                          window);
  }
};

/// MaxPool, AveragePool and LpPool keep the input's channels.
template <typename PoolOp> struct PoolRefine : OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(PoolOp op,
                                PatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(op.getX().getType());
    if (!inputType || inputType.getRank() < 3)
      return rewriter.notifyMatchFailure(op, "input rank does not fit");
    WindowGeometry window{op.getKernelShape(), op.getAutoPad(),
                          op.getPads(),        op.getStrides(),
                          op.getDilations(),   op.getCeilMode() != 0};
    return refineWindowed(rewriter, op, op.getX(), inputType.getDimSize(1),
                          window);
  }
};

/// GlobalAveragePool and GlobalMaxPool: [batch, channels, 1, ...].
template <typename PoolOp> struct GlobalPoolRefine : OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(PoolOp op,
                                PatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto resultType = cast<TensorType>(op.getY().getType());
    if (!inputType || inputType.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "input rank does not fit");
    SmallVector<int64_t> shape(inputType.getShape().take_front(2));
    shape.append(inputType.getRank() - 2, 1);
    return refineResultType(
        rewriter, op->getResult(0),
        RankedTensorType::get(shape, resultType.getElementType()));
  }
};

} // namespace

namespace {

/// STFT: the bins from the frame length (a constant frame_length, a window
/// of static size, or the whole static signal), the frames also from a
/// static signal length and a constant step.
struct STFTRefine : OpRewritePattern<onnx::STFTOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::STFTOp op,
                                PatternRewriter &rewriter) const override {
    auto signal = dyn_cast<RankedTensorType>(op.getSignal().getType());
    if (!signal || signal.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "signal unranked");
    int64_t length = signal.getDimSize(1);
    auto window = dyn_cast<RankedTensorType>(op.getWindow().getType());
    bool hasFrameLength = !isa<NoneType>(op.getFrameLength().getType());
    std::optional<int64_t> frame;
    if (hasFrameLength) {
      if (std::optional<IntTensor> given = getIntTensor(op.getFrameLength(), 1))
        if (given->values.size() == 1)
          frame = given->values.front();
    } else if (window && window.getRank() == 1 && !window.isDynamicDim(0)) {
      frame = window.getDimSize(0);
    } else if (!window && !ShapedType::isDynamic(length)) {
      frame = length;
    }
    if (!frame || *frame < 1)
      return rewriter.notifyMatchFailure(op, "frame length unknown");
    int64_t bins = op.getOnesided() ? *frame / 2 + 1 : *frame;
    int64_t frames = ShapedType::kDynamic;
    std::optional<IntTensor> step = getIntTensor(op.getFrameStep(), 1);
    if (step && step->values.size() == 1 && step->values.front() > 0 &&
        !ShapedType::isDynamic(length) && length >= *frame)
      frames = (length - *frame) / step->values.front() + 1;
    return refineToShape(rewriter, op, {signal.getDimSize(0), frames, bins, 2});
  }
};

} // namespace

void lowrank::populateRefineWindowTypesPatterns(RewritePatternSet &patterns) {
  patterns.add<STFTRefine, ConvRefine, PoolRefine<onnx::MaxPoolOp>,
               PoolRefine<onnx::AveragePoolOp>, PoolRefine<onnx::LpPoolOp>,
               GlobalPoolRefine<onnx::GlobalAveragePoolOp>,
               GlobalPoolRefine<onnx::GlobalMaxPoolOp>>(patterns.getContext());
}
