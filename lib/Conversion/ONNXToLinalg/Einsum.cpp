//===- Einsum.cpp - onnx to linalg: Einsum --------------------------------===//
//
// An Einsum with its equation known at compile time is one linalg.generic:
// every letter (and every broadcast dimension) is a loop, each input is read
// through the map of its letters (a repeated letter reads a diagonal, a
// broadcast dimension of size 1 reads index 0), the result's letters are
// the parallel loops and the others are summed over. Half-precision inputs
// are multiplied and summed in f32 and the sums rounded once. A loop whose
// size is known only at run time takes it from the first input dimension it
// indexes; the other dynamic or static (not 1) dimensions of that loop are
// checked against it at run time (a dynamic size of 1 is not broadcast).
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "LinearPatterns.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/EinsumEquation.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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
      if (!type)
        return rewriter.notifyMatchFailure(op, "needs ranked inputs");
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
    // of size 1 read their only element); a dynamic one comes from the
    // first input dimension of unknown size that it indexes.
    int64_t numLoops = equation->numLoops;
    // Calls fn(input, dim, size, loop) for every dimension of every input.
    auto forEachInputDim = [&](auto fn) {
      for (auto [input, type] : llvm::enumerate(types))
        for (auto [dim, size] : llvm::enumerate(type.getShape()))
          fn(int64_t(input), int64_t(dim), size,
             equation->inputLoops[input][dim]);
    };
    SmallVector<int64_t> loopSizes(numLoops, 1);
    SmallVector<std::pair<int64_t, int64_t>> dynamicSources(numLoops, {-1, -1});
    forEachInputDim(
        [&](int64_t input, int64_t dim, int64_t size, int64_t loop) {
          if (!ShapedType::isDynamic(size))
            loopSizes[loop] = std::max(loopSizes[loop], size);
          else if (dynamicSources[loop].first < 0)
            dynamicSources[loop] = {input, dim};
        });
    Location loc = op.getLoc();
    SmallVector<Value> loopValues(numLoops);
    for (int64_t loop = 0; loop < numLoops; ++loop) {
      auto [input, dim] = dynamicSources[loop];
      if (input < 0)
        continue;
      loopValues[loop] =
          tensor::DimOp::create(rewriter, loc, adaptor.getInputs()[input], dim);
      int64_t staticSize = loopSizes[loop];
      loopSizes[loop] = ShapedType::kDynamic;
      if (staticSize > 1)
        cf::AssertOp::create(
            rewriter, loc,
            arith::CmpIOp::create(
                rewriter, loc, arith::CmpIPredicate::eq, loopValues[loop],
                arith::ConstantIndexOp::create(rewriter, loc, staticSize)),
            getNodePrefix(op) + "Einsum operand sizes do not match");
    }
    forEachInputDim([&](int64_t input, int64_t dim, int64_t size,
                        int64_t loop) {
      if (!ShapedType::isDynamic(size) ||
          dynamicSources[loop] == std::pair<int64_t, int64_t>(input, dim))
        return;
      Value given =
          tensor::DimOp::create(rewriter, loc, adaptor.getInputs()[input], dim);
      cf::AssertOp::create(
          rewriter, loc,
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, given,
                                loopValues[loop]),
          getNodePrefix(op) + "Einsum operand sizes do not match");
    });

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
    SmallVector<Value> outputDynamicSizes;
    SmallVector<utils::IteratorType> iterators(numLoops,
                                               utils::IteratorType::reduction);
    for (int64_t loop : equation->outputLoops) {
      outputExprs.push_back(getAffineDimExpr(loop, context));
      outputShape.push_back(loopSizes[loop]);
      if (loopValues[loop])
        outputDynamicSizes.push_back(loopValues[loop]);
      iterators[loop] = utils::IteratorType::parallel;
    }
    maps.push_back(AffineMap::get(numLoops, 0, outputExprs, context));

    Type accumulatorType = elementType.isF16() || elementType.isBF16()
                               ? rewriter.getF32Type()
                               : elementType;
    auto accumulatorTensor =
        RankedTensorType::get(outputShape, accumulatorType);
    Value empty = tensor::EmptyOp::create(rewriter, loc, outputShape,
                                          accumulatorType, outputDynamicSizes);
    Value zero = arith::ConstantOp::create(
        rewriter, loc, accumulatorType, rewriter.getZeroAttr(accumulatorType));
    Value init =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
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
