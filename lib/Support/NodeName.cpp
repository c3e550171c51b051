//===- NodeName.cpp - ONNX node names kept in locations -------------------===//

#include "lowrank/Support/NodeName.h"

#include "mlir/IR/Location.h"

using namespace mlir;

namespace lowrank {

std::optional<std::string> getNodeName(Operation *op) {
  std::optional<std::string> name;
  op->getLoc()->walk([&](Location loc) {
    if (auto nameLoc = dyn_cast<NameLoc>(loc)) {
      name = nameLoc.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

} // namespace lowrank
