//===- OutputShapesFunction.cpp - The shapes of dynamic results -----------===//
//
// A model compiled with symbolic dimensions returns results whose sizes the
// caller cannot know in advance; the companion function computes them from
// the inputs so that the caller can allocate the output buffers.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKOUTPUTSHAPESFUNCTION
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {
constexpr llvm::StringLiteral kSuffix = "_output_shapes";

bool hasDynamicResult(func::FuncOp func) {
  return llvm::any_of(func.getResultTypes(), [](Type type) {
    auto shaped = dyn_cast<ShapedType>(type);
    return shaped && shaped.hasRank() && !shaped.hasStaticShape();
  });
}

/// Replaces the operands of `returnOp` by their shapes, as i64 tensors.
SmallVector<Type> returnShapes(func::ReturnOp returnOp) {
  OpBuilder builder(returnOp);
  Location loc = returnOp.getLoc();
  SmallVector<Value> shapes;
  SmallVector<Type> types;
  for (Value result : returnOp.getOperands()) {
    auto type = cast<RankedTensorType>(result.getType());
    SmallVector<Value> sizes;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (!type.isDynamicDim(i)) {
        sizes.push_back(
            arith::ConstantIntOp::create(builder, loc, type.getDimSize(i), 64));
        continue;
      }
      Value size = tensor::DimOp::create(builder, loc, result, i);
      sizes.push_back(
          arith::IndexCastOp::create(builder, loc, builder.getI64Type(), size));
    }
    auto shapeType =
        RankedTensorType::get({type.getRank()}, builder.getI64Type());
    shapes.push_back(
        tensor::FromElementsOp::create(builder, loc, shapeType, sizes));
    types.push_back(shapeType);
  }
  returnOp->setOperands(shapes);
  return types;
}

struct OutputShapesFunctionPass
    : lowrank::impl::LowrankOutputShapesFunctionBase<OutputShapesFunctionPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> entryPoints;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() && hasDynamicResult(func) &&
          !module.lookupSymbol((func.getName() + kSuffix).str()))
        entryPoints.push_back(func);

    for (func::FuncOp func : entryPoints) {
      // Every result must be a ranked tensor to have a shape to return.
      if (!llvm::all_of(func.getResultTypes(),
                        llvm::IsaPred<RankedTensorType>)) {
        func.emitError("results of dynamic shape must be ranked tensors");
        return signalPassFailure();
      }
      OpBuilder builder(func);
      builder.setInsertionPointAfter(func);
      auto shapes = cast<func::FuncOp>(builder.clone(*func));
      shapes.setName((func.getName() + kSuffix).str());
      SmallVector<Type> resultTypes;
      shapes.walk([&](func::ReturnOp returnOp) {
        resultTypes = returnShapes(returnOp);
      });
      shapes.setType(FunctionType::get(&getContext(), shapes.getArgumentTypes(),
                                       resultTypes));

      // Sizes in terms of the arguments; what they do not need is erased.
      RewritePatternSet patterns(&getContext());
      memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
      memref::populateResolveShapedTypeResultDimsPatterns(patterns);
      tensor::DimOp::getCanonicalizationPatterns(patterns, &getContext());
      if (failed(applyPatternsGreedily(shapes, std::move(patterns))))
        return signalPassFailure();
    }
  }
};
} // namespace
