//===- GPUPipeline.cpp - The NVPTX pass pipeline --------------------------===//

#include "lowrank/Pipelines/GPUPipeline.h"
#include "lowrank/Conversion/LinalgToGPU/Passes.h"
#include "lowrank/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

#ifndef LOWRANK_CUDA_TOOLKIT_DIR
#define LOWRANK_CUDA_TOOLKIT_DIR ""
#endif

namespace lowrank {

unsigned getPTXVersion(const GPUPipelineOptions &options) {
  if (options.ptxVersion != 0)
    return options.ptxVersion;
  unsigned smVersion = 0;
  StringRef chip = options.chip;
  if (chip.consume_front("sm_"))
    chip.take_while(llvm::isDigit).getAsInteger(10, smVersion);
  // sm_90 needs PTX 7.8 or later; 7.0 covers everything up to sm_80.
  return smVersion >= 90 ? 80 : 70;
}

static void addPipeline(OpPassManager &pm, StringRef pipeline) {
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("lowrank: invalid built-in GPU pass pipeline");
}

void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options) {
  buildONNXToLinalgPipeline(pm);
  // The checks read tensors that will live in device memory; the lowered
  // ops stay within bounds without them (docs/Robustness.md).
  addPipeline(pm, "func.func(lowrank-drop-checks),canonicalize");
  // Bufferization as on the CPU: results become out-parameters, copies
  // become linalg so that they run as kernels. The entry point returns a
  // status as on the CPU, always 0 here.
  addPipeline(pm, "func.func(lowrank-copy-repeated-results,"
                  "lowrank-read-only-arguments,lowrank-clone-shared-inits),"
                  "one-shot-bufferize{allow-return-allocs-from-loops "
                  "bufferize-function-boundaries "
                  "function-boundary-type-conversion=identity-layout-map},"
                  "buffer-results-to-out-params{hoist-static-allocs "
                  "modify-public-functions},"
                  "buffer-deallocation-pipeline,"
                  "lowrank-checks-to-status,"
                  "func.func(lowrank-memref-copy-to-linalg)");
  // Mapping: tiled matmul kernels, then one thread per parallel iteration
  // for everything else; buffers and weights move to the device.
  // C interfaces are requested before the runtime declarations appear.
  addPipeline(pm, "func.func(llvm-request-c-wrappers,"
                  "lowrank-linalg-matmul-to-gpu,"
                  "convert-linalg-to-parallel-loops,"
                  "lowrank-parallel-loops-to-gpu),"
                  "lowrank-gpu-device-memory,"
                  "func.func(lower-affine),canonicalize,cse,"
                  "gpu-kernel-outlining,"
                  "func.func(gpu-async-region)");
  std::string toolkit = options.toolkit.empty()
                            ? std::string(LOWRANK_CUDA_TOOLKIT_DIR)
                            : std::string(options.toolkit);
  // The pass list of upstream's gpu-lower-to-nvvm-pipeline, plus the
  // toolkit (libdevice is linked from it) and the PTX version.
  addPipeline(
      pm,
      llvm::formatv(
          "convert-nvgpu-to-nvvm,convert-vector-to-scf,convert-scf-to-cf,"
          "convert-nvvm-to-llvm,convert-func-to-llvm,expand-strided-metadata,"
          "nvvm-attach-target{{chip={0} features=+ptx{1} O={2}},"
          // Host functions only: kernels keep arith for the NVVM patterns
          // (remf becomes __nv_fmodf there, not an llvm.frem).
          "lower-affine,llvm.func(convert-arith-to-llvm,convert-index-to-llvm),"
          "canonicalize,cse,"
          "gpu.module(convert-gpu-to-nvvm,canonicalize,cse,"
          "reconcile-unrealized-casts),"
          "gpu-to-llvm,"
          "gpu-module-to-binary{{format={3}{4}},"
          "convert-math-to-llvm,canonicalize,cse,reconcile-unrealized-casts",
          std::string(options.chip), getPTXVersion(options),
          unsigned(options.optLevel), std::string(options.format),
          toolkit.empty() ? std::string() : " toolkit=" + toolkit)
          .str());
}

void registerLowrankGPUPipeline() {
  registerLowrankGPUPasses();
  PassPipelineRegistration<GPUPipelineOptions>(
      "lowrank-gpu-pipeline",
      "Lower onnx or linalg on tensors to host LLVM IR launching NVPTX "
      "kernels",
      buildGPUPipeline);
}

} // namespace lowrank
