//===- Einsum.cpp - onnx to linalg: Einsum --------------------------------===//
//
// An Einsum with its equation known at compile time is one linalg.generic:
// every letter (and every broadcast dimension) is a loop, each input is read
// through the map of its letters (a repeated letter reads a diagonal, a
// broadcast dimension of size 1 reads index 0), the result's letters are
// the parallel loops and the others are summed over. Half-precision inputs
// are multiplied and summed in f32 and the sums rounded once.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "LinearPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/EinsumEquation.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {

struct EinsumLowering : OpConversionPattern<onnx::EinsumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::EinsumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<RankedTensorType> types;
    SmallVector<int64_t> ranks;
    for (Value input : adaptor.getInputs()) {
      auto type = dyn_cast<RankedTensorType>(input.getType());
      if (!type || !type.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "needs static input shapes");
      types.push_back(type);
      ranks.push_back(type.getRank());
    }
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "unranked result");
    Type elementType = resultType.getElementType();
    if (isUnsignedInteger(elementType))
      return rewriter.notifyMatchFailure(
          op, "arith has no unsigned integer element types");
    std::string error;
    FailureOr<onnx::EinsumEquation> equation =
        onnx::parseEinsumEquation(op.getEquation(), ranks, error);
    if (failed(equation))
      return rewriter.notifyMatchFailure(op, error);

    // A loop's size is the largest size it indexes (broadcast dimensions
    // of size 1 read their only element).
    int64_t numLoops = equation->numLoops;
    SmallVector<int64_t> loopSizes(numLoops, 1);
    for (auto [type, loops] : llvm::zip(types, equation->inputLoops))
      for (auto [size, loop] : llvm::zip(type.getShape(), loops))
        loopSizes[loop] = std::max(loopSizes[loop], size);

    MLIRContext *context = rewriter.getContext();
    SmallVector<AffineMap> maps;
    for (auto [type, loops] : llvm::zip(types, equation->inputLoops)) {
      SmallVector<AffineExpr> exprs;
      for (auto [size, loop] : llvm::zip(type.getShape(), loops))
        exprs.push_back(size == 1 && loopSizes[loop] != 1
                            ? getAffineConstantExpr(0, context)
                            : getAffineDimExpr(loop, context));
      maps.push_back(AffineMap::get(numLoops, 0, exprs, context));
    }
    SmallVector<AffineExpr> outputExprs;
    SmallVector<int64_t> outputShape;
    SmallVector<utils::IteratorType> iterators(numLoops,
                                               utils::IteratorType::reduction);
    for (int64_t loop : equation->outputLoops) {
      outputExprs.push_back(getAffineDimExpr(loop, context));
      outputShape.push_back(loopSizes[loop]);
      iterators[loop] = utils::IteratorType::parallel;
    }
    maps.push_back(AffineMap::get(numLoops, 0, outputExprs, context));

    Type accumulatorType = elementType.isF16() || elementType.isBF16()
                               ? rewriter.getF32Type()
                               : elementType;
    auto accumulatorTensor =
        RankedTensorType::get(outputShape, accumulatorType);
    Location loc = op.getLoc();
    Value init = createZeroTensor(rewriter, loc, accumulatorTensor);
    bool isFloat = isa<FloatType>(accumulatorType);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accumulatorTensor}, adaptor.getInputs(),
        ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location nested, ValueRange args) {
          Value product;
          for (Value element : args.drop_back()) {
            if (element.getType() != accumulatorType)
              element =
                  arith::ExtFOp::create(b, nested, accumulatorType, element);
            if (!product)
              product = element;
            else if (isFloat)
              product = arith::MulFOp::create(b, nested, product, element);
            else
              product = arith::MulIOp::create(b, nested, product, element);
          }
          Value sum =
              isFloat ? arith::AddFOp::create(b, nested, args.back(), product)
                            .getResult()
                      : arith::AddIOp::create(b, nested, args.back(), product)
                            .getResult();
          linalg::YieldOp::create(b, nested, sum);
        });
    Value result = generic.getResult(0);
    if (accumulatorType != elementType)
      result = convertFloatElements(rewriter, loc, result, elementType);
    rewriter.replaceOp(op, castToType(rewriter, loc, result, resultType));
    return success();
  }
};

} // namespace

void lowrank::populateONNXEinsumToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<EinsumLowering>(patterns.getContext());
}
