//===- ReverseSequence.cpp - onnx to linalg: ReverseSequence --------------===//
//
// Every output element reads one input element: along the time axis the
// first `sequence_lens[b]` steps of batch item b are read backwards, the
// rest in place. Lengths outside [0, time steps] are reported at run time
// (ONNX Runtime refuses them) and clamped inside the loop, so that code
// whose checks were dropped stays within its buffers.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {

struct ReverseSequenceLowering : OpConversionPattern<onnx::ReverseSequenceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ReverseSequenceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    Value lengths = adaptor.getSequenceLens();
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type || !isa<RankedTensorType>(lengths.getType()))
      return rewriter.notifyMatchFailure(op, "unranked operand");
    int64_t batchAxis = static_cast<int64_t>(op.getBatchAxis());
    int64_t timeAxis = static_cast<int64_t>(op.getTimeAxis());
    int64_t rank = type.getRank();
    Location loc = op.getLoc();
    Value steps = tensor::DimOp::create(rewriter, loc, input, timeAxis);
    Value stepsI64 =
        arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), steps);
    std::string size = type.isDynamicDim(timeAxis)
                           ? "?"
                           : std::to_string(type.getDimSize(timeAxis));
    assertForAllElements(
        rewriter, loc, lengths,
        [&](OpBuilder &b, Location nested, Value length) -> Value {
          Value zero = createScalarConstant(b, nested, b.getI64Type(), 0);
          Value notNegative = arith::CmpIOp::create(
              b, nested, arith::CmpIPredicate::sge, length, zero);
          Value withinSteps = arith::CmpIOp::create(
              b, nested, arith::CmpIPredicate::sle, length, stepsI64);
          return arith::AndIOp::create(b, nested, notNegative, withinSteps);
        },
        getNodePrefix(op) + "ReverseSequence length out of range [0, " + size +
            "]");

    Value result = buildElementwise(
        rewriter, loc, type, input,
        [&](OpBuilder &b, Location nested, ValueRange) -> Value {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(linalg::IndexOp::create(b, nested, d));
          Value time = coords[timeAxis];
          Value raw =
              tensor::ExtractOp::create(b, nested, lengths, coords[batchAxis]);
          Value length =
              arith::IndexCastOp::create(b, nested, b.getIndexType(), raw);
          Value zero = arith::ConstantIndexOp::create(b, nested, 0);
          length = arith::MinSIOp::create(
              b, nested, arith::MaxSIOp::create(b, nested, length, zero),
              steps);
          Value reversed = arith::SubIOp::create(
              b, nested, arith::SubIOp::create(b, nested, length, time),
              arith::ConstantIndexOp::create(b, nested, 1));
          Value inPrefix = arith::CmpIOp::create(
              b, nested, arith::CmpIPredicate::slt, time, length);
          coords[timeAxis] =
              arith::SelectOp::create(b, nested, inPrefix, reversed, time);
          return tensor::ExtractOp::create(b, nested, input, coords);
        });
    rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void lowrank::populateONNXReverseSequenceToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReverseSequenceLowering>(patterns.getContext());
}
