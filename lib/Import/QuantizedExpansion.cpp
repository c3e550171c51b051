//===- QuantizedExpansion.cpp - ONNX's integer operators, expanded --------===//
//
// Quantized models (ONNX Runtime's quantizer, quantization-aware exports)
// carry ONNX's integer operators. For compilation each becomes standard
// nodes that compute it exactly as ONNX Runtime's CPU kernels do:
//
//   MatMulInteger(A, B, a_zp, b_zp)
//     = MatMul(int32(A) - int32(a_zp), int32(B) - int32(b_zp))
//   ConvInteger(x, w, x_zp, w_zp)
//     = int32(Conv(double(x) - double(x_zp), double(w) - double(w_zp)))
//   QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp)
//     = QuantizeLinear(float(MatMulInteger(a, b, a_zp, b_zp)) * m, 1, y_zp)
//       with m = a_scale * b_scale / y_scale in the scales' type
//   QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B)
//     = QuantizeLinear(float(Conv(... as ConvInteger ..., double(B))) * m,
//                      1, y_zp)
//
// The integer products accumulate in int32, as ONNX Runtime does. The
// convolutions accumulate in float64, which holds every int32 sum of 8-bit
// products exactly (standard Conv has no integer form); padding with zero
// after the zero point is subtracted is padding with the zero point, as the
// operators specify. QuantizeLinear rounds half to even and saturates, which
// is the requantization of ONNX Runtime (float multiplier, nearbyint, zero
// point, clamp). Per-row zero points and scales of A (a vector of M) become
// a column [M, 1]; per-channel ones of a convolution weight [M, 1, ...].
//
//===----------------------------------------------------------------------===//

#include "QuantizedExpansion.h"
#include "NodeWriter.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

#include <optional>

using namespace llvm;

namespace lowrank {
namespace {

using ::onnx::TensorProto;

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

  std::optional<int64_t> lookup(StringRef name) const {
    auto it = ranks.find(name);
    if (it == ranks.end())
      return std::nullopt;
    return it->second;
  }

private:
  StringMap<int64_t> ranks;
};

/// Where a vector of per-row or per-channel values must go to broadcast.
/// Empty when the value is used as it is.
using TargetShape = std::optional<std::vector<int64_t>>;

/// The shape a per-row value of A takes: a vector of M becomes [M, 1]. A
/// value whose rank or whose matrix's rank the model does not state is
/// taken per tensor (reshaped to a scalar, which fails at run time if it has
/// more than one element), as ONNX Runtime supports only that.
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

/// The shape a per-channel value of a convolution weight of rank
/// `weightRank` takes: [M, 1, ...] for the weight itself, or [1, M, 1, ...]
/// for the output when `forOutput`. A value of unknown rank is taken per
/// tensor, as in getRowShape.
TargetShape getChannelShape(const KnownRanks &ranks, StringRef value,
                            int64_t weightRank, bool forOutput) {
  std::optional<int64_t> valueRank = ranks.lookup(value);
  if (value.empty() || valueRank == 0)
    return TargetShape();
  if (valueRank != 1)
    return TargetShape(std::vector<int64_t>{});
  std::vector<int64_t> shape(weightRank, 1);
  shape[forOutput ? 1 : 0] = -1;
  return TargetShape(shape);
}

std::string reshapeTo(NodeWriter &w, const std::string &value,
                      const TargetShape &shape) {
  if (!shape)
    return value;
  return w.add("Reshape", {value, w.ints(*shape)});
}

/// `x - zeroPoint` in `type`, the zero point reshaped to `shape` first.
std::string writeCentered(NodeWriter &w, const std::string &x,
                          const std::string &zeroPoint,
                          const TargetShape &shape, int32_t type) {
  std::string value = w.cast(x, type);
  if (zeroPoint.empty())
    return value;
  return w.add("Sub", {value, w.cast(reshapeTo(w, zeroPoint, shape), type)});
}

/// (A - a_zp)(B - b_zp) in int32. Per-column zero points of B (a vector
/// of N) broadcast as they are.
std::string writeIntegerProduct(NodeWriter &w, const KnownRanks &ranks,
                                const std::string &a,
                                const std::string &aZeroPoint,
                                const std::string &b,
                                const std::string &bZeroPoint,
                                std::vector<std::string> outputs = {}) {
  std::string left = writeCentered(
      w, a, aZeroPoint, getRowShape(ranks, a, aZeroPoint), TensorProto::INT32);
  std::string right =
      writeCentered(w, b, bZeroPoint, TargetShape(), TensorProto::INT32);
  return w.add("MatMul", {left, right}, std::move(outputs));
}

/// The rank of a convolution's weight, from the model or its kernel_shape.
std::optional<int64_t> getWeightRank(const FusedNode &f,
                                     const KnownRanks &ranks,
                                     const std::string &weight) {
  if (std::optional<int64_t> rank = ranks.lookup(weight))
    return *rank;
  if (const ::onnx::AttributeProto *kernel = f.attr("kernel_shape"))
    return kernel->ints_size() + 2;
  return std::nullopt;
}

/// Conv(x - x_zp, w - w_zp, bias) in float64, with the node's attributes.
std::string
writeIntegerConv(NodeWriter &w, const FusedNode &f, const KnownRanks &ranks,
                 int64_t weightRank, const std::string &x,
                 const std::string &xZeroPoint, const std::string &weight,
                 const std::string &wZeroPoint, const std::string &bias) {
  TargetShape wShape =
      getChannelShape(ranks, wZeroPoint, weightRank, /*forOutput=*/false);
  std::vector<std::string> inputs = {
      writeCentered(w, x, xZeroPoint, TargetShape(), TensorProto::DOUBLE),
      writeCentered(w, weight, wZeroPoint, wShape, TensorProto::DOUBLE)};
  if (!bias.empty())
    inputs.push_back(w.cast(bias, TensorProto::DOUBLE));
  std::vector<::onnx::AttributeProto> attrs(f.node.attribute().begin(),
                                            f.node.attribute().end());
  return w.add("Conv", inputs, {}, std::move(attrs));
}

/// QuantizeLinear(float(accumulated) * multiplier, 1, zeroPoint) into
/// `output`: round half to even, add the zero point, saturate.
void writeRequantize(NodeWriter &w, const std::string &accumulated,
                     const std::string &multiplier,
                     const std::string &zeroPoint, const std::string &output) {
  std::string scaled = w.add("Mul", {w.cast(accumulated, TensorProto::FLOAT),
                                     w.cast(multiplier, TensorProto::FLOAT)});
  std::string scalarZeroPoint = w.add("Reshape", {zeroPoint, w.ints({})});
  w.add("QuantizeLinear", {scaled, w.floatScalar(1.0f), scalarZeroPoint},
        {output});
}

bool expandMatMulInteger(NodeWriter &w, const FusedNode &f,
                         const KnownRanks &ranks) {
  writeIntegerProduct(w, ranks, f.input(0), f.input(2), f.input(1), f.input(3),
                      {f.output(0)});
  return true;
}

bool expandQLinearMatMul(NodeWriter &w, const FusedNode &f,
                         const KnownRanks &ranks) {
  std::string product = writeIntegerProduct(w, ranks, f.input(0), f.input(2),
                                            f.input(3), f.input(5));
  std::string aScale =
      reshapeTo(w, f.input(1), getRowShape(ranks, f.input(0), f.input(1)));
  std::string multiplier =
      w.add("Div", {w.add("Mul", {aScale, f.input(4)}), f.input(6)});
  writeRequantize(w, product, multiplier, f.input(7), f.output(0));
  return true;
}

bool expandConvInteger(NodeWriter &w, const FusedNode &f,
                       const KnownRanks &ranks) {
  std::optional<int64_t> weightRank = getWeightRank(f, ranks, f.input(1));
  if (!weightRank)
    return false;
  std::string conv =
      writeIntegerConv(w, f, ranks, *weightRank, f.input(0), f.input(2),
                       f.input(1), f.input(3), /*bias=*/"");
  w.add("Cast", {conv}, {f.output(0)},
        {::onnx::MakeAttribute("to", int64_t(TensorProto::INT32))});
  return true;
}

bool expandQLinearConv(NodeWriter &w, const FusedNode &f,
                       const KnownRanks &ranks) {
  std::optional<int64_t> weightRank = getWeightRank(f, ranks, f.input(3));
  if (!weightRank)
    return false;
  std::string conv =
      writeIntegerConv(w, f, ranks, *weightRank, f.input(0), f.input(2),
                       f.input(3), f.input(5), f.input(8));
  std::string wScale = reshapeTo(w, f.input(4),
                                 getChannelShape(ranks, f.input(4), *weightRank,
                                                 /*forOutput=*/true));
  std::string multiplier =
      w.add("Div", {w.add("Mul", {f.input(1), wScale}), f.input(6)});
  writeRequantize(w, conv, multiplier, f.input(7), f.output(0));
  return true;
}

} // namespace

bool isExpandedQuantizedOperator(StringRef domain, StringRef opType) {
  return (domain.empty() || domain == "ai.onnx") &&
         llvm::is_contained(
             {"MatMulInteger", "ConvInteger", "QLinearMatMul", "QLinearConv"},
             opType);
}

void expandQuantizedOperators(::onnx::ModelProto &model) {
  ::onnx::GraphProto &graph = *model.mutable_graph();
  if (llvm::none_of(graph.node(), [](const ::onnx::NodeProto &node) {
        return isExpandedQuantizedOperator(node.domain(), node.op_type());
      }))
    return;
  int64_t opset = getDefaultOpset(model);
  StringSet<> taken = collectTakenNames(graph);
  KnownRanks ranks(graph);
  ::google::protobuf::RepeatedPtrField<::onnx::NodeProto> nodes;
  for (const ::onnx::NodeProto &node : graph.node()) {
    StringRef op = node.op_type();
    if (!isExpandedQuantizedOperator(node.domain(), op)) {
      *nodes.Add() = node;
      continue;
    }
    ::google::protobuf::RepeatedPtrField<::onnx::NodeProto> expansion;
    NodeWriter writer(node, expansion, taken);
    FusedNode fused{node, opset};
    bool expanded = false;
    if (op == "MatMulInteger")
      expanded = expandMatMulInteger(writer, fused, ranks);
    else if (op == "QLinearMatMul")
      expanded = expandQLinearMatMul(writer, fused, ranks);
    else if (op == "ConvInteger")
      expanded = expandConvInteger(writer, fused, ranks);
    else if (op == "QLinearConv")
      expanded = expandQLinearConv(writer, fused, ranks);
    if (!expanded) {
      *nodes.Add() = node;
      continue;
    }
    for (auto &n : expansion)
      *nodes.Add() = std::move(n);
  }
  graph.mutable_node()->Swap(&nodes);
}

} // namespace lowrank
