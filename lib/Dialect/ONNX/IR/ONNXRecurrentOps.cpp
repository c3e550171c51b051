//===- ONNXRecurrentOps.cpp - Verifiers of LSTM, GRU and RNN --------------===//
//
// The operand shapes are checked where they are known: W is
// [num_directions, gates * hidden, input], R [num_directions, gates *
// hidden, hidden], B twice W's rows, the states [num_directions, batch,
// hidden] (batch first with layout = 1), P three peepholes per direction.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Dialect/ONNX/IR/RecurrentActivation.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace lowrank::onnx;

std::optional<RecurrentActivationKind>
lowrank::onnx::parseRecurrentActivation(StringRef name) {
  using Kind = RecurrentActivationKind;
  return llvm::StringSwitch<std::optional<Kind>>(name.lower())
      .Case("relu", Kind::Relu)
      .Case("tanh", Kind::Tanh)
      .Case("sigmoid", Kind::Sigmoid)
      .Case("affine", Kind::Affine)
      .Case("leakyrelu", Kind::LeakyRelu)
      .Case("thresholdedrelu", Kind::ThresholdedRelu)
      .Case("scaledtanh", Kind::ScaledTanh)
      .Case("hardsigmoid", Kind::HardSigmoid)
      .Case("elu", Kind::Elu)
      .Case("softsign", Kind::Softsign)
      .Case("softplus", Kind::Softplus)
      .Default(std::nullopt);
}

namespace {
/// Which of alpha and beta an activation takes, and their defaults when the
/// parameter lists run out (0 where ONNX Runtime has none).
struct ActivationParameters {
  bool takesAlpha = false, takesBeta = false;
  float alpha = 0.0f, beta = 0.0f;
};
} // namespace

static ActivationParameters getParameters(RecurrentActivationKind kind) {
  using Kind = RecurrentActivationKind;
  switch (kind) {
  case Kind::Affine:
  case Kind::ScaledTanh:
    return {true, true, 0.0f, 0.0f};
  case Kind::HardSigmoid:
    return {true, true, 0.2f, 0.5f};
  case Kind::LeakyRelu:
    return {true, false, 0.01f, 0.0f};
  case Kind::Elu:
    return {true, false, 1.0f, 0.0f};
  case Kind::ThresholdedRelu:
    return {true, false, 0.0f, 0.0f};
  default:
    return {};
  }
}

FailureOr<SmallVector<RecurrentActivation>>
lowrank::onnx::getRecurrentActivations(Operation *op, std::string &reason) {
  using Kind = RecurrentActivationKind;
  int64_t perDirection, directions;
  SmallVector<Kind> defaults;
  ArrayAttr names;
  std::optional<ArrayRef<float>> alphas, betas;
  auto read = [&](auto recurrent) {
    perDirection = recurrent.kNumActivations;
    directions = recurrent.getNumDirections();
    names = recurrent.getActivationsAttr();
    alphas = recurrent.getActivationAlpha();
    betas = recurrent.getActivationBeta();
  };
  if (auto lstm = dyn_cast<LSTMOp>(op)) {
    read(lstm);
    defaults = {Kind::Sigmoid, Kind::Tanh, Kind::Tanh};
  } else if (auto gru = dyn_cast<GRUOp>(op)) {
    read(gru);
    defaults = {Kind::Sigmoid, Kind::Tanh};
  } else {
    read(cast<RNNOp>(op));
    defaults = {Kind::Tanh};
  }

  SmallVector<RecurrentActivation> result;
  if (!names) {
    for (int64_t d = 0; d < directions; ++d)
      for (Kind kind : defaults)
        result.push_back(
            {kind, getParameters(kind).alpha, getParameters(kind).beta});
    return result;
  }
  if (static_cast<int64_t>(names.size()) != perDirection * directions) {
    reason = "expects " + std::to_string(perDirection * directions) +
             " activations, got " + std::to_string(names.size());
    return failure();
  }
  ArrayRef<float> alphaList = alphas.value_or(ArrayRef<float>());
  ArrayRef<float> betaList = betas.value_or(ArrayRef<float>());
  for (Attribute name : names) {
    StringRef text = cast<StringAttr>(name).getValue();
    std::optional<Kind> kind = parseRecurrentActivation(text);
    if (!kind) {
      reason = "unknown activation '" + text.str() + "'";
      return failure();
    }
    ActivationParameters params = getParameters(*kind);
    RecurrentActivation activation{*kind, params.alpha, params.beta};
    if (params.takesAlpha && !alphaList.empty()) {
      activation.alpha = alphaList.front();
      alphaList = alphaList.drop_front();
    }
    if (params.takesBeta && !betaList.empty()) {
      activation.beta = betaList.front();
      betaList = betaList.drop_front();
    }
    result.push_back(activation);
  }
  return result;
}

/// Checks `value`'s static dimensions against `expected` (kDynamic: any).
static LogicalResult checkShape(Operation *op, Value value, StringRef name,
                                ArrayRef<int64_t> expected) {
  if (isa<NoneType>(value.getType()))
    return success();
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return success();
  if (type.getRank() != static_cast<int64_t>(expected.size()))
    return op->emitOpError() << name << " must have rank " << expected.size()
                             << ", got " << type.getRank();
  for (auto [index, size, want] : llvm::enumerate(type.getShape(), expected))
    if (!ShapedType::isDynamic(size) && !ShapedType::isDynamic(want) &&
        size != want)
      return op->emitOpError() << name << " dimension " << index << " is "
                               << size << ", expected " << want;
  return success();
}

static int64_t staticDim(Value value, int64_t dim) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() <= dim)
    return ShapedType::kDynamic;
  return type.getDimSize(dim);
}

/// The checks the three operators share; `cellInput` and `peepholes` are
/// LSTM's initial_c and P (null for the others).
template <typename OpTy>
static LogicalResult verifyRecurrentOp(OpTy op, Value cellInput = {},
                                       Value peepholes = {}) {
  StringRef direction = op.getDirection();
  if (direction != "forward" && direction != "reverse" &&
      direction != "bidirectional")
    return op.emitOpError("direction must be forward, reverse or "
                          "bidirectional, got '")
           << direction << "'";
  if (op.getLayout() != 0 && op.getLayout() != 1)
    return op.emitOpError("layout must be 0 or 1, got ") << op.getLayout();
  std::string reason;
  if (failed(getRecurrentActivations(op, reason)))
    return op.emitOpError() << reason;

  int64_t gates = OpTy::kNumGates;
  int64_t directions = op.getNumDirections();
  constexpr int64_t kDyn = ShapedType::kDynamic;
  int64_t hidden = kDyn;
  if (IntegerAttr size = op.getHiddenSizeAttr()) {
    if (size.getInt() <= 0)
      return op.emitOpError("hidden_size must be positive");
    hidden = size.getInt();
  } else if (int64_t rows = staticDim(op.getR(), 2); rows != kDyn) {
    hidden = rows;
  }
  int64_t rows = hidden == kDyn ? kDyn : gates * hidden;
  bool batchFirst = op.getLayout() == 1;
  int64_t batch = staticDim(op.getX(), batchFirst ? 0 : 1);
  auto stateShape = [&]() -> SmallVector<int64_t> {
    if (batchFirst)
      return {batch, directions, hidden};
    return {directions, batch, hidden};
  };
  if (failed(checkShape(op, op.getX(), "X", {kDyn, kDyn, kDyn})) ||
      failed(checkShape(op, op.getW(), "W",
                        {directions, rows, staticDim(op.getX(), 2)})) ||
      failed(checkShape(op, op.getR(), "R", {directions, rows, hidden})) ||
      failed(checkShape(op, op.getB(), "B",
                        {directions, rows == kDyn ? kDyn : 2 * rows})) ||
      failed(checkShape(op, op.getSequenceLens(), "sequence_lens", {batch})) ||
      failed(checkShape(op, op.getInitialH(), "initial_h", stateShape())))
    return failure();
  if (cellInput && failed(checkShape(op, cellInput, "initial_c", stateShape())))
    return failure();
  if (peepholes &&
      failed(checkShape(op, peepholes, "P",
                        {directions, hidden == kDyn ? kDyn : 3 * hidden})))
    return failure();
  Value lens = op.getSequenceLens();
  if (!isa<NoneType>(lens.getType()) &&
      !getElementTypeOrSelf(lens.getType()).isInteger(32))
    return op.emitOpError("sequence_lens must hold int32");
  return success();
}

LogicalResult LSTMOp::verify() {
  if (getInputForget() != 0 && getInputForget() != 1)
    return emitOpError("input_forget must be 0 or 1");
  return verifyRecurrentOp(*this, getInitialC(), getP());
}

LogicalResult GRUOp::verify() {
  if (getLinearBeforeReset() != 0 && getLinearBeforeReset() != 1)
    return emitOpError("linear_before_reset must be 0 or 1");
  return verifyRecurrentOp(*this);
}

LogicalResult RNNOp::verify() { return verifyRecurrentOp(*this); }
