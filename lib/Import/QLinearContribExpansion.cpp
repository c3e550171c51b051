//===- QLinearContribExpansion.cpp - ONNX Runtime's quantized operators ---===//
//
// ONNX Runtime's quantizer writes `com.microsoft` operators next to ONNX's
// QLinearConv and QLinearMatMul when it quantizes a whole model in operator
// form (the ONNX Model Zoo's int8 models, `quantize_static` with every
// operator type), and its graph optimizer fuses dynamic quantization into
// DynamicQuantizeMatMul and MatMulIntegerToFloat. For compilation each
// becomes standard nodes:
//
//   QLinearAdd, QLinearMul, QLinearSigmoid, QLinearLeakyRelu,
//   QLinearAveragePool, QLinearGlobalAveragePool, QLinearConcat
//     the inputs dequantized, the float operator, QuantizeLinear
//     (ONNX Runtime computes these in float too, or from a table of the
//     same float results);
//   QGemm
//     A dequantized per tensor, B per tensor or per column, the int32 bias
//     scaled by a_scale * b_scale, Gemm, and QuantizeLinear when the node
//     has an output scale (else the float result);
//   MatMulIntegerToFloat
//     float((A - a_zp)(B - b_zp)) * a_scale * b_scale + bias;
//   DynamicQuantizeMatMul
//     A quantized by DynamicQuantizeLinear first, as ONNX Runtime does, then
//     as MatMulIntegerToFloat.
//
// The output parameters of these operators are per tensor. Channels-last
// pooling keeps its node (opaque).
//
//===----------------------------------------------------------------------===//

#include "QuantizedExpansion.h"
#include "QuantizedNodes.h"

#include "llvm/ADT/STLExtras.h"

using namespace llvm;

namespace lowrank {
namespace {

using ::onnx::TensorProto;

/// A per-tensor parameter as a scalar (a one-element tensor of any rank).
const TargetShape kScalar = TargetShape(std::vector<int64_t>{});

std::string dequantizePerTensor(NodeWriter &w, const FusedNode &f, int input) {
  return writeDequantized(w, f.input(input), f.input(input + 1),
                          f.input(input + 2), kScalar);
}

/// QuantizeLinear(value, scale, zeroPoint) into `output`, per tensor.
void writeQuantized(NodeWriter &w, const std::string &value,
                    const std::string &scale, const std::string &zeroPoint,
                    const std::string &output) {
  std::vector<std::string> inputs = {value, reshapeTo(w, scale, kScalar)};
  if (!zeroPoint.empty())
    inputs.push_back(reshapeTo(w, zeroPoint, kScalar));
  w.add("QuantizeLinear", inputs, {output});
}

/// The node's attributes but `excluded`.
std::vector<::onnx::AttributeProto>
copyAttributes(const FusedNode &f, ArrayRef<StringRef> excluded = {}) {
  std::vector<::onnx::AttributeProto> attrs;
  for (const auto &attr : f.node.attribute())
    if (!llvm::is_contained(excluded, StringRef(attr.name())))
      attrs.push_back(attr);
  return attrs;
}

/// QLinearAdd and QLinearMul: (A, A_scale, A_zp, B, B_scale, B_zp,
/// C_scale, C_zp).
bool expandBinary(NodeWriter &w, const FusedNode &f, StringRef op) {
  std::string sum =
      w.add(op, {dequantizePerTensor(w, f, 0), dequantizePerTensor(w, f, 3)});
  writeQuantized(w, sum, f.input(6), f.input(7), f.output(0));
  return true;
}

/// Unary operators and pools: (X, X_scale, X_zp, Y_scale, Y_zp).
bool expandUnary(NodeWriter &w, const FusedNode &f, StringRef op,
                 std::vector<::onnx::AttributeProto> attrs) {
  if (f.getInt("channels_last", 0) != 0)
    return false;
  std::string value =
      w.add(op, {dequantizePerTensor(w, f, 0)}, {}, std::move(attrs));
  writeQuantized(w, value, f.input(3), f.input(4), f.output(0));
  return true;
}

/// QLinearConcat: (Y_scale, Y_zp, then X, X_scale, X_zp per input).
bool expandConcat(NodeWriter &w, const FusedNode &f) {
  int inputs = f.node.input_size();
  if (inputs < 5 || (inputs - 2) % 3 != 0)
    return false;
  std::vector<std::string> parts;
  for (int i = 2; i < inputs; i += 3)
    parts.push_back(dequantizePerTensor(w, f, i));
  std::string joined =
      w.add("Concat", parts, {}, copyAttributes(f, /*excluded=*/{}));
  writeQuantized(w, joined, f.input(0), f.input(1), f.output(0));
  return true;
}

/// QGemm: (A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp).
bool expandQGemm(NodeWriter &w, const FusedNode &f, const KnownRanks &ranks) {
  // Per-column parameters of B lie along N: B's axis 0 when transposed.
  int64_t columnAxis = f.getInt("transB", 0) ? 0 : 1;
  std::string b = writeCentered(w, f.input(3), f.input(5),
                                getAxisShape(ranks, f.input(5), 2, columnAxis),
                                TensorProto::FLOAT);
  b = w.add(
      "Mul",
      {b, w.cast(reshapeTo(w, f.input(4),
                           getAxisShape(ranks, f.input(4), 2, columnAxis)),
                 TensorProto::FLOAT)});
  std::vector<std::string> inputs = {dequantizePerTensor(w, f, 0), b};
  if (!f.input(6).empty()) {
    // The int32 bias is quantized with scale a_scale * b_scale.
    std::string scale =
        w.add("Mul", {reshapeTo(w, f.input(1), kScalar), f.input(4)});
    inputs.push_back(w.add("Mul", {w.cast(f.input(6), TensorProto::FLOAT),
                                   w.cast(scale, TensorProto::FLOAT)}));
  }
  bool quantized = !f.input(7).empty();
  std::string product = w.add("Gemm", inputs,
                              quantized ? std::vector<std::string>{}
                                        : std::vector<std::string>{f.output(0)},
                              copyAttributes(f));
  if (quantized)
    writeQuantized(w, product, f.input(7), f.input(8), f.output(0));
  return true;
}

/// float(MatMulInteger(a, b, a_zp, b_zp)) * a_scale * b_scale (+ bias)
/// into `output`.
void writeIntegerProductToFloat(NodeWriter &w, const KnownRanks &ranks,
                                const std::string &a, const std::string &aScale,
                                const std::string &aZeroPoint,
                                const std::string &b, const std::string &bScale,
                                const std::string &bZeroPoint,
                                const std::string &bias,
                                const std::string &output) {
  std::string product =
      w.cast(writeIntegerProduct(w, ranks, a, aZeroPoint, b, bZeroPoint),
             TensorProto::FLOAT);
  std::string scale = w.add("Mul", {reshapeTo(w, aScale, kScalar), bScale});
  std::string scaled = w.add("Mul", {product, scale},
                             bias.empty() ? std::vector<std::string>{output}
                                          : std::vector<std::string>{});
  if (!bias.empty())
    w.add("Add", {scaled, bias}, {output});
}

/// MatMulIntegerToFloat: (A, B, a_scale, b_scale, a_zp, b_zp, bias).
bool expandMatMulIntegerToFloat(NodeWriter &w, const FusedNode &f,
                                const KnownRanks &ranks) {
  writeIntegerProductToFloat(w, ranks, f.input(0), f.input(2), f.input(4),
                             f.input(1), f.input(3), f.input(5), f.input(6),
                             f.output(0));
  return true;
}

/// DynamicQuantizeMatMul: (A, B, b_scale, b_zp, bias), A float.
bool expandDynamicQuantizeMatMul(NodeWriter &w, const FusedNode &f,
                                 const KnownRanks &ranks) {
  std::string quantized = w.fresh("quantized"), scale = w.fresh("scale"),
              zeroPoint = w.fresh("zero_point");
  w.add("DynamicQuantizeLinear", {f.input(0)}, {quantized, scale, zeroPoint});
  writeIntegerProductToFloat(w, ranks, quantized, scale, zeroPoint, f.input(1),
                             f.input(2), f.input(3), f.input(4), f.output(0));
  return true;
}

} // namespace

bool isQLinearContribOperator(StringRef opType) {
  return llvm::is_contained(
      {"QLinearAdd", "QLinearMul", "QLinearSigmoid", "QLinearLeakyRelu",
       "QLinearAveragePool", "QLinearGlobalAveragePool", "QLinearConcat",
       "QGemm", "MatMulIntegerToFloat", "DynamicQuantizeMatMul"},
      opType);
}

bool expandQLinearContribOperator(NodeWriter &w, const FusedNode &f,
                                  const KnownRanks &ranks) {
  StringRef op = f.node.op_type();
  if (op == "QLinearAdd")
    return expandBinary(w, f, "Add");
  if (op == "QLinearMul")
    return expandBinary(w, f, "Mul");
  if (op == "QLinearSigmoid")
    return expandUnary(w, f, "Sigmoid", {});
  if (op == "QLinearLeakyRelu")
    return expandUnary(w, f, "LeakyRelu", copyAttributes(f));
  if (op == "QLinearGlobalAveragePool")
    return expandUnary(w, f, "GlobalAveragePool", {});
  if (op == "QLinearAveragePool")
    return expandUnary(w, f, "AveragePool",
                       copyAttributes(f, /*excluded=*/{"channels_last"}));
  if (op == "QLinearConcat")
    return expandConcat(w, f);
  if (op == "QGemm")
    return expandQGemm(w, f, ranks);
  if (op == "MatMulIntegerToFloat")
    return expandMatMulIntegerToFloat(w, f, ranks);
  if (op == "DynamicQuantizeMatMul")
    return expandDynamicQuantizeMatMul(w, f, ranks);
  return false;
}

} // namespace lowrank
