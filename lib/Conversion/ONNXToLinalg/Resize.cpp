//===- Resize.cpp - onnx to linalg: Resize --------------------------------===//
//
// Resize in nearest and linear modes, with every coordinate transformation
// but tf_crop_and_resize, as the ONNX reference implementation computes it.
// One linalg.generic over the (static) result: each resized dimension maps
// its output index to a position in the input (in float32), then nearest
// mode reads the rounded position and linear mode blends the two neighbours
// of every resized dimension (2^k reads for k resized dimensions). Indices
// are clamped to the input, which is the reference's edge padding. Scales
// may be known only at run time; sizes give scale = output / input.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {

struct ResizeLowering : OpConversionPattern<onnx::ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType || !type.hasStaticShape() ||
        !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    StringRef mode = op.getMode();
    StringRef transform = op.getCoordinateTransformationMode();
    std::string node = getNodePrefix(op);
    if (mode == "cubic")
      return op.emitError(node + "Resize in cubic mode is not supported");
    if (transform == "tf_crop_and_resize")
      return op.emitError(node +
                          "Resize with tf_crop_and_resize is not supported");
    if (!isa<FloatType>(type.getElementType()) && mode == "linear")
      return op.emitError(node + "linear Resize needs float elements");
    int64_t rank = type.getRank();
    if (resultType.getRank() != rank)
      return op.emitError(node + "Resize changes the rank");
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();

    // The scale of each dimension: the scales input (read at run time), or
    // output / input.
    Value scales = adaptor.getScales();
    auto scalesType = isNoneValue(scales)
                          ? RankedTensorType()
                          : dyn_cast<RankedTensorType>(scales.getType());
    bool useScales = scalesType && scalesType.getRank() == 1 &&
                     scalesType.getDimSize(0) == rank;
    if (!useScales && isNoneValue(adaptor.getSizes()))
      return op.emitError(node + "Resize needs scales or sizes");
    SmallVector<Value> scaleValues;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t in = type.getDimSize(d), out = resultType.getDimSize(d);
      if (in == 0 && out > 0)
        return op.emitError(node + "Resize of an empty dimension");
      Value scale;
      if (useScales) {
        Value index = arith::ConstantIndexOp::create(rewriter, loc, d);
        scale = tensor::ExtractOp::create(rewriter, loc, scales, index);
        if (scale.getType() != f32)
          return op.emitError(node + "Resize scales must be float32");
      } else {
        scale = arith::ConstantOp::create(
            rewriter, loc,
            rewriter.getF32FloatAttr(in ? float(out) / float(in) : 1.0f));
      }
      scaleValues.push_back(scale);
    }
    if (resultType.getNumElements() == 0) {
      rewriter.replaceOp(op, tensor::EmptyOp::create(rewriter, loc,
                                                     resultType.getShape(),
                                                     type.getElementType()));
      return success();
    }

    StringRef nearestMode = op.getNearestMode();
    bool linear = mode == "linear";
    Value result = buildParallelGeneric(
        rewriter, loc, resultType, /*sizeSource=*/{}, /*inputs=*/{},
        /*inputMaps=*/{},
        [&](OpBuilder &b, Location nested, ValueRange) -> Value {
          auto f32Constant = [&](double v) -> Value {
            return arith::ConstantOp::create(b, nested, b.getF32FloatAttr(v));
          };
          auto indexConstant = [&](int64_t v) -> Value {
            return arith::ConstantIndexOp::create(b, nested, v);
          };
          auto clampIndex = [&](Value position, int64_t size) -> Value {
            Value asIndex = arith::IndexCastOp::create(
                b, nested, b.getIndexType(),
                arith::FPToSIOp::create(b, nested, b.getI64Type(), position));
            return arith::MinSIOp::create(
                b, nested,
                arith::MaxSIOp::create(b, nested, asIndex, indexConstant(0)),
                indexConstant(size - 1));
          };
          // Per dimension: the index read (nearest, or the lower neighbour),
          // the upper neighbour and the weight of the upper one (linear).
          SmallVector<Value> lower, upper, weight;
          SmallVector<int64_t> interpolated;
          for (int64_t d = 0; d < rank; ++d) {
            int64_t in = type.getDimSize(d), out = resultType.getDimSize(d);
            Value outIndex = linalg::IndexOp::create(b, nested, d);
            if (in == out && !useScales) {
              lower.push_back(outIndex);
              upper.push_back(outIndex);
              weight.push_back(nullptr);
              continue;
            }
            Value x = arith::SIToFPOp::create(
                b, nested, f32,
                arith::IndexCastOp::create(b, nested, b.getI64Type(),
                                           outIndex));
            Value scale = scaleValues[d];
            Value half = f32Constant(0.5);
            // The reference measures the output in float: scale * input.
            Value width = arith::MulFOp::create(b, nested, scale,
                                                f32Constant(double(in)));
            Value widthIsOne = arith::CmpFOp::create(
                b, nested, arith::CmpFPredicate::OEQ, width, f32Constant(1));
            Value original;
            if (transform == "asymmetric") {
              original = arith::DivFOp::create(b, nested, x, scale);
            } else if (transform == "align_corners") {
              Value stretched = arith::DivFOp::create(
                  b, nested,
                  arith::MulFOp::create(b, nested, x,
                                        f32Constant(double(in - 1))),
                  arith::SubFOp::create(b, nested, width, f32Constant(1)));
              original = arith::SelectOp::create(b, nested, widthIsOne,
                                                 f32Constant(0), stretched);
            } else {
              // half_pixel and its variants: (x + 0.5) / scale - 0.5.
              original = arith::SubFOp::create(
                  b, nested,
                  arith::DivFOp::create(
                      b, nested, arith::AddFOp::create(b, nested, x, half),
                      scale),
                  half);
              if (transform == "pytorch_half_pixel")
                original = arith::SelectOp::create(b, nested, widthIsOne,
                                                   f32Constant(-0.5), original);
              if (transform == "half_pixel_symmetric") {
                // offset = in / 2 * (1 - out / (scale * in)).
                Value adjustment =
                    arith::DivFOp::create(b, nested, f32Constant(out), width);
                Value offset = arith::MulFOp::create(
                    b, nested, f32Constant(double(in) / 2),
                    arith::SubFOp::create(b, nested, f32Constant(1),
                                          adjustment));
                original = arith::AddFOp::create(b, nested, offset, original);
              }
            }
            if (!linear) {
              Value rounded;
              Value floor = math::FloorOp::create(b, nested, original);
              if (nearestMode == "floor") {
                rounded = floor;
              } else if (nearestMode == "ceil") {
                rounded = math::CeilOp::create(b, nested, original);
              } else {
                // Round half away from zero, except exact halves, which go
                // down (round_prefer_floor) or up (round_prefer_ceil).
                Value isHalf = arith::CmpFOp::create(
                    b, nested, arith::CmpFPredicate::OEQ,
                    arith::SubFOp::create(b, nested, original, floor), half);
                Value tie =
                    nearestMode == "round_prefer_floor"
                        ? floor
                        : Value(math::CeilOp::create(b, nested, original));
                rounded = arith::SelectOp::create(
                    b, nested, isHalf, tie,
                    math::RoundOp::create(b, nested, original));
              }
              lower.push_back(clampIndex(rounded, in));
              upper.push_back(nullptr);
              weight.push_back(nullptr);
              continue;
            }
            Value floor = math::FloorOp::create(b, nested, original);
            lower.push_back(clampIndex(floor, in));
            upper.push_back(clampIndex(
                arith::AddFOp::create(b, nested, floor, f32Constant(1)), in));
            weight.push_back(arith::SubFOp::create(b, nested, original, floor));
            interpolated.push_back(d);
          }
          Type element = type.getElementType();
          if (!linear)
            return tensor::ExtractOp::create(b, nested, input, lower);
          // Sum over the 2^k corners of the interpolated dimensions, in
          // float32 (half types are widened).
          Value sum = f32Constant(0);
          int64_t corners = int64_t(1) << interpolated.size();
          for (int64_t corner = 0; corner < corners; ++corner) {
            SmallVector<Value> coords(lower.begin(), lower.end());
            Value cornerWeight = f32Constant(1);
            for (auto [bit, d] : llvm::enumerate(interpolated)) {
              bool high = (corner >> bit) & 1;
              coords[d] = high ? upper[d] : lower[d];
              Value w = high ? weight[d]
                             : Value(arith::SubFOp::create(
                                   b, nested, f32Constant(1), weight[d]));
              cornerWeight = arith::MulFOp::create(b, nested, cornerWeight, w);
            }
            Value value = tensor::ExtractOp::create(b, nested, input, coords);
            if (element != f32)
              value =
                  element.getIntOrFloatBitWidth() < 32
                      ? Value(arith::ExtFOp::create(b, nested, f32, value))
                      : Value(arith::TruncFOp::create(b, nested, f32, value));
            sum = arith::AddFOp::create(
                b, nested, sum,
                arith::MulFOp::create(b, nested, cornerWeight, value));
          }
          if (element == f32)
            return sum;
          return element.getIntOrFloatBitWidth() < 32
                     ? Value(arith::TruncFOp::create(b, nested, element, sum))
                     : Value(arith::ExtFOp::create(b, nested, element, sum));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowrank::populateONNXResizeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}
