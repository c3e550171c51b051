//===- Pipelines.h - Pass pipelines of lowrank-opt --------------*- C++ -*-===//
//
// Named pipelines from the onnx dialect down to the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_PIPELINES_PIPELINES_H
#define LOWRANK_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace lowrank {

struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {};

/// onnx (or linalg-on-tensors) to linalg on tensors: shape folding, the
/// onnx-to-linalg conversion and clean-ups. Registered as
/// `lowrank-onnx-to-linalg-pipeline`.
void buildONNXToLinalgPipeline(mlir::OpPassManager &pm);

/// onnx or linalg-on-tensors to the LLVM dialect for the host CPU: the entry
/// function takes its inputs and then its outputs as memref arguments and
/// gets a C interface (`_mlir_ciface_<name>`). Registered as
/// `lowrank-cpu-pipeline`.
void buildCPUPipeline(mlir::OpPassManager &pm,
                      const CPUPipelineOptions &options);

/// Registers the pipelines with the pass registry.
void registerLowrankPipelines();

} // namespace lowrank

#endif // LOWRANK_PIPELINES_PIPELINES_H
