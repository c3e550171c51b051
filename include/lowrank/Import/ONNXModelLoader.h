//===- ONNXModelLoader.h - Read and prepare an ONNX ModelProto --*- C++ -*-===//
//
// Loading is the part of import that talks to the ONNX library: parse the
// protobuf, check its opset imports, inline model-local functions, pin input
// shapes, run the ONNX checker and ONNX shape inference. It reports errors
// as strings naming the file.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_IMPORT_ONNXMODELLOADER_H
#define LOWRANK_IMPORT_ONNXMODELLOADER_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

#include <functional>

namespace lowrank {

/// The oldest default-domain opset the importer accepts; the newest is the
/// newest the ONNX library knows (`getMaxONNXOpset`). Operator versions whose
/// form the importer does not bring to the modelled one stay opaque.
constexpr int64_t kMinONNXOpset = 1;

/// The newest default-domain opset of the ONNX library in use.
int64_t getMaxONNXOpset();

/// Whether `domain` names ONNX's default operator domain.
inline bool isDefaultONNXDomain(llvm::StringRef domain) {
  return domain.empty() || domain == "ai.onnx";
}

struct ONNXLoadOptions {
  /// Shapes that replace the declared shapes of graph inputs, by input name
  /// (e.g. from `--onnx-input-shape=input_ids:1x128`). Symbolic or unknown
  /// dimensions become static, which lets shape arithmetic fold.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Run the ONNX checker before shape inference.
  bool runChecker = true;
  /// Whether an operator of the default domain has a modelled operation.
  /// When set, shape inference failures of nodes of other operators (which
  /// stay opaque) are not errors; when null, every failure is.
  std::function<bool(llvm::StringRef)> isModelledOperator;
  /// Replace nodes of operators that have no modelled operation but an
  /// ONNX function body by that body (needs `isModelledOperator`). For
  /// compilation; export to ONNX writes the model's own nodes back.
  bool expandOperatorFunctions = false;
};

/// Parses a `--onnx-input-shape` value, `name:d0xd1x...` (several separated
/// by `,`; a scalar is `name:`). Returns an error naming the bad entry.
llvm::Error parseInputShapes(llvm::StringRef spec,
                             llvm::StringMap<llvm::SmallVector<int64_t>> &out);

/// Reads `path`, checks it, inlines its model-local functions, pins input
/// shapes and runs shape inference so that values have types. The nodes
/// keep the model's opset; the importer reads each by its version.
llvm::Expected<::onnx::ModelProto> loadONNXModel(llvm::StringRef path,
                                               const ONNXLoadOptions &options);

/// Parses and prepares a model held in memory. `path`, when given, is the
/// file the bytes came from: external data is resolved beside it.
llvm::Expected<::onnx::ModelProto>
loadONNXModelFromBuffer(llvm::StringRef bytes, llvm::StringRef displayName,
                        const ONNXLoadOptions &options,
                        llvm::StringRef path = "");

/// Parses a model without preparing it.
llvm::Expected<::onnx::ModelProto> parseONNXModel(llvm::StringRef bytes,
                                                  llvm::StringRef displayName);

/// Checks the model's opset imports: one entry per domain, a default-domain
/// opset from kMinONNXOpset to getMaxONNXOpset().
llvm::Error checkOpsetImports(const ::onnx::ModelProto &model,
                              llvm::StringRef displayName);

/// Replaces calls of model-local functions by their bodies, as the importer
/// and export see the model.
llvm::Error inlineLocalFunctions(::onnx::ModelProto &model,
                                 llvm::StringRef displayName);

/// Runs the ONNX checker on the model file at `path`.
llvm::Error checkONNXModelFile(llvm::StringRef path);

} // namespace lowrank

#endif // LOWRANK_IMPORT_ONNXMODELLOADER_H
