//===- ReductionAxes.h - Reduction axes implied by static shapes -*- C++ -*-===//
//
// Models often give a reduction's axes as a graph input. When the input and
// result shapes are static, they leave one set of axes that matters; the
// importer and the lowering of reductions both use it.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_REDUCTIONAXES_H
#define LOWRANK_DIALECT_ONNX_IR_REDUCTIONAXES_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace lowrank::onnx {

/// The axes of a reduction from `inputType` to `resultType` when the static
/// shapes leave only one choice that matters: with keepdims, the dimensions
/// that became 1 (reducing a size-1 dimension changes nothing); without, the
/// only set of dropped dimensions whose removal leaves the result shape.
std::optional<llvm::SmallVector<int64_t>>
inferReductionAxes(mlir::RankedTensorType inputType,
                   mlir::RankedTensorType resultType, bool keepDims);

} // namespace lowrank::onnx

#endif // LOWRANK_DIALECT_ONNX_IR_REDUCTIONAXES_H
