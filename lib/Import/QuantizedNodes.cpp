//===- QuantizedNodes.cpp - Nodes of quantized arithmetic -----------------===//
//
// See QuantizedNodes.h.
//
//===----------------------------------------------------------------------===//

#include "QuantizedNodes.h"

using namespace llvm;
using ::onnx::TensorProto;

namespace lowrank {

TargetShape getRowShape(const KnownRanks &ranks, StringRef matrix,
                        StringRef value) {
  std::optional<int64_t> valueRank = ranks.lookup(value);
  if (value.empty() || valueRank == 0)
    return TargetShape();
  std::optional<int64_t> matrixRank = ranks.lookup(matrix);
  if (valueRank == 1 && matrixRank && *matrixRank >= 2)
    return TargetShape(std::vector<int64_t>{-1, 1});
  if (valueRank == 1 && matrixRank == 1)
    return TargetShape();
  return TargetShape(std::vector<int64_t>{});
}

TargetShape getAxisShape(const KnownRanks &ranks, StringRef value, int64_t rank,
                         int64_t axis) {
  std::optional<int64_t> valueRank = ranks.lookup(value);
  if (value.empty() || valueRank == 0)
    return TargetShape();
  if (valueRank != 1)
    return TargetShape(std::vector<int64_t>{});
  std::vector<int64_t> shape(rank, 1);
  shape[axis] = -1;
  return TargetShape(shape);
}

std::string reshapeTo(NodeWriter &w, const std::string &value,
                      const TargetShape &shape) {
  if (!shape)
    return value;
  return w.add("Reshape", {value, w.ints(*shape)});
}

std::string writeDequantized(NodeWriter &w, const std::string &x,
                             const std::string &scale,
                             const std::string &zeroPoint,
                             const TargetShape &shape) {
  std::string centered =
      writeCentered(w, x, zeroPoint, shape, TensorProto::FLOAT);
  return w.add("Mul", {centered,
                       w.cast(reshapeTo(w, scale, shape), TensorProto::FLOAT)});
}

std::string writeCentered(NodeWriter &w, const std::string &x,
                          const std::string &zeroPoint,
                          const TargetShape &shape, int32_t type) {
  std::string value = w.cast(x, type);
  if (zeroPoint.empty())
    return value;
  return w.add("Sub", {value, w.cast(reshapeTo(w, zeroPoint, shape), type)});
}

std::string writeIntegerProduct(NodeWriter &w, const KnownRanks &ranks,
                                const std::string &a,
                                const std::string &aZeroPoint,
                                const std::string &b,
                                const std::string &bZeroPoint,
                                std::vector<std::string> outputs) {
  std::string left = writeCentered(
      w, a, aZeroPoint, getRowShape(ranks, a, aZeroPoint), TensorProto::INT32);
  std::string right =
      writeCentered(w, b, bZeroPoint, TargetShape(), TensorProto::INT32);
  return w.add("MatMul", {left, right}, std::move(outputs));
}

void writeRequantize(NodeWriter &w, const std::string &accumulated,
                     const std::string &multiplier,
                     const std::string &zeroPoint, const std::string &output) {
  std::string scaled = w.add("Mul", {w.cast(accumulated, TensorProto::FLOAT),
                                     w.cast(multiplier, TensorProto::FLOAT)});
  std::string scalarZeroPoint = w.add("Reshape", {zeroPoint, w.ints({})});
  w.add("QuantizeLinear", {scaled, w.floatScalar(1.0f), scalarZeroPoint},
        {output});
}

} // namespace lowrank
