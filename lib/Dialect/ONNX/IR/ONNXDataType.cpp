//===- ONNXDataType.cpp - ONNX TensorProto data types <-> MLIR ------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXDataType.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace lowrank::onnx {

Type getElementType(int32_t onnxDataType, MLIRContext *context) {
  Builder b(context);
  switch (static_cast<ONNXDataType>(onnxDataType)) {
  case ONNXDataType::Float:
    return b.getF32Type();
  case ONNXDataType::Double:
    return b.getF64Type();
  case ONNXDataType::Float16:
    return b.getF16Type();
  case ONNXDataType::BFloat16:
    return b.getBF16Type();
  case ONNXDataType::Int8:
    return b.getIntegerType(8);
  case ONNXDataType::Int16:
    return b.getIntegerType(16);
  case ONNXDataType::Int32:
    return b.getIntegerType(32);
  case ONNXDataType::Int64:
    return b.getIntegerType(64);
  case ONNXDataType::UInt8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case ONNXDataType::UInt16:
    return b.getIntegerType(16, /*isSigned=*/false);
  case ONNXDataType::UInt32:
    return b.getIntegerType(32, /*isSigned=*/false);
  case ONNXDataType::UInt64:
    return b.getIntegerType(64, /*isSigned=*/false);
  case ONNXDataType::Bool:
    return b.getI1Type();
  case ONNXDataType::Int4:
    return b.getIntegerType(4);
  case ONNXDataType::UInt4:
    return b.getIntegerType(4, /*isSigned=*/false);
  case ONNXDataType::Int2:
    return b.getIntegerType(2);
  case ONNXDataType::UInt2:
    return b.getIntegerType(2, /*isSigned=*/false);
  case ONNXDataType::Float8E4M3FN:
    return Float8E4M3FNType::get(context);
  case ONNXDataType::Float8E4M3FNUZ:
    return Float8E4M3FNUZType::get(context);
  case ONNXDataType::Float8E5M2:
    return Float8E5M2Type::get(context);
  case ONNXDataType::Float8E5M2FNUZ:
    return Float8E5M2FNUZType::get(context);
  case ONNXDataType::Float8E8M0:
    return Float8E8M0FNUType::get(context);
  case ONNXDataType::Float4E2M1:
    return Float4E2M1FNType::get(context);
  case ONNXDataType::String:
    return {};
  }
  return {};
}

std::optional<int32_t> getONNXDataType(Type type) {
  auto code = [](ONNXDataType t) { return static_cast<int32_t>(t); };
  if (type.isF32())
    return code(ONNXDataType::Float);
  if (type.isF64())
    return code(ONNXDataType::Double);
  if (type.isF16())
    return code(ONNXDataType::Float16);
  if (type.isBF16())
    return code(ONNXDataType::BFloat16);
  if (isa<Float8E4M3FNType>(type))
    return code(ONNXDataType::Float8E4M3FN);
  if (isa<Float8E4M3FNUZType>(type))
    return code(ONNXDataType::Float8E4M3FNUZ);
  if (isa<Float8E5M2Type>(type))
    return code(ONNXDataType::Float8E5M2);
  if (isa<Float8E5M2FNUZType>(type))
    return code(ONNXDataType::Float8E5M2FNUZ);
  if (isa<Float8E8M0FNUType>(type))
    return code(ONNXDataType::Float8E8M0);
  if (isa<Float4E2M1FNType>(type))
    return code(ONNXDataType::Float4E2M1);
  auto intType = dyn_cast<IntegerType>(type);
  if (!intType)
    return std::nullopt;
  bool isUnsigned = intType.isUnsigned();
  switch (intType.getWidth()) {
  case 1:
    return code(ONNXDataType::Bool);
  case 2:
    return code(isUnsigned ? ONNXDataType::UInt2 : ONNXDataType::Int2);
  case 4:
    return code(isUnsigned ? ONNXDataType::UInt4 : ONNXDataType::Int4);
  case 8:
    return code(isUnsigned ? ONNXDataType::UInt8 : ONNXDataType::Int8);
  case 16:
    return code(isUnsigned ? ONNXDataType::UInt16 : ONNXDataType::Int16);
  case 32:
    return code(isUnsigned ? ONNXDataType::UInt32 : ONNXDataType::Int32);
  case 64:
    return code(isUnsigned ? ONNXDataType::UInt64 : ONNXDataType::Int64);
  default:
    return std::nullopt;
  }
}

int64_t getElementByteWidth(Type type) {
  unsigned bits = type.getIntOrFloatBitWidth();
  return static_cast<int64_t>(llvm::divideCeil(bits, 8));
}

} // namespace lowrank::onnx
