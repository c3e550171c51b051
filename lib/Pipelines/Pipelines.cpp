//===- Pipelines.cpp - Pass pipelines of lowrank-opt ----------------------===//

#include "lowrank/Pipelines/Pipelines.h"
#include "lowrank/Conversion/Passes.h"
#include "lowrank/Dialect/ONNX/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;

namespace lowrank {

/// Adds a textual pipeline; the strings are fixed, so a parse failure is a
/// bug in this file.
static void addPipeline(OpPassManager &pm, StringRef pipeline) {
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("lowrank: invalid built-in pass pipeline");
}

void buildONNXToLinalgPipeline(OpPassManager &pm) {
  // Shape arithmetic must be constant before the lowering needs static
  // reshape targets and slice bounds.
  pm.addNestedPass<func::FuncOp>(createLowrankONNXFoldShapes());
  addPipeline(pm, "canonicalize,"
                  "func.func(lowrank-convert-onnx-to-linalg),"
                  "canonicalize,cse");
}

void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options) {
  buildONNXToLinalgPipeline(pm);
  if (options.fuseElementwise)
    pm.addNestedPass<func::FuncOp>(createLowrankFuseElementwise());
  // Models of symbolic dimensions tell callers their output sizes.
  pm.addPass(createLowrankOutputShapesFunction());
  // Loop bodies (Loop, Scan and the recurrent operators' time loops) yield
  // new buffers for their carried values; the deallocation pipeline frees
  // them across iterations.
  addPipeline(pm, "func.func(lowrank-copy-repeated-results),"
                  "one-shot-bufferize{allow-return-allocs-from-loops "
                  "bufferize-function-boundaries "
                  "function-boundary-type-conversion=identity-layout-map},"
                  "buffer-results-to-out-params{hoist-static-allocs "
                  "modify-public-functions},"
                  "func.func(lowrank-check-output-sizes),"
                  "buffer-deallocation-pipeline");
  // Matmuls become runtime calls on buffers, where operand layouts and
  // constant weights are known; everything else goes to loops.
  if (options.ukernels)
    pm.addPass(createLowrankLinalgToUKernel());
  // Inline polynomials instead of libm calls let LLVM vectorize the loops
  // of GELU, softmax and the like.
  if (options.approximateMath)
    pm.addNestedPass<func::FuncOp>(createLowrankApproximateMath());
  addPipeline(pm, "func.func(lowrank-memref-copy-to-linalg)");
  // Large loop nests run on the runtime's threads.
  if (options.ukernels && options.parallel)
    pm.addPass(createLowrankLinalgToParallelCalls());
  addPipeline(pm, "func.func(convert-linalg-to-loops,"
                  "lowrank-expand-dynamic-groups),"
                  "expand-strided-metadata,lower-affine,convert-scf-to-cf");
  // A failed check returns an error status instead of aborting the caller.
  pm.addPass(createLowrankChecksToStatus());
  addPipeline(pm, "func.func(llvm-request-c-wrappers),"
                  "convert-math-to-llvm,convert-math-to-libm");
  // With the runtime linked anyway, intermediate buffers come from its
  // cache of freed blocks instead of fresh pages on every call.
  if (options.ukernels)
    addPipeline(pm, "finalize-memref-to-llvm{use-generic-functions}");
  addPipeline(pm, "convert-to-llvm,reconcile-unrealized-casts");
}

void registerLowrankPipelines() {
  PassPipelineRegistration<>(
      "lowrank-onnx-to-linalg-pipeline",
      "Lower the onnx dialect to linalg on tensors",
      [](OpPassManager &pm) { buildONNXToLinalgPipeline(pm); });
  PassPipelineRegistration<CPUPipelineOptions>(
      "lowrank-cpu-pipeline",
      "Lower onnx or linalg on tensors to the LLVM dialect for the host CPU",
      buildCPUPipeline);
}

} // namespace lowrank
