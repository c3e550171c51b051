//===- Recurrent.cpp - onnx to linalg: LSTM, GRU and RNN ------------------===//
//
// Each direction becomes one scf.for over the time steps carrying the
// states (and the hidden states of all steps when Y is used). The input
// projection X W^T + biases of all steps is one linalg.matmul before the
// loop; each iteration reads its step's rows and runs the cell
// (RecurrentCells.cpp). Layout 1 (batch first) is transposed to time-major
// around the computation.
//
// With sequence_lens, a row stops at its length as in ONNX Runtime: its
// states stay, its Y rows past the length are zero, and a reverse direction
// starts at the row's last valid step rather than at the last step (a row
// of length 0 ends with zero states). The loop then writes step s's states
// at index s, and Y gathers them per row.
//
//===----------------------------------------------------------------------===//

#include "RecurrentLowering.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;
using namespace lowrank::recurrent;

namespace {
/// A recurrent op's operands; the optional ones are null when omitted.
struct RecurrentOperands {
  Value x, w, r, bias, lens, initialH, initialC, peepholes;
};

/// What the lowering needs to know of the operator beyond its operands.
struct RecurrentForm {
  int64_t gates;
  /// 2 for LSTM (H and C), 1 otherwise.
  int64_t numStates;
  int64_t activationsPerDirection;
  /// The gate whose recurrent bias the cell adds itself (GRU's candidate
  /// with linear_before_reset), or -1.
  int64_t ownRecurrentBiasGate = -1;
  CellBuilder buildCell;
};
} // namespace

static Value presentOrNull(Value value) {
  return isNoneValue(value) ? Value() : value;
}

static SmallVector<OpFoldResult> indexAttrs(OpBuilder &b,
                                            ArrayRef<int64_t> values) {
  return llvm::map_to_vector(
      values, [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); });
}

/// `value` with its dimensions permuted by `perm` (linalg.transpose).
static Value transpose(OpBuilder &b, Location loc, Value value,
                       ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, value, init, perm)->getResult(0);
}

/// The index-`d` slice of `value` along its leading (direction) dimension,
/// without that dimension.
static Value extractDirection(OpBuilder &b, Location loc, Value value,
                              int64_t d) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> offsets(type.getRank(), 0), sizes(type.getShape());
  offsets[0] = d;
  sizes[0] = 1;
  auto resultType = RankedTensorType::get(type.getShape().drop_front(),
                                          type.getElementType());
  return tensor::ExtractSliceOp::create(
      b, loc, resultType, value, indexAttrs(b, offsets), indexAttrs(b, sizes),
      indexAttrs(b, SmallVector<int64_t>(type.getRank(), 1)));
}

/// `part` (of one rank less) as index `d` of dimension `dim` of `into`.
static Value insertAt(OpBuilder &b, Location loc, Value part, Value into,
                      int64_t dim, OpFoldResult d) {
  auto type = cast<RankedTensorType>(into.getType());
  SmallVector<OpFoldResult> offsets =
      indexAttrs(b, SmallVector<int64_t>(type.getRank(), 0));
  SmallVector<int64_t> sizes(type.getShape());
  offsets[dim] = d;
  sizes[dim] = 1;
  return tensor::InsertSliceOp::create(
      b, loc, part, into, offsets, indexAttrs(b, sizes),
      indexAttrs(b, SmallVector<int64_t>(type.getRank(), 1)));
}

static Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// X W^T + Wb + Rb for all steps: [seq, batch, gates * hidden]. The
/// recurrent bias of `ownGate` is left to the cell.
static Value buildInputProjection(OpBuilder &b, Location loc, Value x, Value w,
                                  Value bias, int64_t hidden, int64_t ownGate) {
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t seq = xType.getDimSize(0), batch = xType.getDimSize(1);
  int64_t rows = cast<RankedTensorType>(w.getType()).getDimSize(0);
  Value xRows = tensor::CollapseShapeOp::create(
      b, loc, x, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  Value projected = buildProductWithTranspose(b, loc, xRows, w);
  if (bias) {
    MLIRContext *context = b.getContext();
    AffineExpr i, j;
    bindDims(context, i, j);
    auto projectedType = cast<RankedTensorType>(projected.getType());
    auto half = [&](int64_t offset) -> Value {
      return tensor::ExtractSliceOp::create(b, loc, bias, indexAttrs(b, offset),
                                            indexAttrs(b, rows),
                                            indexAttrs(b, 1));
    };
    AffineMap column = AffineMap::get(2, 0, {j}, context);
    projected = buildParallelGeneric(
        b, loc, projectedType, Value(), {projected, half(0), half(rows)},
        {AffineMap::getMultiDimIdentityMap(2, context), column, column},
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value sum = arith::AddFOp::create(nb, l, args[0], args[1]);
          Value recurrentBias = args[2];
          if (ownGate >= 0) {
            Value column = linalg::IndexOp::create(nb, l, 1);
            Value inOwnGate = arith::AndIOp::create(
                nb, l,
                arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, column,
                                      indexConstant(nb, l, ownGate * hidden)),
                arith::CmpIOp::create(
                    nb, l, arith::CmpIPredicate::slt, column,
                    indexConstant(nb, l, (ownGate + 1) * hidden)));
            recurrentBias = arith::SelectOp::create(
                nb, l, inOwnGate,
                createScalarConstant(nb, l, args[2].getType(), 0),
                recurrentBias);
          }
          return arith::AddFOp::create(nb, l, sum, recurrentBias);
        });
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({seq, batch, rows}, xType.getElementType()),
      projected, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}

/// The length of the batch row read by the current generic, as an index.
static Value readLength(OpBuilder &b, Location loc, Value element) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), element);
}

/// Step `step` of a reverse direction with sequence lengths: row b reads
/// time len[b] - 1 - step (clamped into the sequence; rows past their
/// length are not used).
static Value gatherReverseStep(OpBuilder &b, Location loc, Value projected,
                               Value lens, Value step) {
  auto type = cast<RankedTensorType>(projected.getType());
  int64_t seq = type.getDimSize(0);
  auto resultType = RankedTensorType::get(type.getShape().drop_front(),
                                          type.getElementType());
  MLIRContext *context = b.getContext();
  return buildParallelGeneric(
      b, loc, resultType, Value(), lens,
      AffineMap::get(2, 0, {getAffineDimExpr(0, context)}, context),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value last = arith::SubIOp::create(nb, l, readLength(nb, l, args[0]),
                                           indexConstant(nb, l, 1));
        Value time = arith::SubIOp::create(nb, l, last, step);
        time = arith::MaxSIOp::create(nb, l, time, indexConstant(nb, l, 0));
        time =
            arith::MinSIOp::create(nb, l, time, indexConstant(nb, l, seq - 1));
        Value row = linalg::IndexOp::create(nb, l, 0);
        Value column = linalg::IndexOp::create(nb, l, 1);
        return tensor::ExtractOp::create(nb, l, projected,
                                         ValueRange{time, row, column});
      });
}

/// Y of one direction, [seq, batch, hidden], from the hidden states that
/// the loop stored by step: zero past each row's length, reversed within
/// the length for a reverse direction.
static Value gatherOutputs(OpBuilder &b, Location loc, Value byStep, Value lens,
                           bool reverse) {
  auto type = cast<RankedTensorType>(byStep.getType());
  MLIRContext *context = b.getContext();
  return buildParallelGeneric(
      b, loc, type, Value(), lens,
      AffineMap::get(3, 0, {getAffineDimExpr(1, context)}, context),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value length = readLength(nb, l, args[0]);
        Value time = linalg::IndexOp::create(nb, l, 0);
        Value valid = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                            time, length);
        Value step = time;
        if (reverse)
          step = arith::SubIOp::create(
              nb, l,
              arith::SubIOp::create(nb, l, length, indexConstant(nb, l, 1)),
              time);
        Value zeroIndex = indexConstant(nb, l, 0);
        step = arith::SelectOp::create(nb, l, valid, step, zeroIndex);
        Value element = tensor::ExtractOp::create(
            nb, l, byStep,
            ValueRange{step, linalg::IndexOp::create(nb, l, 1),
                       linalg::IndexOp::create(nb, l, 2)});
        return arith::SelectOp::create(
            nb, l, valid, element,
            createScalarConstant(nb, l, type.getElementType(), 0));
      });
}

/// A final state with the rows of length 0 zeroed: ONNX Runtime gives
/// zero, not the initial state, for a row that took no step.
static Value zeroEmptyRows(OpBuilder &b, Location loc, Value state,
                           Value lens) {
  auto type = cast<RankedTensorType>(state.getType());
  MLIRContext *context = b.getContext();
  return buildParallelGeneric(
      b, loc, type, Value(), {state, lens},
      {AffineMap::getMultiDimIdentityMap(2, context),
       AffineMap::get(2, 0, {getAffineDimExpr(0, context)}, context)},
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value empty = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sle,
                                            readLength(nb, l, args[1]),
                                            indexConstant(nb, l, 0));
        return arith::SelectOp::create(
            nb, l, empty, createScalarConstant(nb, l, type.getElementType(), 0),
            args[0]);
      });
}

/// Whether `value` is omitted or a ranked tensor of static shape.
static bool isStaticOrNone(Value value) {
  if (isNoneValue(value))
    return true;
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape();
}

template <typename OpTy>
static LogicalResult
lowerRecurrent(OpTy op, RecurrentOperands in, const RecurrentForm &form,
               CellContext cellTemplate, ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto fail = [&](const Twine &reason) {
    return op.emitError() << "cannot lower " << op->getName() << ": " << reason;
  };
  for (Value operand : op->getOperands())
    if (!isStaticOrNone(operand))
      return fail("operand shapes must be static");
  for (Value result : op->getResults())
    if (!isStaticOrNone(result))
      return fail("result shapes must be static");
  auto elementType = dyn_cast<FloatType>(
      cast<RankedTensorType>(in.x.getType()).getElementType());
  if (!elementType)
    return fail("X must hold floats");
  std::string reason;
  FailureOr<SmallVector<onnx::RecurrentActivation>> activations =
      onnx::getRecurrentActivations(op, reason);
  if (failed(activations))
    return fail(reason);

  // Checked before any IR is created: a failed pattern must leave none.
  bool batchFirst = op.getLayout() == 1;
  auto xShape = cast<RankedTensorType>(in.x.getType()).getShape();
  int64_t seq = xShape[batchFirst ? 1 : 0], batch = xShape[batchFirst ? 0 : 1];
  int64_t hidden = cast<RankedTensorType>(in.r.getType()).getDimSize(2);
  int64_t directions = op.getNumDirections();
  if (op.getHiddenSizeAttr() && op.getHiddenSizeAttr().getInt() != hidden)
    return fail("hidden_size differs from R's last dimension");
  if (seq == 0 || batch == 0)
    return fail("empty sequences or batches are not supported");
  auto expectedType = [&](unsigned index) -> Type {
    if (index == 0)
      return RankedTensorType::get(
          batchFirst ? ArrayRef<int64_t>{batch, seq, directions, hidden}
                     : ArrayRef<int64_t>{seq, directions, batch, hidden},
          elementType);
    return RankedTensorType::get(
        batchFirst ? ArrayRef<int64_t>{batch, directions, hidden}
                   : ArrayRef<int64_t>{directions, batch, hidden},
        elementType);
  };
  for (auto [index, result] : llvm::enumerate(op->getResults()))
    if (!isNoneValue(result) && result.getType() != expectedType(index))
      return op.emitError() << "cannot lower " << op->getName() << ": result "
                            << index << " has type " << result.getType()
                            << ", expected " << expectedType(index);

  // ONNX Runtime refuses lengths outside [0, seq_length].
  if (in.lens)
    assertForAllElements(
        rewriter, loc, in.lens,
        [&](OpBuilder &b, Location l, Value length) -> Value {
          Value position =
              arith::IndexCastOp::create(b, l, b.getIndexType(), length);
          return arith::AndIOp::create(
              b, l,
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, position,
                                    indexConstant(b, l, 0)),
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, position,
                                    indexConstant(b, l, seq)));
        },
        getNodePrefix(op) + "sequence_lens outside [0, " + std::to_string(seq) +
            "]");

  if (batchFirst) {
    in.x = transpose(rewriter, loc, in.x, {1, 0, 2});
    for (Value *state : {&in.initialH, &in.initialC})
      if (*state)
        *state = transpose(rewriter, loc, *state, {1, 0, 2});
  }

  Value y = op.getY();
  bool needY = !isNoneValue(y) && !y.use_empty();
  auto stateType = RankedTensorType::get({batch, hidden}, elementType);
  auto statesType =
      RankedTensorType::get({directions, batch, hidden}, elementType);
  Value allY = tensor::EmptyOp::create(
      rewriter, loc, ArrayRef<int64_t>{seq, directions, batch, hidden},
      elementType);
  SmallVector<Value> finalStates;
  for (int64_t s = 0; s < form.numStates; ++s)
    finalStates.push_back(tensor::EmptyOp::create(
        rewriter, loc, statesType.getShape(), elementType));

  for (int64_t d = 0; d < directions; ++d) {
    bool reverse = op.getDirection() == "reverse" || d == 1;
    Value w = extractDirection(rewriter, loc, in.w, d);
    Value r = extractDirection(rewriter, loc, in.r, d);
    Value bias =
        in.bias ? extractDirection(rewriter, loc, in.bias, d) : Value();
    CellContext cell = cellTemplate;
    cell.batch = batch;
    cell.hidden = hidden;
    cell.elementType = elementType;
    cell.lens = in.lens;
    cell.bias = bias;
    cell.peepholes = in.peepholes
                         ? extractDirection(rewriter, loc, in.peepholes, d)
                         : Value();
    cell.activations = ArrayRef(*activations)
                           .slice(d * form.activationsPerDirection,
                                  form.activationsPerDirection);
    Value projected = buildInputProjection(rewriter, loc, in.x, w, bias, hidden,
                                           form.ownRecurrentBiasGate);

    SmallVector<Value> inits;
    for (Value initial : {in.initialH, in.initialC}) {
      if (inits.size() == static_cast<size_t>(form.numStates))
        break;
      inits.push_back(initial ? extractDirection(rewriter, loc, initial, d)
                              : createZeroTensor(rewriter, loc, stateType));
    }
    if (needY)
      inits.push_back(tensor::EmptyOp::create(
          rewriter, loc, ArrayRef<int64_t>{seq, batch, hidden}, elementType));

    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0),
        indexConstant(rewriter, loc, seq), indexConstant(rewriter, loc, 1),
        inits, [&](OpBuilder &b, Location l, Value step, ValueRange carried) {
          // Without lengths, all rows read (and store Y at) the same time.
          Value time = step;
          if (reverse && !in.lens)
            time =
                arith::SubIOp::create(b, l, indexConstant(b, l, seq - 1), step);
          Value stepInput;
          if (reverse && in.lens) {
            stepInput = gatherReverseStep(b, l, projected, in.lens, step);
          } else {
            auto rowsType = RankedTensorType::get({batch, form.gates * hidden},
                                                  elementType);
            SmallVector<OpFoldResult> offsets = {time, b.getIndexAttr(0),
                                                 b.getIndexAttr(0)};
            stepInput = tensor::ExtractSliceOp::create(
                b, l, rowsType, projected, offsets,
                indexAttrs(b, {1, batch, form.gates * hidden}),
                indexAttrs(b, {1, 1, 1}));
          }
          CellContext stepCell = cell;
          stepCell.step = step;
          SmallVector<Value> next = form.buildCell(
              b, l, stepCell, stepInput, r, carried.take_front(form.numStates));
          if (needY)
            next.push_back(insertAt(b, l, next[0], carried.back(), 0, time));
          scf::YieldOp::create(b, l, next);
        });

    OpFoldResult dIndex = rewriter.getIndexAttr(d);
    for (int64_t s = 0; s < form.numStates; ++s) {
      Value state = loop.getResult(s);
      if (in.lens)
        state = zeroEmptyRows(rewriter, loc, state, in.lens);
      finalStates[s] =
          insertAt(rewriter, loc, state, finalStates[s], 0, dIndex);
    }
    if (needY) {
      Value outputs = loop.getResults().back();
      if (in.lens)
        outputs = gatherOutputs(rewriter, loc, outputs, in.lens, reverse);
      allY = insertAt(rewriter, loc, outputs, allY, 1, dIndex);
    }
  }

  if (batchFirst) {
    if (needY)
      allY = transpose(rewriter, loc, allY, {2, 0, 1, 3});
    for (Value &state : finalStates)
      state = transpose(rewriter, loc, state, {1, 0, 2});
  }
  SmallVector<Value> replacements;
  SmallVector<Value> computed = {allY};
  computed.append(finalStates);
  for (auto [result, value] : llvm::zip(op->getResults(), computed)) {
    if (isNoneValue(result)) {
      replacements.push_back(
          onnx::NoValueOp::create(rewriter, loc, rewriter.getNoneType()));
      continue;
    }
    assert(result.getType() == value.getType() && "result type checked");
    replacements.push_back(value);
  }
  rewriter.replaceOp(op, replacements);
  return success();
}

template <typename OpTy> static std::optional<double> getClip(OpTy op) {
  if (std::optional<APFloat> clip = op.getClip())
    return clip->convertToDouble();
  return std::nullopt;
}

static RecurrentOperands getCommonOperands(Value x, Value w, Value r, Value b,
                                           Value lens, Value initialH) {
  return {
      x,  w, r, presentOrNull(b), presentOrNull(lens), presentOrNull(initialH),
      {}, {}};
}

namespace {
struct LSTMLowering : OpConversionPattern<onnx::LSTMOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::LSTMOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RecurrentOperands in = getCommonOperands(
        adaptor.getX(), adaptor.getW(), adaptor.getR(), adaptor.getB(),
        adaptor.getSequenceLens(), adaptor.getInitialH());
    in.initialC = presentOrNull(adaptor.getInitialC());
    in.peepholes = presentOrNull(adaptor.getP());
    CellContext cell{};
    cell.clip = getClip(op);
    cell.inputForget = op.getInputForget() != 0;
    return lowerRecurrent(op, in, {4, 2, 3, -1, buildLSTMCell}, cell, rewriter);
  }
};

struct GRULowering : OpConversionPattern<onnx::GRUOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::GRUOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RecurrentOperands in = getCommonOperands(
        adaptor.getX(), adaptor.getW(), adaptor.getR(), adaptor.getB(),
        adaptor.getSequenceLens(), adaptor.getInitialH());
    CellContext cell{};
    cell.clip = getClip(op);
    cell.linearBeforeReset = op.getLinearBeforeReset() != 0;
    return lowerRecurrent(
        op, in, {3, 1, 2, cell.linearBeforeReset ? 2 : -1, buildGRUCell}, cell,
        rewriter);
  }
};

struct RNNLowering : OpConversionPattern<onnx::RNNOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::RNNOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RecurrentOperands in = getCommonOperands(
        adaptor.getX(), adaptor.getW(), adaptor.getR(), adaptor.getB(),
        adaptor.getSequenceLens(), adaptor.getInitialH());
    CellContext cell{};
    cell.clip = getClip(op);
    return lowerRecurrent(op, in, {1, 1, 1, -1, buildRNNCell}, cell, rewriter);
  }
};
} // namespace

void lowrank::populateONNXRecurrentToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LSTMLowering, GRULowering, RNNLowering>(patterns.getContext());
}
