//===- GridSample.cpp - onnx to linalg: GridSample ------------------------===//
//
// One linalg.generic over the (static) result N x C x H1 x ... x Hr: each
// element reads its r grid coordinates, maps them from [-1, 1] to input
// positions (align_corners says whether -1 and 1 are the centres or the
// outer edges of the corner elements), applies the padding mode to the
// position, and then reads the input with tensor.extract at the taps of the
// mode: the rounded position (nearest), the 2 neighbours per dimension
// (linear) or 4 (cubic, Keys' kernel with a = -0.75), 2^r or 4^r reads in
// all. Taps outside the input read zeros, the border element or their
// reflection, as the ONNX reference implementation computes them. Indices
// are clamped before every read, so no position leaves the buffer.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "FloatMath.h"
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

enum class SampleMode { Nearest, Linear, Cubic };
enum class PaddingMode { Zeros, Border, Reflection };

/// Where the coordinates of one spatial dimension may lie before padding
/// applies, and its size.
struct SpatialBounds {
  Value size;  // index
  Value sizeF; // float
  Value min, max;
};

/// `x` reflected at `lo` and `hi` until it lies between them.
static Value reflect(const FloatMath &m, Value x, Value lo, Value hi) {
  Value range = m.sub(hi, lo);
  // How far past a bound `x` lies: whether it crosses the range an even
  // number of times, and the distance left after the whole crossings.
  auto crossings = [&](Value distance) {
    Value turns = m.floor(m.div(distance, range));
    Value rest = m.sub(distance, m.mul(turns, range));
    Value half = m.mul(turns, m.c(0.5));
    Value even = arith::CmpFOp::create(m.b, m.loc, arith::CmpFPredicate::OEQ,
                                       m.floor(half), half);
    return std::make_pair(even, rest);
  };
  auto [evenBelow, restBelow] = crossings(m.sub(lo, x));
  Value fromBelow =
      m.select(evenBelow, m.add(lo, restBelow), m.sub(hi, restBelow));
  auto [evenAbove, restAbove] = crossings(m.sub(x, hi));
  Value fromAbove =
      m.select(evenAbove, m.sub(hi, restAbove), m.add(lo, restAbove));
  Value result =
      m.select(m.lt(x, lo), fromBelow, m.select(m.gt(x, hi), fromAbove, x));
  // A single-element range (align_corners over size 1) holds only lo.
  return m.select(m.gt(range, m.c(0)), result, lo);
}

/// One tap of one dimension: the index it reads (clamped into the input),
/// whether it lies inside the input (zeros padding), and its weight.
struct Tap {
  Value index;
  Value inside;
  Value weight;
};

/// The tap at integral float position `position` under `padding`.
static Tap makeTap(const FloatMath &m, Value position, Value weight,
                   const SpatialBounds &bounds, PaddingMode padding) {
  OpBuilder &b = m.b;
  Location loc = m.loc;
  Value last = m.sub(bounds.sizeF, m.c(1));
  Value inside;
  if (padding == PaddingMode::Zeros) {
    Value notBelow = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE,
                                           position, m.c(0));
    Value notAbove = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE,
                                           position, last);
    inside = arith::AndIOp::create(b, loc, notBelow, notAbove);
  } else if (padding == PaddingMode::Reflection) {
    position = m.floor(reflect(m, position, bounds.min, bounds.max));
  }
  Value clamped = m.clamp(position, m.c(0), last);
  Value asInt = arith::FPToSIOp::create(b, loc, b.getI64Type(), clamped);
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), asInt);
  return {index, inside, weight};
}

struct GridSampleLowering : OpConversionPattern<onnx::GridSampleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GridSampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getX();
    Value grid = adaptor.getGrid();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!inputType || !isa<RankedTensorType>(grid.getType()) || !resultType ||
        !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static result shape");
    StringRef modeName = op.getMode();
    SampleMode mode = modeName == "nearest" ? SampleMode::Nearest
                      : (modeName == "cubic" || modeName == "bicubic")
                          ? SampleMode::Cubic
                          : SampleMode::Linear;
    StringRef paddingName = op.getPaddingMode();
    PaddingMode padding = paddingName == "border" ? PaddingMode::Border
                          : paddingName == "reflection"
                              ? PaddingMode::Reflection
                              : PaddingMode::Zeros;
    bool alignCorners = op.getAlignCorners() != 0;
    Type elementType = inputType.getElementType();
    Type computeType = elementType.isF16() || elementType.isBF16()
                           ? rewriter.getF32Type()
                           : elementType;
    int64_t spatialRank = inputType.getRank() - 2;
    Location loc = op.getLoc();

    SmallVector<Value> sizes;
    for (int64_t i = 0; i < spatialRank; ++i)
      sizes.push_back(tensor::DimOp::create(rewriter, loc, input, 2 + i));

    Value result = buildParallelGeneric(
        rewriter, loc, resultType, Value(), ValueRange(), {},
        [&](OpBuilder &b, Location nested, ValueRange) -> Value {
          FloatMath m{b, nested, computeType};
          SmallVector<Value> gridAt;
          for (int64_t d = 0; d < 1 + spatialRank; ++d)
            gridAt.push_back(
                linalg::IndexOp::create(b, nested, d == 0 ? 0 : d + 1));
          gridAt.push_back(Value());

          // Taps of each spatial dimension, in the input's order.
          SmallVector<SmallVector<Tap>> taps;
          for (int64_t i = 0; i < spatialRank; ++i) {
            SpatialBounds bounds;
            bounds.size = sizes[i];
            Value sizeInt =
                arith::IndexCastOp::create(b, nested, b.getI64Type(), sizes[i]);
            bounds.sizeF =
                arith::SIToFPOp::create(b, nested, computeType, sizeInt);
            bounds.min = alignCorners ? m.c(0) : m.c(-0.5);
            bounds.max = alignCorners ? m.sub(bounds.sizeF, m.c(1))
                                      : m.sub(bounds.sizeF, m.c(0.5));
            // The grid lists coordinates innermost dimension first.
            gridAt.back() =
                arith::ConstantIndexOp::create(b, nested, spatialRank - 1 - i);
            Value g = tensor::ExtractOp::create(b, nested, grid, gridAt);
            if (g.getType() != computeType)
              g = convertScalar(b, nested, g, g.getType(), computeType);
            Value one = m.c(1);
            Value x =
                alignCorners
                    ? m.mul(m.mul(m.add(g, one), m.c(0.5)),
                            m.sub(bounds.sizeF, one))
                    : m.mul(m.sub(m.mul(m.add(g, one), bounds.sizeF), one),
                            m.c(0.5));
            if (mode == SampleMode::Nearest)
              x = math::RoundEvenOp::create(b, nested, x);
            if (padding == PaddingMode::Border) {
              Value outside = arith::OrIOp::create(
                  b, nested, m.lt(x, bounds.min), m.gt(x, bounds.max));
              x = m.select(outside,
                           m.clamp(x, m.c(0), m.sub(bounds.sizeF, one)), x);
            } else if (padding == PaddingMode::Reflection) {
              x = reflect(m, x, bounds.min, bounds.max);
            }
            // Positions far outside read zeros like those just outside;
            // clamping keeps the float to integer conversion defined.
            Value limit = m.add(bounds.sizeF, m.c(4));
            SmallVector<Tap> dimTaps;
            if (mode == SampleMode::Nearest) {
              // Truncation toward zero, as the reference converts.
              Value truncated = arith::SelectOp::create(
                  b, nested, m.lt(x, m.c(0)),
                  math::CeilOp::create(b, nested, x), m.floor(x));
              dimTaps.push_back(makeTap(m, m.clamp(truncated, m.c(-4), limit),
                                        Value(), bounds, padding));
            } else {
              Value base = m.clamp(m.floor(x), m.c(-4), limit);
              Value t = m.sub(x, m.floor(x));
              if (mode == SampleMode::Linear) {
                dimTaps.push_back(
                    makeTap(m, base, m.sub(one, t), bounds, padding));
                dimTaps.push_back(
                    makeTap(m, m.add(base, one), t, bounds, padding));
              } else {
                SmallVector<Value> weights = getCubicWeights(m, t, /*a=*/-0.75);
                for (int64_t k = 0; k < 4; ++k)
                  dimTaps.push_back(makeTap(m, m.add(base, m.c(k - 1)),
                                            weights[k], bounds, padding));
              }
            }
            taps.push_back(std::move(dimTaps));
          }

          // Every combination of one tap per dimension.
          int64_t perDim = taps.front().size();
          int64_t combinations = 1;
          for (int64_t i = 0; i < spatialRank; ++i)
            combinations *= perDim;
          Value sum;
          SmallVector<Value> at = {linalg::IndexOp::create(b, nested, 0),
                                   linalg::IndexOp::create(b, nested, 1)};
          for (int64_t combo = 0; combo < combinations; ++combo) {
            SmallVector<Value> coords(at);
            Value weight, inside;
            int64_t rest = combo;
            for (int64_t i = spatialRank - 1; i >= 0; --i) {
              const Tap &tap = taps[i][rest % perDim];
              rest /= perDim;
              if (tap.weight)
                weight = weight ? m.mul(weight, tap.weight) : tap.weight;
              if (tap.inside)
                inside = inside ? arith::AndIOp::create(b, nested, inside,
                                                        tap.inside)
                                      .getResult()
                                : tap.inside;
            }
            rest = combo;
            SmallVector<Value> spatial(spatialRank);
            for (int64_t i = spatialRank - 1; i >= 0; --i) {
              spatial[i] = taps[i][rest % perDim].index;
              rest /= perDim;
            }
            llvm::append_range(coords, spatial);
            Value v = tensor::ExtractOp::create(b, nested, input, coords);
            if (v.getType() != computeType)
              v = arith::ExtFOp::create(b, nested, computeType, v);
            if (inside)
              v = m.select(inside, v, m.c(0));
            if (weight)
              v = m.mul(weight, v);
            sum = sum ? m.add(sum, v) : v;
          }
          if (sum.getType() != elementType)
            sum = arith::TruncFOp::create(b, nested, elementType, sum);
          return sum;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowrank::populateONNXGridSampleToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<GridSampleLowering>(patterns.getContext());
}
