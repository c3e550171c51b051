//===- ONNXOps.td - The supported ONNX operators -----------*- tablegen -*-===//
//
// Only the operators that lowrank-opt imports, lowers and exports. Attribute
// names, defaults and input order follow the ONNX operator specification for
// opsets 13 to 17.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXOPS_TD
#define LOWRANK_DIALECT_ONNX_IR_ONNXOPS_TD

include "lowrank/Dialect/ONNX/IR/ONNXDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "lowrank/Interfaces/LinearOpInterface.td"
include "mlir/IR/AttrTypeBase.td"

// The first operand (the data) and the first result have the same element
// type; further operands (shapes, axes, indices) have their own.
def ONNX_SameDataAndResultElementType : PredOpTrait<
    "data and result have the same element type",
    CPred<"::mlir::getElementTypeOrSelf($_op.getOperand(0).getType()) == "
          "::mlir::getElementTypeOrSelf($_op.getResult(0).getType())">>;

//===----------------------------------------------------------------------===//
// Values that are not computed: constants and omitted inputs
//===----------------------------------------------------------------------===//

def ONNX_NoValueOp : ONNX_Op<"NoValue", [Pure, ConstantLike]> {
  let summary = "The value of an omitted optional input";
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
  let hasFolder = 1;
}

def ONNX_ConstantOp : ONNX_Op<"Constant", [Pure, ConstantLike]> {
  let summary = "A constant tensor (ONNX Constant node or graph initializer)";
  let description = [{
    Graph initializers and `Constant` nodes. The importer normalizes the
    `value_float(s)` and `value_int(s)` forms into `value`; initializers hold
    their bytes in a `dense_resource` blob so passes never copy weights.
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyTensor:$output);
  let assemblyFormat = "attr-dict `:` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary operators
//===----------------------------------------------------------------------===//

class ONNX_UnaryOp<string mnemonic, Type operandType, list<Trait> traits = []>
    : ONNX_Op<mnemonic, !listconcat(traits, [Pure,
          SameOperandsAndResultElementType, SameOperandsAndResultShape])> {
  let summary = "Elementwise " # mnemonic;
  let arguments = (ins operandType:$X);
  let results = (outs operandType:$Y);
}

def ONNX_AbsOp : ONNX_UnaryOp<"Abs", ONNX_NumericTensor>;
def ONNX_NegOp : ONNX_UnaryOp<"Neg", ONNX_NumericTensor>;
def ONNX_SignOp : ONNX_UnaryOp<"Sign", ONNX_NumericTensor>;
def ONNX_IdentityOp : ONNX_UnaryOp<"Identity", AnyTensor> {
  let hasFolder = 1;
}
def ONNX_SqrtOp : ONNX_UnaryOp<"Sqrt", ONNX_FloatTensor>;
def ONNX_ReciprocalOp : ONNX_UnaryOp<"Reciprocal", ONNX_FloatTensor>;
def ONNX_ExpOp : ONNX_UnaryOp<"Exp", ONNX_FloatTensor>;
def ONNX_LogOp : ONNX_UnaryOp<"Log", ONNX_FloatTensor>;
def ONNX_TanhOp : ONNX_UnaryOp<"Tanh", ONNX_FloatTensor>;
def ONNX_ErfOp : ONNX_UnaryOp<"Erf", ONNX_FloatTensor>;
def ONNX_SigmoidOp : ONNX_UnaryOp<"Sigmoid", ONNX_FloatTensor>;
def ONNX_ReluOp : ONNX_UnaryOp<"Relu", ONNX_NumericTensor>;
def ONNX_FloorOp : ONNX_UnaryOp<"Floor", ONNX_FloatTensor>;
def ONNX_CeilOp : ONNX_UnaryOp<"Ceil", ONNX_FloatTensor>;
def ONNX_RoundOp : ONNX_UnaryOp<"Round", ONNX_FloatTensor>;
def ONNX_SinOp : ONNX_UnaryOp<"Sin", ONNX_FloatTensor>;
def ONNX_CosOp : ONNX_UnaryOp<"Cos", ONNX_FloatTensor>;
def ONNX_TanOp : ONNX_UnaryOp<"Tan", ONNX_FloatTensor>;
def ONNX_AtanOp : ONNX_UnaryOp<"Atan", ONNX_FloatTensor>;
def ONNX_AcosOp : ONNX_UnaryOp<"Acos", ONNX_FloatTensor>;
def ONNX_AsinOp : ONNX_UnaryOp<"Asin", ONNX_FloatTensor>;
def ONNX_SinhOp : ONNX_UnaryOp<"Sinh", ONNX_FloatTensor>;
def ONNX_CoshOp : ONNX_UnaryOp<"Cosh", ONNX_FloatTensor>;
def ONNX_AsinhOp : ONNX_UnaryOp<"Asinh", ONNX_FloatTensor>;
def ONNX_AcoshOp : ONNX_UnaryOp<"Acosh", ONNX_FloatTensor>;
def ONNX_AtanhOp : ONNX_UnaryOp<"Atanh", ONNX_FloatTensor>;
def ONNX_SoftplusOp : ONNX_UnaryOp<"Softplus", ONNX_FloatTensor>;
def ONNX_SoftsignOp : ONNX_UnaryOp<"Softsign", ONNX_FloatTensor>;
def ONNX_HardSwishOp : ONNX_UnaryOp<"HardSwish", ONNX_FloatTensor>;
def ONNX_NotOp : ONNX_UnaryOp<"Not", ONNX_BoolTensor>;

def ONNX_LeakyReluOp : ONNX_UnaryOp<"LeakyRelu", ONNX_FloatTensor> {
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedAttr<F32Attr, "0.01f">:$alpha);
}
def ONNX_EluOp : ONNX_UnaryOp<"Elu", ONNX_FloatTensor> {
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedAttr<F32Attr, "1.0f">:$alpha);
}
def ONNX_CeluOp : ONNX_UnaryOp<"Celu", ONNX_FloatTensor> {
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedAttr<F32Attr, "1.0f">:$alpha);
}
def ONNX_ThresholdedReluOp : ONNX_UnaryOp<"ThresholdedRelu", ONNX_FloatTensor> {
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedAttr<F32Attr, "1.0f">:$alpha);
}
def ONNX_SeluOp : ONNX_UnaryOp<"Selu", ONNX_FloatTensor> {
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedAttr<F32Attr, "1.67326319217681884765625f">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.05070102214813232421875f">:$gamma);
}
def ONNX_ShrinkOp : ONNX_UnaryOp<"Shrink", ONNX_FloatTensor> {
  let summary = "Elementwise shrinkage: `x + bias` below `-lambd`, `x - bias` "
                "above `lambd`, 0 between";
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedAttr<F32Attr, "0.0f">:$bias,
                   DefaultValuedAttr<F32Attr, "0.5f">:$lambd);
}
def ONNX_HardSigmoidOp : ONNX_UnaryOp<"HardSigmoid", ONNX_FloatTensor> {
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedAttr<F32Attr, "0.2f">:$alpha,
                   DefaultValuedAttr<F32Attr, "0.5f">:$beta);
}

def ONNX_CastOp : ONNX_Op<"Cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "Elementwise conversion to the element type `to`";
  let description = [{
    `to` is the ONNX `TensorProto.DataType` number; the verifier checks it
    against the result element type. `saturate` clamps values beyond the
    range of a float8 result to its largest finite value; `round_mode`
    (`up`, `down` or `nearest`) rounds to float8 E8M0.
  }];
  let arguments = (ins AnyTensor:$input, I64Attr:$to,
                   DefaultValuedAttr<I64Attr, "1">:$saturate,
                   DefaultValuedAttr<StrAttr, "\"up\"">:$round_mode);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_CastLikeOp : ONNX_Op<"CastLike", [Pure]> {
  let summary = "Elementwise conversion to the element type of `target_type`";
  let arguments = (ins AnyTensor:$input, AnyTensor:$target_type,
                   DefaultValuedAttr<I64Attr, "1">:$saturate,
                   DefaultValuedAttr<StrAttr, "\"up\"">:$round_mode);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

class ONNX_FloatClassOp<string mnemonic>
    : ONNX_Op<mnemonic, [Pure, SameOperandsAndResultShape]> {
  let results = (outs ONNX_BoolTensor:$Y);
}
def ONNX_IsNaNOp : ONNX_FloatClassOp<"IsNaN"> {
  let summary = "Elementwise test for NaN";
  let arguments = (ins ONNX_FloatTensor:$X);
}
def ONNX_IsInfOp : ONNX_FloatClassOp<"IsInf"> {
  let summary = "Elementwise test for infinities of the selected signs";
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedAttr<I64Attr, "1">:$detect_negative,
                   DefaultValuedAttr<I64Attr, "1">:$detect_positive);
}

def ONNX_BitwiseNotOp : ONNX_UnaryOp<"BitwiseNot", ONNX_IntTensor>;

def ONNX_ClipOp : ONNX_Op<"Clip", [Pure]> {
  let summary = "Elementwise clamp into [min, max]";
  let arguments = (ins ONNX_NumericTensor:$input, ONNX_TensorOrNone:$min,
                   ONNX_TensorOrNone:$max);
  let results = (outs ONNX_NumericTensor:$output);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary and variadic operators (multidirectional broadcasting)
//===----------------------------------------------------------------------===//

// ONNX's multidirectional broadcasting, checked where the operands are
// ranked (ONNXOps.h).
def ONNX_BroadcastableShape : NativeOpTrait<"BroadcastableShape"> {
  let cppNamespace = "::lowrank::onnx";
}

class ONNX_BinaryOp<string mnemonic, Type operandType, Type resultType,
                    list<Trait> traits = []>
    : ONNX_Op<mnemonic, !listconcat(traits, [Pure, ONNX_BroadcastableShape])> {
  let summary = "Elementwise " # mnemonic # " with broadcasting";
  let arguments = (ins operandType:$A, operandType:$B);
  let results = (outs resultType:$C);
}

class ONNX_ArithmeticOp<string mnemonic>
    : ONNX_BinaryOp<mnemonic, ONNX_NumericTensor, ONNX_NumericTensor,
                    [SameOperandsAndResultElementType]>;
def ONNX_AddOp : ONNX_ArithmeticOp<"Add">;
def ONNX_SubOp : ONNX_ArithmeticOp<"Sub">;
def ONNX_MulOp : ONNX_ArithmeticOp<"Mul">;
def ONNX_DivOp : ONNX_ArithmeticOp<"Div">;
def ONNX_PowOp : ONNX_BinaryOp<"Pow", ONNX_NumericTensor, ONNX_NumericTensor> {
  let summary = "Elementwise A to the power B; the result has A's element type";
  let hasVerifier = 1;
}
def ONNX_ModOp : ONNX_ArithmeticOp<"Mod"> {
  let arguments = (ins ONNX_NumericTensor:$A, ONNX_NumericTensor:$B,
                   DefaultValuedAttr<I64Attr, "0">:$fmod);
}
def ONNX_PReluOp : ONNX_BinaryOp<"PRelu", ONNX_NumericTensor, ONNX_NumericTensor,
                                 [SameOperandsAndResultElementType]> {
  let arguments = (ins ONNX_NumericTensor:$X, ONNX_NumericTensor:$slope);
  let results = (outs ONNX_NumericTensor:$Y);
}

class ONNX_BitwiseOp<string mnemonic>
    : ONNX_BinaryOp<mnemonic, ONNX_IntTensor, ONNX_IntTensor,
                    [SameOperandsAndResultElementType]>;
def ONNX_BitwiseAndOp : ONNX_BitwiseOp<"BitwiseAnd">;
def ONNX_BitwiseOrOp : ONNX_BitwiseOp<"BitwiseOr">;
def ONNX_BitwiseXorOp : ONNX_BitwiseOp<"BitwiseXor">;
def ONNX_BitShiftOp : ONNX_BinaryOp<"BitShift", ONNX_IntTensor, ONNX_IntTensor,
                                    [SameOperandsAndResultElementType]> {
  let summary = "Elementwise shift of integers by B bits";
  let arguments = (ins ONNX_IntTensor:$X, ONNX_IntTensor:$Y,
                   StrAttr:$direction);
  let results = (outs ONNX_IntTensor:$Z);
  let hasVerifier = 1;
}

class ONNX_CompareOp<string mnemonic>
    : ONNX_BinaryOp<mnemonic, AnyTensor, ONNX_BoolTensor> {
  let hasVerifier = 1;
}
def ONNX_EqualOp : ONNX_CompareOp<"Equal">;
def ONNX_LessOp : ONNX_CompareOp<"Less">;
def ONNX_LessOrEqualOp : ONNX_CompareOp<"LessOrEqual">;
def ONNX_GreaterOp : ONNX_CompareOp<"Greater">;
def ONNX_GreaterOrEqualOp : ONNX_CompareOp<"GreaterOrEqual">;

class ONNX_LogicalOp<string mnemonic>
    : ONNX_BinaryOp<mnemonic, ONNX_BoolTensor, ONNX_BoolTensor>;
def ONNX_AndOp : ONNX_LogicalOp<"And">;
def ONNX_OrOp : ONNX_LogicalOp<"Or">;
def ONNX_XorOp : ONNX_LogicalOp<"Xor">;

class ONNX_VariadicOp<string mnemonic>
    : ONNX_Op<mnemonic, [Pure, ONNX_BroadcastableShape,
                         SameOperandsAndResultElementType]> {
  let summary = "Elementwise " # mnemonic # " of one or more inputs";
  let arguments = (ins Variadic<ONNX_NumericTensor>:$data_0);
  let results = (outs ONNX_NumericTensor:$result);
  let hasVerifier = 1;
}
def ONNX_MinOp : ONNX_VariadicOp<"Min">;
def ONNX_MaxOp : ONNX_VariadicOp<"Max">;
def ONNX_SumOp : ONNX_VariadicOp<"Sum">;
def ONNX_MeanOp : ONNX_VariadicOp<"Mean">;

def ONNX_WhereOp : ONNX_Op<"Where", [Pure, ONNX_BroadcastableShape]> {
  let summary = "Elementwise select X where condition, else Y";
  let arguments = (ins ONNX_BoolTensor:$condition, AnyTensor:$X, AnyTensor:$Y);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Linear operators
//===----------------------------------------------------------------------===//

def ONNX_MatMulOp : ONNX_Op<"MatMul", [Pure, SameOperandsAndResultElementType,
    DeclareOpInterfaceMethods<LowrankLinearOpInterface>]> {
  let summary = "Matrix product with numpy semantics";
  let description = [{
    `Y = A x B`. 1-D operands are promoted to matrices and the promoted
    dimension removed from the result; batch dimensions broadcast.
  }];
  let arguments = (ins ONNX_NumericTensor:$A, ONNX_NumericTensor:$B);
  let results = (outs ONNX_NumericTensor:$Y);
  let hasVerifier = 1;
}

def ONNX_DetOp : ONNX_Op<"Det", [Pure, SameOperandsAndResultElementType]> {
  let summary = "Determinants of the square matrices in the last two "
                "dimensions";
  let arguments = (ins ONNX_FloatTensor:$X);
  let results = (outs ONNX_FloatTensor:$Y);
  let hasVerifier = 1;
}

def ONNX_EinsumOp : ONNX_Op<"Einsum", [Pure]> {
  let summary = "Sums of products of the inputs' elements named by an "
                "equation";
  let description = [{
    `equation` names each input's dimensions with letters (`...` for the
    broadcast ones) and, after `->`, the result's; letters missing from
    the result are summed over, and a letter repeated in one input takes
    its diagonal. Without `->` the result holds the letters that appear
    once, in alphabetical order, after the broadcast dimensions.
  }];
  let arguments = (ins Variadic<ONNX_NumericTensor>:$Inputs,
                   StrAttr:$equation);
  let results = (outs ONNX_NumericTensor:$Output);
  let hasVerifier = 1;
}

def ONNX_GemmOp : ONNX_Op<"Gemm", [Pure,
    DeclareOpInterfaceMethods<LowrankLinearOpInterface>]> {
  let summary = "General matrix multiply: Y = alpha * A' x B' + beta * C";
  let arguments = (ins ONNX_NumericTensor:$A, ONNX_NumericTensor:$B,
                   ONNX_TensorOrNone:$C,
                   DefaultValuedAttr<F32Attr, "1.0f">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.0f">:$beta,
                   DefaultValuedAttr<I64Attr, "0">:$transA,
                   DefaultValuedAttr<I64Attr, "0">:$transB);
  let results = (outs ONNX_NumericTensor:$Y);
  let hasVerifier = 1;
}

def ONNX_ConvOp : ONNX_Op<"Conv", [Pure,
    DeclareOpInterfaceMethods<LowrankLinearOpInterface>]> {
  let summary = "N-D convolution with groups, pads, strides and dilations";
  let arguments = (ins ONNX_FloatTensor:$X, ONNX_FloatTensor:$W,
                   ONNX_TensorOrNone:$B,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs ONNX_FloatTensor:$Y);
  let hasVerifier = 1;
}

def ONNX_ConvTransposeOp : ONNX_Op<"ConvTranspose", [Pure]> {
  let summary = "N-D transposed convolution (the gradient of Conv)";
  let description = [{
    `W` is `C x M/group x k...`. The result size comes from the result type;
    `pads` (or `auto_pad` with `output_shape`) give the padding at the start
    of each spatial axis, from which the result positions are read.
  }];
  let arguments = (ins ONNX_FloatTensor:$X, ONNX_FloatTensor:$W,
                   ONNX_TensorOrNone:$B,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$output_padding,
                   OptionalAttr<DenseI64ArrayAttr>:$output_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs ONNX_FloatTensor:$Y);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Pooling and normalization
//===----------------------------------------------------------------------===//

def ONNX_MaxPoolOp : ONNX_Op<"MaxPool", [Pure]> {
  let summary = "N-D max pooling";
  let arguments = (ins ONNX_NumericTensor:$X,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   DefaultValuedAttr<I64Attr, "0">:$ceil_mode,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DenseI64ArrayAttr:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   DefaultValuedAttr<I64Attr, "0">:$storage_order,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs ONNX_NumericTensor:$Y, ONNX_TensorOrNone:$Indices);
  let hasVerifier = 1;
}

def ONNX_AveragePoolOp : ONNX_Op<"AveragePool", [Pure]> {
  let summary = "N-D average pooling";
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   DefaultValuedAttr<I64Attr, "0">:$ceil_mode,
                   DefaultValuedAttr<I64Attr, "0">:$count_include_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DenseI64ArrayAttr:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs ONNX_FloatTensor:$Y);
  let hasVerifier = 1;
}

def ONNX_LpPoolOp : ONNX_Op<"LpPool", [Pure, SameOperandsAndResultElementType]> {
  let summary = "N-D Lp pooling: the p-norm of each window";
  let description = [{
    `y = (sum over the window of |x| ^ p) ^ (1 / p)`; padding adds nothing.
  }];
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   DefaultValuedAttr<I64Attr, "0">:$ceil_mode,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DenseI64ArrayAttr:$kernel_shape,
                   DefaultValuedAttr<I64Attr, "2">:$p,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs ONNX_FloatTensor:$Y);
  let hasVerifier = 1;
}

def ONNX_GlobalAveragePoolOp : ONNX_Op<"GlobalAveragePool", [Pure,
    SameOperandsAndResultElementType]> {
  let summary = "Average over all spatial dimensions";
  let arguments = (ins ONNX_FloatTensor:$X);
  let results = (outs ONNX_FloatTensor:$Y);
  let hasVerifier = 1;
}

def ONNX_GlobalMaxPoolOp : ONNX_Op<"GlobalMaxPool", [Pure,
    SameOperandsAndResultElementType]> {
  let summary = "Maximum over all spatial dimensions";
  let arguments = (ins ONNX_FloatTensor:$X);
  let results = (outs ONNX_FloatTensor:$Y);
  let hasVerifier = 1;
}

def ONNX_BatchNormalizationOp : ONNX_Op<"BatchNormalization", [Pure]> {
  let summary = "Batch normalization (inference mode only)";
  let arguments = (ins ONNX_FloatTensor:$X, ONNX_FloatTensor:$scale,
                   ONNX_FloatTensor:$B, ONNX_FloatTensor:$input_mean,
                   ONNX_FloatTensor:$input_var,
                   DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon,
                   DefaultValuedAttr<F32Attr, "0.9f">:$momentum,
                   DefaultValuedAttr<I64Attr, "0">:$training_mode);
  let results = (outs ONNX_FloatTensor:$Y, ONNX_TensorOrNone:$running_mean,
                 ONNX_TensorOrNone:$running_var);
  let hasVerifier = 1;
}

def ONNX_LayerNormalizationOp : ONNX_Op<"LayerNormalization", [Pure]> {
  let summary = "Layer normalization over the dimensions from `axis` on";
  let arguments = (ins ONNX_FloatTensor:$X, ONNX_FloatTensor:$Scale,
                   ONNX_TensorOrNone:$B,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon,
                   DefaultValuedAttr<I64Attr, "1">:$stash_type);
  let results = (outs ONNX_FloatTensor:$Y, ONNX_TensorOrNone:$Mean,
                 ONNX_TensorOrNone:$InvStdDev);
  let hasVerifier = 1;
}

class ONNX_SoftmaxFamilyOp<string mnemonic>
    : ONNX_Op<mnemonic, [Pure, SameOperandsAndResultElementType,
                         SameOperandsAndResultShape]> {
  let description = [{
    The opset-13 form normalizes along the single dimension `axis`. With
    `flatten_from_axis` (the form of opsets 1 to 12), it normalizes over
    every dimension from `axis` on, as if the input were flattened to 2-D
    there; the importer sets it where the two differ or the rank is not
    known yet.
  }];
  let arguments = (ins ONNX_FloatTensor:$input,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<BoolAttr, "false">:$flatten_from_axis);
  let results = (outs ONNX_FloatTensor:$output);
  let hasVerifier = 1;
}
def ONNX_SoftmaxOp : ONNX_SoftmaxFamilyOp<"Softmax"> {
  let summary = "Softmax along one axis (or the axes from it on)";
}
def ONNX_LogSoftmaxOp : ONNX_SoftmaxFamilyOp<"LogSoftmax"> {
  let summary = "Logarithm of the softmax along one axis (or the axes from it on)";
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class ONNX_ReduceWithAxesAttrOp<string mnemonic>
    : ONNX_Op<mnemonic, [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = mnemonic # " over `axes` (all axes when absent)";
  let description = [{
    The opset-17 form, with the axes as an attribute. Axes of opset 18 and
    later that are not constant are the optional operand `dynamic_axes`
    instead, which excludes the attribute and is read at run time; with
    `noop_with_empty_axes`, an empty operand leaves the data unchanged.
  }];
  let arguments = (ins ONNX_NumericTensor:$data,
                   Optional<ONNX_I64Tensor>:$dynamic_axes,
                   OptionalAttr<DenseI64ArrayAttr>:$axes,
                   DefaultValuedAttr<I64Attr, "1">:$keepdims,
                   DefaultValuedAttr<I64Attr, "0">:$noop_with_empty_axes);
  let results = (outs ONNX_NumericTensor:$reduced);
  let hasVerifier = 1;
}
def ONNX_ReduceMeanOp : ONNX_ReduceWithAxesAttrOp<"ReduceMean">;
def ONNX_ReduceMaxOp : ONNX_ReduceWithAxesAttrOp<"ReduceMax">;
def ONNX_ReduceMinOp : ONNX_ReduceWithAxesAttrOp<"ReduceMin">;
def ONNX_ReduceProdOp : ONNX_ReduceWithAxesAttrOp<"ReduceProd">;
def ONNX_ReduceL1Op : ONNX_ReduceWithAxesAttrOp<"ReduceL1">;
def ONNX_ReduceL2Op : ONNX_ReduceWithAxesAttrOp<"ReduceL2">;
def ONNX_ReduceLogSumOp : ONNX_ReduceWithAxesAttrOp<"ReduceLogSum">;
def ONNX_ReduceLogSumExpOp : ONNX_ReduceWithAxesAttrOp<"ReduceLogSumExp">;
def ONNX_ReduceSumSquareOp : ONNX_ReduceWithAxesAttrOp<"ReduceSumSquare">;

def ONNX_ReduceSumOp : ONNX_Op<"ReduceSum", [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Sum over the axes given as an input (all axes when absent)";
  let arguments = (ins ONNX_NumericTensor:$data, ONNX_TensorOrNone:$axes,
                   DefaultValuedAttr<I64Attr, "1">:$keepdims,
                   DefaultValuedAttr<I64Attr, "0">:$noop_with_empty_axes);
  let results = (outs ONNX_NumericTensor:$reduced);
  let hasVerifier = 1;
}

class ONNX_ArgReduceOp<string mnemonic> : ONNX_Op<mnemonic, [Pure]> {
  let summary = "Index of the " # mnemonic # " element along `axis`";
  let arguments = (ins ONNX_NumericTensor:$data,
                   DefaultValuedAttr<I64Attr, "0">:$axis,
                   DefaultValuedAttr<I64Attr, "1">:$keepdims,
                   DefaultValuedAttr<I64Attr, "0">:$select_last_index);
  let results = (outs ONNX_I64Tensor:$reduced);
  let hasVerifier = 1;
}
def ONNX_ArgMaxOp : ONNX_ArgReduceOp<"ArgMax">;
def ONNX_ArgMinOp : ONNX_ArgReduceOp<"ArgMin">;

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

def ONNX_TransposeOp : ONNX_Op<"Transpose", [Pure,
    SameOperandsAndResultElementType]> {
  let summary = "Permutes the dimensions (reverses them when `perm` is absent)";
  let arguments = (ins AnyTensor:$data, OptionalAttr<DenseI64ArrayAttr>:$perm);
  let results = (outs AnyTensor:$transposed);
  let hasVerifier = 1;
}

def ONNX_ReshapeOp : ONNX_Op<"Reshape", [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Reshape to the shape given as an input";
  let arguments = (ins AnyTensor:$data, ONNX_I64Tensor:$shape,
                   DefaultValuedAttr<I64Attr, "0">:$allowzero);
  let results = (outs AnyTensor:$reshaped);
  let hasVerifier = 1;
}

def ONNX_FlattenOp : ONNX_Op<"Flatten", [Pure, SameOperandsAndResultElementType]> {
  let summary = "Flatten into a matrix at `axis`";
  let arguments = (ins AnyTensor:$input, DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_SqueezeOp : ONNX_Op<"Squeeze", [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Remove size-1 dimensions (those in `axes`, or all)";
  let arguments = (ins AnyTensor:$data, ONNX_TensorOrNone:$axes);
  let results = (outs AnyTensor:$squeezed);
  let hasVerifier = 1;
}

def ONNX_UnsqueezeOp : ONNX_Op<"Unsqueeze", [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Insert size-1 dimensions at `axes`";
  let arguments = (ins AnyTensor:$data, ONNX_I64Tensor:$axes);
  let results = (outs AnyTensor:$expanded);
  let hasVerifier = 1;
}

def ONNX_ConcatOp : ONNX_Op<"Concat", [Pure, SameOperandsAndResultElementType]> {
  let summary = "Concatenate along `axis`";
  let arguments = (ins Variadic<AnyTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyTensor:$concat_result);
  let hasVerifier = 1;
}

def ONNX_SplitOp : ONNX_Op<"Split", [Pure]> {
  let summary = "Split along `axis` into parts of the sizes given (or equal)";
  let description = [{
    Without `split`, the axis is cut into as many parts as there are
    results, each of ceil(size / parts) elements but the last, which takes
    what remains (opset 18's `num_outputs`; an even split when the size
    divides).
  }];
  let arguments = (ins AnyTensor:$input, ONNX_TensorOrNone:$split,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Variadic<AnyTensor>:$outputs);
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The part sizes without `split`: `parts` parts of an axis of
    /// `axisSize` elements by the num_outputs rule.
    static ::llvm::SmallVector<int64_t> getUnsplitPartSizes(int64_t axisSize,
                                                            int64_t parts);
  }];
}

def ONNX_SliceOp : ONNX_Op<"Slice", [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Strided slice given by starts, ends, axes and steps inputs";
  let arguments = (ins AnyTensor:$data, ONNX_IndexTensor:$starts,
                   ONNX_IndexTensor:$ends, ONNX_TensorOrNone:$axes,
                   ONNX_TensorOrNone:$steps);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_GatherOp : ONNX_Op<"Gather", [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Gather slices of `data` along `axis` at `indices`";
  let arguments = (ins AnyTensor:$data, ONNX_IndexTensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_ShapeOp : ONNX_Op<"Shape", [Pure]> {
  let summary = "The shape of a tensor as a 1-D int64 tensor";
  let arguments = (ins AnyTensor:$data, DefaultValuedAttr<I64Attr, "0">:$start,
                   OptionalAttr<I64Attr>:$end);
  let results = (outs ONNX_I64Tensor:$shape);
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// The dims [first, second) of the input that `start` and `end` select,
    /// clamped into [0, rank] as ONNX specifies.
    std::pair<int64_t, int64_t> getDimRange(int64_t rank);
    /// The selected dims of a ranked input when all of them are static
    /// (the other dims may be dynamic).
    std::optional<::llvm::SmallVector<int64_t>> getStaticSelectedDims();
  }];
}

def ONNX_ConstantOfShapeOp : ONNX_Op<"ConstantOfShape", [Pure]> {
  let summary = "A tensor of the given shape filled with one value";
  let arguments = (ins ONNX_I64Tensor:$input, OptionalAttr<ElementsAttr>:$value);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_ExpandOp : ONNX_Op<"Expand", [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Broadcast to the shape given as an input";
  let arguments = (ins AnyTensor:$input, ONNX_I64Tensor:$shape);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_TileOp : ONNX_Op<"Tile", [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Repeat the input `repeats` times along each dimension";
  let arguments = (ins AnyTensor:$input, ONNX_I64Tensor:$repeats);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_DropoutOp : ONNX_Op<"Dropout", [Pure]> {
  let summary = "Dropout; only inference mode (an identity) is supported";
  let arguments = (ins AnyTensor:$data, ONNX_TensorOrNone:$ratio,
                   ONNX_TensorOrNone:$training_mode,
                   OptionalAttr<I64Attr>:$seed);
  let results = (outs AnyTensor:$output, ONNX_TensorOrNone:$mask);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def ONNX_DequantizeLinearOp : ONNX_Op<"DequantizeLinear", [Pure]> {
  let summary = "Integers to floats: (x - x_zero_point) * x_scale";
  let description = [{
    Opset 21 semantics. `x_scale` (and `x_zero_point` when given, with the
    element type of `x`) is a scalar, applied to every element, a 1-D
    tensor with one entry per index of `x` along `axis` (per-axis, e.g.
    per output channel), or with `block_size` > 0 a tensor of the shape of
    `x` whose `axis` has one entry per block of `block_size` elements. `x`
    is an integer of any width or an 8- or 4-bit float. The result has the shape of `x` and the element
    type of `x_scale`. lowrank-factorize uses it for the quantized part Q of
    a Q + L R decomposition:

    ```mlir
    %q = onnx.Constant {value = dense_resource<fc.lowrank_q> : tensor<64x32xi8>} : tensor<64x32xi8>
    %s = onnx.Constant {value = dense_resource<fc.lowrank_q_scale> : tensor<32xf32>} : tensor<32xf32>
    %none = onnx.NoValue
    %w = onnx.DequantizeLinear %q, %s, %none {axis = 1 : i64}
        : (tensor<64x32xi8>, tensor<32xf32>, none) -> tensor<64x32xf32>
    ```
  }];
  let arguments = (ins ONNX_QuantizedTensor:$x, ONNX_FloatTensor:$x_scale,
                   ONNX_TensorOrNone:$x_zero_point,
                   DefaultValuedAttr<I64Attr, "1">:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$block_size);
  let results = (outs ONNX_FloatTensor:$y);
  let hasVerifier = 1;
}

def ONNX_QuantizeLinearOp : ONNX_Op<"QuantizeLinear", [Pure]> {
  let summary = "Floats to integers or small floats: x / y_scale + y_zero_point";
  let description = [{
    Integer results round `x / y_scale` to nearest even, add the zero point
    and saturate to the range of the result type; 8- and 4-bit float
    results convert `x / y_scale + y_zero_point` like Cast (`saturate`).
    Scale and zero point (of the result's element type) are per tensor, per
    axis (1-D along `axis`) or blocked (`block_size` > 0: the input's shape
    with `axis` divided into blocks of `block_size`), as for
    DequantizeLinear.

    ```mlir
    %y = onnx.QuantizeLinear %x, %scale, %zp
        : (tensor<6xf32>, tensor<f32>, tensor<ui8>) -> tensor<6xui8>
    ```
  }];
  let arguments = (ins ONNX_FloatTensor:$x, ONNX_FloatTensor:$y_scale,
                   ONNX_TensorOrNone:$y_zero_point,
                   DefaultValuedAttr<I64Attr, "1">:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$block_size,
                   DefaultValuedAttr<I64Attr, "1">:$saturate);
  let results = (outs ONNX_QuantizedTensor:$y);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Nodes the dialect does not model
//===----------------------------------------------------------------------===//

def ONNX_ValueType : TypeDef<ONNX_Dialect, "Value"> {
  let mnemonic = "value";
  let summary = "An ONNX value that is not a tensor (sequence, map, optional)";
  let description = [{
    The ONNX type of a value that no modelled operator produces or consumes,
    spelled as ONNX spells it: `!onnx.value<"seq(tensor(float))">`. Only
    `onnx.Opaque` operations and graph inputs and outputs carry it.
  }];
  let parameters = (ins StringRefParameter<"the ONNX type">:$spelling);
  let assemblyFormat = "`<` $spelling `>`";
}

def ONNX_OpaqueOp : ONNX_Op<"Opaque"> {
  let summary = "An ONNX node the dialect does not model";
  let description = [{
    A node of any domain and operator that has no operation of its own:
    control flow with subgraphs (`If`, `Loop`, `Scan`), custom domains such as
    `com.microsoft`, `ai.onnx.ml` operators, and operators at opset versions
    whose semantics the dialect does not model. It keeps the node's domain,
    operator type and version, its attributes, and its graph attributes as
    regions, so that analysis and compression work around it and ONNX export
    writes the node back unchanged. Code generation refuses it.

    `node_attributes` holds the attributes that have an MLIR form (as on the
    modelled operations); `encoded_attributes` holds the others as the bytes
    of their `AttributeProto`. Each region is one graph attribute, named by
    the same position in `subgraph_names`; its block arguments are the
    subgraph's inputs and `onnx.Yield` returns its outputs. Values of the
    enclosing graph are used directly, as ONNX subgraphs use them by name.
    Omitted optional inputs are `none`. The operation is treated as having
    side effects, since custom operators may have them.

    ```mlir
    %y = onnx.Opaque "If"(%cond) {domain = "", version = 19 : i64,
        subgraph_names = ["else_branch", "then_branch"]} ({
      onnx.Yield %a : tensor<4xf32>
    }, {
      onnx.Yield %b : tensor<4xf32>
    }) : (tensor<i1>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$inputs, StrAttr:$op_type,
                   StrAttr:$domain, I64Attr:$version,
                   DefaultValuedAttr<DictionaryAttr, "{}">:$node_attributes,
                   DefaultValuedAttr<DictionaryAttr, "{}">:$encoded_attributes,
                   DefaultValuedAttr<StrArrayAttr, "{}">:$subgraph_names);
  let results = (outs Variadic<AnyType>:$outputs);
  let regions = (region VariadicRegion<SizedRegion<1>>:$subgraphs);
  let assemblyFormat = [{
    $op_type `(` $inputs `)` attr-dict-with-keyword ($subgraphs^)?
    `:` functional-type($inputs, $outputs)
  }];
  let hasVerifier = 1;
}

def ONNX_YieldOp : ONNX_Op<"Yield", [Pure, Terminator,
    ParentOneOf<["OpaqueOp", "IfOp", "LoopOp", "ScanOp"]>]> {
  let summary = "The outputs of a subgraph (If, Loop, Scan, `onnx.Opaque`)";
  let arguments = (ins Variadic<AnyType>:$outputs);
  let assemblyFormat = "($outputs^ `:` type($outputs))? attr-dict";
}

include "lowrank/Dialect/ONNX/IR/ONNXIndexingOps.td"
include "lowrank/Dialect/ONNX/IR/ONNXScatterOps.td"
include "lowrank/Dialect/ONNX/IR/ONNXSelectionOps.td"
include "lowrank/Dialect/ONNX/IR/ONNXNormalizationOps.td"
include "lowrank/Dialect/ONNX/IR/ONNXSpectralOps.td"
include "lowrank/Dialect/ONNX/IR/ONNXRecurrentOps.td"
include "lowrank/Dialect/ONNX/IR/ONNXControlFlowOps.td"

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXOPS_TD
