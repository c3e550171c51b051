//===- LoweringUtils.h - Helpers shared by the onnx-to-linalg families ---===//
//
// Small building blocks every op family needs: constant operand values,
// ONNX axis normalization, empty, filled and cast result tensors, all-parallel
// linalg.generic ops, and the indexing maps of multidirectional (numpy)
// broadcasting.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_CONVERSION_ONNXTOLINALG_LOWERINGUTILS_H
#define LOWRANK_CONVERSION_ONNXTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace lowrank {

/// Whether `value` is an omitted optional input (of type `none`).
bool isNoneValue(mlir::Value value);

/// The integer elements of `value` when it is produced by a constant
/// (onnx.Constant or arith.constant, dense or dense_resource).
std::optional<llvm::SmallVector<int64_t>>
getConstantIntValues(mlir::Value value);

/// The floating-point elements of a constant `value`, as doubles.
std::optional<llvm::SmallVector<double>>
getConstantFloatValues(mlir::Value value);

/// Maps an ONNX axis in [-rank, rank) to [0, rank).
int64_t normalizeAxis(int64_t axis, int64_t rank);

/// A `tensor.empty` of the static type `type`, or with the dynamic sizes
/// taken from `dynamicSizesSource` of the same rank.
mlir::Value createEmptyTensor(mlir::OpBuilder &builder, mlir::Location loc,
                              mlir::RankedTensorType type,
                              mlir::Value dynamicSizesSource = {});

/// A tensor of `type` filled with `value` (linalg.fill of tensor.empty);
/// dynamic sizes as in createEmptyTensor.
mlir::Value createFilledTensor(mlir::OpBuilder &builder, mlir::Location loc,
                               mlir::RankedTensorType type,
                               mlir::TypedAttr value,
                               mlir::Value dynamicSizesSource = {});

/// A tensor of `type` filled with zero, the initial value of a sum.
mlir::Value createZeroTensor(mlir::OpBuilder &builder, mlir::Location loc,
                             mlir::RankedTensorType type,
                             mlir::Value dynamicSizesSource = {});

/// A zero tensor of `sizes` (static ones as attributes, the others read
/// at run time) and `elementType`.
mlir::Value createZeroTensor(mlir::OpBuilder &builder, mlir::Location loc,
                             llvm::ArrayRef<mlir::OpFoldResult> sizes,
                             mlir::Type elementType);

/// `value` with its dimensions permuted by `perm` (result dimension i is
/// `value`'s dimension perm[i]), as a linalg.transpose; sizes known only at
/// run time are read from `value`.
mlir::Value createTransposed(mlir::OpBuilder &builder, mlir::Location loc,
                             mlir::Value value, llvm::ArrayRef<int64_t> perm);

/// Whether every size of `type` is static except possibly the first (a
/// symbolic batch).
bool hasStaticShapeExceptBatch(mlir::RankedTensorType type);

/// `value` as a value of `type`, through a tensor.cast when only the static
/// information differs; `value` itself when the types are equal.
mlir::Value castToType(mlir::OpBuilder &builder, mlir::Location loc,
                       mlir::Value value, mlir::Type type);

/// The identity of a maximum (`isMax`) or minimum over `elementType`:
/// -inf/+inf for floats, the smallest/largest signed integer otherwise.
mlir::TypedAttr getMaxMinIdentity(mlir::Type elementType, bool isMax);

/// Computes one result element of an all-parallel linalg.generic from the
/// input elements. The builder is positioned inside the generic's body.
using ParallelBodyBuilder = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// An all-parallel linalg.generic producing `resultType` (identity-indexed)
/// from `inputs` read through `inputMaps`; dynamic result sizes come from
/// `sizeSource`, a tensor of the result's rank (null for a static result).
mlir::Value buildParallelGeneric(mlir::OpBuilder &builder, mlir::Location loc,
                                 mlir::RankedTensorType resultType,
                                 mlir::Value sizeSource,
                                 mlir::ValueRange inputs,
                                 llvm::ArrayRef<mlir::AffineMap> inputMaps,
                                 ParallelBodyBuilder buildBody);

/// Applies `buildBody` to the elements of `inputs`, which all have the shape
/// of `resultType` (not necessarily its element type).
mlir::Value buildElementwise(mlir::OpBuilder &builder, mlir::Location loc,
                             mlir::RankedTensorType resultType,
                             mlir::ValueRange inputs,
                             ParallelBodyBuilder buildBody);

/// `value`, a ranked tensor of floats, converted elementwise to the float
/// type `elementType` (extended or truncated).
mlir::Value convertFloatElements(mlir::OpBuilder &builder, mlir::Location loc,
                                 mlir::Value value, mlir::Type elementType);

/// The indexing map reading an operand of type `operandType` inside a
/// parallel loop nest of `resultRank` dimensions under ONNX broadcasting:
/// leading dimensions are dropped, size-1 dimensions read index 0.
mlir::AffineMap getBroadcastIndexingMap(mlir::RankedTensorType operandType,
                                        int64_t resultRank,
                                        mlir::MLIRContext *context);

/// `n` parallel iterator types.
llvm::SmallVector<mlir::utils::IteratorType> getParallelIterators(int64_t n);

/// A scalar constant of `type` (float or integer) holding `value`.
mlir::Value createScalarConstant(mlir::OpBuilder &builder, mlir::Location loc,
                                 mlir::Type type, double value);

} // namespace lowrank

#endif // LOWRANK_CONVERSION_ONNXTOLINALG_LOWERINGUTILS_H
