//===- NodeName.h - ONNX node names kept in locations -----------*- C++ -*-===//

#ifndef LOWRANK_SUPPORT_NODENAME_H
#define LOWRANK_SUPPORT_NODENAME_H

#include "mlir/IR/Operation.h"

#include <optional>
#include <string>

namespace lowrank {

/// The name of the ONNX node `op` came from: the outermost NameLoc of its
/// location (the importer wraps the file location in the node name).
std::optional<std::string> getNodeName(mlir::Operation *op);

} // namespace lowrank

#endif // LOWRANK_SUPPORT_NODENAME_H
