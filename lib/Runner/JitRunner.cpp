//===- JitRunner.cpp - Compile and run main_graph in-process --------------===//

#include "lowrank/Runner/JitRunner.h"
#include "lowrank/Dialect/ONNX/IR/ONNXDataType.h"
#include "lowrank/Dialect/ONNX/Transforms/Passes.h"
#include "lowrank/Import/ONNXImporter.h"
#include "lowrank/Import/ONNXTensor.h"
#include "lowrank/Pipelines/GPUPipeline.h"
#include "lowrank/Pipelines/Pipelines.h"
#include "lowrank/Runner/CudaDevice.h"
#include "lowrank/Runtime/CPU/Runtime.h"
#include "lowrank/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Target/TargetMachine.h"

#include <cstring>

using namespace mlir;

namespace lowrank {

static constexpr StringLiteral kEntryPoint = "main_graph";
static constexpr StringLiteral kOutputShapesFunction =
    "main_graph_output_shapes";

std::string TensorSignature::describe() const {
  std::string dims;
  llvm::raw_string_ostream os(dims);
  llvm::interleave(
      shape, os,
      [&](int64_t size) {
        if (ShapedType::isDynamic(size))
          os << "?";
        else
          os << size;
      },
      "x");
  return getDataTypeName(dataType) + "[" + dims + "]";
}

bool TensorSignature::accepts(const HostTensor &tensor) const {
  ArrayRef<int64_t> sizes = tensor.getShape();
  if (tensor.getDataType() != dataType || sizes.size() != shape.size())
    return false;
  for (auto [expected, actual] : llvm::zip(shape, sizes))
    if (!ShapedType::isDynamic(expected) && expected != actual)
      return false;
  return true;
}

/// What the import recorded about the model's value a result stands for.
static void setPresentation(OutputPresentation &presentation,
                            DictionaryAttr attrs) {
  if (auto table = attrs.getAs<ArrayAttr>(kLabelTableAttr)) {
    presentation.kind = OutputPresentation::Kind::Labels;
    for (auto label : table.getAsRange<StringAttr>())
      presentation.labels.push_back(label.str());
    return;
  }
  auto keys = attrs.getAs<ArrayAttr>(kZipMapKeysAttr);
  if (!keys)
    return;
  presentation.kind = OutputPresentation::Kind::ZipMap;
  for (Attribute key : keys) {
    if (auto text = dyn_cast<StringAttr>(key))
      presentation.stringKeys.push_back(text.str());
    else if (auto number = dyn_cast<IntegerAttr>(key))
      presentation.intKeys.push_back(number.getInt());
  }
}

/// The signature of one argument or result; emits an error on `func` when
/// the runner cannot pass it (not a ranked tensor of a type with an ONNX
/// equivalent).
static FailureOr<TensorSignature> getSignature(func::FuncOp func, Type type,
                                               DictionaryAttr attrs,
                                               StringRef kind, unsigned index) {
  TensorSignature signature;
  signature.name = (kind + "_" + Twine(index)).str();
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>(kONNXNameAttr))
      signature.name = name.str();
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType)
    return func.emitError()
           << kind << " '" << signature.name << "' has type " << type
           << "; the runner needs ranked tensors";
  std::optional<int32_t> dataType =
      onnx::getONNXDataType(tensorType.getElementType());
  if (!dataType || getONNXElementByteSize(*dataType) == 0)
    return func.emitError()
           << kind << " '" << signature.name << "' has element type "
           << tensorType.getElementType() << ", which the runner cannot pass";
  signature.dataType = *dataType;
  signature.shape.assign(tensorType.getShape().begin(),
                         tensorType.getShape().end());
  if (attrs)
    setPresentation(signature.presentation, attrs);
  return signature;
}

/// Resolves the liblowrank_cpu_runtime entry points that
/// lowrank-linalg-to-ukernel calls to the copies linked into this program.
static void registerCPURuntimeSymbols(ExecutionEngine &engine) {
  engine.registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](StringRef name, auto *function) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(function),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("_mlir_ciface_lowrank_matmul_f32", &_mlir_ciface_lowrank_matmul_f32);
    add("_mlir_ciface_lowrank_matmul_packed_f32",
        &_mlir_ciface_lowrank_matmul_packed_f32);
    add("_mlir_ciface_lowrank_matmul_packed_bias_f32",
        &_mlir_ciface_lowrank_matmul_packed_bias_f32);
    add("_mlir_ciface_lowrank_matmul_pair_f32",
        &_mlir_ciface_lowrank_matmul_pair_f32);
    add("_mlir_ciface_lowrank_matmul_pair_bias_f32",
        &_mlir_ciface_lowrank_matmul_pair_bias_f32);
    add("_mlir_ciface_lowrank_batch_matmul_f32",
        &_mlir_ciface_lowrank_batch_matmul_f32);
    add("_mlir_ciface_lowrank_conv2d_f32", &_mlir_ciface_lowrank_conv2d_f32);
    add("_mlir_ciface_lowrank_conv2d_bias_f32",
        &_mlir_ciface_lowrank_conv2d_bias_f32);
    add("_mlir_ciface_lowrank_conv2d_bias_add_f32",
        &_mlir_ciface_lowrank_conv2d_bias_add_f32);
    add("_mlir_ciface_lowrank_depthwise_conv2d_f32",
        &_mlir_ciface_lowrank_depthwise_conv2d_f32);
    add("_mlir_ciface_lowrank_depthwise_conv2d_bias_f32",
        &_mlir_ciface_lowrank_depthwise_conv2d_bias_f32);
    add("_mlir_ciface_lowrank_parallel_for",
        &_mlir_ciface_lowrank_parallel_for);
    add("_mlir_memref_to_llvm_alloc", &_mlir_memref_to_llvm_alloc);
    add("_mlir_memref_to_llvm_aligned_alloc",
        &_mlir_memref_to_llvm_aligned_alloc);
    add("_mlir_memref_to_llvm_free", &_mlir_memref_to_llvm_free);
    return symbols;
  });
}

JitRunner::~JitRunner() = default;

std::unique_ptr<JitRunner> JitRunner::compile(ModuleOp module,
                                              const JitOptions &jitOptions) {
  auto func = module.lookupSymbol<func::FuncOp>(kGraphFunctionName);
  if (!func) {
    module.emitError() << "no function @" << kGraphFunctionName << " to run";
    return nullptr;
  }

  // Element types, shapes and names are only visible before lowering, which
  // turns tensors into memref descriptors and results into out-parameters.
  // They are read once the shapes are folded: a graph output declared in
  // another rank than computed has the computed type then.
  {
    PassManager fold(module.getContext(), ModuleOp::getOperationName());
    fold.addNestedPass<func::FuncOp>(createLowrankONNXFoldShapes());
    if (failed(fold.run(module)))
      return nullptr;
  }
  std::unique_ptr<JitRunner> runner(new JitRunner());
  FunctionType type = func.getFunctionType();
  for (auto [i, argType] : llvm::enumerate(type.getInputs())) {
    auto signature =
        getSignature(func, argType, func.getArgAttrDict(i), "input", i);
    if (failed(signature))
      return nullptr;
    runner->inputs.push_back(std::move(*signature));
  }
  for (auto [i, resultType] : llvm::enumerate(type.getResults())) {
    auto signature =
        getSignature(func, resultType, func.getResultAttrDict(i), "output", i);
    if (failed(signature))
      return nullptr;
    runner->outputs.push_back(std::move(*signature));
  }

  // The device first: without one there is nothing to compile for.
  if (jitOptions.device == Device::CUDA) {
    auto device = CudaDevice::load(jitOptions.cudaRuntimeLibrary);
    if (!device) {
      mlir::emitError(module.getLoc(), llvm::toString(device.takeError()));
      return nullptr;
    }
    runner->cuda = std::move(*device);
  }

  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  if (jitOptions.device == Device::CUDA) {
    GPUPipelineOptions gpuOptions;
    gpuOptions.chip = jitOptions.gpuChip;
    buildGPUPipeline(pm, gpuOptions);
  } else {
    buildCPUPipeline(pm, CPUPipelineOptions());
  }
  if (failed(pm.run(module)))
    return nullptr;
  // The signatures above hold the ONNX names; translation would warn about
  // them as unknown attributes.
  stripNonLLVMAttributes(module);

  std::unique_ptr<llvm::TargetMachine> machine =
      createHostTargetMachine(/*relocationModel=*/std::nullopt);
  if (!machine) {
    module.emitError("cannot create a target machine for the host CPU");
    return nullptr;
  }
  // Knowing the host CPU lets the pipeline vectorize for its features.
  auto optimize =
      makeOptimizingTransformer(kModelOptLevel, /*sizeLevel=*/0, machine.get());
  ExecutionEngineOptions options;
  options.transformer = optimize;
  if (jitOptions.sanitizeAddress && jitOptions.device == Device::CPU)
    options.transformer = [optimize](llvm::Module *llvmModule) -> llvm::Error {
      if (llvm::Error err = optimize(llvmModule))
        return err;
      instrumentWithAddressSanitizer(*llvmModule);
      return llvm::Error::success();
    };
  // The mgpu* functions the host code calls come from the CUDA runtime.
  SmallVector<StringRef> sharedLibs;
  if (runner->cuda) {
    sharedLibs.push_back(runner->cuda->getLibraryPath());
    options.sharedLibPaths = sharedLibs;
  }
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  // The perf listener writes a jit-*.dump profile (and a folder for it)
  // under $TMPDIR/.debug/jit on every run; profiling is not a runner's job.
  options.enablePerfNotificationListener = false;
  // libm functions (erff, tanhf, ...) called by the lowered math ops are
  // resolved from the running process by the engine's default generator.
  auto engine = ExecutionEngine::create(module, options, std::move(machine));
  if (!engine) {
    module.emitError("JIT compilation failed: ")
        << llvm::toString(engine.takeError());
    return nullptr;
  }
  runner->engine = std::move(*engine);
  registerCPURuntimeSymbols(*runner->engine);
  return runner;
}

/// A strided memref descriptor `{T *allocated, T *aligned, int64_t offset,
/// int64_t sizes[rank], int64_t strides[rank]}` over a host tensor; every
/// field is 8 bytes wide on the 64-bit hosts the runner supports.
static SmallVector<int64_t> makeDescriptor(void *data,
                                           ArrayRef<int64_t> shape) {
  static_assert(sizeof(void *) == sizeof(int64_t), "64-bit hosts only");
  auto pointer = static_cast<int64_t>(reinterpret_cast<intptr_t>(data));
  SmallVector<int64_t> descriptor = {pointer, pointer, /*offset=*/0};
  descriptor.append(shape.begin(), shape.end());
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  descriptor.append(strides.begin(), strides.end());
  return descriptor;
}

llvm::Expected<std::vector<HostTensor>>
JitRunner::run(ArrayRef<HostTensor> inputTensors) {
  if (inputTensors.size() != inputs.size()) {
    SmallVector<std::string> names;
    for (const TensorSignature &input : inputs)
      names.push_back("'" + input.name + "'");
    return llvm::createStringError(
        "the graph takes %zu inputs (%s), got %zu", inputs.size(),
        llvm::join(names, ", ").c_str(), inputTensors.size());
  }
  for (auto [i, tensor] : llvm::enumerate(inputTensors)) {
    const TensorSignature &input = inputs[i];
    if (!input.accepts(tensor))
      return llvm::createStringError(
          "input %zu '%s' must be %s, got %s", i, input.name.c_str(),
          input.describe().c_str(), tensor.describe().c_str());
  }

  // The compiled code only reads inputs, but descriptors take non-const
  // pointers; copies keep the caller's tensors untouched by construction.
  std::vector<HostTensor> inputCopies;
  for (const HostTensor &tensor : inputTensors) {
    auto copy = HostTensor::allocate(tensor.getDataType(), tensor.getShape());
    if (!copy)
      return copy.takeError();
    std::memcpy(copy->getData(), tensor.getData(), tensor.getByteSize());
    inputCopies.push_back(std::move(*copy));
  }
  SmallVector<SmallVector<int64_t>> inputDescriptors;
  for (HostTensor &tensor : inputCopies)
    inputDescriptors.push_back(
        makeDescriptor(tensor.getData(), tensor.getShape()));
  std::vector<SmallVector<int64_t>> outputShapes;
  for (const TensorSignature &output : outputs)
    outputShapes.push_back(output.shape);
  if (llvm::any_of(outputs, [](const TensorSignature &output) {
        return llvm::any_of(output.shape, ShapedType::isDynamic);
      })) {
    SmallVector<void *> pointers;
    for (SmallVector<int64_t> &descriptor : inputDescriptors)
      pointers.push_back(descriptor.data());
    auto shapes = computeOutputShapes(pointers);
    if (!shapes)
      return shapes.takeError();
    outputShapes = std::move(*shapes);
  }
  std::vector<HostTensor> results;
  for (auto [output, shape] : llvm::zip(outputs, outputShapes)) {
    auto result = HostTensor::allocate(output.dataType, shape);
    if (!result)
      return llvm::createStringError("output '" + output.name + "': " +
                                     llvm::toString(result.takeError()));
    results.push_back(std::move(*result));
  }

  // On the GPU, main_graph takes device buffers (docs/ABI.md): inputs are
  // copied there before the call, outputs back after it.
  SmallVector<void *> deviceBuffers;
  auto dataOf = [&](HostTensor &tensor, bool copyIn) -> void * {
    if (!cuda)
      return tensor.getData();
    void *device = cuda->allocate(tensor.getByteSize());
    if (copyIn)
      cuda->copyToDevice(device, tensor.getData(), tensor.getByteSize());
    deviceBuffers.push_back(device);
    return device;
  };
  SmallVector<SmallVector<int64_t>> descriptors;
  for (HostTensor &tensor : inputCopies)
    descriptors.push_back(
        makeDescriptor(dataOf(tensor, true), tensor.getShape()));
  for (HostTensor &tensor : results)
    descriptors.push_back(
        makeDescriptor(dataOf(tensor, false), tensor.getShape()));
  SmallVector<void *> descriptorPointers;
  for (SmallVector<int64_t> &descriptor : descriptors)
    descriptorPointers.push_back(descriptor.data());
  llvm::Error err = invoke(kEntryPoint, descriptorPointers);
  if (cuda) {
    cuda->synchronize();
    for (auto [tensor, device] : llvm::zip(
             results, ArrayRef(deviceBuffers).drop_front(inputCopies.size())))
      cuda->copyToHost(tensor.getData(), device, tensor.getByteSize());
    for (void *device : deviceBuffers)
      cuda->release(device);
  }
  if (err)
    return std::move(err);
  return results;
}

llvm::Error JitRunner::invoke(StringRef function,
                              ArrayRef<void *> descriptors) {
  // invokePacked wants, per argument, a pointer to the argument's value; the
  // C interface takes each descriptor by pointer.
  SmallVector<void *> pointers(descriptors), packedArgs;
  for (void *&pointer : pointers)
    packedArgs.push_back(&pointer);
  // The function returns a status (lowrank-checks-to-status): 0, or the
  // number of the check that failed, whose message the module provides.
  int32_t status = 0;
  packedArgs.push_back(&status);
  if (llvm::Error err =
          engine->invokePacked(("_mlir_ciface_" + function).str(), packedArgs))
    return err;
  if (status != 0)
    return llvm::createStringError(describeStatus(function, status));
  return llvm::Error::success();
}

llvm::Expected<std::vector<SmallVector<int64_t>>>
JitRunner::computeOutputShapes(ArrayRef<void *> inputDescriptors) {
  if (cuda)
    return llvm::createStringError(
        "outputs of symbolic shape are not supported on the GPU; give the "
        "inputs' sizes at compile time");
  // All shapes first: descriptors point into them, so they must not move.
  std::vector<SmallVector<int64_t>> shapes;
  for (const TensorSignature &output : outputs)
    shapes.emplace_back(output.shape.size(), 0);
  SmallVector<SmallVector<int64_t>> shapeDescriptors;
  for (SmallVector<int64_t> &shape : shapes)
    shapeDescriptors.push_back(
        makeDescriptor(shape.data(), {static_cast<int64_t>(shape.size())}));
  SmallVector<void *> descriptors(inputDescriptors);
  for (SmallVector<int64_t> &descriptor : shapeDescriptors)
    descriptors.push_back(descriptor.data());
  if (llvm::Error err = invoke(kOutputShapesFunction, descriptors))
    return std::move(err);
  for (auto [output, shape] : llvm::zip(outputs, shapes))
    for (int64_t size : shape)
      if (size < 0)
        return llvm::createStringError("output '" + output.name +
                                       "' would have a negative size");
  return shapes;
}

std::string JitRunner::describeStatus(StringRef function, int32_t status) {
  auto messageFunction = engine->lookup((function + "_error_message").str());
  if (!messageFunction) {
    llvm::consumeError(messageFunction.takeError());
    return "the model failed with status " + std::to_string(status);
  }
  auto getMessage =
      reinterpret_cast<const char *(*)(int32_t)>(*messageFunction);
  const char *message = getMessage(status);
  if (!message)
    return "the model failed with status " + std::to_string(status);
  return message;
}

} // namespace lowrank
