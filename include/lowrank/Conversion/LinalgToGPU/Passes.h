//===- Passes.h - Passes that map bufferized linalg onto the GPU -*- C++
//-*-===//

#ifndef LOWRANK_CONVERSION_LINALGTOGPU_PASSES_H
#define LOWRANK_CONVERSION_LINALGTOGPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace lowrank {

#define GEN_PASS_DECL
#include "lowrank/Conversion/LinalgToGPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lowrank/Conversion/LinalgToGPU/Passes.h.inc"

/// The runtime function that returns the device copy of a constant.
inline constexpr llvm::StringLiteral kDeviceConstantFunction =
    "lowrankCudaDeviceConstant";

} // namespace lowrank

#endif // LOWRANK_CONVERSION_LINALGTOGPU_PASSES_H
