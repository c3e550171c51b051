//===- LoweringUtils.h - Helpers shared by the onnx-to-linalg families ---===//
//
// Small building blocks every op family needs: constant operand values,
// ONNX axis normalization, empty and filled result tensors, and the indexing
// maps of multidirectional (numpy) broadcasting.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_CONVERSION_ONNXTOLINALG_LOWERINGUTILS_H
#define LOWRANK_CONVERSION_ONNXTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace lowrank {

/// Whether `value` is an omitted optional input (of type `none`).
bool isNoneValue(mlir::Value value);

/// The integer elements of `value` when it is produced by a constant
/// (onnx.Constant or arith.constant, dense or dense_resource).
std::optional<llvm::SmallVector<int64_t>> getConstantIntValues(mlir::Value value);

/// The floating-point elements of a constant `value`, as doubles.
std::optional<llvm::SmallVector<double>> getConstantFloatValues(mlir::Value value);

/// Maps an ONNX axis in [-rank, rank) to [0, rank).
int64_t normalizeAxis(int64_t axis, int64_t rank);

/// A `tensor.empty` of the static type `type`, or with the dynamic sizes
/// taken from `dynamicSizesSource` of the same rank.
mlir::Value createEmptyTensor(mlir::OpBuilder &builder, mlir::Location loc,
                              mlir::RankedTensorType type,
                              mlir::Value dynamicSizesSource = {});

/// A tensor of `type` filled with `value` (linalg.fill of tensor.empty).
mlir::Value createFilledTensor(mlir::OpBuilder &builder, mlir::Location loc,
                               mlir::RankedTensorType type,
                               mlir::TypedAttr value);

/// The indexing map reading an operand of type `operandType` inside a
/// parallel loop nest of `resultRank` dimensions under ONNX broadcasting:
/// leading dimensions are dropped, size-1 dimensions read index 0.
mlir::AffineMap getBroadcastIndexingMap(mlir::RankedTensorType operandType,
                                        int64_t resultRank,
                                        mlir::MLIRContext *context);

/// `n` parallel iterator types.
llvm::SmallVector<mlir::utils::IteratorType>
getParallelIterators(int64_t n);

/// A scalar constant of `type` (float or integer) holding `value`.
mlir::Value createScalarConstant(mlir::OpBuilder &builder, mlir::Location loc,
                                 mlir::Type type, double value);

} // namespace lowrank

#endif // LOWRANK_CONVERSION_ONNXTOLINALG_LOWERINGUTILS_H
