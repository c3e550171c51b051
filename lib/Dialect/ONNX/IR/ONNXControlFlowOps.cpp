//===- ONNXControlFlowOps.cpp - Verifiers of If, Loop and Scan ------------===//
//
// The verifiers check the arity of the subgraphs against the op: block
// arguments and yielded values. Types are not compared: shape inference may
// leave a subgraph's declared types less precise than the values flowing
// in, and the lowering reports shapes that really differ.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

using namespace mlir;
using namespace lowrank::onnx;

/// The `onnx.Yield` ending the single block of `region`, or null.
static YieldOp getYield(Region &region) {
  if (region.empty() || region.front().empty())
    return nullptr;
  return dyn_cast<YieldOp>(region.front().back());
}

static LogicalResult verifySubgraph(Operation *op, Region &region,
                                    StringRef name, unsigned numArguments,
                                    unsigned numYielded) {
  YieldOp yield = getYield(region);
  if (!yield)
    return op->emitOpError() << name << " must end in onnx.Yield";
  if (region.getNumArguments() != numArguments)
    return op->emitOpError() << name << " has " << region.getNumArguments()
                             << " arguments, expected " << numArguments;
  if (yield.getNumOperands() != numYielded)
    return op->emitOpError() << name << " yields " << yield.getNumOperands()
                             << " values, expected " << numYielded;
  return success();
}

LogicalResult IfOp::verify() {
  if (auto type = dyn_cast<RankedTensorType>(getCond().getType()))
    if (type.getNumElements() != 1 && type.hasStaticShape())
      return emitOpError("condition must hold one element");
  if (failed(verifySubgraph(*this, getThenBranch(), "then_branch", 0,
                            getNumResults())) ||
      failed(verifySubgraph(*this, getElseBranch(), "else_branch", 0,
                            getNumResults())))
    return failure();
  return success();
}

LogicalResult LoopOp::verify() {
  if (!isa<NoneType>(getM().getType()) &&
      !getElementTypeOrSelf(getM().getType()).isInteger(64))
    return emitOpError("trip count M must be an i64 tensor");
  if (!isa<NoneType>(getCond().getType()) &&
      !getElementTypeOrSelf(getCond().getType()).isInteger(1))
    return emitOpError("cond must be an i1 tensor");
  if (getNumResults() < getNumCarried())
    return emitOpError() << "has " << getNumResults() << " results for "
                         << getNumCarried() << " loop-carried values";
  return verifySubgraph(*this, getBody(), "body", 2 + getNumCarried(),
                        1 + getNumResults());
}

LogicalResult ScanOp::verify() {
  int64_t numScanInputs = getNumScanInputs();
  if (numScanInputs < 1 || numScanInputs > getNumOperands())
    return emitOpError() << "num_scan_inputs " << numScanInputs
                         << " is not in [1, " << getNumOperands() << "]";
  unsigned numStates = getNumStates();
  if (getNumResults() < numStates)
    return emitOpError() << "has " << getNumResults() << " results for "
                         << numStates << " states";
  unsigned numScanOutputs = getNumResults() - numStates;
  auto checkLength = [&](std::optional<ArrayRef<int64_t>> values,
                         StringRef name, unsigned expected) -> LogicalResult {
    if (values && values->size() != expected)
      return emitOpError() << name << " has " << values->size()
                           << " entries, expected " << expected;
    return success();
  };
  if (failed(
          checkLength(getScanInputAxes(), "scan_input_axes", numScanInputs)) ||
      failed(checkLength(getScanInputDirections(), "scan_input_directions",
                         numScanInputs)) ||
      failed(checkLength(getScanOutputAxes(), "scan_output_axes",
                         numScanOutputs)) ||
      failed(checkLength(getScanOutputDirections(), "scan_output_directions",
                         numScanOutputs)))
    return failure();
  return verifySubgraph(*this, getBody(), "body", getNumOperands(),
                        getNumResults());
}

std::optional<StringRef> lowrank::onnx::getSubgraphName(Operation *op,
                                                        unsigned region) {
  if (auto opaque = dyn_cast<OpaqueOp>(op)) {
    if (region >= opaque.getSubgraphNames().size())
      return std::nullopt;
    return cast<StringAttr>(opaque.getSubgraphNames()[region]).getValue();
  }
  if (isa<IfOp>(op))
    return region == 0 ? StringRef("then_branch") : StringRef("else_branch");
  if (isa<LoopOp, ScanOp>(op) && region == 0)
    return StringRef("body");
  return std::nullopt;
}
