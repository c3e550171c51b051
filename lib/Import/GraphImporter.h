//===- GraphImporter.h - ONNX graphs into onnx dialect ops ------*- C++ -*-===//
//
// The state of one model's import, shared by the files of lib/Import: value
// scopes (a subgraph sees the values of the graphs around it), types from
// shape inference, tensor and attribute conversion, the versioned forms of
// modelled operators and the `onnx.Opaque` fallback.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_IMPORT_GRAPHIMPORTER_H
#define LOWRANK_LIB_IMPORT_GRAPHIMPORTER_H

#include "lowrank/Import/ONNXImporter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace lowrank {

/// The values and declared types visible in one graph: its own, then those
/// of the graphs that enclose it.
struct ValueScope {
  const ValueScope *parent = nullptr;
  llvm::StringMap<mlir::Value> values;
  llvm::StringMap<const ::onnx::TypeProto *> declaredTypes;

  mlir::Value lookup(llvm::StringRef name) const;
  const ::onnx::TypeProto *lookupType(llvm::StringRef name) const;
};

/// The operands and attributes of a node in the modelled (opset 17) form of
/// its operator, or the reason it has no such form.
struct ModelledForm {
  llvm::SmallVector<mlir::Value> operands;
  llvm::SmallVector<mlir::NamedAttribute> attributes;
  /// Set when the node stays an `onnx.Opaque` operation.
  std::string opaqueReason;
  /// Operands beyond the opset-17 operator's inputs that the modelled
  /// operation takes (axes read at run time).
  unsigned extraOperands = 0;
};

class GraphImporter {
public:
  GraphImporter(const ::onnx::ModelProto &model, llvm::StringRef path,
                mlir::MLIRContext *context, const ONNXImportOptions &options);

  mlir::OwningOpRef<mlir::ModuleOp> run();

  //===- Types, tensors and attributes (ONNXAttributes.cpp) -------------===//

  /// The MLIR type of an ONNX type: a ranked or unranked tensor, or
  /// `!onnx.value<...>` for anything else (sequences, maps, optionals,
  /// tensors of element types without a builtin form).
  mlir::Type convertType(const ::onnx::TypeProto &type);
  /// A tensor's contents as an attribute; null with an error emitted when
  /// the bytes are malformed, null without an error when the element type
  /// has no MLIR form (`unsupported` is then set).
  mlir::FailureOr<mlir::ElementsAttr>
  mapExternalTensor(const ::onnx::TensorProto &tensor, mlir::Location loc,
                    mlir::Type elementType);
  mlir::FailureOr<mlir::ElementsAttr>
  convertTensor(const ::onnx::TensorProto &tensor, mlir::Location loc,
                bool allowResource, bool *unsupported = nullptr);
  /// An attribute in the form the modelled operations use; std::nullopt
  /// when it has none (graphs, sparse tensors, type protos, string lists).
  std::optional<mlir::Attribute>
  convertAttribute(const ::onnx::AttributeProto &attr, mlir::Location loc,
                   bool &failed);
  mlir::FailureOr<mlir::ElementsAttr>
  convertConstantValue(const ::onnx::NodeProto &node, mlir::Location loc);

  //===- Versioned forms (OpsetAdapters.cpp) -----------------------------===//

  /// Brings `node`, whose schema at the model's opset was introduced in
  /// `sinceVersion`, to the modelled form of its operator. `resultType` is
  /// the type of its first output (null when unknown).
  ModelledForm getModelledForm(const ::onnx::NodeProto &node,
                               int sinceVersion,
                               llvm::ArrayRef<mlir::Value> inputs,
                               mlir::Type resultType, mlir::Location loc);

  //===- Graph walk (ONNXImporter.cpp) -----------------------------------===//

  mlir::LogicalResult importGraphBody(const ::onnx::GraphProto &graph,
                                      ValueScope &scope, bool topLevel);
  mlir::LogicalResult importNode(const ::onnx::NodeProto &node, int index,
                                 ValueScope &scope);
  mlir::Operation *tryImportModelled(const ::onnx::NodeProto &node,
                                     llvm::ArrayRef<mlir::Value> inputs,
                                     llvm::ArrayRef<std::string> outputs,
                                     const ValueScope &scope,
                                     mlir::Location loc, std::string &reason);
  mlir::FailureOr<mlir::Operation *>
  importOpaque(const ::onnx::NodeProto &node,
               llvm::ArrayRef<mlir::Value> inputs,
               const ValueScope &scope, mlir::Location loc,
               llvm::StringRef reason);
  /// Imports `graph` into a new block of `region`; `argTypes`, where given,
  /// replace the types of the graph's inputs.
  mlir::LogicalResult importSubgraph(const ::onnx::GraphProto &graph,
                                     mlir::Region &region,
                                     const ValueScope &outer,
                                     mlir::Location loc,
                                     llvm::ArrayRef<mlir::Type> argTypes = {});
  /// If, Loop and Scan as onnx.If, onnx.Loop and onnx.Scan with their
  /// subgraphs as regions (ControlFlowImport.cpp); null with `reason` set
  /// when the node stays opaque.
  mlir::FailureOr<mlir::Operation *> tryImportControlFlow(
      const ::onnx::NodeProto &node, llvm::ArrayRef<mlir::Value> inputs,
      llvm::ArrayRef<std::string> outputs, const ValueScope &scope,
      mlir::Location loc, std::string &reason);
  mlir::Value getNoValue();
  mlir::Value createI64Constant(llvm::ArrayRef<int64_t> values,
                                mlir::Location loc, bool scalar = false);
  mlir::Location nodeLoc(const ::onnx::NodeProto &node, int index);
  /// `{onnx.name = ...}` for each name: argument or result attributes.
  llvm::SmallVector<mlir::DictionaryAttr>
  getNameAttrs(llvm::ArrayRef<std::string> names);
  /// Names of the graph outputs, with the label table or ZipMap keys the
  /// expansion of ai.onnx.ml operators recorded on them.
  llvm::SmallVector<mlir::DictionaryAttr> getOutputAttrs(
      const ::google::protobuf::RepeatedPtrField<::onnx::ValueInfoProto>
          &outputs);
  /// A result type for an output that shape inference left untyped.
  mlir::Type guessResultType(const ::onnx::NodeProto &node,
                             llvm::ArrayRef<mlir::Value> inputs);

  const ::onnx::ModelProto &model;
  std::string path;
  std::string baseDir;
  mlir::MLIRContext *context;
  mlir::OpBuilder builder;
  const ONNXImportOptions &options;
  mlir::Location fileLoc;
  /// The default-domain opset of the model.
  int opsetVersion = 0;
  /// The `onnx.NoValue` of each block, created at its start.
  llvm::DenseMap<mlir::Block *, mlir::Value> noValues;
};

/// Whether `value` is produced by an `onnx.Constant`; its integer contents
/// in `out` when they are integers.
bool getConstantIntegers(mlir::Value value,
                         llvm::SmallVectorImpl<int64_t> &out);

} // namespace lowrank

#endif // LOWRANK_LIB_IMPORT_GRAPHIMPORTER_H
