//===- ONNXScatterOps.td - Writes at computed positions ----*- tablegen -*-===//
//
// Operators that copy their data and overwrite (or combine into) the
// elements or slices that their indices name. Included by ONNXOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXSCATTEROPS_TD
#define LOWRANK_DIALECT_ONNX_IR_ONNXSCATTEROPS_TD

def ONNX_ScatterElementsOp : ONNX_Op<"ScatterElements",
    [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "`data` with `updates` written at `indices` along `axis`";
  let description = [{
    `output[i][indices[i][j][k]][k] = updates[i][j][k]` for axis 1 (or
    combined with the element there by `reduction`: add, mul, max or min);
    `indices` and `updates` have one shape, and the output that of `data`.
    With duplicate indices and no reduction the last update wins.
  }];
  let arguments = (ins AnyTensor:$data, ONNX_IndexTensor:$indices,
                   AnyTensor:$updates,
                   DefaultValuedAttr<I64Attr, "0">:$axis,
                   DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_ScatterOp : ONNX_Op<"Scatter",
    [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "The deprecated form of ScatterElements (opsets 9 and 10)";
  let description = [{
    ScatterElements without `reduction`: the last of duplicate indices wins.
  }];
  let arguments = (ins AnyTensor:$data, ONNX_IndexTensor:$indices,
                   AnyTensor:$updates,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_ScatterNDOp : ONNX_Op<"ScatterND",
    [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "`data` with the slices of `updates` written at index tuples";
  let description = [{
    `output[indices[i...]] = updates[i...]`: the last dimension of `indices`
    holds tuples of leading coordinates of `data`, and `updates` has the
    shape `indices.shape[:-1] + data.shape[indices.shape[-1]:]`.
  }];
  let arguments = (ins AnyTensor:$data, ONNX_I64Tensor:$indices,
                   AnyTensor:$updates,
                   DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXSCATTEROPS_TD
