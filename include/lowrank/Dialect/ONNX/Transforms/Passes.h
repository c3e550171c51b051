//===- Passes.h - Passes on the onnx dialect --------------------*- C++ -*-===//

#ifndef LOWRANK_DIALECT_ONNX_TRANSFORMS_PASSES_H
#define LOWRANK_DIALECT_ONNX_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace lowrank {

#define GEN_PASS_DECL
#include "lowrank/Dialect/ONNX/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lowrank/Dialect/ONNX/Transforms/Passes.h.inc"

} // namespace lowrank

#endif // LOWRANK_DIALECT_ONNX_TRANSFORMS_PASSES_H
