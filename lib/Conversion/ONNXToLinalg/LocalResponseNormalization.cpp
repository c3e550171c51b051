//===- LocalResponseNormalization.cpp - onnx to linalg: LRN ---------------===//
//
// Each output element divides its input by a power of the sum of squares of
// the neighbouring channels at the same position. The window is clipped at
// the first and last channel, so it is an scf.for with computed bounds inside
// an elementwise linalg.generic that reads the input with tensor.extract.
// Half-precision inputs are computed in f32 and rounded once.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "NormalizationPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {

/// y = x / (bias + alpha / size * sum of x^2 over nearby channels) ^ beta.
struct LRNLowering : OpConversionPattern<onnx::LRNOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LRNOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked input");
    Type elementType = type.getElementType();
    Type computeType = elementType.isF16() || elementType.isBF16()
                           ? rewriter.getF32Type()
                           : elementType;
    int64_t size = static_cast<int64_t>(op.getSize());
    // The window spans floor((size - 1) / 2) channels before and
    // ceil((size - 1) / 2) after.
    int64_t before = (size - 1) / 2;
    int64_t after = size - 1 - before;
    double scale = op.getAlpha().convertToDouble() / static_cast<double>(size);
    double bias = op.getBias().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    Location loc = op.getLoc();
    Value channels = tensor::DimOp::create(rewriter, loc, input, 1);
    int64_t rank = type.getRank();

    Value result = buildElementwise(
        rewriter, loc, type, input,
        [&](OpBuilder &b, Location nested, ValueRange args) -> Value {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(linalg::IndexOp::create(b, nested, d));
          Value channel = coords[1];
          Value zero = arith::ConstantIndexOp::create(b, nested, 0);
          Value one = arith::ConstantIndexOp::create(b, nested, 1);
          Value first = arith::MaxSIOp::create(
              b, nested,
              arith::SubIOp::create(
                  b, nested, channel,
                  arith::ConstantIndexOp::create(b, nested, before)),
              zero);
          Value last = arith::MinSIOp::create(
              b, nested,
              arith::AddIOp::create(
                  b, nested, channel,
                  arith::ConstantIndexOp::create(b, nested, after + 1)),
              channels);
          Value initial = createScalarConstant(b, nested, computeType, 0);
          auto loop = scf::ForOp::create(
              b, nested, first, last, one, ValueRange{initial},
              [&](OpBuilder &lb, Location ll, Value k, ValueRange iterArgs) {
                SmallVector<Value> at = coords;
                at[1] = k;
                Value v = tensor::ExtractOp::create(lb, ll, input, at);
                if (v.getType() != computeType)
                  v = arith::ExtFOp::create(lb, ll, computeType, v);
                Value square = arith::MulFOp::create(lb, ll, v, v);
                scf::YieldOp::create(lb, ll,
                                     ValueRange{arith::AddFOp::create(
                                         lb, ll, iterArgs[0], square)});
              });
          Value sum = loop.getResult(0);
          Value base = arith::AddFOp::create(
              b, nested, createScalarConstant(b, nested, computeType, bias),
              arith::MulFOp::create(
                  b, nested,
                  createScalarConstant(b, nested, computeType, scale), sum));
          Value denominator = math::PowFOp::create(
              b, nested, base,
              createScalarConstant(b, nested, computeType, beta));
          Value x = args[0];
          if (x.getType() != computeType)
            x = arith::ExtFOp::create(b, nested, computeType, x);
          Value y = arith::DivFOp::create(b, nested, x, denominator);
          if (y.getType() != elementType)
            y = arith::TruncFOp::create(b, nested, elementType, y);
          return y;
        });
    rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void lowrank::populateLocalResponseNormalizationPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LRNLowering>(patterns.getContext());
}
