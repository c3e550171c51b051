//===- RecurrentActivation.h - Activations of LSTM, GRU and RNN -*- C++ -*-===//
//
// The recurrent operators name their activation functions in a string list
// and give their parameters in two float lists consumed in order. The
// verifier and the lowering read them the same way, as ONNX Runtime does:
// names case-insensitively, alpha and beta taken only by the functions that
// have them, with the function's default when the list runs out.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_RECURRENTACTIVATION_H
#define LOWRANK_DIALECT_ONNX_IR_RECURRENTACTIVATION_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace lowrank::onnx {

enum class RecurrentActivationKind {
  Relu,
  Tanh,
  Sigmoid,
  Affine,
  LeakyRelu,
  ThresholdedRelu,
  ScaledTanh,
  HardSigmoid,
  Elu,
  Softsign,
  Softplus,
};

struct RecurrentActivation {
  RecurrentActivationKind kind;
  float alpha = 0.0f;
  float beta = 0.0f;
};

/// The activation an ONNX activation name (any case) stands for.
std::optional<RecurrentActivationKind>
parseRecurrentActivation(llvm::StringRef name);

/// The activations of an onnx.LSTM, onnx.GRU or onnx.RNN for all its
/// directions (forward first): its `activations` with their parameters, or
/// the operator's defaults. Fails, naming the problem in `reason`, on an
/// unknown name or a list of the wrong length.
mlir::FailureOr<llvm::SmallVector<RecurrentActivation>>
getRecurrentActivations(mlir::Operation *op, std::string &reason);

} // namespace lowrank::onnx

#endif // LOWRANK_DIALECT_ONNX_IR_RECURRENTACTIVATION_H
