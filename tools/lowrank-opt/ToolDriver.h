//===- ToolDriver.h - lowrank-opt's path for ONNX input and code --*- C++ -*-===//
//
// MlirOptMain handles `.mlir` input printed back as MLIR. Everything else
// (ONNX input, `--emit=llvm|obj`) goes through this driver, which runs the
// same pass pipeline flags but owns diagnostics and output files.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_TOOLS_LOWRANK_OPT_TOOLDRIVER_H
#define LOWRANK_TOOLS_LOWRANK_OPT_TOOLDRIVER_H

#include "lowrank/Import/ONNXImporter.h"

#include "lowrank/Target/CPU/ObjectInParts.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/MemoryBuffer.h"

namespace lowrank {

enum class EmitKind { MLIR, Linalg, ONNX, LLVM, Object, PTX, Cubin };

struct DriverOptions {
  std::string inputFilename;
  std::string outputFilename;
  EmitKind emit = EmitKind::MLIR;
  /// Where to write the compression report (JSON), and whether to print it
  /// as a table on stderr.
  std::string reportFilename;
  bool printReportTable = false;
  ONNXImportOptions import;
  /// Target of --emit=ptx|cubin: architecture and PTX version (0: the
  /// default for the architecture).
  std::string gpuChip = "sm_80";
  unsigned gpuPTXVersion = 0;
  /// With --emit=onnx: write initializers to `<output>.data` even when the
  /// model would fit in one protobuf (above 1 GiB of tensors it always
  /// does).
  bool onnxExternalData = false;
  /// With --emit=obj: LLVM instructions per part of a large module, whose
  /// parts are optimized and compiled in parallel (0: always whole).
  uint64_t objectPartSize = kDefaultInstructionsPerPart;
};

/// Imports or parses the input, runs the configured pipeline (plus the CPU
/// pipeline for LLVM IR and object output) and writes the result. Returns
/// the process exit code.
int runToolDriver(const DriverOptions &options,
                  std::unique_ptr<llvm::MemoryBuffer> input,
                  mlir::DialectRegistry &registry,
                  const mlir::MlirOptMainConfig &config);

} // namespace lowrank

#endif // LOWRANK_TOOLS_LOWRANK_OPT_TOOLDRIVER_H
