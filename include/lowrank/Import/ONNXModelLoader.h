//===- ONNXModelLoader.h - Read and prepare an ONNX ModelProto --*- C++ -*-===//
//
// Loading is the part of import that talks to the ONNX library: parse the
// protobuf, upgrade old opsets, pin input shapes, run the ONNX checker and
// ONNX shape inference. It reports errors as strings naming the file.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_IMPORT_ONNXMODELLOADER_H
#define LOWRANK_IMPORT_ONNXMODELLOADER_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

namespace lowrank {

/// The opsets of the default domain the importer accepts natively. Older
/// models are upgraded to the lowest one with ONNX's version converter.
constexpr int64_t kMinONNXOpset = 13;
constexpr int64_t kMaxONNXOpset = 17;

struct ONNXLoadOptions {
  /// Shapes that replace the declared shapes of graph inputs, by input name
  /// (e.g. from `--onnx-input-shape=input_ids:1x128`). Symbolic or unknown
  /// dimensions become static, which lets shape arithmetic fold.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Run the ONNX checker before shape inference.
  bool runChecker = true;
};

/// Parses a `--onnx-input-shape` value, `name:d0xd1x...` (several separated
/// by `,`; a scalar is `name:`). Returns an error naming the bad entry.
llvm::Error parseInputShapes(llvm::StringRef spec,
                             llvm::StringMap<llvm::SmallVector<int64_t>> &out);

/// Reads `path`, checks it, pins input shapes and runs shape inference so
/// that every value has a type. The default-domain opset of the result is in
/// [kMinONNXOpset, kMaxONNXOpset].
llvm::Expected<::onnx::ModelProto> loadONNXModel(llvm::StringRef path,
                                               const ONNXLoadOptions &options);

/// Parses and prepares a model held in memory (for fuzzing and tests).
llvm::Expected<::onnx::ModelProto>
loadONNXModelFromBuffer(llvm::StringRef bytes, llvm::StringRef displayName,
                        const ONNXLoadOptions &options);

/// Runs the ONNX checker on the model file at `path`.
llvm::Error checkONNXModelFile(llvm::StringRef path);

} // namespace lowrank

#endif // LOWRANK_IMPORT_ONNXMODELLOADER_H
