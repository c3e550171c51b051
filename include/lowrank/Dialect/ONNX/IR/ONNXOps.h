//===- ONNXOps.h - The onnx dialect and its operations ----------*- C++ -*-===//
//
// The onnx dialect: one operation per supported ONNX operator.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXOPS_H
#define LOWRANK_DIALECT_ONNX_IR_ONNXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Dialect/Traits.h"

#include "lowrank/Interfaces/LinearOpInterface.h"

#include "lowrank/Dialect/ONNX/IR/ONNXOpsDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "lowrank/Dialect/ONNX/IR/ONNXOpsTypes.h.inc"

namespace lowrank::onnx {

/// ONNX's multidirectional broadcasting of the operands into the results,
/// checked where every operand is ranked. Upstream's
/// ResultsBroadcastableShape also checks a result against the ranked
/// operands alone when another operand is unranked, which rejects models
/// whose unranked operand (a shape ONNX's inference left unknown) is the
/// one that gives the result its size.
template <typename ConcreteType>
class BroadcastableShape
    : public mlir::OpTrait::TraitBase<ConcreteType, BroadcastableShape> {
public:
  static llvm::LogicalResult verifyTrait(mlir::Operation *op) {
    if (llvm::any_of(op->getOperandTypes(), [](mlir::Type type) {
          return mlir::isa<mlir::UnrankedTensorType>(type);
        }))
      return llvm::success();
    return mlir::OpTrait::impl::verifyCompatibleOperandBroadcast(op);
  }
};

} // namespace lowrank::onnx

#define GET_OP_CLASSES
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h.inc"

namespace lowrank::onnx {

/// The graph attribute that region `region` of `op` (If, Loop, Scan or
/// `onnx.Opaque`) holds, e.g. "then_branch"; nullopt for other ops.
std::optional<llvm::StringRef> getSubgraphName(mlir::Operation *op,
                                               unsigned region);

} // namespace lowrank::onnx

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXOPS_H
