//===- Scan.cpp - onnx to scf: Scan ---------------------------------------===//
//
// Scan becomes an scf.for over the scanned axis: each iteration extracts one
// slice of every scan input (rank-reducing tensor.extract_slice, from the
// end for reverse directions), runs the body, and inserts its scan output
// slices into tensors of the results' static shapes (or, when sizes are
// known only at run time, into stacks that grow, moved to the scan axis
// after the loop). States are carried as iteration arguments of the type
// of their initial values.
//
//===----------------------------------------------------------------------===//

#include "ControlFlowUtils.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace lowrank {
namespace {

int64_t getEntry(std::optional<ArrayRef<int64_t>> values, unsigned i) {
  return values ? (*values)[i] : 0;
}

RankedTensorType dropDim(RankedTensorType type, int64_t axis) {
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  return RankedTensorType::get(shape, type.getElementType());
}

/// `value` with its first dimension moved to position `axis`.
Value moveFirstDim(OpBuilder &builder, Location loc, Value value,
                   int64_t axis) {
  if (axis == 0)
    return value;
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < cast<RankedTensorType>(value.getType()).getRank();
       ++d)
    perm.push_back(d < axis ? d + 1 : (d == axis ? 0 : d));
  return createTransposed(builder, loc, value, perm);
}

/// Offsets, sizes and strides of the slice at `position` along `axis` of a
/// tensor of type `type` (`source` gives its dynamic sizes).
void getSliceBounds(OpBuilder &builder, Location loc, Value source,
                    RankedTensorType type, int64_t axis, Value position,
                    SmallVectorImpl<OpFoldResult> &offsets,
                    SmallVectorImpl<OpFoldResult> &sizes,
                    SmallVectorImpl<OpFoldResult> &strides) {
  for (int64_t d = 0; d < type.getRank(); ++d) {
    offsets.push_back(d == axis ? OpFoldResult(position)
                                : builder.getIndexAttr(0));
    if (d == axis)
      sizes.push_back(builder.getIndexAttr(1));
    else if (type.isDynamicDim(d))
      sizes.push_back(Value(tensor::DimOp::create(builder, loc, source, d)));
    else
      sizes.push_back(builder.getIndexAttr(type.getDimSize(d)));
    strides.push_back(builder.getIndexAttr(1));
  }
}

struct ScanOpLowering : OpConversionPattern<onnx::ScanOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Block &body = op.getBody().front();
    unsigned numStates = op.getNumStates();
    unsigned numInputs = op.getNumScanInputs();
    unsigned numOutputs = op.getNumResults() - numStates;
    ValueRange operands = adaptor.getInitialStateAndScanInputs();

    SmallVector<int64_t> inputAxes, outputAxes;
    Value length;
    for (unsigned j = 0; j < numInputs; ++j) {
      Value input = operands[numStates + j];
      auto type = dyn_cast<RankedTensorType>(input.getType());
      if (!type || type.getRank() < 1)
        return op.emitError() << "Scan input " << j << " has no ranked type";
      int64_t axis = getEntry(op.getScanInputAxes(), j);
      if (axis < -type.getRank() || axis >= type.getRank())
        return op.emitError()
               << "scan_input_axes entry " << axis << " is out of range";
      inputAxes.push_back(normalizeAxis(axis, type.getRank()));
      if (!length)
        length = tensor::DimOp::create(rewriter, loc, input, inputAxes.back());
    }
    SmallVector<RankedTensorType> outputTypes;
    SmallVector<Value> inits;
    for (unsigned i = 0; i < numStates; ++i) {
      Type type = operands[i].getType();
      if (!isa<RankedTensorType>(type))
        type = body.getArgument(i).getType();
      FailureOr<Value> init = castChecked(rewriter, loc, operands[i], type, op,
                                          "Scan initial state");
      if (failed(init))
        return failure();
      inits.push_back(*init);
    }
    // Outputs of sizes known only at run time grow as stacks along their
    // first dimension, moved to the scan axis after the loop.
    bool growing = false;
    for (unsigned k = 0; k < numOutputs; ++k) {
      Type resultType = op.getResult(numStates + k).getType();
      auto type = dyn_cast<RankedTensorType>(resultType);
      if (!type || type.getRank() < 1)
        return op.emitError() << "Scan output " << k << " has type "
                              << resultType << "; scan outputs need a rank";
      growing |= !type.hasStaticShape();
      int64_t axis = getEntry(op.getScanOutputAxes(), k);
      if (axis < -type.getRank() || axis >= type.getRank())
        return op.emitError()
               << "scan_output_axes entry " << axis << " is out of range";
      outputAxes.push_back(normalizeAxis(axis, type.getRank()));
      outputTypes.push_back(type);
    }
    SmallVector<RankedTensorType> stackTypes;
    for (auto [type, axis] : llvm::zip(outputTypes, outputAxes)) {
      if (!growing) {
        inits.push_back(createEmptyTensor(rewriter, loc, type));
        continue;
      }
      SmallVector<int64_t> shape = {ShapedType::kDynamic};
      llvm::append_range(shape, dropDim(type, axis).getShape());
      stackTypes.push_back(RankedTensorType::get(shape, type.getElementType()));
      inits.push_back(createEmptyStack(rewriter, loc, stackTypes.back()));
    }

    auto yield = cast<onnx::YieldOp>(body.getTerminator());
    for (unsigned i = 0; i < numStates; ++i)
      if (failed(verifyCastable(yield.getOperand(i).getType(),
                                inits[i].getType(), op,
                                "Scan state " + std::to_string(i))))
        return failure();
    for (unsigned k = 0; k < numOutputs; ++k)
      if (failed(verifyCastable(yield.getOperand(numStates + k).getType(),
                                dropDim(outputTypes[k], outputAxes[k]), op,
                                "Scan output " + std::to_string(k))))
        return failure();

    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value last = arith::SubIOp::create(rewriter, loc, length, one);
    auto forOp = scf::ForOp::create(rewriter, loc, zero, length, one, inits);
    Block *loopBody = forOp.getBody();
    rewriter.setInsertionPointToStart(loopBody);
    Value iv = forOp.getInductionVar();
    Value reversed = arith::SubIOp::create(rewriter, loc, last, iv);
    auto positionOf = [&](std::optional<ArrayRef<int64_t>> directions,
                          unsigned i) {
      return getEntry(directions, i) == 1 ? reversed : iv;
    };

    SmallVector<Value> arguments;
    for (unsigned i = 0; i < numStates; ++i) {
      FailureOr<Value> state =
          castChecked(rewriter, loc, forOp.getRegionIterArg(i),
                      body.getArgument(i).getType(), op, "Scan state");
      if (failed(state))
        return failure();
      arguments.push_back(*state);
    }
    for (unsigned j = 0; j < numInputs; ++j) {
      Value input = operands[numStates + j];
      auto type = cast<RankedTensorType>(input.getType());
      SmallVector<OpFoldResult> offsets, sizes, strides;
      getSliceBounds(rewriter, loc, input, type, inputAxes[j],
                     positionOf(op.getScanInputDirections(), j), offsets, sizes,
                     strides);
      Value slice = tensor::ExtractSliceOp::create(
          rewriter, loc, dropDim(type, inputAxes[j]), input, offsets, sizes,
          strides);
      FailureOr<Value> cast = castChecked(
          rewriter, loc, slice, body.getArgument(numStates + j).getType(), op,
          "Scan input slice " + std::to_string(j));
      if (failed(cast))
        return failure();
      arguments.push_back(*cast);
    }
    SmallVector<Value> yielded =
        inlineSubgraph(rewriter, op.getBody(), loopBody, arguments);

    SmallVector<Value> next;
    for (unsigned i = 0; i < numStates; ++i) {
      FailureOr<Value> state =
          castChecked(rewriter, loc, yielded[i], inits[i].getType(), op,
                      "Scan state " + std::to_string(i));
      if (failed(state))
        return failure();
      next.push_back(*state);
    }
    for (unsigned k = 0; k < numOutputs; ++k) {
      RankedTensorType type = outputTypes[k];
      FailureOr<Value> slice = castChecked(
          rewriter, loc, yielded[numStates + k], dropDim(type, outputAxes[k]),
          op, "Scan output " + std::to_string(k));
      if (failed(slice))
        return failure();
      Value buffer = forOp.getRegionIterArg(numStates + k);
      if (growing) {
        next.push_back(appendToStack(
            rewriter, loc, buffer, *slice,
            positionOf(op.getScanOutputDirections(), k), length,
            getNodePrefix(op) + "Scan output " + std::to_string(k) +
                " changes shape between iterations"));
        continue;
      }
      SmallVector<OpFoldResult> offsets, sizes, strides;
      getSliceBounds(rewriter, loc, buffer, type, outputAxes[k],
                     positionOf(op.getScanOutputDirections(), k), offsets,
                     sizes, strides);
      next.push_back(tensor::InsertSliceOp::create(
          rewriter, loc, *slice, buffer, offsets, sizes, strides));
    }
    scf::YieldOp::create(rewriter, loc, next);

    rewriter.setInsertionPointAfter(forOp);
    SmallVector<Value> loopResults(forOp.getResults());
    if (growing)
      for (unsigned k = 0; k < numOutputs; ++k) {
        Value stacked =
            takeStacked(rewriter, loc, loopResults[numStates + k], length);
        loopResults[numStates + k] =
            moveFirstDim(rewriter, loc, stacked, outputAxes[k]);
      }
    SmallVector<Value> results;
    for (auto [value, result] : llvm::zip(loopResults, op.getResults())) {
      FailureOr<Value> cast = castChecked(rewriter, loc, value,
                                          result.getType(), op, "Scan output");
      if (failed(cast))
        return failure();
      results.push_back(*cast);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateONNXScanToSCFPatterns(RewritePatternSet &patterns) {
  patterns.add<ScanOpLowering>(patterns.getContext());
}

} // namespace lowrank
