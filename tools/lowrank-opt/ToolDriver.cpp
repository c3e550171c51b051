//===- ToolDriver.cpp - lowrank-opt's path for ONNX input and code --------===//

#include "ToolDriver.h"

#include "lowrank/Export/ONNXExporter.h"
#include "lowrank/Import/ONNXModelLoader.h"
#include "lowrank/Pipelines/GPUPipeline.h"
#include "lowrank/Pipelines/Pipelines.h"
#include "lowrank/Target/CPU/CPUTarget.h"
#include "lowrank/Target/NVPTX/NVPTXTarget.h"
#include "lowrank/Transforms/Report.h"

#include "lowrank/Support/Diagnostics.h"
#include "lowrank/Support/FileUtils.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace llvm;

namespace lowrank {

static OwningOpRef<ModuleOp> loadInput(const DriverOptions &options,
                                       std::unique_ptr<MemoryBuffer> input,
                                       MLIRContext &context) {
  auto sourceMgr = std::make_shared<SourceMgr>();
  sourceMgr->AddNewSourceBuffer(std::move(input), SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, &context);
}

/// Prints the report table and renders the JSON report into `json` (left
/// empty without --lowrank-report), before any output is written: a run
/// without a report fails with no output at all.
static LogicalResult renderReport(const DriverOptions &options, ModuleOp module,
                                  std::string &json) {
  if (options.reportFilename.empty() && !options.printReportTable)
    return success();
  if (options.printReportTable && failed(writeReportTable(module, errs()))) {
    errs() << options.inputFilename
           << ": error: no compression report (run lowrank-compress)\n";
    return failure();
  }
  if (options.reportFilename.empty())
    return success();
  llvm::raw_string_ostream os(json);
  if (failed(writeReportJSON(module, os))) {
    errs() << options.inputFilename
           << ": error: no compression report (run lowrank-compress)\n";
    return failure();
  }
  return success();
}

/// Writes the rendered report, after the main output succeeded: a run
/// that fails leaves no report behind.
static LogicalResult writeReport(const DriverOptions &options, ModuleOp module,
                                 StringRef json) {
  if (options.reportFilename.empty())
    return success();
  // `-` is standard output, as for -o.
  if (options.reportFilename == "-") {
    outs() << json;
    outs().flush();
    return success();
  }
  return writeFileAtomically(options.reportFilename,
                             ArrayRef<char>(json.data(), json.size()),
                             module.getLoc());
}

/// ONNX output of an ONNX input is the input model with only the nodes the
/// passes replaced changed; other input is exported from the IR alone.
static LogicalResult writeONNXOutput(const DriverOptions &options,
                                     ModuleOp module,
                                     const MemoryBuffer *onnxInput) {
  ONNXExportOptions exportOptions;
  if (options.onnxExternalData)
    exportOptions.externalDataThreshold = 0;
  if (!onnxInput)
    return writeONNXFile(module, options.outputFilename, exportOptions);
  Expected<::onnx::ModelProto> base =
      parseONNXModel(onnxInput->getBuffer(), options.inputFilename);
  if (!base) {
    errs() << toString(base.takeError()) << "\n";
    return failure();
  }
  if (Error err = inlineLocalFunctions(*base, options.inputFilename)) {
    errs() << toString(std::move(err)) << "\n";
    return failure();
  }
  StringRef baseDir = llvm::sys::path::parent_path(options.inputFilename);
  return writePatchedONNXFile(module, std::move(*base),
                              baseDir.empty() ? "." : baseDir,
                              options.outputFilename, exportOptions);
}

static LogicalResult writeOutput(const DriverOptions &options, ModuleOp module,
                                 const MlirOptMainConfig &config,
                                 const MemoryBuffer *onnxInput,
                                 TimingScope &timing) {
  if (options.emit == EmitKind::ONNX) {
    if (options.outputFilename == "-") {
      errs() << options.inputFilename
             << ": error: --emit=onnx needs an output file (-o)\n";
      return failure();
    }
    TimingScope exporting = timing.nest("Output");
    return writeONNXOutput(options, module, onnxInput);
  }
  // Render in memory, then replace the output file in one rename: an
  // interrupted or failed run leaves any previous output intact.
  SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream os(bytes);
  switch (options.emit) {
  case EmitKind::ONNX:
    llvm_unreachable("handled above");
  case EmitKind::MLIR:
  case EmitKind::Linalg:
    if (config.shouldEmitBytecode()) {
      if (failed(writeBytecodeToFile(module, os)))
        return failure();
    } else {
      module.print(os);
      os << "\n";
    }
    break;
  case EmitKind::LLVM:
  case EmitKind::Object: {
    llvm::LLVMContext llvmContext;
    if (options.emit == EmitKind::LLVM) {
      std::unique_ptr<llvm::Module> llvmModule =
          translateToHostLLVMIR(module, llvmContext, kModelOptLevel, &timing);
      if (!llvmModule)
        return failure();
      TimingScope emission = timing.nest("Output");
      llvmModule->print(os, nullptr);
      break;
    }
    std::unique_ptr<llvm::Module> llvmModule =
        translateToUnoptimizedHostLLVMIR(module, llvmContext, &timing);
    if (!llvmModule)
      return failure();
    // A large model is optimized and compiled in parts on the threads
    // that ran the passes (none with --mlir-disable-threading).
    MLIRContext *context = module.getContext();
    HostObjectOptions objectOptions;
    objectOptions.optLevel = kModelOptLevel;
    objectOptions.instructionsPerPart = options.objectPartSize;
    if (llvm::Error err = compileToHostObject(
            std::move(llvmModule), objectOptions,
            context->isMultithreadingEnabled() ? &context->getThreadPool()
                                               : nullptr,
            os, timing)) {
      errs() << options.outputFilename
             << ": error: cannot emit an object file for the host: "
             << llvm::toString(std::move(err)) << "\n";
      return failure();
    }
    break;
  }
  case EmitKind::PTX:
  case EmitKind::Cubin: {
    FailureOr<std::optional<std::string>> binary = getKernelBinary(module);
    if (failed(binary))
      return failure();
    if (*binary) {
      os << **binary;
    } else if (options.emit == EmitKind::PTX) {
      // Nothing to compute (empty outputs): a valid module without entries.
      GPUPipelineOptions gpuOptions;
      gpuOptions.chip = options.gpuChip;
      gpuOptions.ptxVersion = options.gpuPTXVersion;
      os << getEmptyPTXModule(options.gpuChip, getPTXVersion(gpuOptions));
    } else {
      errs() << options.inputFilename
             << ": error: the model launches no GPU kernel; there is no "
                "cubin to write\n";
      return failure();
    }
    break;
  }
  }
  if (options.outputFilename == "-") {
    outs().write(bytes.data(), bytes.size());
    return success();
  }
  return writeFileAtomically(options.outputFilename, bytes, module.getLoc());
}

/// The files an output must not replace: the input, and for ONNX input the
/// external data files its tensors name.
static SmallVector<std::string> getInputFiles(const DriverOptions &options,
                                              const MemoryBuffer *onnxInput) {
  SmallVector<std::string> files;
  if (options.inputFilename == "-")
    return files;
  files.push_back(options.inputFilename);
  if (!onnxInput)
    return files;
  Expected<::onnx::ModelProto> model =
      parseONNXModel(onnxInput->getBuffer(), options.inputFilename);
  if (!model) {
    consumeError(model.takeError());
    return files;
  }
  StringRef dir = llvm::sys::path::parent_path(options.inputFilename);
  for (const auto &tensor : model->graph().initializer())
    for (const auto &entry : tensor.external_data())
      if (entry.key() == "location") {
        SmallString<256> path(dir);
        llvm::sys::path::append(path, entry.value());
        if (!llvm::is_contained(files, path.str()))
          files.push_back(path.str().str());
      }
  return files;
}

/// Refuses outputs that are (or link to) an input or another output: a run
/// must never replace the model it reads, nor write two outputs into one
/// file.
static LogicalResult checkOutputFiles(const DriverOptions &options,
                                      const MemoryBuffer *onnxInput) {
  SmallVector<std::pair<std::string, StringRef>> outputs;
  if (options.outputFilename != "-")
    outputs.push_back({options.outputFilename, "output"});
  if (options.emit == EmitKind::ONNX && options.outputFilename != "-")
    outputs.push_back({options.outputFilename + ".data", "external data"});
  if (!options.reportFilename.empty() && options.reportFilename != "-")
    outputs.push_back({options.reportFilename, "report"});
  auto same = [](StringRef a, StringRef b) {
    bool result = false;
    return !llvm::sys::fs::equivalent(a, b, result) && result;
  };
  for (auto [i, output] : llvm::enumerate(outputs))
    for (size_t j = 0; j < i; ++j)
      if (output.first == outputs[j].first ||
          same(output.first, outputs[j].first)) {
        errs() << options.inputFilename << ": error: the " << output.second
               << " file '" << output.first << "' is also the "
               << outputs[j].second << " file\n";
        return failure();
      }
  if (llvm::none_of(outputs, [](const auto &output) {
        return llvm::sys::fs::exists(output.first);
      }))
    return success();
  for (const std::string &input : getInputFiles(options, onnxInput))
    for (const auto &[path, role] : outputs)
      if (same(path, input)) {
        errs() << options.inputFilename << ": error: the " << role << " file '"
               << path << "' is "
               << (input == options.inputFilename
                       ? "the input model"
                       : "external data of the input model ('" + input + "')")
               << "; choose another path\n";
        return failure();
      }
  return success();
}

int runToolDriver(const DriverOptions &options,
                  std::unique_ptr<MemoryBuffer> input,
                  DialectRegistry &registry, const MlirOptMainConfig &config) {
  MLIRContext context(registry);
  // Messages name the file and node; the IR of the operation is noise.
  context.printOpOnDiagnostic(false);
  context.allowUnregisteredDialects(config.shouldAllowUnregisteredDialects());
  ModelDiagnosticHandler handler(&context, options.inputFilename);

  // --mlir-timing reports the import and the output with the passes.
  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  TimingScope timing = timingManager.getRootScope();

  // ONNX input is kept to write it back with --emit=onnx.
  std::unique_ptr<MemoryBuffer> onnxInput;
  OwningOpRef<ModuleOp> module;
  TimingScope loading = timing.nest("Input");
  if (isONNXFile(options.inputFilename, input->getBuffer())) {
    ONNXImportOptions importOptions = options.import;
    importOptions.recordNodeIndices = options.emit == EmitKind::ONNX;
    importOptions.expandOperatorFunctions = options.emit != EmitKind::ONNX;
    module = importONNXBuffer(input->getBuffer(), options.inputFilename,
                              &context, importOptions);
    onnxInput = std::move(input);
  } else {
    module = loadInput(options, std::move(input), context);
  }
  loading.stop();
  if (!module)
    return 1;
  if (failed(checkOutputFiles(options, onnxInput.get())))
    return 1;

  PassManager pm(&context, ModuleOp::getOperationName(),
                 OpPassManager::Nesting::Implicit);
  pm.enableVerifier(config.shouldVerifyPasses());
  if (failed(applyPassManagerCLOptions(pm)))
    return 1;
  pm.enableTiming(timing);
  if (failed(config.setupPassPipeline(pm)))
    return 1;
  if (options.emit == EmitKind::Linalg)
    buildONNXToLinalgPipeline(pm);
  else if (options.emit == EmitKind::LLVM || options.emit == EmitKind::Object)
    buildCPUPipeline(pm, CPUPipelineOptions());
  else if (options.emit == EmitKind::PTX || options.emit == EmitKind::Cubin) {
    GPUPipelineOptions gpuOptions;
    gpuOptions.chip = options.gpuChip;
    gpuOptions.ptxVersion = options.gpuPTXVersion;
    gpuOptions.format = options.emit == EmitKind::PTX ? "isa" : "bin";
    buildGPUPipeline(pm, gpuOptions);
  }
  if (failed(pm.run(*module)))
    return 1;
  std::string reportJSON;
  if (failed(renderReport(options, *module, reportJSON)))
    return 1;
  // Runs writing the same output put their files in place one after the
  // other: a run's model never ends up beside another run's data.
  OutputFolderLock lock(options.outputFilename);
  if (failed(writeOutput(options, *module, config,
                         options.emit == EmitKind::ONNX ? onnxInput.get()
                                                        : nullptr,
                         timing)) ||
      failed(writeReport(options, *module, reportJSON)))
    return 1;
  timing.stop();
  return 0;
}

} // namespace lowrank
