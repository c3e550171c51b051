//===- LinearOpInterface.h - Linear ops with a constant weight --*- C++ -*-===//

#ifndef LOWRANK_INTERFACES_LINEAROPINTERFACE_H
#define LOWRANK_INTERFACES_LINEAROPINTERFACE_H

#include "lowrank/Numerics/Matrix.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"

namespace lowrank {

/// A d_in x d_out weight read from a constant.
using WeightMatrix = numerics::MatrixF;

/// Reads the constant float weight `value` (f32, f16 or bf16; any
/// ConstantLike op: onnx.Constant or arith.constant, dense or
/// dense_resource) as a row-major f32 matrix of dim 0 x the product of the
/// other dims, transposed when `transpose` is set.
mlir::FailureOr<WeightMatrix> readConstantMatrix(mlir::Value value,
                                                 bool transpose);

/// Whether `value` is such a constant (without reading it).
bool isConstantMatrix(mlir::Value value);

/// A dense_resource attribute of `shape` holding `matrix`'s elements,
/// named after `name` (made unique by the resource manager), of element
/// type `elementType` (f32 when null; f16 and bf16 round to nearest even).
mlir::DenseResourceElementsAttr
createWeightAttr(mlir::MLIRContext *context, llvm::StringRef name,
                 llvm::ArrayRef<int64_t> shape, const WeightMatrix &matrix,
                 mlir::Type elementType = {});

/// Whether `type` is an element type weights are read and written in.
bool isWeightElementType(mlir::Type type);

} // namespace lowrank

#include "lowrank/Interfaces/LinearOpInterface.h.inc"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace lowrank {
/// Attaches the interface to linalg.matmul, linalg.batch_matmul and
/// contraction linalg.generic ops.
void registerLinalgLinearOpInterfaceModels(mlir::DialectRegistry &registry);
} // namespace lowrank

#endif // LOWRANK_INTERFACES_LINEAROPINTERFACE_H
