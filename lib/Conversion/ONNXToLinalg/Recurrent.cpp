//===- Recurrent.cpp - onnx to linalg: LSTM, GRU and RNN ------------------===//
//
// Each direction becomes one scf.for over the time steps carrying the
// states (and the hidden states of all steps when Y is used). The input
// projection X W^T + biases of all steps is one linalg.matmul before the
// loop; each iteration reads its step's rows and runs the cell
// (RecurrentCells.cpp). Layout 1 (batch first) is transposed to time-major
// around the computation.
//
// The number of steps and the batch may be known only at run time: the
// loop's bound and the tensors' sizes are then read from X, and the
// initial states and lengths are checked at run time to have X's batch.
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
#include "mlir/Dialect/Arith/Utils/Utils.h"
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

/// The index-`d` slice of `value` along its leading (direction) dimension,
/// without that dimension.
static Value extractDirection(OpBuilder &b, Location loc, Value value,
                              int64_t d) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> offsets =
      indexAttrs(b, SmallVector<int64_t>(type.getRank(), 0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
  offsets[0] = b.getIndexAttr(d);
  sizes[0] = b.getIndexAttr(1);
  auto resultType = RankedTensorType::get(type.getShape().drop_front(),
                                          type.getElementType());
  return tensor::ExtractSliceOp::create(
      b, loc, resultType, value, offsets, sizes,
      indexAttrs(b, SmallVector<int64_t>(type.getRank(), 1)));
}

/// `part` (of one rank less) as index `d` of dimension `dim` of `into`.
static Value insertAt(OpBuilder &b, Location loc, Value part, Value into,
                      int64_t dim, OpFoldResult d) {
  auto type = cast<RankedTensorType>(into.getType());
  SmallVector<OpFoldResult> offsets =
      indexAttrs(b, SmallVector<int64_t>(type.getRank(), 0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, into);
  offsets[dim] = d;
  sizes[dim] = b.getIndexAttr(1);
  return tensor::InsertSliceOp::create(
      b, loc, part, into, offsets, sizes,
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
        b, loc, projectedType, projected, {projected, half(0), half(rows)},
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
      projected, ArrayRef<ReassociationIndices>{{0, 1}, {2}},
      ArrayRef<OpFoldResult>{tensor::getMixedSize(b, loc, x, 0),
                             tensor::getMixedSize(b, loc, x, 1),
                             b.getIndexAttr(rows)});
}

/// The length of the batch row read by the current generic, as an index.
static Value readLength(OpBuilder &b, Location loc, Value element) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), element);
}

/// Step `step` of a reverse direction with sequence lengths: row b reads
/// time len[b] - 1 - step (clamped into the sequence; rows past their
/// length are not used); `lastTime` is the sequence length minus 1.
static Value gatherReverseStep(OpBuilder &b, Location loc, Value projected,
                               Value lens, Value step, Value lastTime) {
  auto type = cast<RankedTensorType>(projected.getType());
  auto resultType = RankedTensorType::get(type.getShape().drop_front(),
                                          type.getElementType());
  MLIRContext *context = b.getContext();
  Value sizeSource = tensor::EmptyOp::create(
      b, loc, ArrayRef(tensor::getMixedSizes(b, loc, projected)).drop_front(),
      type.getElementType());
  return buildParallelGeneric(
      b, loc, resultType, sizeSource, lens,
      AffineMap::get(2, 0, {getAffineDimExpr(0, context)}, context),
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value last = arith::SubIOp::create(nb, l, readLength(nb, l, args[0]),
                                           indexConstant(nb, l, 1));
        Value time = arith::SubIOp::create(nb, l, last, step);
        time = arith::MaxSIOp::create(nb, l, time, indexConstant(nb, l, 0));
        time = arith::MinSIOp::create(nb, l, time, lastTime);
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
      b, loc, type, byStep, lens,
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
      b, loc, type, state, {state, lens},
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

/// Merges `size` into `known`, either possibly dynamic; fails on two
/// different static sizes.
static bool mergeSize(int64_t &known, int64_t size) {
  if (ShapedType::isDynamic(size))
    return true;
  if (ShapedType::isDynamic(known))
    known = size;
  return known == size;
}

template <typename OpTy>
static LogicalResult
lowerRecurrent(OpTy op, RecurrentOperands in, const RecurrentForm &form,
               CellContext cellTemplate, ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto fail = [&](const Twine &reason) {
    return op.emitError() << "cannot lower " << op->getName() << ": " << reason;
  };
  for (Value weight : {in.w, in.r, in.bias, in.peepholes})
    if (weight && !isStaticOrNone(weight))
      return fail("W, R, B and P must have static shapes");
  auto xType = dyn_cast<RankedTensorType>(in.x.getType());
  if (!xType || xType.getRank() != 3)
    return fail("X must be a ranked tensor of rank 3");
  auto elementType = dyn_cast<FloatType>(xType.getElementType());
  if (!elementType)
    return fail("X must hold floats");
  std::string reason;
  FailureOr<SmallVector<onnx::RecurrentActivation>> activations =
      onnx::getRecurrentActivations(op, reason);
  if (failed(activations))
    return fail(reason);

  // Checked before any IR is created: a failed pattern must leave none.
  bool batchFirst = op.getLayout() == 1;
  int64_t seqDim = batchFirst ? 1 : 0, batchDim = batchFirst ? 0 : 1;
  int64_t seq = xType.getDimSize(seqDim), batch = xType.getDimSize(batchDim);
  int64_t hidden = cast<RankedTensorType>(in.r.getType()).getDimSize(2);
  int64_t inputSize = cast<RankedTensorType>(in.w.getType()).getDimSize(2);
  int64_t directions = op.getNumDirections();
  if (op.getHiddenSizeAttr() && op.getHiddenSizeAttr().getInt() != hidden)
    return fail("hidden_size differs from R's last dimension");
  int64_t xInputSize = xType.getDimSize(2);
  if (!mergeSize(xInputSize, inputSize))
    return fail("X's last dimension differs from W's");
  // The states' layout; their batch dimension is left to the merge below.
  auto stateShape = [&](int64_t batchSize) {
    return batchFirst ? SmallVector<int64_t>{batchSize, directions, hidden}
                      : SmallVector<int64_t>{directions, batchSize, hidden};
  };
  int64_t stateBatchDim = batchFirst ? 0 : 1;
  for (Value state : {in.initialH, in.initialC}) {
    if (!state)
      continue;
    auto type = dyn_cast<RankedTensorType>(state.getType());
    if (!type || type.getRank() != 3 ||
        failed(verifyCompatibleShape(type.getShape(),
                                     stateShape(ShapedType::kDynamic))))
      return fail("initial states must have the shape " +
                  std::string(batchFirst ? "[batch, " : "[") +
                  std::to_string(directions) +
                  (batchFirst ? ", " : ", batch, ") + std::to_string(hidden) +
                  "]");
    if (!mergeSize(batch, type.getDimSize(stateBatchDim)))
      return fail("the initial states' batch size differs from X's");
  }
  if (in.lens) {
    auto type = dyn_cast<RankedTensorType>(in.lens.getType());
    if (!type || type.getRank() != 1)
      return fail("sequence_lens must be a ranked tensor of rank 1");
    if (!mergeSize(batch, type.getDimSize(0)))
      return fail("sequence_lens' length differs from X's batch size");
  }
  if (seq == 0 || batch == 0)
    return fail("empty sequences or batches are not supported");
  auto expectedShape = [&](unsigned index) -> SmallVector<int64_t> {
    if (index == 0)
      return batchFirst ? SmallVector<int64_t>{batch, seq, directions, hidden}
                        : SmallVector<int64_t>{seq, directions, batch, hidden};
    return stateShape(batch);
  };
  for (auto [index, result] : llvm::enumerate(op->getResults())) {
    if (isNoneValue(result))
      continue;
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (!type || type.getElementType() != elementType ||
        failed(verifyCompatibleShape(type.getShape(), expectedShape(index))))
      return op.emitError()
             << "cannot lower " << op->getName() << ": result " << index
             << " has type " << result.getType() << ", expected "
             << RankedTensorType::get(expectedShape(index), elementType);
  }

  // The sizes known only at run time are X's; the other operands are
  // checked to agree.
  std::string prefix = getNodePrefix(op);
  OpFoldResult seqSize = tensor::getMixedSize(rewriter, loc, in.x, seqDim);
  OpFoldResult batchSize =
      ShapedType::isDynamic(batch)
          ? tensor::getMixedSize(rewriter, loc, in.x, batchDim)
          : OpFoldResult(rewriter.getIndexAttr(batch));
  SmallVector<OpFoldResult> xSizes(3);
  xSizes[seqDim] = seqSize;
  xSizes[batchDim] = batchSize;
  xSizes[2] = rewriter.getIndexAttr(inputSize);
  in.x = castWithSizeChecks(rewriter, loc, in.x, xSizes,
                            prefix +
                                "X's last dimension must be W's, and its batch "
                                "that of the initial states and sequence_lens");
  auto stateSizes = [&](OpFoldResult batchValue) {
    SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(directions),
                                       batchValue,
                                       rewriter.getIndexAttr(hidden)};
    if (batchFirst)
      std::swap(sizes[0], sizes[1]);
    return sizes;
  };
  for (Value *state : {&in.initialH, &in.initialC})
    if (*state)
      *state = castWithSizeChecks(
          rewriter, loc, *state, stateSizes(batchSize),
          prefix + "the initial states must have X's batch size");
  if (in.lens)
    in.lens =
        castWithSizeChecks(rewriter, loc, in.lens, {batchSize},
                           prefix + "sequence_lens must have X's batch size");
  Value seqValue = getValueOrCreateConstantIndexOp(rewriter, loc, seqSize);

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
                                    seqValue));
        },
        prefix + "sequence_lens outside [0, " +
            (ShapedType::isDynamic(seq) ? std::string("the sequence length")
                                        : std::to_string(seq)) +
            "]");

  if (batchFirst) {
    in.x = createTransposed(rewriter, loc, in.x, {1, 0, 2});
    for (Value *state : {&in.initialH, &in.initialC})
      if (*state)
        *state = createTransposed(rewriter, loc, *state, {1, 0, 2});
  }

  Value y = op.getY();
  bool needY = !isNoneValue(y) && !y.use_empty();
  OpFoldResult directionCount = rewriter.getIndexAttr(directions);
  OpFoldResult hiddenSize = rewriter.getIndexAttr(hidden);
  Value allY = tensor::EmptyOp::create(
      rewriter, loc,
      ArrayRef<OpFoldResult>{seqSize, directionCount, batchSize, hiddenSize},
      elementType);
  SmallVector<Value> finalStates;
  for (int64_t s = 0; s < form.numStates; ++s)
    finalStates.push_back(tensor::EmptyOp::create(
        rewriter, loc,
        ArrayRef<OpFoldResult>{directionCount, batchSize, hiddenSize},
        elementType));

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
                              : createZeroTensor(rewriter, loc,
                                                 {batchSize, hiddenSize},
                                                 elementType));
    }
    if (needY)
      inits.push_back(tensor::EmptyOp::create(
          rewriter, loc, ArrayRef<OpFoldResult>{seqSize, batchSize, hiddenSize},
          elementType));

    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0), seqValue,
        indexConstant(rewriter, loc, 1), inits,
        [&](OpBuilder &b, Location l, Value step, ValueRange carried) {
          // Without lengths, all rows read (and store Y at) the same time.
          Value time = step;
          auto lastTime = [&]() -> Value {
            if (!ShapedType::isDynamic(seq))
              return indexConstant(b, l, seq - 1);
            return arith::SubIOp::create(b, l, seqValue,
                                         indexConstant(b, l, 1));
          };
          if (reverse && !in.lens)
            time = arith::SubIOp::create(b, l, lastTime(), step);
          Value stepInput;
          if (reverse && in.lens) {
            stepInput =
                gatherReverseStep(b, l, projected, in.lens, step, lastTime());
          } else {
            auto rowsType = RankedTensorType::get({batch, form.gates * hidden},
                                                  elementType);
            SmallVector<OpFoldResult> offsets = {time, b.getIndexAttr(0),
                                                 b.getIndexAttr(0)};
            SmallVector<OpFoldResult> sizes = {
                b.getIndexAttr(1), batchSize,
                b.getIndexAttr(form.gates * hidden)};
            stepInput = tensor::ExtractSliceOp::create(
                b, l, rowsType, projected, offsets, sizes,
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
      allY = createTransposed(rewriter, loc, allY, {2, 0, 1, 3});
    for (Value &state : finalStates)
      state = createTransposed(rewriter, loc, state, {1, 0, 2});
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
    // A declared size that the computation leaves to run time (a type
    // the model states) is checked; the declared type is kept.
    replacements.push_back(castToDeclaredType(
        rewriter, loc, value, cast<RankedTensorType>(result.getType()),
        prefix + "the result's declared shape differs from the computed one"));
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
