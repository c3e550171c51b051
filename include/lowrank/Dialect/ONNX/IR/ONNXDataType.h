//===- ONNXDataType.h - ONNX TensorProto data types <-> MLIR ----*- C++ -*-===//
//
// The mapping between ONNX `TensorProto.DataType` numbers and MLIR element
// types, shared by the importer, the verifiers, the runner and the exporter.
// ONNX signed integers map to signless MLIR integers, unsigned ones to
// unsigned MLIR integers and BOOL to i1.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXDATATYPE_H
#define LOWRANK_DIALECT_ONNX_IR_ONNXDATATYPE_H

#include "mlir/IR/Types.h"
#include <cstdint>
#include <optional>

namespace lowrank::onnx {

/// The ONNX TensorProto.DataType numbers this project understands.
enum class ONNXDataType : int32_t {
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  BFloat16 = 16,
  Float8E4M3FN = 17,
  Float8E4M3FNUZ = 18,
  Float8E5M2 = 19,
  Float8E5M2FNUZ = 20,
  UInt4 = 21,
  Int4 = 22,
  Float4E2M1 = 23,
  Float8E8M0 = 24,
  UInt2 = 25,
  Int2 = 26,
};

/// The MLIR element type of an ONNX data type, or a null type when the data
/// type is not supported (strings, complex numbers, 6-bit floats). INT4 and
/// INT2 map to i4 and i2, UINT4 and UINT2 to ui4 and ui2, the 8- and 4-bit
/// floats to MLIR's f8E4M3FN, f8E4M3FNUZ, f8E5M2, f8E5M2FNUZ, f8E8M0FNU and
/// f4E2M1FN.
mlir::Type getElementType(int32_t onnxDataType, mlir::MLIRContext *context);

/// The ONNX data type number of an MLIR element type, if it has one.
std::optional<int32_t> getONNXDataType(mlir::Type elementType);

/// Storage size in bytes of one element in memory (bool and the 4- and 2-bit
/// types take one byte each).
int64_t getElementByteWidth(mlir::Type elementType);

} // namespace lowrank::onnx

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXDATATYPE_H
