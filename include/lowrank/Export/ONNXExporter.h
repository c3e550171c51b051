//===- ONNXExporter.h - The onnx dialect back to an ONNX model --*- C++ -*-===//
//
// Writes a module whose entry function holds only onnx dialect ops as an
// ONNX ModelProto: function arguments become graph inputs, onnx.Constant
// ops initializers (raw data, or external data for large models), every
// other op one node with its attributes, and the function's results the
// graph outputs. Value and node names come from the `onnx.name` attributes
// and the ops' locations where the importer kept them.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_EXPORT_ONNXEXPORTER_H
#define LOWRANK_EXPORT_ONNXEXPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

namespace lowrank {

struct ONNXExportOptions {
  /// Initializers are written to `<output>.data` beside the model when the
  /// model's tensors add up to more than this many bytes (protobuf cannot
  /// hold 2 GB); 0 always writes external data.
  int64_t externalDataThreshold = int64_t(1) << 30;
};

/// Builds the ModelProto of `module`'s entry function. Emits an error on
/// the first op that has no ONNX form. `externalDataPath`, when non-empty,
/// receives the tensors larger than 1 KiB as external data referenced by
/// its file name.
mlir::LogicalResult exportONNXModel(mlir::ModuleOp module,
                                    ::onnx::ModelProto &model,
                                    llvm::StringRef externalDataPath = "");

/// Exports and writes `path` (and its external data file), checking the
/// result with the ONNX checker. Files are written under temporary names
/// and renamed when complete, so a failure leaves no partial output.
mlir::LogicalResult writeONNXFile(mlir::ModuleOp module, llvm::StringRef path,
                                  const ONNXExportOptions &options = {});

} // namespace lowrank

#endif // LOWRANK_EXPORT_ONNXEXPORTER_H
