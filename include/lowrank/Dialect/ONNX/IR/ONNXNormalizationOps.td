//===- ONNXNormalizationOps.td - Per-instance norms ----*- tablegen -*-===/
//
// Normalizations computed from each input's own statistics, apart from
// LayerNormalization (in ONNXOps.td): per channel over the spatial
// dimensions, and to unit Lp norm along an axis. Included by ONNXOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXNORMALIZATIONOPS_TD
#define LOWRANK_DIALECT_ONNX_IR_ONNXNORMALIZATIONOPS_TD

def ONNX_InstanceNormalizationOp : ONNX_Op<"InstanceNormalization", [Pure,
    SameOperandsAndResultElementType]> {
  let summary = "Normalization of each channel of each batch item";
  let description = [{
    `y = scale[c] * (x - mean) / sqrt(var + epsilon) + B[c]`, with the mean
    and variance over the spatial dimensions (2 and on) of `input`.
  }];
  let arguments = (ins ONNX_FloatTensor:$input, ONNX_FloatTensor:$scale,
                   ONNX_FloatTensor:$B,
                   DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs ONNX_FloatTensor:$output);
  let hasVerifier = 1;
}

def ONNX_LpNormalizationOp : ONNX_Op<"LpNormalization", [Pure,
    SameOperandsAndResultElementType, SameOperandsAndResultShape]> {
  let summary = "Division by the L1 or L2 norm along `axis`";
  let arguments = (ins ONNX_FloatTensor:$input,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<I64Attr, "2">:$p);
  let results = (outs ONNX_FloatTensor:$output);
  let hasVerifier = 1;
}

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXNORMALIZATIONOPS_TD
