//===- ONNXImporter.h - ONNX models into the onnx dialect -------*- C++ -*-===//
//
// Turns an ONNX ModelProto into a module holding one `func.func` whose body
// has one onnx dialect op per ONNX node.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_IMPORT_ONNXIMPORTER_H
#define LOWRANK_IMPORT_ONNXIMPORTER_H

#include "lowrank/Import/ONNXModelLoader.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir {
class MLIRContext;
class DialectRegistry;
} // namespace mlir

namespace lowrank {

/// Name of the function an imported graph becomes. The compiled entry point
/// is `_mlir_ciface_main_graph` (see docs/ABI.md).
constexpr llvm::StringLiteral kGraphFunctionName = "main_graph";

/// Attributes the importer sets: the ONNX value names of the function's
/// arguments and results, and the graph's name on the function.
constexpr llvm::StringLiteral kONNXNameAttr = "onnx.name";
constexpr llvm::StringLiteral kONNXGraphNameAttr = "onnx.graph_name";
/// The default-domain opset of the imported model, on the module.
constexpr llvm::StringLiteral kONNXOpsetAttr = "onnx.opset";
/// With `recordNodeIndices`: the index of the node an operation was imported
/// from in its graph (the model's, or a subgraph's for operations in the
/// regions of `onnx.Opaque`), and the name of the initializer a top-level
/// constant holds.
/// ONNX export keeps exactly the nodes whose operations still carry theirs.
constexpr llvm::StringLiteral kONNXNodeIndexAttr = "onnx.node_index";
constexpr llvm::StringLiteral kONNXInitializerAttr = "onnx.initializer";
/// Why a node was imported as `onnx.Opaque` (code generation says it).
constexpr llvm::StringLiteral kONNXOpaqueReasonAttr = "onnx.opaque_reason";
/// On a result that holds int64 indices into this array of strings (a
/// classifier's string labels): the model's output is the table's entries.
constexpr llvm::StringLiteral kLabelTableAttr = "lowrank.label_table";
/// On a float [N, K] result that holds ZipMap's probabilities: the model's
/// output is a sequence of N maps from these K keys (integers or strings)
/// to the row's values.
constexpr llvm::StringLiteral kZipMapKeysAttr = "lowrank.zip_map_keys";

struct ONNXImportOptions : ONNXLoadOptions {
  /// Initializers with more elements than this are stored as
  /// `dense_resource` blobs; smaller ones (shapes, scalars) as dense
  /// attributes, which folding reads directly.
  int64_t inlineConstantLimit = 16;
  /// Mark operations with the node or initializer they come from (for
  /// ONNX export of the input model with only the changed nodes replaced).
  bool recordNodeIndices = false;
};

/// Imports an already loaded model. `path` is used in locations and to find
/// external data. Errors are emitted as diagnostics in `context`.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXModel(const ::onnx::ModelProto &model, llvm::StringRef path,
                mlir::MLIRContext *context, const ONNXImportOptions &options);

/// Loads and imports the model at `path`; emits a diagnostic and returns null
/// on failure.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXFile(llvm::StringRef path, mlir::MLIRContext *context,
               const ONNXImportOptions &options);

/// Loads and imports a model held in memory; `path` names it in messages
/// and is where external data is looked for.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXBuffer(llvm::StringRef bytes, llvm::StringRef path,
                 mlir::MLIRContext *context, const ONNXImportOptions &options);

/// Whether a file looks like an ONNX model: a `.onnx` extension, or bytes
/// that do not start like MLIR text or bytecode but parse as a ModelProto.
bool isONNXFile(llvm::StringRef path, llvm::StringRef contents);

/// Registers the dialects imported IR uses.
void registerImportDialects(mlir::DialectRegistry &registry);

} // namespace lowrank

#endif // LOWRANK_IMPORT_ONNXIMPORTER_H
