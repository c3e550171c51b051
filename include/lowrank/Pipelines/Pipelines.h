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
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> ukernels{
      *this, "ukernels",
      llvm::cl::desc("Compute f32 matmuls with liblowrank_cpu_runtime's "
                     "kernels (lowrank-linalg-to-ukernel); false keeps the "
                     "plain loop lowering"),
      llvm::cl::init(true)};
  Option<bool> fusePairs{
      *this, "fuse-pairs",
      llvm::cl::desc("With ukernels, compute the two products of a factor "
                     "pair in one runtime call, row block by row block "
                     "(lowrank-linalg-to-ukernel's fuse-pairs)"),
      llvm::cl::init(true)};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("With ukernels, run large loop nests other than "
                     "matmuls on the runtime's threads "
                     "(lowrank-linalg-to-parallel-calls)"),
      llvm::cl::init(true)};
  Option<bool> fuseElementwise{
      *this, "fuse-elementwise",
      llvm::cl::desc("Fuse chains of elementwise ops into one loop nest "
                     "(lowrank-fuse-elementwise)"),
      llvm::cl::init(true)};
  Option<bool> approximateMath{
      *this, "approximate-math",
      llvm::cl::desc("Replace exp, erf, tanh and log on f32 by inline "
                     "polynomials (lowrank-approximate-math) so that their "
                     "loops vectorize; false keeps libm calls"),
      llvm::cl::init(true)};
  Option<int64_t> splitFunctions{
      *this, "split-functions",
      llvm::cl::desc("Outline parts of about this size (operations and "
                     "operands) from larger functions "
                     "(lowrank-split-functions), so that large models "
                     "compile in linear time; 0 keeps functions whole"),
      llvm::cl::init(1000)};
};

/// onnx (or linalg-on-tensors) to linalg on tensors: shape folding, the
/// onnx-to-linalg conversion and clean-ups. Registered as
/// `lowrank-onnx-to-linalg-pipeline`.
void buildONNXToLinalgPipeline(mlir::OpPassManager &pm);

/// onnx or linalg-on-tensors to the LLVM dialect for the host CPU: the entry
/// function takes its inputs and then its outputs as memref arguments and
/// gets a C interface (`_mlir_ciface_<name>`). With `ukernels` (the
/// default) matmuls call liblowrank_cpu_runtime, which the JIT runner
/// provides and object files must be linked with. Registered as
/// `lowrank-cpu-pipeline`.
void buildCPUPipeline(mlir::OpPassManager &pm,
                      const CPUPipelineOptions &options);

/// Registers the pipelines with the pass registry.
void registerLowrankPipelines();

} // namespace lowrank

#endif // LOWRANK_PIPELINES_PIPELINES_H
