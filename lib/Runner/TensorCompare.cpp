//===- TensorCompare.cpp - Comparing host tensors with tolerances ---------===//

#include "lowrank/Import/ONNXTensor.h"
#include "lowrank/Runner/HostTensor.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/MathExtras.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace llvm;

namespace lowrank {

/// The semantics of the 8- and 4-bit float types, stored a byte each.
static const fltSemantics *getSmallFloatSemantics(int32_t dataType) {
  switch (dataType) {
  case ::onnx::TensorProto::FLOAT8E4M3FN:
    return &APFloat::Float8E4M3FN();
  case ::onnx::TensorProto::FLOAT8E4M3FNUZ:
    return &APFloat::Float8E4M3FNUZ();
  case ::onnx::TensorProto::FLOAT8E5M2:
    return &APFloat::Float8E5M2();
  case ::onnx::TensorProto::FLOAT8E5M2FNUZ:
    return &APFloat::Float8E5M2FNUZ();
  case ::onnx::TensorProto::FLOAT8E8M0:
    return &APFloat::Float8E8M0FNU();
  case ::onnx::TensorProto::FLOAT4E2M1:
    return &APFloat::Float4E2M1FN();
  default:
    return nullptr;
  }
}

static bool isFloatType(int32_t dataType) {
  return dataType == ::onnx::TensorProto::FLOAT ||
         dataType == ::onnx::TensorProto::DOUBLE ||
         dataType == ::onnx::TensorProto::FLOAT16 ||
         dataType == ::onnx::TensorProto::BFLOAT16 ||
         getSmallFloatSemantics(dataType);
}

static bool isUnsignedType(int32_t dataType) {
  return dataType == ::onnx::TensorProto::UINT8 ||
         dataType == ::onnx::TensorProto::UINT16 ||
         dataType == ::onnx::TensorProto::UINT32 ||
         dataType == ::onnx::TensorProto::UINT64 ||
         dataType == ::onnx::TensorProto::UINT4 ||
         dataType == ::onnx::TensorProto::UINT2 ||
         dataType == ::onnx::TensorProto::BOOL;
}

template <typename T>
static T loadElement(const HostTensor &tensor, int64_t index) {
  T value;
  std::memcpy(&value, tensor.getData() + index * sizeof(T), sizeof(T));
  return value;
}

static float halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0) {
    // Zero or subnormal: the value is mantissa * 2^-24 exactly.
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  uint32_t floatBits =
      exponent == 0x1f ? sign | 0x7f800000 | (mantissa << 13)
                       : sign | ((exponent + 112) << 23) | (mantissa << 13);
  float value;
  std::memcpy(&value, &floatBits, sizeof(value));
  return value;
}

static double loadFloat(const HostTensor &tensor, int64_t index) {
  if (const fltSemantics *semantics =
          getSmallFloatSemantics(tensor.getDataType())) {
    unsigned width = APFloat::semanticsSizeInBits(*semantics);
    APInt bits(width,
               loadElement<uint8_t>(tensor, index) & ((1u << width) - 1));
    return APFloat(*semantics, bits).convertToDouble();
  }
  switch (tensor.getDataType()) {
  case ::onnx::TensorProto::FLOAT:
    return loadElement<float>(tensor, index);
  case ::onnx::TensorProto::DOUBLE:
    return loadElement<double>(tensor, index);
  case ::onnx::TensorProto::FLOAT16:
    return halfToFloat(loadElement<uint16_t>(tensor, index));
  default: { // bfloat16 is the upper half of a float32.
    uint32_t bits = uint32_t(loadElement<uint16_t>(tensor, index)) << 16;
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }
  }
}

/// Integers and bools widened to 64 bits; unsigned ones zero-extended, so
/// the bit patterns of two elements of one type compare like the values.
static uint64_t loadIntegerBits(const HostTensor &tensor, int64_t index) {
  int64_t size = tensor.getElementByteSize();
  bool isUnsigned = isUnsignedType(tensor.getDataType());
  // 4- and 2-bit integers: only the element's low bits count.
  if (int64_t bitWidth = getONNXPackedBitWidth(tensor.getDataType())) {
    uint64_t bits =
        loadElement<uint8_t>(tensor, index) & ((1u << bitWidth) - 1);
    return isUnsigned ? bits : uint64_t(SignExtend64(bits, bitWidth));
  }
  switch (size) {
  case 1:
    return isUnsigned ? loadElement<uint8_t>(tensor, index)
                      : uint64_t(int64_t(loadElement<int8_t>(tensor, index)));
  case 2:
    return isUnsigned ? loadElement<uint16_t>(tensor, index)
                      : uint64_t(int64_t(loadElement<int16_t>(tensor, index)));
  case 4:
    return isUnsigned ? loadElement<uint32_t>(tensor, index)
                      : uint64_t(int64_t(loadElement<int32_t>(tensor, index)));
  default:
    return loadElement<uint64_t>(tensor, index);
  }
}

std::string formatElement(const HostTensor &tensor, int64_t index) {
  int32_t dataType = tensor.getDataType();
  if (isFloatType(dataType)) {
    double value = loadFloat(tensor, index);
    if (std::isnan(value))
      return "nan";
    if (std::isinf(value))
      return value > 0 ? "inf" : "-inf";
    // 9 significant digits distinguish any two float32 values.
    int digits = dataType == ::onnx::TensorProto::DOUBLE ? 17 : 9;
    std::string text;
    raw_string_ostream(text) << format("%.*g", digits, value);
    return text;
  }
  uint64_t bits = loadIntegerBits(tensor, index);
  if (dataType == ::onnx::TensorProto::BOOL)
    return bits ? "true" : "false";
  if (isUnsignedType(dataType))
    return utostr(bits);
  return itostr(static_cast<int64_t>(bits));
}

TensorComparison compareTensors(const HostTensor &actual,
                                const HostTensor &expected, double rtol,
                                double atol) {
  TensorComparison result;
  if (actual.getDataType() != expected.getDataType() ||
      actual.getShape() != expected.getShape()) {
    result.matches = false;
    result.structuralMismatch = "got " + actual.describe() +
                                ", expected " + expected.describe();
    return result;
  }

  bool isFloat = isFloatType(actual.getDataType());
  // Half-precision results differ by a unit or two in the last place with
  // any change of accumulation order: the relative tolerance is at least two
  // units of the type (float16: 2 * 2^-10, bfloat16: 2 * 2^-7).
  if (actual.getDataType() == ::onnx::TensorProto::FLOAT16)
    rtol = std::max(rtol, 2.0 / 1024);
  else if (actual.getDataType() == ::onnx::TensorProto::BFLOAT16)
    rtol = std::max(rtol, 2.0 / 128);
  result.relativeTolerance = rtol;
  double worstMargin = -1;
  int64_t count = actual.getNumElements();
  for (int64_t i = 0; i < count; ++i) {
    // How far the element lies outside its tolerance; <= 0 is a match.
    double margin, allowed = 0;
    if (isFloat) {
      double a = loadFloat(actual, i), e = loadFloat(expected, i);
      if (std::isnan(e) || std::isnan(a)) {
        margin = std::isnan(e) && std::isnan(a)
                     ? 0
                     : std::numeric_limits<double>::infinity();
      } else if (std::isinf(e) || std::isinf(a)) {
        margin = a == e ? 0 : std::numeric_limits<double>::infinity();
      } else {
        allowed = atol + rtol * std::fabs(e);
        margin = std::fabs(a - e) - allowed;
      }
    } else {
      uint64_t a = loadIntegerBits(actual, i), e = loadIntegerBits(expected, i);
      // Only the order of mismatches matters; doubles keep it closely enough.
      bool isUnsigned = isUnsignedType(actual.getDataType());
      double da = isUnsigned ? double(a) : double(int64_t(a));
      double de = isUnsigned ? double(e) : double(int64_t(e));
      margin = a == e ? 0 : std::max(std::fabs(da - de), 1.0);
    }
    if (margin <= 0)
      continue;
    ++result.mismatchCount;
    if (margin > worstMargin) {
      worstMargin = margin;
      result.worstIndex = i;
      result.worstAllowed = allowed;
    }
  }
  if (result.mismatchCount == 0)
    return result;
  result.matches = false;
  result.worstActual = formatElement(actual, result.worstIndex);
  result.worstExpected = formatElement(expected, result.worstIndex);
  return result;
}

} // namespace lowrank
