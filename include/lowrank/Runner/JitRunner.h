//===- JitRunner.h - Compile and run main_graph in-process ------*- C++ -*-===//
//
// Compiles a module holding `func.func @main_graph` (onnx dialect or linalg
// on tensors, static or symbolic shapes) with the CPU pipeline and MLIR's
// ExecutionEngine, and calls the compiled `_mlir_ciface_main_graph` on host
// tensors following the convention of docs/ABI.md.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_RUNNER_JITRUNNER_H
#define LOWRANK_RUNNER_JITRUNNER_H

#include "lowrank/Runner/HostTensor.h"
#include "lowrank/Runner/OutputPresentation.h"
#include "lowrank/Target/CPU/CPUTarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace lowrank {

/// One argument or result of `main_graph`.
struct TensorSignature {
  /// The `onnx.name` attribute, or `input_<i>` / `output_<i>` without one.
  std::string name;
  /// ONNX data type number of the element type.
  int32_t dataType = 0;
  /// The sizes; ShapedType::kDynamic for a symbolic dimension.
  llvm::SmallVector<int64_t> shape;
  /// For a result: the model's value it stands for (string labels, a
  /// sequence of maps), from the import's result attributes.
  OutputPresentation presentation;

  /// `dtype[d0xd1x...]`, like HostTensor::describe, with `?` for a symbolic
  /// dimension.
  std::string describe() const;
  /// Whether `tensor` has this data type, rank and every static size.
  bool accepts(const HostTensor &tensor) const;
};

class CudaDevice;

/// Where `main_graph` runs.
enum class Device { CPU, CUDA };

struct JitOptions {
  Device device = Device::CPU;
  /// --device=cuda: liblowrank_cuda_runtime.so and the GPU architecture the
  /// kernels are compiled for (PTX, compiled by the driver for the actual
  /// GPU at load time).
  std::string cudaRuntimeLibrary;
  std::string gpuChip = "sm_80";
  /// Instrument the compiled code with AddressSanitizer (CPU only), so that
  /// an out-of-bounds access of the generated code is reported like one of
  /// the tool's own. On by default in a process that has the ASan runtime
  /// (the `make test-asan` build, or the runtime preloaded); elsewhere the
  /// instrumented code could not run.
  bool sanitizeAddress = hasAddressSanitizerRuntime();
};

class JitRunner {
public:
  ~JitRunner();

  /// Compiles `module` in place: its `main_graph` signature is recorded,
  /// then the CPU pipeline lowers it to the LLVM dialect and the JIT
  /// compiles it at -O2. Problems are emitted as diagnostics in the module's
  /// context; returns null then. The context must have the dialects,
  /// translations and passes of the pipeline registered.
  static std::unique_ptr<JitRunner> compile(mlir::ModuleOp module,
                                            const JitOptions &options = {});

  llvm::ArrayRef<TensorSignature> getInputs() const { return inputs; }
  llvm::ArrayRef<TensorSignature> getOutputs() const { return outputs; }

  /// Calls the compiled graph. Inputs must match the signature in number,
  /// data type and shape (any size for a symbolic dimension); the error says
  /// which one does not. Outputs of symbolic shape are sized by the
  /// compiled `main_graph_output_shapes` first. A check of the
  /// generated code that fails (an index out of range, an integer division
  /// by zero) is returned as an error with the check's message.
  llvm::Expected<std::vector<HostTensor>>
  run(llvm::ArrayRef<HostTensor> inputTensors);

private:
  JitRunner() = default;

  /// The message of a non-zero status returned by `function`.
  std::string describeStatus(llvm::StringRef function, int32_t status);

  /// Calls `function` through its C interface on `descriptors` (pointers
  /// to memref descriptors); returns an error for a non-zero status.
  llvm::Error invoke(llvm::StringRef function,
                     llvm::ArrayRef<void *> descriptors);

  /// The shapes of the outputs for inputs described by `inputDescriptors`.
  llvm::Expected<std::vector<llvm::SmallVector<int64_t>>>
  computeOutputShapes(llvm::ArrayRef<void *> inputDescriptors);

  std::unique_ptr<mlir::ExecutionEngine> engine;
  /// Set for Device::CUDA: arguments are copied to device buffers.
  std::unique_ptr<CudaDevice> cuda;
  std::vector<TensorSignature> inputs, outputs;
};

} // namespace lowrank

#endif // LOWRANK_RUNNER_JITRUNNER_H
