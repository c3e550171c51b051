//===- ControlFlowUtils.h - Subgraph bodies inlined into scf ----*- C++ -*-===//
//
// What the lowerings of If, Loop and Scan share: reading a boolean or
// integer scalar out of a one-element tensor, passing values between types
// that differ only in static information (checked at run time where the
// target is more static), and moving a subgraph's block into an scf region.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_ONNXTOLINALG_CONTROLFLOWUTILS_H
#define LOWRANK_LIB_CONVERSION_ONNXTOLINALG_CONTROLFLOWUTILS_H

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Transforms/DialectConversion.h"

namespace lowrank {

/// The single element of a tensor with one element (any rank).
mlir::Value extractScalar(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::Value tensor);

/// Whether a value of type `from` may stand for one of type `to` (same
/// element type and rank, no conflicting static dims); an error naming `op`
/// and `what` otherwise.
mlir::LogicalResult verifyCastable(mlir::Type from, mlir::Type to,
                                   mlir::Operation *op, llvm::StringRef what);

/// `value` as a value of `type` (a tensor.cast). Dims that `type` fixes and
/// `value` leaves dynamic are checked at run time (a cf.assert naming
/// `op` and `what`); types that cannot describe the same tensor are an
/// error reported at `op`.
mlir::FailureOr<mlir::Value> castChecked(mlir::OpBuilder &builder,
                                         mlir::Location loc, mlir::Value value,
                                         mlir::Type type, mlir::Operation *op,
                                         llvm::StringRef what);

/// Moves the block of `region` (a subgraph ending in onnx.Yield) to the end
/// of `dest`, its arguments replaced by `arguments`, and returns the values
/// it yields (block arguments among them already replaced). The yield is
/// erased; the rewriter's insertion point is left at the end of `dest`.
llvm::SmallVector<mlir::Value>
inlineSubgraph(mlir::ConversionPatternRewriter &rewriter, mlir::Region &region,
               mlir::Block *dest, mlir::ValueRange arguments);

/// Scan outputs whose per-iteration sizes (or number of iterations) are
/// known only at run time are stacked into a buffer that grows: its first
/// dimension is a capacity, doubled (at least 16 and the position written,
/// at most `capacityLimit` when given) whenever an iteration finds it
/// full.

/// An empty stack of `stackType` (first dimension dynamic; every dynamic
/// size 0).
mlir::Value createEmptyStack(mlir::OpBuilder &builder, mlir::Location loc,
                             mlir::RankedTensorType stackType);

/// `stack` with `slice` written at index `position` of its first
/// dimension, grown first when full. The slice's sizes known only at run
/// time must be those of the slices before it (checked, failing with
/// `message`).
mlir::Value appendToStack(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::Value stack, mlir::Value slice,
                          mlir::Value position, mlir::Value capacityLimit,
                          llvm::StringRef message);

/// The first `count` entries of `stack`.
mlir::Value takeStacked(mlir::OpBuilder &builder, mlir::Location loc,
                        mlir::Value stack, mlir::Value count);

void populateONNXScanToSCFPatterns(mlir::RewritePatternSet &patterns);

} // namespace lowrank

#endif // LOWRANK_LIB_CONVERSION_ONNXTOLINALG_CONTROLFLOWUTILS_H
