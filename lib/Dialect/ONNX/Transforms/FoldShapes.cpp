//===- FoldShapes.cpp - The lowrank-onnx-fold-shapes pass -----------------===//
//
// Runs the constant-evaluation and type-refinement patterns to a fixed
// point, together with the onnx folders (Shape of a static value, Identity).
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Dialect/ONNX/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKONNXFOLDSHAPES
#include "lowrank/Dialect/ONNX/Transforms/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace lowrank {

std::optional<IntTensor> getIntTensor(Value value, int64_t maxElements) {
  auto constant = value.getDefiningOp<onnx::ConstantOp>();
  if (!constant)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(constant.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isInteger() ||
      type.getNumElements() > maxElements)
    return std::nullopt;
  auto values = constant.getValue().tryGetValues<APInt>();
  if (!values)
    return std::nullopt;
  // Booleans and unsigned integers read zero-extended; a uint64 beyond
  // int64's range is not folded.
  bool isUnsigned = type.getElementType().isInteger(1) ||
                    type.getElementType().isUnsignedInteger();
  IntTensor result;
  result.shape.assign(type.getShape().begin(), type.getShape().end());
  for (const APInt &v : *values) {
    if (isUnsigned && v.isNegative() && v.getBitWidth() == 64)
      return std::nullopt;
    result.values.push_back(isUnsigned ? int64_t(v.getZExtValue())
                                       : v.getSExtValue());
  }
  return result;
}

std::optional<IntTensor> getConstantShape(Value value, int64_t maxElements) {
  std::optional<IntTensor> shape = getIntTensor(value, maxElements);
  if (!shape || llvm::any_of(shape->values, [](int64_t s) { return s < 0; }))
    return std::nullopt;
  return shape;
}

Value createIntConstant(OpBuilder &builder, Location loc, RankedTensorType type,
                        ArrayRef<int64_t> values) {
  unsigned width = type.getElementType().getIntOrFloatBitWidth();
  SmallVector<APInt> elements;
  for (int64_t v : values)
    elements.push_back(width == 1 ? APInt(1, v != 0)
                                  : APInt(width, v, /*isSigned=*/true,
                                          /*implicitTrunc=*/true));
  auto attr = DenseElementsAttr::get(type, elements);
  return onnx::ConstantOp::create(builder, loc, type, attr);
}

bool isMoreStatic(Type refined, Type current) {
  auto refinedType = dyn_cast<RankedTensorType>(refined);
  if (!refinedType)
    return false;
  auto currentType = dyn_cast<RankedTensorType>(current);
  if (!currentType)
    return isa<UnrankedTensorType>(current) &&
           cast<TensorType>(current).getElementType() ==
               refinedType.getElementType();
  if (currentType.getElementType() != refinedType.getElementType() ||
      currentType.getRank() != refinedType.getRank())
    return false;
  bool addsStaticSize = false;
  for (auto [r, c] :
       llvm::zip(refinedType.getShape(), currentType.getShape())) {
    if (!ShapedType::isDynamic(c) && r != c)
      return false;
    addsStaticSize |= ShapedType::isDynamic(c) && !ShapedType::isDynamic(r);
  }
  return addsStaticSize;
}

LogicalResult refineResultType(PatternRewriter &rewriter, OpResult result,
                               RankedTensorType refined) {
  Operation *op = result.getOwner();
  Type current = result.getType();
  if (!isMoreStatic(refined, current))
    return rewriter.notifyMatchFailure(op, "no more static result type");
  // onnx ops accept operands more static than their own results, and so
  // does tensor.cast; other users (func.return above all) must keep seeing
  // the old type.
  SmallVector<OpOperand *> foreignUses;
  for (OpOperand &use : result.getUses())
    if (!isa<onnx::ONNXDialect>(use.getOwner()->getDialect()) &&
        !isa<tensor::CastOp>(use.getOwner()))
      foreignUses.push_back(&use);
  rewriter.modifyOpInPlace(op, [&] { result.setType(refined); });
  if (foreignUses.empty())
    return success();
  rewriter.setInsertionPointAfter(op);
  Value cast = tensor::CastOp::create(rewriter, op->getLoc(), current, result);
  for (OpOperand *use : foreignUses)
    rewriter.modifyOpInPlace(use->getOwner(), [&] { use->set(cast); });
  return success();
}

} // namespace lowrank

namespace {
struct FoldShapesPass
    : lowrank::impl::LowrankONNXFoldShapesBase<FoldShapesPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    lowrank::populateFoldShapeConstantsPatterns(patterns, maxElements);
    lowrank::populateRefineShapeTypesPatterns(patterns, maxElements);
    // Every pattern folds an op away or makes a type strictly more static,
    // so the rewrite terminates without an iteration limit.
    GreedyRewriteConfig config;
    config.setMaxIterations(GreedyRewriteConfig::kNoLimit);
    FrozenRewritePatternSet frozen(std::move(patterns));
    if (failed(applyPatternsGreedily(getOperation(), frozen, config)))
      return signalPassFailure();
    // A graph output declared in another rank than computed takes the
    // computed type; a branch that cannot run with the known shapes fails
    // at run time, and the If takes its types from the other branch.
    bool adopted =
        lowrank::adoptComputedOutputRanks(getOperation(), maxElements);
    bool trapped = lowrank::trapInvalidBranches(getOperation());
    if ((adopted || trapped) &&
        failed(applyPatternsGreedily(getOperation(), frozen, config)))
      signalPassFailure();
  }
};
} // namespace
