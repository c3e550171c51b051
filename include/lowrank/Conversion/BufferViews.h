//===- BufferViews.h - Buffers behind memref views --------------*- C++ -*-===//
//
// Helpers of the passes that work on buffers.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_CONVERSION_BUFFERVIEWS_H
#define LOWRANK_CONVERSION_BUFFERVIEWS_H

#include "mlir/Interfaces/ViewLikeInterface.h"

namespace lowrank {

/// The buffer a memref view reads: through subviews, reshapes, casts and
/// transposes to an allocation, a global or an argument.
inline mlir::Value getRootBuffer(mlir::Value value) {
  while (auto view = value.getDefiningOp<mlir::ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

} // namespace lowrank

#endif // LOWRANK_CONVERSION_BUFFERVIEWS_H
