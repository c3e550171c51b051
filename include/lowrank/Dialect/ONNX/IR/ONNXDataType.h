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
};

/// The MLIR element type of an ONNX data type, or a null type when the data
/// type is not supported (strings, complex numbers, 8-bit floats).
mlir::Type getElementType(int32_t onnxDataType, mlir::MLIRContext *context);

/// The ONNX data type number of an MLIR element type, if it has one.
std::optional<int32_t> getONNXDataType(mlir::Type elementType);

/// Storage size in bytes of one element (bool takes one byte).
int64_t getElementByteWidth(mlir::Type elementType);

} // namespace lowrank::onnx

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXDATATYPE_H
