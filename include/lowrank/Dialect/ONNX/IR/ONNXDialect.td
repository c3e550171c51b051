//===- ONNXDialect.td - The onnx dialect definition --------*- tablegen -*-===//
//
// The onnx dialect holds exactly the ONNX operators lowrank-opt supports,
// one MLIR op per ONNX node, as imported from a ModelProto.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXDIALECT_TD
#define LOWRANK_DIALECT_ONNX_IR_ONNXDIALECT_TD

include "mlir/IR/OpBase.td"

def ONNX_Dialect : Dialect {
  let name = "onnx";
  let summary = "The ONNX operators supported by lowrank-opt";
  let description = [{
    One operation per ONNX node. Modelled operators of the default domain
    have an operation named after the operator (`onnx.MatMul`, `onnx.Gemm`)
    whose operands and attributes follow the operator's form at opset 17;
    the importer brings every opset from 7 on to that form. Any other node
    (another domain, an operator or operator version not modelled) is an
    `onnx.Opaque` operation that keeps it for export.
    ONNX attributes become MLIR attributes of the same name: `INT` as `i64`,
    `FLOAT` as `f32`, `STRING` as a string, `INTS` as `array<i64>`, `FLOATS`
    as `array<f32>`, `TENSOR` as an elements attribute. An omitted optional
    input or output is a value of type `none` (inputs come from
    `onnx.NoValue`). The node name is kept as the operation's location.
  }];
  let cppNamespace = "::lowrank::onnx";
  let useDefaultAttributePrinterParser = 0;
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

class ONNX_Op<string mnemonic, list<Trait> traits = []>
    : Op<ONNX_Dialect, mnemonic, traits> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

// A tensor or the `none` value of an omitted optional input or output.
def ONNX_TensorOrNone : AnyTypeOf<[AnyTensor, NoneType], "tensor or none">;

def ONNX_FloatTensor : TensorOf<[F16, BF16, F32, F64]>;
def ONNX_IntTensor : TensorOf<[AnySignlessInteger, AnyUnsignedInteger]>;
// What QuantizeLinear produces and DequantizeLinear reads: integers of any
// width and the 8- and 4-bit floats.
def ONNX_QuantizedTensor : TensorOf<[AnySignlessInteger, AnyUnsignedInteger,
    F8E4M3FN, F8E4M3FNUZ, F8E5M2, F8E5M2FNUZ, F8E8M0FNU, F4E2M1FN]>;
def ONNX_IndexTensor : TensorOf<[I32, I64]>;
def ONNX_I64Tensor : TensorOf<[I64]>;
def ONNX_BoolTensor : TensorOf<[I1]>;
def ONNX_NumericTensor : TensorOf<[F16, BF16, F32, F64, AnySignlessInteger,
                                   AnyUnsignedInteger]>;

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXDIALECT_TD
