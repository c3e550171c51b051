//===- AdoptComputedOutputRanks.cpp - Declared outputs that are wrong -----===//
//
// A model may declare a graph output in another rank than its graph
// computes (ddddocr's recognizer declares [1, seqlen] and computes
// [20, 1, 8210] by a Reshape). ONNX Runtime warns and returns the computed
// tensor; so does the compiled model: once the Reshape's target is known
// (or only its length, the rank), the output takes the computed type, in
// the function's type too.
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"

using namespace mlir;

bool lowrank::adoptComputedOutputRanks(func::FuncOp func, int64_t maxElements) {
  if (func.isExternal())
    return false;
  auto returnOp = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  SmallVector<Type> results(func.getFunctionType().getResults());
  bool changed = false;
  for (Value operand : returnOp.getOperands()) {
    auto reshape = operand.getDefiningOp<onnx::ReshapeOp>();
    auto declared = dyn_cast<RankedTensorType>(operand.getType());
    if (!reshape || !declared ||
        !llvm::all_of(operand.getUsers(), [](Operation *user) {
          return isa<func::ReturnOp>(user);
        }))
      continue;
    std::optional<SmallVector<int64_t>> shape =
        getReshapeResultShape(reshape, maxElements);
    // A target known only at run time still has a length: the rank.
    auto targetType = dyn_cast<RankedTensorType>(reshape.getShape().getType());
    if (!shape && targetType && targetType.getRank() == 1 &&
        !targetType.isDynamicDim(0))
      shape =
          SmallVector<int64_t>(targetType.getDimSize(0), ShapedType::kDynamic);
    if (!shape || static_cast<int64_t>(shape->size()) == declared.getRank())
      continue;
    auto computed = RankedTensorType::get(*shape, declared.getElementType());
    reshape.emitWarning("the graph output is declared as ")
        << declared << " but computed as " << computed
        << "; the computed type is used, as ONNX Runtime does";
    operand.setType(computed);
    for (auto [i, value] : llvm::enumerate(returnOp.getOperands()))
      if (value == operand)
        results[i] = computed;
    changed = true;
  }
  if (changed)
    func.setType(FunctionType::get(
        func.getContext(), func.getFunctionType().getInputs(), results));
  return changed;
}
