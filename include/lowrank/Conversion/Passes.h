//===- Passes.h - Conversion passes of lowrank-opt --------------*- C++ -*-===//

#ifndef LOWRANK_CONVERSION_PASSES_H
#define LOWRANK_CONVERSION_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Pass/Pass.h"

namespace lowrank {

#define GEN_PASS_DECL
#include "lowrank/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lowrank/Conversion/Passes.h.inc"

} // namespace lowrank

#endif // LOWRANK_CONVERSION_PASSES_H
