//===- ReductionBuilders.h - Reductions for onnx lowering ------*- C++ -*-===//
//
// Building blocks shared by the reduction, softmax and normalization
// lowerings: a reduction as a linalg.generic over a set of reduced input
// dimensions whose result has either the kept-dimensions layout (reduced
// dimensions of size 1) or the dropped-dimensions layout, and elementwise
// maps over such results (buildElementwise and buildParallelGeneric in
// LoweringUtils.h).
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_ONNXTOLINALG_REDUCTIONBUILDERS_H
#define LOWRANK_LIB_CONVERSION_ONNXTOLINALG_REDUCTIONBUILDERS_H

#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace lowrank {

/// The shape of a reduction whose reduced dimensions are known at run time
/// only: the reduction accumulates every input element into the flattened
/// result at an offset computed with run-time strides.
struct RuntimeReductionShape {
  /// Per input dimension, the stride of its index in the flattened result
  /// (0 for a reduced dimension).
  llvm::SmallVector<mlir::Value> strides;
  /// The result's sizes, static where its type says so.
  llvm::SmallVector<mlir::OpFoldResult> resultSizes;
  /// Elements of the result, and elements each of them accumulates.
  mlir::Value resultCount;
  mlir::Value reducedCount;
};

/// Computes the run-time shape of a reduction of `input` over the input
/// dimensions flagged by the i1 values `reduced`, and asserts that it gives
/// a result of `resultType`'s rank and static sizes (`prefix` starts the
/// messages).
RuntimeReductionShape buildRuntimeReductionShape(
    mlir::OpBuilder &builder, mlir::Location loc, mlir::Value input,
    llvm::ArrayRef<mlir::Value> reduced, bool keepDims,
    mlir::RankedTensorType resultType, llvm::StringRef prefix);

/// Which input dimensions a reduction folds and how its result is laid out.
struct ReductionShape {
  /// One flag per input dimension.
  llvm::SmallVector<bool> reducedDims;
  /// Reduced dimensions stay as size-1 dimensions of the result.
  bool keepDims = true;
  /// When set, the reduced dimensions are chosen at run time and
  /// `reducedDims` is unused.
  const RuntimeReductionShape *runtime = nullptr;

  /// Dimensions reduced: `axes` (normalized and unique), or all of them.
  static ReductionShape fromAxes(llvm::ArrayRef<int64_t> axes, int64_t rank,
                                 bool keepDims);
  /// Reduces the dimensions from `firstAxis` to the last one, keeping them.
  static ReductionShape trailing(int64_t firstAxis, int64_t rank);

  int64_t getInputRank() const { return reducedDims.size(); }
  /// The result shape for an input of shape `inputShape`.
  llvm::SmallVector<int64_t>
  getResultShape(llvm::ArrayRef<int64_t> inputShape) const;
  /// The map from the input's loop nest to the result's elements.
  mlir::AffineMap getResultMap(mlir::MLIRContext *context) const;
};

/// Combines one step of a reduction: the loop's input elements (the reduced
/// tensor's element, then one per operand of `resultLayoutInputs`) and the
/// accumulator, into the new accumulator.
using ReductionCombiner = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange elements,
    mlir::Value accumulator)>;

/// Reduces `input` into a tensor of `resultType` initialized to `identity`.
/// `resultLayoutInputs` are tensors of the result's layout read alongside
/// (the maximum subtracted by a log-sum-exp, the mean of a variance).
mlir::Value buildReduction(mlir::OpBuilder &builder, mlir::Location loc,
                           mlir::Value input, mlir::RankedTensorType resultType,
                           const ReductionShape &shape,
                           mlir::TypedAttr identity,
                           mlir::ValueRange resultLayoutInputs,
                           ReductionCombiner combine);

/// The number of elements each result element of a reduction of `input`
/// accumulates, as a scalar of `type` (float or integer).
mlir::Value buildReducedElementCount(mlir::OpBuilder &builder,
                                     mlir::Location loc, mlir::Value input,
                                     const ReductionShape &shape,
                                     mlir::Type type);

/// Extends or truncates a float scalar to `type`.
mlir::Value convertFloat(mlir::OpBuilder &builder, mlir::Location loc,
                         mlir::Value value, mlir::Type type);

/// The larger (`isMax`) or smaller of two scalars; NaN propagates.
mlir::Value buildMaxMin(mlir::OpBuilder &builder, mlir::Location loc,
                        mlir::Value lhs, mlir::Value rhs, bool isMax);

/// Whether the arith dialect can compute on `type`: floats and signless
/// integers (unsigned tensor elements would need casts first).
bool isArithElementType(mlir::Type type);

/// ArgMax and ArgMin.
void populateONNXArgReduceToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Softmax and LogSoftmax.
void populateONNXSoftmaxToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace lowrank

#endif // LOWRANK_LIB_CONVERSION_ONNXTOLINALG_REDUCTIONBUILDERS_H
