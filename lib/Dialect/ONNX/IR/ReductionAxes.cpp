//===- ReductionAxes.cpp - Reduction axes implied by static shapes -------===//

#include "lowrank/Dialect/ONNX/IR/ReductionAxes.h"

#include "llvm/ADT/bit.h"

using namespace mlir;
using namespace llvm;

namespace lowrank::onnx {

std::optional<SmallVector<int64_t>>
inferReductionAxes(RankedTensorType inputType, RankedTensorType resultType,
                    bool keepDims) {
  if (!inputType.hasStaticShape() || !resultType.hasStaticShape())
    return std::nullopt;
  ArrayRef<int64_t> input = inputType.getShape();
  ArrayRef<int64_t> result = resultType.getShape();
  SmallVector<int64_t> axes;
  if (keepDims) {
    if (input.size() != result.size())
      return std::nullopt;
    for (auto [dim, sizes] : llvm::enumerate(llvm::zip_equal(input, result))) {
      auto [inputSize, resultSize] = sizes;
      if (inputSize == resultSize)
        continue;
      if (resultSize != 1)
        return std::nullopt;
      axes.push_back(dim);
    }
    return axes;
  }

  int64_t rank = input.size();
  int64_t droppedCount = rank - static_cast<int64_t>(result.size());
  if (droppedCount < 0 || rank > 16)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> found;
  for (uint32_t dropped = 0; dropped < (1u << rank); ++dropped) {
    if (llvm::popcount(dropped) != droppedCount)
      continue;
    SmallVector<int64_t> kept;
    SmallVector<int64_t> candidate;
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (dropped & (1u << dim))
        candidate.push_back(dim);
      else
        kept.push_back(input[dim]);
    }
    if (ArrayRef<int64_t>(kept) != result)
      continue;
    if (found)
      return std::nullopt;
    found = std::move(candidate);
  }
  return found;
}

} // namespace lowrank::onnx
