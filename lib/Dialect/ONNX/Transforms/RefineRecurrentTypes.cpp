//===- RefineRecurrentTypes.cpp - Static result types of LSTM, GRU, RNN ---===//
//
// The outputs of the recurrent ops take their sequence and batch sizes
// from X once those are static (an input reshaped by a shape that was
// folded late), the number of directions from `direction` and the hidden
// size from R:
//   layout 0: Y [seq, dirs, batch, hidden], Y_h and Y_c [dirs, batch, hidden]
//   layout 1: Y [batch, seq, dirs, hidden], Y_h and Y_c [batch, dirs, hidden]
//
//===----------------------------------------------------------------------===//

#include "ShapeConstants.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

using namespace mlir;
using namespace lowrank;

namespace {

template <typename RecurrentOp>
struct RecurrentRefine : OpRewritePattern<RecurrentOp> {
  using OpRewritePattern<RecurrentOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(RecurrentOp op,
                                PatternRewriter &rewriter) const override {
    auto inputType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto recurrenceType = dyn_cast<RankedTensorType>(op.getR().getType());
    if (!inputType || inputType.getRank() != 3 || !recurrenceType ||
        recurrenceType.getRank() != 3)
      return rewriter.notifyMatchFailure(op, "X or R is not of rank 3");
    bool batchFirst = op.getLayout() == 1;
    int64_t seq = inputType.getDimSize(batchFirst ? 1 : 0);
    int64_t batch = inputType.getDimSize(batchFirst ? 0 : 1);
    int64_t dirs = op.getNumDirections();
    int64_t hidden = recurrenceType.getDimSize(2);
    if (std::optional<uint64_t> size = op.getHiddenSize())
      hidden = static_cast<int64_t>(*size);
    SmallVector<int64_t> sequenceShape =
        batchFirst ? SmallVector<int64_t>{batch, seq, dirs, hidden}
                   : SmallVector<int64_t>{seq, dirs, batch, hidden};
    SmallVector<int64_t> stateShape =
        batchFirst ? SmallVector<int64_t>{batch, dirs, hidden}
                   : SmallVector<int64_t>{dirs, batch, hidden};
    bool refined = false;
    for (OpResult result : op->getResults()) {
      auto type = dyn_cast<TensorType>(result.getType());
      if (!type)
        continue;
      ArrayRef<int64_t> shape =
          result.getResultNumber() == 0 ? sequenceShape : stateShape;
      refined |= succeeded(refineResultType(
          rewriter, result,
          RankedTensorType::get(shape, type.getElementType())));
    }
    return success(refined);
  }
};

} // namespace

void lowrank::populateRefineRecurrentTypesPatterns(
    RewritePatternSet &patterns) {
  patterns.add<RecurrentRefine<onnx::LSTMOp>, RecurrentRefine<onnx::GRUOp>,
               RecurrentRefine<onnx::RNNOp>>(patterns.getContext());
}
