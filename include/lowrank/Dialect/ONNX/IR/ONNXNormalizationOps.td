//===- ONNXNormalizationOps.td - Per-instance norms ----*- tablegen -*-===/
//
// Normalizations computed from each input's own statistics, apart from
// LayerNormalization (in ONNXOps.td): per channel over the spatial
// dimensions, to unit Lp norm along an axis, and by the squares of
// neighbouring channels (LRN). Included by ONNXOps.td.
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

def ONNX_LRNOp : ONNX_Op<"LRN", [Pure, SameOperandsAndResultElementType,
    SameOperandsAndResultShape]> {
  let summary = "Local response normalization across channels";
  let description = [{
    `y = x / (bias + alpha / size * square_sum) ^ beta`, where `square_sum`
    adds the squares of the channels `c - floor((size - 1) / 2)` to
    `c + ceil((size - 1) / 2)` (those that exist) at the same position.
  }];
  let arguments = (ins ONNX_FloatTensor:$X,
                   DefaultValuedAttr<F32Attr, "0.0001f">:$alpha,
                   DefaultValuedAttr<F32Attr, "0.75f">:$beta,
                   DefaultValuedAttr<F32Attr, "1.0f">:$bias,
                   I64Attr:$size);
  let results = (outs ONNX_FloatTensor:$Y);
  let hasVerifier = 1;
}

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXNORMALIZATIONOPS_TD
