//===- GPUPipeline.h - The NVPTX pass pipeline ------------------*- C++ -*-===//
//
// onnx or linalg on tensors to an LLVM-dialect host module that launches
// NVPTX kernels embedded as a gpu.binary (PTX or cubin).
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_PIPELINES_GPUPIPELINE_H
#define LOWRANK_PIPELINES_GPUPIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace lowrank {

struct GPUPipelineOptions
    : public mlir::PassPipelineOptions<GPUPipelineOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("Target GPU architecture (sm_XY)"),
                           llvm::cl::init("sm_80")};
  Option<unsigned> ptxVersion{
      *this, "ptx-version",
      llvm::cl::desc("PTX ISA version times ten (70 = 7.0); 0 picks 70 "
                     "below sm_90 and 80 from sm_90 on"),
      llvm::cl::init(0)};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Kernel binary embedded in the host module: isa (PTX, "
                     "compiled by the driver at load time), bin (cubin "
                     "through ptxas) or fatbin"),
      llvm::cl::init("isa")};
  Option<std::string> toolkit{
      *this, "cuda-toolkit",
      llvm::cl::desc("CUDA toolkit root (libdevice, ptxas); empty uses the "
                     "one found at configure time"),
      llvm::cl::init("")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("Kernel optimization level"),
                            llvm::cl::init(3)};
};

/// The PTX version a pipeline with `options` targets (70, 80, ...).
unsigned getPTXVersion(const GPUPipelineOptions &options);

/// onnx or linalg-on-tensors to the LLVM dialect plus a gpu.binary holding
/// one kernel module per function (`@<function>_kernels`). The entry
/// function takes device buffers (docs/ABI.md). Registered as
/// `lowrank-gpu-pipeline`.
void buildGPUPipeline(mlir::OpPassManager &pm,
                      const GPUPipelineOptions &options);

/// Registers `lowrank-gpu-pipeline` and the GPU mapping passes.
void registerLowrankGPUPipeline();

} // namespace lowrank

#endif // LOWRANK_PIPELINES_GPUPIPELINE_H
