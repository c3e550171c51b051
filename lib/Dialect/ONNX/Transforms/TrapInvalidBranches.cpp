//===- TrapInvalidBranches.cpp - If branches that cannot run --------------===//
//
// Once the input shapes are known, a branch of an If whose condition is
// read at run time may turn out unable to run: Silero VAD's 8 kHz branch,
// given a 16 kHz window, feeds a rank-4 tensor to its LSTM. ONNX Runtime
// fails only when such a branch is taken, so the compiled model does too:
// the branch becomes a failed check (`cf.assert`, an error status from the
// entry point) naming the node and what is wrong, and yields empty tensors
// of the If's result types. A branch whose ops all verify is left alone, and
// so is one whose result types are not known.
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Support/NodeName.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;

namespace lowrank {
namespace {

/// The first op of `region` (at any depth) that does not verify, and its
/// message.
Operation *findInvalidOp(Region &region, std::string &message) {
  Operation *invalid = nullptr;
  ScopedDiagnosticHandler capture(region.getContext(), [&](Diagnostic &diag) {
    if (message.empty())
      message = diag.str();
    return success();
  });
  region.walk([&](Operation *op) {
    if (failed(mlir::verify(op, /*verifyRecursively=*/false))) {
      invalid = op;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return invalid;
}

/// The type a trapped branch yields for result `index`: the other
/// branch's, which the If then takes, else the If's; null unless ranked.
RankedTensorType getYieldType(onnx::IfOp ifOp, Region &other, unsigned index) {
  auto yield = cast<onnx::YieldOp>(other.front().getTerminator());
  if (auto type =
          dyn_cast<RankedTensorType>(yield->getOperand(index).getType()))
    return type;
  return dyn_cast<RankedTensorType>(ifOp->getResult(index).getType());
}

bool trapBranch(onnx::IfOp ifOp, Region &region, Region &other,
                StringRef branchName, StringRef reason) {
  SmallVector<RankedTensorType> types;
  for (unsigned i = 0; i < ifOp->getNumResults(); ++i) {
    RankedTensorType type = getYieldType(ifOp, other, i);
    if (!type)
      return false;
    types.push_back(type);
  }
  Block &block = region.front();
  Location loc = ifOp.getLoc();
  // Uses inside the branch go first: ops are erased from the end.
  block.getTerminator()->erase();
  while (!block.empty()) {
    block.back().dropAllUses();
    block.back().erase();
  }
  OpBuilder builder = OpBuilder::atBlockEnd(&block);
  std::string node = getNodeName(ifOp).value_or("If");
  Value never =
      arith::ConstantOp::create(builder, loc, builder.getBoolAttr(false));
  cf::AssertOp::create(
      builder, loc, never,
      "node '" + node + "': branch '" + branchName.str() +
          "' cannot run with these input shapes: " + reason.str());
  SmallVector<Value> yields;
  Value zero;
  for (RankedTensorType type : types) {
    SmallVector<Value> sizes;
    if (!type.hasStaticShape() && !zero)
      zero = arith::ConstantIndexOp::create(builder, loc, 0);
    for (int64_t size : type.getShape())
      if (ShapedType::isDynamic(size))
        sizes.push_back(zero);
    yields.push_back(tensor::EmptyOp::create(builder, loc, type.getShape(),
                                             type.getElementType(), sizes));
  }
  onnx::YieldOp::create(builder, loc, yields);
  return true;
}

} // namespace

bool trapInvalidBranches(Operation *root) {
  bool changed = false;
  // Innermost Ifs first: a trapped inner branch leaves its If valid.
  root->walk<WalkOrder::PostOrder>([&](onnx::IfOp ifOp) {
    Region *regions[] = {&ifOp.getThenBranch(), &ifOp.getElseBranch()};
    StringRef names[] = {"then_branch", "else_branch"};
    for (int i = 0; i < 2; ++i) {
      std::string message;
      if (!findInvalidOp(*regions[i], message))
        continue;
      changed |=
          trapBranch(ifOp, *regions[i], *regions[1 - i], names[i], message);
    }
  });
  return changed;
}

} // namespace lowrank
