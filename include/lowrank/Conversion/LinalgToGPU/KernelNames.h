//===- KernelNames.h - Names of the generated GPU kernels -------*- C++ -*-===//
//
// Every gpu.launch the GPU passes create names its kernel and the one
// gpu.module of its function, so that gpu-kernel-outlining gathers all
// kernels of `@f` into `@f_kernels` (one PTX file, one module load) under
// readable names (`@f_matmul_0`, `@f_elementwise_3`, ...).
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_CONVERSION_LINALGTOGPU_KERNELNAMES_H
#define LOWRANK_CONVERSION_LINALGTOGPU_KERNELNAMES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include <string>

namespace lowrank {

/// `<function>_<kind>_<n>`, n counting the launches already in `func`.
inline std::string nextKernelName(mlir::func::FuncOp func,
                                  llvm::StringRef kind) {
  unsigned count = 0;
  func.walk([&](mlir::gpu::LaunchOp) { ++count; });
  return (func.getName() + "_" + kind + "_" + llvm::Twine(count)).str();
}

/// Names the kernel of `launch` and puts it in `<function>_kernels`.
inline void setKernelName(mlir::gpu::LaunchOp launch, llvm::StringRef name) {
  auto func = launch->getParentOfType<mlir::func::FuncOp>();
  mlir::MLIRContext *context = launch.getContext();
  launch.setModuleAttr(mlir::FlatSymbolRefAttr::get(
      context, (func.getName() + "_kernels").str()));
  launch.setFunctionAttr(mlir::FlatSymbolRefAttr::get(context, name));
}

} // namespace lowrank

#endif // LOWRANK_CONVERSION_LINALGTOGPU_KERNELNAMES_H
