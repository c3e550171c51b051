//===- Resize.cpp - onnx to linalg: Resize --------------------------------===//
//
// Resize in nearest, linear and cubic modes, with every coordinate
// transformation, as the ONNX reference implementation computes it. One
// linalg.generic over the (static) result: each resized dimension maps its
// output index to a position in the input (in float32), then nearest mode reads
// the rounded position, linear mode blends the two neighbours of every resized
// dimension and cubic mode four (Keys' kernel with cubic_coeff_a;
// exclude_outside drops the taps outside the input and renormalizes): 2^k or
// 4^k reads for k resized dimensions. Indices are clamped to the input, which
// is the reference's edge padding. tf_crop_and_resize maps the output onto the
// region `roi` and writes extrapolation_value where a position falls outside
// the input. Scales and the region may be known only at run time; sizes give
// scale = output / input, or one scale for all listed axes under
// keep_aspect_ratio_policy. A resized dimension may have sizes known only
// at run time (an image of any size): its output size is then computed as
// ONNX Runtime does (floor(in * scale), the sizes input, or round(in *
// scale) under a keep_aspect_ratio_policy) and the interpolation reads the
// input's size at run time; tf_crop_and_resize and antialiasing need
// static sizes.
//
//===----------------------------------------------------------------------===//

#include "FloatMath.h"
#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {

/// The most input elements an antialiased Resize reads per output element
/// (the product of its taps over the resized dimensions): 64 x 64, a
/// downscale to a sixteenth in two dimensions with the cubic kernel.
constexpr int64_t kMaxAntialiasReads = 4096;

struct ResizeLowering : OpConversionPattern<onnx::ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "needs ranked tensors");
    StringRef mode = op.getMode();
    StringRef transform = op.getCoordinateTransformationMode();
    std::string node = getNodePrefix(op);
    if (!isa<FloatType>(type.getElementType()) && mode != "nearest")
      return op.emitError(node + mode + " Resize needs float elements");
    int64_t rank = type.getRank();
    if (resultType.getRank() != rank)
      return op.emitError(node + "Resize changes the rank");
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();

    // The scale of each dimension: the scales input (read at run time), or
    // output / input, or with a keep_aspect_ratio_policy one scale from the
    // sizes input; 1 for the dimensions `axes` does not list.
    SmallVector<int64_t> resized = op.getResizedAxes();
    auto positionOf = [&](int64_t d) -> std::optional<int64_t> {
      auto it = llvm::find(resized, d);
      if (it == resized.end())
        return std::nullopt;
      return it - resized.begin();
    };
    Value scales = adaptor.getScales();
    auto scalesType = isNoneValue(scales)
                          ? RankedTensorType()
                          : dyn_cast<RankedTensorType>(scales.getType());
    bool useScales =
        scalesType && scalesType.getRank() == 1 &&
        scalesType.getDimSize(0) == static_cast<int64_t>(resized.size());
    bool crop = transform == "tf_crop_and_resize";
    // The dimensions the resize keeps: those `axes` does not list, and
    // listed ones of a constant scale of 1 (outside tf_crop_and_resize).
    // Only these may be dynamic (the symbolic batch of an exported
    // detector); the others need static sizes.
    DenseFPElementsAttr constantScales;
    if (useScales)
      matchPattern(scales, m_Constant(&constantScales));
    SmallVector<bool> kept(rank, false);
    for (int64_t d = 0; d < rank; ++d) {
      std::optional<int64_t> position = positionOf(d);
      kept[d] =
          !position ||
          (constantScales && !crop &&
           constantScales.getValues<APFloat>()[*position].isExactlyValue(1.0));
      bool dynamic = type.isDynamicDim(d) || resultType.isDynamicDim(d);
      if (dynamic && !kept[d] && (crop || op.getAntialias() != 0))
        return rewriter.notifyMatchFailure(
            op, "tf_crop_and_resize and antialiasing need static sizes "
                "where they resize");
    }
    // Each dimension's input size at run time (an index and a float), for
    // the dimensions that resize a size known only at run time.
    SmallVector<Value> inSizes(rank), inFloats(rank);
    auto isDynamicResize = [&](int64_t d) {
      return !kept[d] && (type.isDynamicDim(d) || resultType.isDynamicDim(d));
    };
    for (int64_t d = 0; d < rank; ++d) {
      if (!isDynamicResize(d))
        continue;
      inSizes[d] = tensor::DimOp::create(rewriter, loc, input, d);
      inFloats[d] = arith::SIToFPOp::create(
          rewriter, loc, f32,
          arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                     inSizes[d]));
    }
    Value sizes = adaptor.getSizes();
    if (!useScales && isNoneValue(sizes))
      return op.emitError(node + "Resize needs scales or sizes");
    StringRef policy = op.getKeepAspectRatioPolicy();
    Value commonScale;
    if (!useScales && policy != "stretch") {
      // The largest scale that keeps every listed dimension within its size
      // (not_larger), or the smallest that reaches every size.
      for (auto [i, d] : llvm::enumerate(resized)) {
        int64_t in = type.getDimSize(d);
        if (in == 0)
          return op.emitError(node + "Resize of an empty dimension");
        Value index = arith::ConstantIndexOp::create(rewriter, loc, i);
        Value size = tensor::ExtractOp::create(rewriter, loc, sizes, index);
        if (!size.getType().isInteger(64))
          return op.emitError(node + "Resize sizes must be int64");
        Value inFloat = inFloats[d];
        if (!inFloat)
          inFloat = arith::ConstantOp::create(
              rewriter, loc, rewriter.getF32FloatAttr(float(in)));
        Value scale = arith::DivFOp::create(
            rewriter, loc, arith::SIToFPOp::create(rewriter, loc, f32, size),
            inFloat);
        if (!commonScale)
          commonScale = scale;
        else if (policy == "not_larger")
          commonScale =
              arith::MinimumFOp::create(rewriter, loc, commonScale, scale);
        else
          commonScale =
              arith::MaximumFOp::create(rewriter, loc, commonScale, scale);
      }
    }
    SmallVector<Value> scaleValues;
    // The output size of each dimension: static, or computed at run time.
    SmallVector<OpFoldResult> outSizes(rank);
    for (int64_t d = 0; d < rank; ++d) {
      int64_t in = type.getDimSize(d), out = resultType.getDimSize(d);
      if (in == 0 && out > 0)
        return op.emitError(node + "Resize of an empty dimension");
      if (kept[d] || !isDynamicResize(d))
        outSizes[d] = kept[d] ? tensor::getMixedSize(rewriter, loc, input, d)
                              : OpFoldResult(rewriter.getIndexAttr(out));
      std::optional<int64_t> position = positionOf(d);
      if (!position && in != out && !ShapedType::isDynamic(in) &&
          !ShapedType::isDynamic(out))
        return op.emitError(node + "Resize changes dimension " + Twine(d) +
                            ", which its axes do not list");
      Value scale;
      if (kept[d]) {
        scale = arith::ConstantOp::create(rewriter, loc,
                                          rewriter.getF32FloatAttr(1.0f));
      } else if (position && useScales) {
        Value index = arith::ConstantIndexOp::create(rewriter, loc, *position);
        scale = tensor::ExtractOp::create(rewriter, loc, scales, index);
        if (scale.getType() != f32)
          return op.emitError(node + "Resize scales must be float32");
      } else if (position && commonScale) {
        scale = commonScale;
      } else if (!isDynamicResize(d)) {
        scale = arith::ConstantOp::create(
            rewriter, loc,
            rewriter.getF32FloatAttr(in ? float(out) / float(in) : 1.0f));
      }
      if (isDynamicResize(d)) {
        // The output size: the sizes input read at run time (or the
        // declared one), else from the scale as ONNX Runtime computes it.
        Value outSize;
        if (!resultType.isDynamicDim(d)) {
          outSize = arith::ConstantIndexOp::create(rewriter, loc, out);
        } else if (scale) {
          Value product =
              arith::MulFOp::create(rewriter, loc, scale, inFloats[d]);
          if (commonScale && !useScales)
            product = math::RoundOp::create(rewriter, loc, product);
          outSize = arith::IndexCastOp::create(
              rewriter, loc, rewriter.getIndexType(),
              arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(),
                                      product));
        } else {
          Value index =
              arith::ConstantIndexOp::create(rewriter, loc, *position);
          Value size = tensor::ExtractOp::create(rewriter, loc, sizes, index);
          if (!size.getType().isInteger(64))
            return op.emitError(node + "Resize sizes must be int64");
          outSize = arith::IndexCastOp::create(rewriter, loc,
                                               rewriter.getIndexType(), size);
        }
        if (!scale)
          scale = arith::DivFOp::create(
              rewriter, loc,
              arith::SIToFPOp::create(
                  rewriter, loc, f32,
                  arith::IndexCastOp::create(rewriter, loc,
                                             rewriter.getI64Type(), outSize)),
              inFloats[d]);
        // ONNX Runtime refuses an empty input that resizes to a nonempty
        // output, and a negative size.
        Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
        Value valid = arith::AndIOp::create(
            rewriter, loc,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                                  outSize, zero),
            arith::OrIOp::create(
                rewriter, loc,
                arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sgt,
                                      inSizes[d], zero),
                arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                      outSize, zero)));
        cf::AssertOp::create(rewriter, loc, valid,
                             node + "Resize of an empty dimension, or to a "
                                    "negative size");
        outSizes[d] = outSize;
      }
      scaleValues.push_back(scale);
    }
    // tf_crop_and_resize: the region of each listed dimension, as
    // fractions of the input (starts, then ends).
    SmallVector<std::pair<Value, Value>> regions(rank);
    if (crop) {
      Value roi = adaptor.getRoi();
      auto roiType = isNoneValue(roi)
                         ? RankedTensorType()
                         : dyn_cast<RankedTensorType>(roi.getType());
      int64_t count = resized.size();
      if (!roiType || roiType.getRank() != 1 ||
          roiType.getDimSize(0) != 2 * count || roiType.getElementType() != f32)
        return op.emitError(node +
                            "tf_crop_and_resize needs a float32 roi of " +
                            Twine(2 * count) + " values");
      for (auto [i, d] : llvm::enumerate(resized)) {
        auto read = [&](int64_t at) -> Value {
          Value index = arith::ConstantIndexOp::create(rewriter, loc, at);
          return tensor::ExtractOp::create(rewriter, loc, roi, index);
        };
        regions[d] = {read(i), read(i + count)};
      }
    }
    Type elementType = type.getElementType();
    if (crop && !isa<FloatType>(elementType))
      return op.emitError(node + "tf_crop_and_resize needs float elements");
    double extrapolation = op.getExtrapolationValue().convertToDouble();

    if (resultType.hasStaticShape() && resultType.getNumElements() == 0) {
      rewriter.replaceOp(op, tensor::EmptyOp::create(rewriter, loc,
                                                     resultType.getShape(),
                                                     type.getElementType()));
      return success();
    }

    StringRef nearestMode = op.getNearestMode();
    bool linear = mode == "linear", cubic = mode == "cubic";
    double cubicA = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside() != 0;
    // Antialiasing widens the kernel of a downscaled dimension by 1 / scale
    // (scales above 1 count as 1). The number of taps follows from the
    // smallest scale the static sizes allow: sizes alone give out / in; a
    // scale read at run time gives out = floor(scale * in) (round under a
    // keep_aspect_ratio_policy), so it is at least (out - 1) / in. Taps
    // beyond the kernel's support get no weight.
    bool antialias = op.getAntialias() != 0 && (linear || cubic);
    double support = cubic ? 2 : 1;
    SmallVector<int64_t> firstTap(rank, linear ? 0 : -1);
    if (antialias) {
      int64_t reads = 1;
      for (int64_t d = 0; d < rank; ++d) {
        int64_t in = type.getDimSize(d), out = resultType.getDimSize(d);
        if (kept[d] || in == 0)
          continue;
        bool exact = !useScales && !commonScale;
        double minScale =
            std::min(1.0, double(exact ? out : std::max<int64_t>(out - 1, 1)) /
                              double(in));
        firstTap[d] = static_cast<int64_t>(std::floor(-support / minScale)) + 1;
        reads *= 2 - 2 * firstTap[d];
        if (reads > kMaxAntialiasReads)
          return op.emitError(node +
                              "antialiased Resize by a factor this "
                              "small reads more than " +
                              Twine(kMaxAntialiasReads) +
                              " input elements per output element");
      }
    }
    // The generic's result takes the computed sizes; the op's declared
    // type is checked against them.
    SmallVector<int64_t> computedShape;
    for (OpFoldResult size : outSizes) {
      std::optional<int64_t> constant = getConstantIntValue(size);
      computedShape.push_back(constant ? *constant : ShapedType::kDynamic);
    }
    auto computedType =
        RankedTensorType::get(computedShape, resultType.getElementType());
    Value sizeSource = tensor::EmptyOp::create(rewriter, loc, outSizes,
                                               resultType.getElementType());
    Value result = buildParallelGeneric(
        rewriter, loc, computedType, sizeSource, /*inputs=*/{},
        /*inputMaps=*/{},
        [&](OpBuilder &b, Location nested, ValueRange) -> Value {
          auto f32Constant = [&](double v) -> Value {
            return arith::ConstantOp::create(b, nested, b.getF32FloatAttr(v));
          };
          auto indexConstant = [&](int64_t v) -> Value {
            return arith::ConstantIndexOp::create(b, nested, v);
          };
          // Dimension d's input size as a float, and its last index.
          auto inFloat = [&](int64_t d) -> Value {
            return inFloats[d] ? inFloats[d]
                               : f32Constant(double(type.getDimSize(d)));
          };
          auto lastIndex = [&](int64_t d) -> Value {
            if (!inSizes[d])
              return indexConstant(type.getDimSize(d) - 1);
            return arith::SubIOp::create(b, nested, inSizes[d],
                                         indexConstant(1));
          };
          auto clampIndex = [&](Value position, int64_t d) -> Value {
            Value asIndex = arith::IndexCastOp::create(
                b, nested, b.getIndexType(),
                arith::FPToSIOp::create(b, nested, b.getI64Type(), position));
            return arith::MinSIOp::create(
                b, nested,
                arith::MaxSIOp::create(b, nested, asIndex, indexConstant(0)),
                lastIndex(d));
          };
          FloatMath m{b, nested, f32};
          // Per dimension: the indices it reads (its taps) and, when it is
          // interpolated, their weights.
          SmallVector<SmallVector<Value>> taps, weights;
          Value outsideAny;
          for (int64_t d = 0; d < rank; ++d) {
            int64_t in = type.getDimSize(d), out = resultType.getDimSize(d);
            Value outIndex = linalg::IndexOp::create(b, nested, d);
            taps.emplace_back();
            weights.emplace_back();
            // Kept dimensions keep their indices, as do listed ones of
            // scale out / in = 1.
            if (kept[d] || (!isDynamicResize(d) && in == out && !crop &&
                            !useScales && !commonScale)) {
              taps.back().push_back(outIndex);
              continue;
            }
            Value x = arith::SIToFPOp::create(
                b, nested, f32,
                arith::IndexCastOp::create(b, nested, b.getI64Type(),
                                           outIndex));
            Value scale = scaleValues[d];
            Value half = f32Constant(0.5);
            // The reference measures the output in float: scale * input.
            Value width = arith::MulFOp::create(b, nested, scale, inFloat(d));
            Value widthIsOne = arith::CmpFOp::create(
                b, nested, arith::CmpFPredicate::OEQ, width, f32Constant(1));
            Value original;
            if (crop) {
              // start * (in - 1) + x * (end - start) * (in - 1) / (out - 1),
              // or the region's centre for one output element.
              auto [start, end] = regions[d];
              Value last = m.c(double(in - 1));
              Value centre = m.mul(m.mul(m.c(0.5), m.add(start, end)), last);
              Value stretched =
                  m.add(m.mul(start, last),
                        m.div(m.mul(m.mul(x, m.sub(end, start)), last),
                              m.sub(width, m.c(1))));
              original = m.select(widthIsOne, centre, stretched);
              // Outside the input, the result is the extrapolation value.
              Value outside = arith::OrIOp::create(
                  b, nested, m.lt(original, m.c(0)), m.gt(original, last));
              outsideAny = outsideAny ? Value(arith::OrIOp::create(
                                            b, nested, outsideAny, outside))
                                      : outside;
            } else if (transform == "asymmetric") {
              original = arith::DivFOp::create(b, nested, x, scale);
            } else if (transform == "align_corners") {
              Value stretched = arith::DivFOp::create(
                  b, nested,
                  arith::MulFOp::create(b, nested, x,
                                        arith::SubFOp::create(b, nested,
                                                              inFloat(d),
                                                              f32Constant(1))),
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
                Value outFloat = isDynamicResize(d)
                                     ? Value(arith::SIToFPOp::create(
                                           b, nested, f32,
                                           arith::IndexCastOp::create(
                                               b, nested, b.getI64Type(),
                                               getValueOrCreateConstantIndexOp(
                                                   b, nested, outSizes[d]))))
                                     : f32Constant(out);
                Value adjustment =
                    arith::DivFOp::create(b, nested, outFloat, width);
                Value offset = arith::MulFOp::create(
                    b, nested,
                    arith::MulFOp::create(b, nested, inFloat(d),
                                          f32Constant(0.5)),
                    arith::SubFOp::create(b, nested, f32Constant(1),
                                          adjustment));
                original = arith::AddFOp::create(b, nested, offset, original);
              }
            }
            if (!linear && !cubic) {
              Value rounded;
              Value floor = math::FloorOp::create(b, nested, original);
              if (nearestMode == "floor") {
                rounded = floor;
              } else if (nearestMode == "ceil") {
                rounded = math::CeilOp::create(b, nested, original);
              } else if (nearestMode == "simple") {
                // Upsample and Resize-10, as ONNX Runtime runs them: up on
                // a downscaled axis, else down.
                Value downscaled =
                    arith::CmpFOp::create(b, nested, arith::CmpFPredicate::OLT,
                                          scale, f32Constant(1));
                rounded = arith::SelectOp::create(
                    b, nested, downscaled,
                    math::CeilOp::create(b, nested, original), floor);
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
              taps.back().push_back(clampIndex(rounded, d));
              continue;
            }
            if (linear && !antialias) {
              Value floor = math::FloorOp::create(b, nested, original);
              Value upperWeight = m.sub(original, floor);
              taps.back().push_back(clampIndex(floor, d));
              taps.back().push_back(clampIndex(m.add(floor, m.c(1)), d));
              weights.back().push_back(m.sub(m.c(1), upperWeight));
              weights.back().push_back(upperWeight);
              continue;
            }
            // Cubic, and antialiased linear: the reference's taps from
            // base = ceil(x) - 1 (it prefers the left neighbours, so an
            // integral position is the tap at offset 1), at offsets
            // [first, 2 - first), weighted by the kernel at
            // kernelScale * (offset - (x - base)). Antialiasing widens the
            // kernel (kernelScale = min(scale, 1)) and normalizes the
            // weights; exclude_outside drops the taps outside the input and
            // renormalizes.
            Value base =
                m.sub(math::CeilOp::create(b, nested, original), m.c(1));
            Value ratio = m.sub(original, base);
            Value kernelScale = antialias
                                    ? Value(arith::MinimumFOp::create(
                                          b, nested, scaleValues[d], m.c(1)))
                                    : m.c(1);
            Value total = m.c(0);
            for (int64_t i = firstTap[d]; i < 2 - firstTap[d]; ++i) {
              Value position = m.add(base, m.c(double(i)));
              taps.back().push_back(clampIndex(position, d));
              Value distance = math::AbsFOp::create(
                  b, nested, m.mul(kernelScale, m.sub(m.c(double(i)), ratio)));
              Value weight =
                  cubic ? getCubicKernel(m, distance, cubicA)
                        : arith::MaximumFOp::create(b, nested, m.c(0),
                                                    m.sub(m.c(1), distance));
              if (excludeOutside)
                weight = m.select(
                    arith::AndIOp::create(b, nested, m.gt(position, m.c(-1)),
                                          m.lt(position, inFloat(d))),
                    weight, m.c(0));
              total = m.add(total, weight);
              weights.back().push_back(weight);
            }
            if (antialias || excludeOutside)
              for (Value &weight : weights.back())
                weight = m.div(weight, total);
          }
          Type element = type.getElementType();
          if (!linear && !cubic) {
            SmallVector<Value> coords;
            for (const SmallVector<Value> &dimTaps : taps)
              coords.push_back(dimTaps.front());
            Value value = tensor::ExtractOp::create(b, nested, input, coords);
            if (!outsideAny)
              return value;
            return arith::SelectOp::create(
                b, nested, outsideAny,
                createScalarConstant(b, nested, element, extrapolation), value);
          }
          // Sum over every combination of the interpolated dimensions'
          // taps (2^k or 4^k reads), in float32 (half types are widened).
          Value sum = f32Constant(0);
          int64_t combinations = 1;
          for (const SmallVector<Value> &dimTaps : taps)
            combinations *= dimTaps.size();
          for (int64_t combination = 0; combination < combinations;
               ++combination) {
            SmallVector<Value> coords;
            Value weight;
            int64_t rest = combination;
            for (auto [dimTaps, dimWeights] : llvm::zip_equal(taps, weights)) {
              int64_t tap = rest % dimTaps.size();
              rest /= dimTaps.size();
              coords.push_back(dimTaps[tap]);
              if (dimWeights.empty())
                continue;
              weight =
                  weight ? m.mul(weight, dimWeights[tap]) : dimWeights[tap];
            }
            Value value = tensor::ExtractOp::create(b, nested, input, coords);
            if (element != f32)
              value =
                  element.getIntOrFloatBitWidth() < 32
                      ? Value(arith::ExtFOp::create(b, nested, f32, value))
                      : Value(arith::TruncFOp::create(b, nested, f32, value));
            sum = m.add(sum, weight ? m.mul(weight, value) : value);
          }
          if (outsideAny)
            sum = m.select(outsideAny, m.c(extrapolation), sum);
          if (element == f32)
            return sum;
          return element.getIntOrFloatBitWidth() < 32
                     ? Value(arith::TruncFOp::create(b, nested, element, sum))
                     : Value(arith::ExtFOp::create(b, nested, element, sum));
        });
    rewriter.replaceOp(
        op, castToDeclaredType(rewriter, loc, result, resultType,
                               node + "Resize's output differs from its "
                                      "declared shape"));
    return success();
  }
};

} // namespace

void lowrank::populateONNXResizeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}
