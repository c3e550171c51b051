//===- QuantizedNodes.h - Nodes of quantized arithmetic ---------*- C++ -*-===//
//
// What the expansions of quantized operators share (QuantizedExpansion.cpp
// for ONNX's, QLinearContribExpansion.cpp for ONNX Runtime's): the ranks a
// model states, where per-row and per-channel parameters broadcast, and the
// nodes that subtract zero points, dequantize and requantize.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_IMPORT_QUANTIZEDNODES_H
#define LOWRANK_LIB_IMPORT_QUANTIZEDNODES_H

#include "NodeWriter.h"

#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>
#include <vector>

namespace lowrank {

/// Ranks of the values whose rank the model states: initializers, graph
/// inputs, typed values and Constant nodes.
class KnownRanks {
public:
  explicit KnownRanks(const ::onnx::GraphProto &graph) {
    auto recordInfo = [&](const ::onnx::ValueInfoProto &info) {
      if (info.type().has_tensor_type() &&
          info.type().tensor_type().has_shape())
        ranks[info.name()] = info.type().tensor_type().shape().dim_size();
    };
    for (const auto &info : graph.input())
      recordInfo(info);
    for (const auto &info : graph.value_info())
      recordInfo(info);
    for (const auto &tensor : graph.initializer())
      ranks[tensor.name()] = tensor.dims_size();
    for (const auto &node : graph.node()) {
      if (node.op_type() != "Constant" || node.output_size() != 1)
        continue;
      for (const auto &attr : node.attribute()) {
        if (attr.name() == "value" && attr.has_t())
          ranks[node.output(0)] = attr.t().dims_size();
        else if (attr.name() == "value_float" || attr.name() == "value_int")
          ranks[node.output(0)] = 0;
        else if (attr.name() == "value_floats" || attr.name() == "value_ints")
          ranks[node.output(0)] = 1;
      }
    }
  }

  std::optional<int64_t> lookup(llvm::StringRef name) const {
    auto it = ranks.find(name);
    if (it == ranks.end())
      return std::nullopt;
    return it->second;
  }

private:
  llvm::StringMap<int64_t> ranks;
};

/// Where a vector of per-row or per-channel values must go to broadcast.
/// Empty when the value is used as it is.
using TargetShape = std::optional<std::vector<int64_t>>;

/// The shape a per-row value of A takes: a vector of M becomes [M, 1]. A
/// value whose rank or whose matrix's rank the model does not state is
/// taken per tensor (reshaped to a scalar, which fails at run time if it has
/// more than one element), as ONNX Runtime supports only that.
TargetShape getRowShape(const KnownRanks &ranks, llvm::StringRef matrix,
                        llvm::StringRef value);

/// The shape a per-channel value takes along dimension `axis` of a tensor
/// of rank `rank`: [1, .., M, .., 1]. A value of unknown rank is taken per
/// tensor, as in getRowShape.
TargetShape getAxisShape(const KnownRanks &ranks, llvm::StringRef value,
                         int64_t rank, int64_t axis);

/// `value` reshaped to `shape` (itself when none).
std::string reshapeTo(NodeWriter &w, const std::string &value,
                      const TargetShape &shape);

/// `x - zeroPoint` in `type`, the zero point reshaped to `shape` first.
std::string writeCentered(NodeWriter &w, const std::string &x,
                          const std::string &zeroPoint,
                          const TargetShape &shape, int32_t type);

/// (float(x) - float(zeroPoint)) * scale, both parameters reshaped to
/// `shape`: DequantizeLinear for any opset and any parameter axis.
std::string writeDequantized(NodeWriter &w, const std::string &x,
                             const std::string &scale,
                             const std::string &zeroPoint,
                             const TargetShape &shape);

/// (A - a_zp)(B - b_zp) in int32 into `outputs` (fresh when empty).
/// Per-row zero points of A become a column; per-column ones of B (a vector
/// of N) broadcast as they are.
std::string writeIntegerProduct(NodeWriter &w, const KnownRanks &ranks,
                                const std::string &a,
                                const std::string &aZeroPoint,
                                const std::string &b,
                                const std::string &bZeroPoint,
                                std::vector<std::string> outputs = {});

/// QuantizeLinear(float(accumulated) * multiplier, 1, zeroPoint) into
/// `output`: round half to even, add the zero point, saturate.
void writeRequantize(NodeWriter &w, const std::string &accumulated,
                     const std::string &multiplier,
                     const std::string &zeroPoint, const std::string &output);

/// Whether `opType` of the `com.microsoft` domain is one of ONNX Runtime's
/// quantized operators that QLinearContribExpansion.cpp expands.
bool isQLinearContribOperator(llvm::StringRef opType);

/// Writes the standard nodes of one such node; false (nothing written that
/// matters) for forms that keep their node.
bool expandQLinearContribOperator(NodeWriter &w, const FusedNode &f,
                                  const KnownRanks &ranks);

} // namespace lowrank

#endif // LOWRANK_LIB_IMPORT_QUANTIZEDNODES_H
