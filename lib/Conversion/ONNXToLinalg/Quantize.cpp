//===- Quantize.cpp - onnx to linalg: DequantizeLinear --------------------===//
//
// One linalg.generic over x's shape: sitofp(x - zero_point) * scale, with
// scale and zero point read per tensor (a constant map) or per axis (a map
// selecting the axis loop). Integer constants stay integers until here, so
// a Q + L R layer keeps its int8 weights in memory and dequantizes them in
// the generic that feeds its matmul.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace lowrank {
namespace {

struct DequantizeLinearLowering
    : OpConversionPattern<onnx::DequantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DequantizeLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getY().getType());
    auto scaleType = dyn_cast<RankedTensorType>(adaptor.getXScale().getType());
    if (!xType || !resultType || !scaleType || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static ranked shapes");
    if (!xType.getElementType().isSignlessInteger())
      return rewriter.notifyMatchFailure(op, "only signed integer inputs");
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    int64_t rank = resultType.getRank();

    // Scale and zero point: per tensor (read at index 0, or as a 0-D
    // tensor) or per axis.
    AffineMap paramMap;
    if (scaleType.getRank() == 0) {
      paramMap = AffineMap::get(rank, 0, {}, context);
    } else if (scaleType.getDimSize(0) == 1 &&
               !(rank > 0 && resultType.getDimSize(
                                 normalizeAxis(op.getAxis(), rank)) == 1)) {
      paramMap =
          AffineMap::get(rank, 0, {getAffineConstantExpr(0, context)}, context);
    } else {
      int64_t axis = normalizeAxis(op.getAxis(), rank);
      paramMap =
          AffineMap::get(rank, 0, {getAffineDimExpr(axis, context)}, context);
    }
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<Value> inputs = {adaptor.getX(), adaptor.getXScale()};
    SmallVector<AffineMap> maps = {identity, paramMap};
    bool hasZeroPoint = !isa<NoneType>(adaptor.getXZeroPoint().getType());
    if (hasZeroPoint) {
      inputs.push_back(adaptor.getXZeroPoint());
      maps.push_back(paramMap);
    }
    maps.push_back(identity);

    Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                         resultType.getElementType());
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location nested, ValueRange args) {
          Value q = args[0];
          if (hasZeroPoint)
            q = arith::SubIOp::create(
                b, nested, arith::ExtSIOp::create(b, nested, b.getI32Type(), q),
                arith::ExtSIOp::create(b, nested, b.getI32Type(), args[2]));
          Value real = arith::SIToFPOp::create(b, nested,
                                               resultType.getElementType(), q);
          Value scaled = arith::MulFOp::create(b, nested, real, args[1]);
          linalg::YieldOp::create(b, nested, scaled);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void populateQuantizePatterns(RewritePatternSet &patterns) {
  patterns.add<DequantizeLinearLowering>(patterns.getContext());
}

} // namespace lowrank
