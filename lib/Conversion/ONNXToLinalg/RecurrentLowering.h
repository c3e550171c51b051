//===- RecurrentLowering.h - Shared parts of the LSTM/GRU/RNN lowering ----===//
//
// The recurrent operators lower to one scf.for over the time steps per
// direction (Recurrent.cpp). Each iteration reads the step's slice of the
// input projection X W^T + bias, computed for all steps before the loop,
// and hands it with the previous states to the operator's cell
// (RecurrentCells.cpp), which returns the new states.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_ONNXTOLINALG_RECURRENTLOWERING_H
#define LOWRANK_LIB_CONVERSION_ONNXTOLINALG_RECURRENTLOWERING_H

#include "lowrank/Dialect/ONNX/IR/RecurrentActivation.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace lowrank::recurrent {

/// What one iteration of a direction's loop sees besides the states.
struct CellContext {
  /// The batch size, ShapedType::kDynamic when known only at run time.
  int64_t batch;
  int64_t hidden;
  mlir::Type elementType;
  /// The iteration's index (not the time index for reverse directions).
  mlir::Value step;
  /// tensor<batch x i32> of sequence lengths, or null: rows whose length is
  /// reached keep their states.
  mlir::Value lens;
  std::optional<double> clip;
  /// This direction's activations, in the operator's order (f, g, h).
  llvm::ArrayRef<onnx::RecurrentActivation> activations;
  /// This direction's [2 * gates * hidden] biases (Wb then Rb), or null.
  mlir::Value bias;
  /// LSTM: this direction's [3 * hidden] peepholes (i, o, f), or null.
  mlir::Value peepholes;
  /// LSTM: whether the forget gate is 1 - input gate.
  bool inputForget = false;
  /// GRU: whether the reset gate applies after the recurrent product.
  bool linearBeforeReset = false;
};

/// Computes the new states (H, and C for LSTM) of one time step from
/// `projected`, the step's [batch, gates * hidden] rows of X W^T + the
/// folded biases, the direction's recurrent weight `r` [gates * hidden,
/// hidden] and the previous `states`.
using CellBuilder = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Location, const CellContext &,
    mlir::Value projected, mlir::Value r, mlir::ValueRange states)>;

llvm::SmallVector<mlir::Value>
buildLSTMCell(mlir::OpBuilder &b, mlir::Location loc, const CellContext &cell,
              mlir::Value projected, mlir::Value r, mlir::ValueRange states);
llvm::SmallVector<mlir::Value>
buildGRUCell(mlir::OpBuilder &b, mlir::Location loc, const CellContext &cell,
             mlir::Value projected, mlir::Value r, mlir::ValueRange states);
llvm::SmallVector<mlir::Value>
buildRNNCell(mlir::OpBuilder &b, mlir::Location loc, const CellContext &cell,
             mlir::Value projected, mlir::Value r, mlir::ValueRange states);

/// `lhs` [m, k] times the transpose of `rhs` [n, k] as a linalg.matmul
/// accumulating into `acc` [m, n] (a zero tensor when null).
mlir::Value buildProductWithTranspose(mlir::OpBuilder &b, mlir::Location loc,
                                      mlir::Value lhs, mlir::Value rhs,
                                      mlir::Value acc = {});

} // namespace lowrank::recurrent

#endif // LOWRANK_LIB_CONVERSION_ONNXTOLINALG_RECURRENTLOWERING_H
