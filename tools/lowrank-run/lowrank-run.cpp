//===- lowrank-run.cpp - Compile a model and run it on tensor files -------===//
//
// lowrank-run model.onnx|model.mlir --input a.pb --input b.npy
//     [--expect out.pb ...] [--rtol R --atol A]
//     [--output-dir DIR [--npy]] [--print]
//
// JIT-compiles `main_graph` for the host CPU and runs it once. With
// `--expect`, compares every output and exits non-zero on a mismatch;
// otherwise writes `output_<i>.pb` (or `.npy`) files or prints the outputs.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Conversion/Passes.h"
#include "lowrank/Import/ONNXImporter.h"
#include "lowrank/Pipelines/GPUPipeline.h"
#include "lowrank/Pipelines/Pipelines.h"
#include "lowrank/Runner/CudaDevice.h"
#include "lowrank/Runner/JitRunner.h"
#include "lowrank/Support/Diagnostics.h"
#include "lowrank/Support/InputFiles.h"
#include "lowrank/Target/CPU/CPUTarget.h"
#include "lowrank/Target/NVPTX/NVPTXTarget.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx_pb.h>

using namespace mlir;
using namespace llvm;

/// The tool's own options: `--help` lists these, not LLVM's backend ones.
static cl::OptionCategory runCategory("lowrank-run options");

static cl::opt<std::string> modelFile(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx|model.mlir>"),
                                      cl::cat(runCategory));
static cl::list<std::string>
    inputFiles("input", cl::desc("An input tensor (.pb or .npy), in order"),
               cl::value_desc("file"), cl::cat(runCategory));
static cl::list<std::string>
    expectFiles("expect",
                cl::desc("An expected output tensor (.pb or .npy), in order"),
                cl::value_desc("file"), cl::cat(runCategory));
static cl::opt<double> relativeTolerance(
    "rtol", cl::desc("Relative tolerance of float comparisons"),
    cl::init(lowrank::kDefaultRelativeTolerance), cl::cat(runCategory));
static cl::opt<double> absoluteTolerance(
    "atol", cl::desc("Absolute tolerance of float comparisons"),
    cl::init(lowrank::kDefaultAbsoluteTolerance), cl::cat(runCategory));
static cl::opt<std::string>
    outputDir("output-dir",
              cl::desc("Where to write output_<i>.pb without --expect"),
              cl::value_desc("dir"), cl::init("."), cl::cat(runCategory));
static cl::opt<bool>
    writeNumpy("npy", cl::desc("Write output_<i>.npy files instead of .pb"),
               cl::cat(runCategory));
static cl::opt<lowrank::Device> device(
    "device", cl::desc("Where to run the model"),
    cl::init(lowrank::Device::CPU),
    cl::values(clEnumValN(lowrank::Device::CPU, "cpu", "the host CPU"),
               clEnumValN(lowrank::Device::CUDA, "cuda",
                          "the first CUDA GPU, through the project's CUDA "
                          "runtime")),
    cl::cat(runCategory));
static cl::opt<std::string> cudaRuntime(
    "cuda-runtime",
    cl::desc("liblowrank_cuda_runtime.so for --device=cuda (default: the "
             "one in ../lib next to this tool)"),
    cl::value_desc("file"), cl::cat(runCategory));
static cl::opt<std::string>
    gpuChip("gpu-chip",
            cl::desc("GPU architecture the kernels are compiled for; the "
                     "driver compiles the PTX for the actual GPU"),
            cl::init("sm_80"));
static cl::opt<bool> symbolicDims(
    "symbolic-dims",
    cl::desc("Compile the model with its symbolic dimensions, as "
             "`lowrank-opt --emit=obj` does, instead of pinning them to the "
             "sizes of the --input tensors"),
    cl::cat(runCategory));
static cl::opt<bool> printOutputs("print",
                                  cl::desc("Print the outputs instead of "
                                           "writing them"),
                                  cl::cat(runCategory));

static int reportError(StringRef file, const Twine &message) {
  errs() << file << ": error: " << message << "\n";
  return 1;
}

/// The names of the graph inputs that are not initializers, in order: the
/// inputs a caller supplies.
static Expected<SmallVector<std::string>> getGraphInputNames(StringRef bytes) {
  ::onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return createStringError("not a valid ONNX model");
  llvm::StringSet<> initializers;
  for (const auto &initializer : model.graph().initializer())
    initializers.insert(initializer.name());
  SmallVector<std::string> names;
  for (const auto &input : model.graph().input())
    if (!initializers.contains(input.name()))
      names.push_back(input.name());
  return names;
}

static OwningOpRef<ModuleOp> loadModel(MLIRContext &context,
                                       ArrayRef<lowrank::HostTensor> inputs) {
  auto buffer = lowrank::readInputFile(modelFile);
  if (!buffer) {
    reportError(modelFile, toString(buffer.takeError()));
    return nullptr;
  }
  if (!lowrank::isONNXFile(modelFile, (*buffer)->getBuffer())) {
    auto sourceMgr = std::make_shared<SourceMgr>();
    sourceMgr->AddNewSourceBuffer(std::move(*buffer), SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, &context);
  }

  // Pinning every input to the shape of its tensor file makes the whole
  // graph static: shapes fold, and the products use the packed kernels.
  auto names = getGraphInputNames((*buffer)->getBuffer());
  if (!names) {
    reportError(modelFile, toString(names.takeError()));
    return nullptr;
  }
  if (names->size() != inputs.size()) {
    reportError(modelFile, "the model takes " + Twine(names->size()) +
                               " inputs ('" + join(*names, "', '") +
                               "'), got " + Twine(inputs.size()) +
                               " --input files");
    return nullptr;
  }
  lowrank::ONNXImportOptions options;
  options.expandOperatorFunctions = true;
  if (!symbolicDims)
    for (auto [name, tensor] : llvm::zip(*names, inputs))
      options.inputShapes[name] = SmallVector<int64_t>(tensor.getShape());
  return lowrank::importONNXFile(modelFile, &context, options);
}

/// Compares every output with its expected tensor and reports each one on
/// stdout. Returns the exit code.
static int checkOutputs(const lowrank::JitRunner &runner,
                        ArrayRef<lowrank::HostTensor> outputs,
                        ArrayRef<lowrank::HostTensor> expected) {
  int failures = 0;
  for (auto [i, output] : llvm::enumerate(outputs)) {
    const lowrank::TensorSignature &signature = runner.getOutputs()[i];
    if (!signature.presentation.isTensor()) {
      outs() << "output " << i << " '" << signature.name << "': "
             << "MISMATCH: the output is a "
             << signature.presentation.describeType()
             << ", which --expect does not compare; write it with "
                "--output-dir\n";
      ++failures;
      continue;
    }
    lowrank::TensorComparison result = lowrank::compareTensors(
        output, expected[i], relativeTolerance, absoluteTolerance);
    outs() << "output " << i << " '" << signature.name << "': ";
    if (result.matches) {
      outs() << "ok " << output.describe() << "\n";
      continue;
    }
    ++failures;
    if (!result.structuralMismatch.empty()) {
      outs() << "MISMATCH: " << result.structuralMismatch << "\n";
      continue;
    }
    outs() << "MISMATCH at index " << result.worstIndex << ": actual "
           << result.worstActual << ", expected " << result.worstExpected;
    if (result.worstAllowed > 0)
      outs() << ", tolerance " << format("%g", result.worstAllowed) << " (atol "
             << format("%g", double(absoluteTolerance)) << " + rtol "
             << format("%g", result.relativeTolerance) << " * |expected|)";
    outs() << "; " << result.mismatchCount << " of " << output.getNumElements()
           << " elements differ\n";
  }
  if (failures)
    outs() << "FAILED: " << failures << " of " << outputs.size()
           << " outputs differ\n";
  return failures ? 1 : 0;
}

static int writeOutputs(const lowrank::JitRunner &runner,
                        ArrayRef<lowrank::HostTensor> outputs) {
  if (std::error_code ec = sys::fs::create_directories(outputDir))
    return reportError(outputDir, "cannot create directory: " + ec.message());
  for (auto [i, output] : llvm::enumerate(outputs)) {
    SmallString<256> path(outputDir);
    sys::path::append(path,
                      "output_" + Twine(i) + (writeNumpy ? ".npy" : ".pb"));
    const lowrank::TensorSignature &signature = runner.getOutputs()[i];
    if (Error err = lowrank::writePresentedOutput(
            output, signature.presentation, signature.name, path, writeNumpy))
      return reportError(path, toString(std::move(err)));
  }
  return 0;
}

int main(int argc, char **argv) {
  InitLLVM initLLVM(argc, argv);
  // Mapped inputs truncated by another program end the run with an error.
  lowrank::installInputFileFaultHandler("lowrank-run");
  registerAllPasses();
  lowrank::registerLowrankConversionPasses();
  lowrank::registerLowrankGPUPipeline();
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "lowrank-run: JIT-compile a model for the host "
                              "CPU and run it on tensor files\n");

  SmallVector<lowrank::HostTensor> inputs, expected;
  for (const std::string &file : inputFiles) {
    auto tensor = lowrank::readTensorFile(file);
    if (!tensor)
      return reportError(file, toString(tensor.takeError()));
    inputs.push_back(std::move(*tensor));
  }
  for (const std::string &file : expectFiles) {
    auto tensor = lowrank::readTensorFile(file);
    if (!tensor)
      return reportError(file, toString(tensor.takeError()));
    expected.push_back(std::move(*tensor));
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  lowrank::registerImportDialects(registry);
  lowrank::registerCPUTranslations(registry);
  lowrank::registerNVPTXTarget(registry);
  MLIRContext context(registry);
  // An error is one line naming the node, not a dump of the IR.
  context.printOpOnDiagnostic(false);
  lowrank::ModelDiagnosticHandler handler(&context, modelFile);

  OwningOpRef<ModuleOp> module = loadModel(context, inputs);
  if (!module)
    return 1;
  lowrank::JitOptions jitOptions;
  jitOptions.device = device;
  jitOptions.gpuChip = gpuChip;
  jitOptions.cudaRuntimeLibrary =
      cudaRuntime.empty() ? lowrank::getDefaultCudaRuntimePath(
                                argv[0], reinterpret_cast<void *>(&reportError))
                          : std::string(cudaRuntime);
  std::unique_ptr<lowrank::JitRunner> runner =
      lowrank::JitRunner::compile(*module, jitOptions);
  if (!runner)
    return 1;
  if (!expected.empty() && expected.size() != runner->getOutputs().size())
    return reportError(modelFile,
                       "the graph has " + Twine(runner->getOutputs().size()) +
                           " outputs, got " + Twine(expected.size()) +
                           " --expect files");

  auto outputs = runner->run(inputs);
  if (!outputs)
    return reportError(modelFile, toString(outputs.takeError()));

  if (!expected.empty())
    return checkOutputs(*runner, *outputs, expected);
  if (printOutputs) {
    for (auto [i, output] : llvm::enumerate(*outputs)) {
      const lowrank::TensorSignature &signature = runner->getOutputs()[i];
      outs() << "output " << i << " '" << signature.name
             << "': " << output.describe() << " = ";
      if (Error err = lowrank::printPresentedOutput(outs(), output,
                                                    signature.presentation))
        return reportError(modelFile, toString(std::move(err)));
    }
    return 0;
  }
  return writeOutputs(*runner, *outputs);
}
