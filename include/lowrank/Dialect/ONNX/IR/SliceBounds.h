//===- SliceBounds.h - ONNX Slice clamping of one axis ----------*- C++ -*-===//
//
// The ONNX rules that turn a Slice's start, end and step on an axis of static
// size into the first element read and the element count. Shared by the
// lowering of Slice and the refinement of its result type.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_SLICEBOUNDS_H
#define LOWRANK_DIALECT_ONNX_IR_SLICEBOUNDS_H

#include <algorithm>
#include <cstdint>

namespace lowrank::onnx {

struct SliceAxisBounds {
  int64_t start;
  int64_t size;
};

/// Negative start and end count from the end; both are clamped to the axis
/// ([0, dim] for a positive step, [-1, dim - 1] for a negative one).
inline SliceAxisBounds clampSliceAxis(int64_t dim, int64_t start, int64_t end,
                                      int64_t step) {
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  int64_t size;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    size = end > start ? (end - start + step - 1) / step : 0;
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    size = start > end ? (start - end - step - 1) / -step : 0;
  }
  return {start, size};
}

} // namespace lowrank::onnx

#endif // LOWRANK_DIALECT_ONNX_IR_SLICEBOUNDS_H
