//===- RecurrentCells.cpp - One time step of LSTM, GRU and RNN ------------===//
//
// A cell is the recurrent product H_{t-1} R^T, a linalg.matmul accumulating
// into the step's input projection (already holding X_t W^T and the
// biases), followed by one linalg.generic over (batch, hidden) that applies
// the gates' activations and computes the new states. Rows whose sequence
// length is reached keep their previous states. GRU without
// linear_before_reset needs the reset gate before its candidate's product:
// two products and two generics.
//
//===----------------------------------------------------------------------===//

#include "RecurrentLowering.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace lowrank;
using namespace lowrank::recurrent;
using onnx::RecurrentActivation;
using onnx::RecurrentActivationKind;

Value lowrank::recurrent::buildProductWithTranspose(OpBuilder &b, Location loc,
                                                    Value lhs, Value rhs,
                                                    Value acc) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  auto resultType = RankedTensorType::get(
      {lhsType.getDimSize(0), rhsType.getDimSize(0)}, lhsType.getElementType());
  if (!acc)
    acc = createZeroTensor(b, loc,
                           {tensor::getMixedSize(b, loc, lhs, 0),
                            tensor::getMixedSize(b, loc, rhs, 0)},
                           resultType.getElementType());
  MLIRContext *context = b.getContext();
  AffineExpr m, n, k;
  bindDims(context, m, n, k);
  auto map = [&](AffineExpr row, AffineExpr column) {
    return AffineMapAttr::get(AffineMap::get(3, 0, {row, column}, context));
  };
  auto matmul = linalg::MatmulOp::create(b, loc, TypeRange{resultType},
                                         ValueRange{lhs, rhs}, ValueRange{acc});
  matmul.setIndexingMapsAttr(b.getArrayAttr({map(m, k), map(n, k), map(m, n)}));
  return matmul.getResult(0);
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

static Value constant(OpBuilder &b, Location loc, Value like, double value) {
  return createScalarConstant(b, loc, like.getType(), value);
}

static Value applyActivation(OpBuilder &b, Location loc,
                             const RecurrentActivation &activation, Value x) {
  auto zero = [&]() { return constant(b, loc, x, 0); };
  auto one = [&]() { return constant(b, loc, x, 1); };
  auto alpha = [&]() { return constant(b, loc, x, activation.alpha); };
  auto beta = [&]() { return constant(b, loc, x, activation.beta); };
  auto nonNegative = [&]() {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, zero());
  };
  switch (activation.kind) {
  case RecurrentActivationKind::Relu:
    return arith::MaximumFOp::create(b, loc, x, zero());
  case RecurrentActivationKind::Tanh:
    return math::TanhOp::create(b, loc, x);
  case RecurrentActivationKind::Sigmoid: {
    Value expNeg =
        math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, one(),
                                 arith::AddFOp::create(b, loc, one(), expNeg));
  }
  case RecurrentActivationKind::Affine:
    return arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, alpha(), x), beta());
  case RecurrentActivationKind::LeakyRelu:
    return arith::SelectOp::create(b, loc, nonNegative(), x,
                                   arith::MulFOp::create(b, loc, alpha(), x));
  case RecurrentActivationKind::ThresholdedRelu: {
    Value above =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, alpha());
    return arith::SelectOp::create(b, loc, above, x, zero());
  }
  case RecurrentActivationKind::ScaledTanh:
    return arith::MulFOp::create(
        b, loc, alpha(),
        math::TanhOp::create(b, loc, arith::MulFOp::create(b, loc, beta(), x)));
  case RecurrentActivationKind::HardSigmoid: {
    Value linear = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, alpha(), x), beta());
    return arith::MinimumFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, linear, zero()), one());
  }
  case RecurrentActivationKind::Elu:
    return arith::SelectOp::create(
        b, loc, nonNegative(), x,
        arith::MulFOp::create(b, loc, alpha(),
                              math::ExpM1Op::create(b, loc, x)));
  case RecurrentActivationKind::Softsign:
    return arith::DivFOp::create(
        b, loc, x,
        arith::AddFOp::create(b, loc, one(), math::AbsFOp::create(b, loc, x)));
  case RecurrentActivationKind::Softplus: {
    // max(x, 0) + log1p(exp(-|x|)) does not overflow.
    Value negAbs =
        arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
    return arith::AddFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, x, zero()),
        math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, negAbs)));
  }
  }
  llvm_unreachable("unknown recurrent activation");
}

/// Activation `index` of the direction applied to a gate's input, which
/// `clip` bounds first.
static Value activateGate(OpBuilder &b, Location loc, const CellContext &cell,
                          unsigned index, Value x) {
  if (cell.clip) {
    x = arith::MaximumFOp::create(b, loc, x, constant(b, loc, x, -*cell.clip));
    x = arith::MinimumFOp::create(b, loc, x, constant(b, loc, x, *cell.clip));
  }
  return applyActivation(b, loc, cell.activations[index], x);
}

//===----------------------------------------------------------------------===//
// The cell's elementwise generic
//===----------------------------------------------------------------------===//

namespace {
/// How the cell's linalg.generic over (batch, hidden) reads an operand: a
/// [batch, hidden] tensor, a [hidden] vector, or the [batch] sequence
/// lengths. (Gates are sliced out of their stacked tensors before, so that
/// every operand spans the loop's full extent.)
struct CellOperand {
  enum Kind { Rows, Vector, Lengths };
  Value value;
  Kind kind = Rows;
};
} // namespace

using CellBodyBuilder =
    function_ref<SmallVector<Value>(OpBuilder &, Location, ArrayRef<Value>)>;

/// The [batch, hidden] results of `body` applied to the elements of
/// `operands`. Result i with `keep[i]` >= 0 is computed in place of operand
/// keep[i], a previous state: the generic writes it as its init (so that
/// the loop's states bufferize in place), and with sequence lengths, rows
/// whose length the step has reached keep its value.
static SmallVector<Value> buildCellGeneric(OpBuilder &b, Location loc,
                                           const CellContext &cell,
                                           SmallVector<CellOperand> operands,
                                           ArrayRef<int> keep,
                                           CellBodyBuilder body) {
  MLIRContext *context = b.getContext();
  size_t numOperands = operands.size();
  bool masked = cell.lens && llvm::any_of(keep, [](int k) { return k >= 0; });
  if (masked)
    operands.push_back({cell.lens, CellOperand::Lengths});

  AffineExpr row = getAffineDimExpr(0, context);
  AffineExpr column = getAffineDimExpr(1, context);
  auto getMap = [&](CellOperand::Kind kind) {
    switch (kind) {
    case CellOperand::Rows:
      return AffineMap::get(2, 0, {row, column}, context);
    case CellOperand::Vector:
      return AffineMap::get(2, 0, {column}, context);
    case CellOperand::Lengths:
      return AffineMap::get(2, 0, {row}, context);
    }
    llvm_unreachable("unknown cell operand kind");
  };
  // Where the body finds each operand: an input, or the init it updates.
  SmallVector<int> resultOf(operands.size(), -1);
  for (auto [result, index] : llvm::enumerate(keep))
    if (index >= 0)
      resultOf[index] = result;
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  SmallVector<int> inputPosition(operands.size(), -1);
  for (auto [index, operand] : llvm::enumerate(operands)) {
    if (resultOf[index] >= 0)
      continue;
    inputPosition[index] = inputs.size();
    inputs.push_back(operand.value);
    maps.push_back(getMap(operand.kind));
  }
  auto resultType =
      RankedTensorType::get({cell.batch, cell.hidden}, cell.elementType);
  // Every cell's first operand spans the generic's [batch, hidden] extent.
  assert(operands.front().kind == CellOperand::Rows && "first operand spans");
  SmallVector<Value> inits;
  for (int index : keep) {
    inits.push_back(index >= 0 ? operands[index].value
                               : createEmptyTensor(b, loc, resultType,
                                                   operands.front().value));
    maps.push_back(AffineMap::getMultiDimIdentityMap(2, context));
  }
  SmallVector<Type> resultTypes(keep.size(), resultType);
  auto generic = linalg::GenericOp::create(
      b, loc, resultTypes, inputs, inits, maps, getParallelIterators(2),
      [&](OpBuilder &nb, Location nestedLoc, ValueRange args) {
        auto element = [&](size_t index) -> Value {
          if (resultOf[index] >= 0)
            return args[inputs.size() + resultOf[index]];
          return args[inputPosition[index]];
        };
        SmallVector<Value> elements;
        for (size_t index = 0; index < numOperands; ++index)
          elements.push_back(element(index));
        SmallVector<Value> results = body(nb, nestedLoc, elements);
        if (masked) {
          Value length = arith::IndexCastOp::create(
              nb, nestedLoc, nb.getIndexType(), element(numOperands));
          Value active = arith::CmpIOp::create(
              nb, nestedLoc, arith::CmpIPredicate::slt, cell.step, length);
          for (auto [result, index] : llvm::zip(results, keep))
            if (index >= 0)
              result = arith::SelectOp::create(nb, nestedLoc, active, result,
                                               elements[index]);
        }
        linalg::YieldOp::create(nb, nestedLoc, results);
      });
  return SmallVector<Value>(generic.getResults());
}

static Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
static Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
static Value sub(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}

/// (1 - z) * candidate + z * previous.
static Value interpolate(OpBuilder &b, Location loc, Value z, Value candidate,
                         Value previous) {
  Value keepCandidate = sub(b, loc, constant(b, loc, z, 1), z);
  return add(b, loc, mul(b, loc, keepCandidate, candidate),
             mul(b, loc, z, previous));
}

/// Rows [offset, offset + size) of the 2-D `value`.
static Value sliceRows(OpBuilder &b, Location loc, Value value, int64_t offset,
                       int64_t size) {
  return tensor::ExtractSliceOp::create(
      b, loc, value, {b.getIndexAttr(offset), b.getIndexAttr(0)},
      {b.getIndexAttr(size), tensor::getMixedSize(b, loc, value, 1)},
      {b.getIndexAttr(1), b.getIndexAttr(1)});
}

/// Columns [offset, offset + size) of the 2-D `value`.
static Value sliceColumns(OpBuilder &b, Location loc, Value value,
                          int64_t offset, int64_t size) {
  return tensor::ExtractSliceOp::create(
      b, loc, value, {b.getIndexAttr(0), b.getIndexAttr(offset)},
      {tensor::getMixedSize(b, loc, value, 0), b.getIndexAttr(size)},
      {b.getIndexAttr(1), b.getIndexAttr(1)});
}

/// Gate `k` of stacked [batch, gates * hidden] rows, as an operand.
static CellOperand gateRows(OpBuilder &b, Location loc, const CellContext &cell,
                            Value stacked, int64_t k) {
  return {sliceColumns(b, loc, stacked, k * cell.hidden, cell.hidden),
          CellOperand::Rows};
}

/// Part `k` of a stacked [n * hidden] vector, as an operand.
static CellOperand vectorPart(OpBuilder &b, Location loc,
                              const CellContext &cell, Value stacked,
                              int64_t k) {
  return {tensor::ExtractSliceOp::create(
              b, loc, stacked, {b.getIndexAttr(k * cell.hidden)},
              {b.getIndexAttr(cell.hidden)}, {b.getIndexAttr(1)}),
          CellOperand::Vector};
}

//===----------------------------------------------------------------------===//
// Cells
//===----------------------------------------------------------------------===//

SmallVector<Value> lowrank::recurrent::buildLSTMCell(OpBuilder &b, Location loc,
                                                     const CellContext &cell,
                                                     Value projected, Value r,
                                                     ValueRange states) {
  // Gates i, o, f, c; peepholes i, o, f.
  Value hPrev = states[0], cPrev = states[1];
  Value gates = buildProductWithTranspose(b, loc, hPrev, r, projected);
  SmallVector<CellOperand> operands;
  for (int64_t k = 0; k < 4; ++k)
    operands.push_back(gateRows(b, loc, cell, gates, k));
  operands.append({{cPrev}, {hPrev}});
  if (cell.peepholes)
    for (int64_t k = 0; k < 3; ++k)
      operands.push_back(vectorPart(b, loc, cell, cell.peepholes, k));
  return buildCellGeneric(
      b, loc, cell, operands, /*keep=*/{5, 4},
      [&](OpBuilder &nb, Location l, ArrayRef<Value> x) -> SmallVector<Value> {
        auto peephole = [&](Value gate, int64_t k, Value state) {
          return cell.peepholes ? add(nb, l, gate, mul(nb, l, x[6 + k], state))
                                : gate;
        };
        Value c = x[4];
        Value input = activateGate(nb, l, cell, 0, peephole(x[0], 0, c));
        Value forget = cell.inputForget
                           ? sub(nb, l, constant(nb, l, input, 1), input)
                           : activateGate(nb, l, cell, 0, peephole(x[2], 2, c));
        Value candidate = activateGate(nb, l, cell, 1, x[3]);
        Value cNew =
            add(nb, l, mul(nb, l, forget, c), mul(nb, l, input, candidate));
        Value output = activateGate(nb, l, cell, 0, peephole(x[1], 1, cNew));
        // The cell state is not clipped before h.
        Value hNew = mul(nb, l, output,
                         applyActivation(nb, l, cell.activations[2], cNew));
        return {hNew, cNew};
      });
}

SmallVector<Value> lowrank::recurrent::buildGRUCell(OpBuilder &b, Location loc,
                                                    const CellContext &cell,
                                                    Value projected, Value r,
                                                    ValueRange states) {
  // Gates z, r, h. The projection holds every bias but Rbh when the reset
  // gate applies after the recurrent product.
  int64_t h = cell.hidden;
  Value hPrev = states[0];
  if (cell.linearBeforeReset) {
    Value recurrent = buildProductWithTranspose(b, loc, hPrev, r);
    SmallVector<CellOperand> operands;
    for (Value stacked : {projected, recurrent})
      for (int64_t k = 0; k < 3; ++k)
        operands.push_back(gateRows(b, loc, cell, stacked, k));
    operands.push_back({hPrev});
    // Rbh: the recurrent biases follow the three input biases.
    if (cell.bias)
      operands.push_back(vectorPart(b, loc, cell, cell.bias, 5));
    return buildCellGeneric(
        b, loc, cell, operands, /*keep=*/{6},
        [&](OpBuilder &nb, Location l,
            ArrayRef<Value> x) -> SmallVector<Value> {
          Value z = activateGate(nb, l, cell, 0, add(nb, l, x[0], x[3]));
          Value reset = activateGate(nb, l, cell, 0, add(nb, l, x[1], x[4]));
          Value linear = cell.bias ? add(nb, l, x[5], x[7]) : x[5];
          Value candidate = activateGate(
              nb, l, cell, 1, add(nb, l, x[2], mul(nb, l, reset, linear)));
          return {interpolate(nb, l, z, candidate, x[6])};
        });
  }

  Value zr =
      buildProductWithTranspose(b, loc, hPrev, sliceRows(b, loc, r, 0, 2 * h),
                                sliceColumns(b, loc, projected, 0, 2 * h));
  SmallVector<Value> gates = buildCellGeneric(
      b, loc, cell,
      {gateRows(b, loc, cell, zr, 0), gateRows(b, loc, cell, zr, 1), {hPrev}},
      /*keep=*/{-1, -1},
      [&](OpBuilder &nb, Location l, ArrayRef<Value> x) -> SmallVector<Value> {
        Value z = activateGate(nb, l, cell, 0, x[0]);
        Value reset = activateGate(nb, l, cell, 0, x[1]);
        return {z, mul(nb, l, reset, x[2])};
      });
  Value candidateInput = buildProductWithTranspose(
      b, loc, gates[1], sliceRows(b, loc, r, 2 * h, h),
      sliceColumns(b, loc, projected, 2 * h, h));
  return buildCellGeneric(
      b, loc, cell, {{candidateInput}, {gates[0]}, {hPrev}}, /*keep=*/{2},
      [&](OpBuilder &nb, Location l, ArrayRef<Value> x) -> SmallVector<Value> {
        Value candidate = activateGate(nb, l, cell, 1, x[0]);
        return {interpolate(nb, l, x[1], candidate, x[2])};
      });
}

SmallVector<Value> lowrank::recurrent::buildRNNCell(OpBuilder &b, Location loc,
                                                    const CellContext &cell,
                                                    Value projected, Value r,
                                                    ValueRange states) {
  Value hPrev = states[0];
  Value input = buildProductWithTranspose(b, loc, hPrev, r, projected);
  return buildCellGeneric(
      b, loc, cell, {{input}, {hPrev}}, /*keep=*/{1},
      [&](OpBuilder &nb, Location l, ArrayRef<Value> x) -> SmallVector<Value> {
        return {activateGate(nb, l, cell, 0, x[0])};
      });
}
