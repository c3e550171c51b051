//===- lowrank-opt.cpp - The lowrank-opt command --------------------------===//
//
// mlir-opt with the lowrank dialects, passes and pipelines, which also reads
// ONNX models and emits LLVM IR or object files.
//
//===----------------------------------------------------------------------===//

#include "ToolDriver.h"

#include "lowrank/Conversion/Passes.h"
#include "lowrank/Dialect/ONNX/Transforms/Passes.h"
#include "lowrank/Interfaces/LinearOpInterface.h"
#include "lowrank/Pipelines/GPUPipeline.h"
#include "lowrank/Pipelines/Pipelines.h"
#include "lowrank/Support/FileUtils.h"
#include "lowrank/Support/InputFiles.h"
#include "lowrank/Support/MappedWeights.h"
#include "lowrank/Target/CPU/CPUTarget.h"
#include "lowrank/Target/NVPTX/NVPTXTarget.h"
#include "lowrank/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"

using namespace mlir;
using namespace llvm;

int main(int argc, char **argv) {
  InitLLVM initLLVM(argc, argv);
  lowrank::reuseLargeAllocations();
  // Mapped inputs truncated by another program end the run with an error.
  lowrank::installInputFileFaultHandler("lowrank-opt");
  registerAllPasses();
  lowrank::registerLowrankConversionPasses();
  lowrank::registerONNXTransformsPasses();
  lowrank::registerLowrankPipelines();
  lowrank::registerLowrankGPUPipeline();
  lowrank::registerLowrankTransforms();

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  lowrank::registerImportDialects(registry);
  lowrank::registerLinalgLinearOpInterfaceModels(registry);
  lowrank::registerCPUTranslations(registry);
  lowrank::registerNVPTXTarget(registry);

  static cl::OptionCategory category("lowrank-opt options");
  static cl::opt<lowrank::EmitKind> emit(
      "emit", cl::desc("What to write"), cl::init(lowrank::EmitKind::MLIR),
      cl::values(clEnumValN(lowrank::EmitKind::MLIR, "mlir",
                            "MLIR after the given passes (default)"),
                 clEnumValN(lowrank::EmitKind::Linalg, "linalg",
                            "linalg-on-tensors MLIR (runs the onnx-to-linalg "
                            "pipeline)"),
                 clEnumValN(lowrank::EmitKind::ONNX, "onnx",
                            "an ONNX model (needs -o; the IR must still be "
                            "in the onnx dialect)"),
                 clEnumValN(lowrank::EmitKind::LLVM, "llvm",
                            "LLVM IR for the host CPU (runs the CPU pipeline)"),
                 clEnumValN(lowrank::EmitKind::Object, "obj",
                            "an object file for the host CPU"),
                 clEnumValN(lowrank::EmitKind::PTX, "ptx",
                            "PTX of the model's GPU kernels (runs the GPU "
                            "pipeline)"),
                 clEnumValN(lowrank::EmitKind::Cubin, "cubin",
                            "a cubin of the model's GPU kernels (GPU "
                            "pipeline, then ptxas)")),
      cl::cat(category));
  static cl::opt<bool> onnxExternalData(
      "onnx-external-data",
      cl::desc("With --emit=onnx, write the initializers to <output>.data "
               "(automatic above 1 GiB of tensors)"),
      cl::cat(category));
  static cl::opt<std::string> inputShapes(
      "onnx-input-shape",
      cl::desc("Pin ONNX input shapes: name:d0xd1x...[,name:...]"),
      cl::cat(category));
  static cl::opt<std::string> reportFile(
      "lowrank-report",
      cl::desc("Write the compression report (JSON) to this file"),
      cl::cat(category));
  static cl::opt<bool> reportTable(
      "lowrank-report-table",
      cl::desc("Print the compression report as a table on stderr"),
      cl::cat(category));
  static cl::opt<bool> noChecker("onnx-no-checker",
                                 cl::desc("Skip the ONNX model checker"),
                                 cl::cat(category));

  static cl::opt<std::string> gpuChip(
      "gpu-chip", cl::desc("GPU architecture of --emit=ptx|cubin"),
      cl::init("sm_80"), cl::cat(category));
  static cl::opt<unsigned> gpuPTX(
      "gpu-ptx",
      cl::desc("PTX ISA version of --emit=ptx|cubin, times ten (default: 70 "
               "below sm_90, 80 from sm_90 on)"),
      cl::init(0), cl::cat(category));

  static cl::opt<uint64_t> objectPartSize(
      "obj-part-size",
      cl::desc("With --emit=obj, compile a module of more LLVM instructions "
               "than this in parts of about this size, on all threads, and "
               "join them into one object (0: always whole)"),
      cl::init(lowrank::kDefaultInstructionsPerPart), cl::cat(category));

  // Errors name the file and the node or option; the IR of the operation
  // they are attached to (the whole module, for option errors) is not
  // printed unless asked for.
  SmallVector<char *> args(argv, argv + argc);
  static char quietDiagnostics[] = "--mlir-print-op-on-diagnostic=false";
  if (llvm::none_of(args, [](const char *arg) {
        return StringRef(arg).contains("mlir-print-op-on-diagnostic");
      }))
    args.insert(args.begin() + 1, quietDiagnostics);
  auto [inputFilename, outputFilename] = registerAndParseCLIOptions(
      static_cast<int>(args.size()), args.data(), "lowrank-opt", registry);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();

  std::string errorMessage;
  if (outputFilename != "-" && sys::fs::equivalent(inputFilename, outputFilename)) {
    errs() << outputFilename
           << ": error: the output file is the input file; refusing to "
              "overwrite it\n";
    return 1;
  }
  // A device (/dev/zero) never ends: reading it would fill the memory.
  sys::fs::file_status inputStatus;
  if (inputFilename != "-" && !sys::fs::status(inputFilename, inputStatus) &&
      (inputStatus.type() == sys::fs::file_type::character_file ||
       inputStatus.type() == sys::fs::file_type::block_file)) {
    errs() << inputFilename << ": error: not a regular file\n";
    return 1;
  }
  std::unique_ptr<MemoryBuffer> input =
      openInputFile(inputFilename, &errorMessage);
  if (!input) {
    errs() << inputFilename << ": error: " << errorMessage << "\n";
    return 1;
  }

  lowrank::DriverOptions options;
  options.inputFilename = inputFilename;
  options.outputFilename = outputFilename;
  options.emit = emit;
  options.import.runChecker = !noChecker;
  options.reportFilename = reportFile;
  options.gpuChip = gpuChip;
  options.gpuPTXVersion = gpuPTX;
  options.printReportTable = reportTable;
  options.onnxExternalData = onnxExternalData;
  options.objectPartSize = objectPartSize;
  if (Error err =
          lowrank::parseInputShapes(inputShapes, options.import.inputShapes)) {
    errs() << "lowrank-opt: error: " << toString(std::move(err)) << "\n";
    return 1;
  }

  bool isONNX = lowrank::isONNXFile(inputFilename, input->getBuffer());
  if (!isONNX && emit == lowrank::EmitKind::MLIR && reportFile.empty() &&
      !reportTable) {
    // Render in memory and replace the output in one rename, so a failure
    // leaves a previous output file as it was.
    SmallVector<char, 0> bytes;
    raw_svector_ostream os(bytes);
    if (failed(MlirOptMain(os, std::move(input), registry, config)))
      return 1;
    if (outputFilename == "-") {
      outs().write(bytes.data(), bytes.size());
      return 0;
    }
    MLIRContext context;
    ScopedDiagnosticHandler handler(&context, [](Diagnostic &diag) {
      errs() << "error: " << diag.str() << "\n";
      return success();
    });
    return failed(lowrank::writeFileAtomically(
               outputFilename, bytes, UnknownLoc::get(&context)))
               ? 1
               : 0;
  }
  return lowrank::runToolDriver(options, std::move(input), registry, config);
}
