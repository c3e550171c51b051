//===- GraphExporter.h - onnx dialect ops as ONNX nodes ---------*- C++ -*-===//
//
// Writes onnx dialect operations as NodeProtos and constants as
// initializers into one GraphProto, naming values uniquely. Used for whole
// functions (ONNXExporter.cpp) and for the operations that replace nodes of
// an input model (ONNXPatchExport.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_EXPORT_GRAPHEXPORTER_H
#define LOWRANK_LIB_EXPORT_GRAPHEXPORTER_H

#include "lowrank/Export/ONNXExporter.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace lowrank {

class GraphExporter {
public:
  GraphExporter(::onnx::GraphProto &graph, const ExternalDataSink *external,
                int64_t opset)
      : graph(graph), external(external), opset(opset) {}

  /// A name no value, node or initializer has yet, from `base`.
  std::string uniqueName(llvm::StringRef base);
  /// Marks `name` as taken (names of the model being patched).
  void reserveName(llvm::StringRef name) { usedNames.insert(name); }
  /// Gives `value` the name `name` (taken or not).
  void setName(mlir::Value value, llvm::StringRef name) {
    usedNames.insert(name);
    names[value] = name.str();
  }
  bool hasName(mlir::Value value) const { return names.count(value); }
  /// The name of `value`, made up from its producer when it has none.
  std::string nameOf(mlir::Value value);

  mlir::LogicalResult setType(::onnx::ValueInfoProto &info, mlir::Type type,
                              mlir::Location loc);
  mlir::LogicalResult fillTensor(::onnx::TensorProto &tensor,
                                 mlir::ElementsAttr value, mlir::Location loc,
                                 bool allowExternal);
  /// Writes tensor bytes as raw data, or to the external data sink when
  /// there is one and they are larger than 1 KiB.
  void fillTensorBytes(::onnx::TensorProto &tensor, llvm::ArrayRef<char> bytes,
                       bool allowExternal);
  /// One initializer for an onnx.Constant.
  mlir::LogicalResult exportConstant(mlir::Operation *constant,
                                     llvm::StringRef name);
  /// One node for `op`, appended to the graph; named `nodeName`, or after
  /// the node name in `op`'s location.
  mlir::LogicalResult exportNode(mlir::Operation *op,
                                 llvm::StringRef nodeName = "");
  /// A whole single-block function as the graph.
  mlir::LogicalResult exportFunction(mlir::Operation *func);

private:
  mlir::LogicalResult exportAttribute(::onnx::NodeProto &node,
                                      mlir::NamedAttribute attr,
                                      mlir::Location loc);
  mlir::LogicalResult exportOpaqueNode(mlir::Operation *op,
                                       ::onnx::NodeProto &node);

  ::onnx::GraphProto &graph;
  const ExternalDataSink *external;
  uint64_t externalSize = 0;
  int64_t opset;
  llvm::StringSet<> usedNames;
  llvm::DenseMap<mlir::Value, std::string> names;
  unsigned counter = 0;
};

/// Row-major element bytes of a dense or dense_resource attribute.
mlir::FailureOr<std::vector<char>> getElementBytes(mlir::ElementsAttr value);

} // namespace lowrank

#endif // LOWRANK_LIB_EXPORT_GRAPHEXPORTER_H
