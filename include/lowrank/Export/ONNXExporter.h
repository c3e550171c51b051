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
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

#include <onnx/onnx_pb.h>

namespace lowrank {

struct ONNXExportOptions {
  /// Initializers are written to `<output>.data` beside the model when the
  /// model's tensors add up to more than this many bytes (protobuf cannot
  /// hold 2 GB); 0 always writes external data.
  int64_t externalDataThreshold = int64_t(1) << 30;
};

/// Where initializers go as external data: a stream positioned at the start
/// of the data file, and the file name the model refers to it by.
struct ExternalDataSink {
  llvm::raw_ostream *stream;
  std::string location;
};

/// Builds the ModelProto of `module`'s entry function. Emits an error on
/// the first op that has no ONNX form. With `externalData`, the tensors
/// larger than 1 KiB are written to its stream (4 KiB aligned) and
/// referenced as external data.
mlir::LogicalResult
exportONNXModel(mlir::ModuleOp module, ::onnx::ModelProto &model,
                const ExternalDataSink *externalData = nullptr);

/// Builds a model; with a sink, its large tensors go to the sink as
/// external data.
using BuildModelFn = llvm::function_ref<mlir::LogicalResult(
    ::onnx::ModelProto &, const ExternalDataSink *)>;

/// Writes the model `build` makes to `path` (and its tensors to
/// `<path>.data` when `externalData`), checking it with the ONNX checker.
/// Files are written under temporary names and renamed when complete, so a
/// failure or an interrupt leaves no partial output and any previous
/// output intact.
mlir::LogicalResult writeModelFile(mlir::Location loc, llvm::StringRef path,
                                   bool externalData,
                                   const BuildModelFn &build);

/// The IR version an ONNX model of this default-domain opset is written
/// with.
int64_t getIRVersionForOpset(int64_t opset);

/// Writes `base`, the input model as read (model-local functions inlined),
/// with the nodes whose operations `module` no longer has (the ones
/// `onnx.node_index` marks) replaced by the operations that replaced them.
/// Everything else in `base` (node names, order, attributes, doc strings,
/// value_info, metadata, opset imports, IR version) is kept. `baseDir` is
/// where `base`'s external data lies.
mlir::LogicalResult writePatchedONNXFile(mlir::ModuleOp module,
                                         ::onnx::ModelProto base,
                                         llvm::StringRef baseDir,
                                         llvm::StringRef path,
                                         const ONNXExportOptions &options = {});

/// Exports and writes `path` (and `<path>.data` with external data),
/// checking the result with the ONNX checker. Files are written under
/// temporary names and renamed when complete, so a failure or an interrupt
/// leaves no partial output and any previous output intact.
mlir::LogicalResult writeONNXFile(mlir::ModuleOp module, llvm::StringRef path,
                                  const ONNXExportOptions &options = {});

} // namespace lowrank

#endif // LOWRANK_EXPORT_ONNXEXPORTER_H
