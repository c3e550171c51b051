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
  // These need the static shapes the folding gives.
  pm.addNestedPass<func::FuncOp>(createLowrankONNXScaleAfterProducts());
  pm.addNestedPass<func::FuncOp>(createLowrankONNXGroupedHeads());
  addPipeline(pm, "canonicalize,"
                  "func.func(lowrank-convert-onnx-to-linalg),"
                  "canonicalize,cse");
}

static void addSplitFunctions(OpPassManager &pm,
                              const CPUPipelineOptions &options,
                              bool partsOnly) {
  if (options.splitFunctions <= 0)
    return;
  LowrankSplitFunctionsOptions split;
  split.maxSize = options.splitFunctions;
  split.partsOnly = partsOnly;
  pm.addPass(createLowrankSplitFunctions(split));
}

void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options) {
  buildONNXToLinalgPipeline(pm);
  // Convolutions stay for the runtime's direct kernel (called on buffers
  // below); the grouped ones get a loop order that vectorizes.
  if (options.ukernels) {
    LowrankConvToMatmulOptions convOptions;
    convOptions.directConvolutions = true;
    pm.addNestedPass<func::FuncOp>(createLowrankConvToMatmul(convOptions));
  }
  if (options.fuseElementwise)
    pm.addNestedPass<func::FuncOp>(createLowrankFuseElementwise());
  // Models of symbolic dimensions tell callers their output sizes.
  pm.addPass(createLowrankOutputShapesFunction());
  // Before the split: its parts get no C wrappers, and the inits CSE
  // shared between all matmuls are not passed from part to part.
  addPipeline(pm,
              "func.func(llvm-request-c-wrappers,lowrank-clone-shared-inits)");
  // Bufferization, deallocation and LLVM take time superlinear in the size
  // of a function: a large model is cut into functions of bounded size
  // while it is still on tensors.
  addSplitFunctions(pm, options, /*partsOnly=*/false);
  // Loop bodies (Loop, Scan and the recurrent operators' time loops) yield
  // new buffers for their carried values; the deallocation pipeline frees
  // them across iterations.
  // The caller's input buffers are read, never written.
  addPipeline(pm, "func.func(lowrank-copy-repeated-results,"
                  "lowrank-read-only-arguments),"
                  "lowrank-constants-to-globals,"
                  "one-shot-bufferize{allow-return-allocs-from-loops "
                  "bufferize-function-boundaries "
                  "function-boundary-type-conversion=identity-layout-map},"
                  "buffer-results-to-out-params{hoist-static-allocs "
                  "modify-public-functions},"
                  "func.func(lowrank-check-output-sizes),"
                  "buffer-deallocation-pipeline,"
                  "func.func(lowrank-early-deallocation)");
  // Matmuls become runtime calls on buffers, where operand layouts and
  // constant weights are known; everything else goes to loops.
  if (options.ukernels) {
    pm.addNestedPass<func::FuncOp>(createLowrankTransposesIntoProducts());
    LowrankLinalgToUKernelOptions ukernelOptions;
    ukernelOptions.fusePairs = options.fusePairs;
    pm.addPass(createLowrankLinalgToUKernel(ukernelOptions));
  }
  // Inline polynomials instead of libm calls let LLVM vectorize the loops
  // of GELU, softmax and the like.
  if (options.approximateMath)
    pm.addNestedPass<func::FuncOp>(createLowrankApproximateMath());
  addPipeline(pm, "func.func(lowrank-memref-copy-to-linalg)");
  // Large loop nests run on the runtime's threads.
  if (options.ukernels && options.parallel)
    pm.addPass(createLowrankLinalgToParallelCalls());
  // Reductions carry their accumulators in registers, so that LLVM
  // vectorizes them; the other linalg ops become plain loops.
  addPipeline(pm, "func.func(lowrank-reductions-to-loops,"
                  "convert-linalg-to-loops,"
                  "lowrank-expand-dynamic-groups),"
                  "expand-strided-metadata,lower-affine");
  // The parts again on loops, whose size the split on tensors can only
  // estimate (a concat of 64 inputs is 64 loop nests): LLVM gets functions
  // of bounded size too.
  addSplitFunctions(pm, options, /*partsOnly=*/true);
  addPipeline(pm, "convert-scf-to-cf");
  // A failed check returns an error status instead of aborting the caller.
  pm.addPass(createLowrankChecksToStatus());
  addPipeline(pm, "convert-math-to-llvm,convert-math-to-libm");
  // With the runtime linked anyway, intermediate buffers come from its
  // cache of freed blocks instead of fresh pages on every call.
  if (options.ukernels)
    addPipeline(pm, "finalize-memref-to-llvm{use-generic-functions}");
  // convert-func-to-llvm first: it finds the callee of each call in a
  // symbol table, where convert-to-llvm scans the module for each call
  // (quadratic in a model's size).
  addPipeline(pm, "convert-func-to-llvm,convert-to-llvm,"
                  "reconcile-unrealized-casts");
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
