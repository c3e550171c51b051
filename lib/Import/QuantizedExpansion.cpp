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
#include "QuantizedNodes.h"

#include "llvm/ADT/STLExtras.h"

#include <optional>

using namespace llvm;

namespace lowrank {
namespace {

using ::onnx::TensorProto;

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
  TargetShape wShape = getAxisShape(ranks, wZeroPoint, weightRank, 0);
  std::vector<std::string> inputs = {
      writeCentered(w, x, xZeroPoint, TargetShape(), TensorProto::DOUBLE),
      writeCentered(w, weight, wZeroPoint, wShape, TensorProto::DOUBLE)};
  if (!bias.empty())
    inputs.push_back(w.cast(bias, TensorProto::DOUBLE));
  std::vector<::onnx::AttributeProto> attrs(f.node.attribute().begin(),
                                            f.node.attribute().end());
  return w.add("Conv", inputs, {}, std::move(attrs));
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
  // Per-channel scales multiply the output's channels (axis 1).
  std::string wScale =
      reshapeTo(w, f.input(4), getAxisShape(ranks, f.input(4), *weightRank, 1));
  std::string multiplier =
      w.add("Div", {w.add("Mul", {f.input(1), wScale}), f.input(6)});
  writeRequantize(w, conv, multiplier, f.input(7), f.output(0));
  return true;
}

} // namespace

bool isExpandedQuantizedOperator(StringRef domain, StringRef opType) {
  if (domain == "com.microsoft")
    return isQLinearContribOperator(opType);
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
    else if (op == "QLinearConv" && node.domain() != "com.microsoft")
      expanded = expandQLinearConv(writer, fused, ranks);
    else if (node.domain() == "com.microsoft")
      expanded = expandQLinearContribOperator(writer, fused, ranks);
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
