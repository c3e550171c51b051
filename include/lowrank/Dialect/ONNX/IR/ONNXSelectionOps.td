//===- ONNXSelectionOps.td - Top-k, one-hot and identity ---*- tablegen -*-===//
//
// Operators that select positions rather than compute values: the k
// largest or smallest elements, the one-hot encodings of indices or of the
// maximum, identity matrices and the positions of nonzero elements.
// Included by ONNXOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXSELECTIONOPS_TD
#define LOWRANK_DIALECT_ONNX_IR_ONNXSELECTIONOPS_TD

def ONNX_TopKOp : ONNX_Op<"TopK", [Pure]> {
  let summary = "The `K` largest (or smallest) elements along `axis`";
  let description = [{
    `Values` holds the elements in order (largest first, or smallest first
    with `largest = 0`), `Indices` their positions on the axis; equal
    elements keep the order of their positions.
  }];
  let arguments = (ins ONNX_NumericTensor:$X, ONNX_I64Tensor:$K,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<I64Attr, "1">:$largest,
                   DefaultValuedAttr<I64Attr, "1">:$sorted);
  let results = (outs ONNX_NumericTensor:$Values, ONNX_I64Tensor:$Indices);
  let hasVerifier = 1;
}

def ONNX_HardmaxOp : ONNX_Op<"Hardmax", [Pure,
    SameOperandsAndResultElementType, SameOperandsAndResultShape]> {
  let summary = "1 at the first maximum along `axis`, 0 elsewhere";
  let arguments = (ins ONNX_FloatTensor:$input,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs ONNX_FloatTensor:$output);
  let hasVerifier = 1;
}

def ONNX_OneHotOp : ONNX_Op<"OneHot", [Pure]> {
  let summary = "One-hot encoding of `indices` along a new axis";
  let description = [{
    `values` is `[off_value, on_value]`; the new axis, at `axis`, has
    `depth` positions, and negative indices count from its end.
  }];
  let arguments = (ins ONNX_NumericTensor:$indices, ONNX_NumericTensor:$depth,
                   AnyTensor:$values,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_EyeLikeOp : ONNX_Op<"EyeLike", [Pure]> {
  let summary = "Ones on the `k`-th diagonal of a matrix shaped like `input`";
  let description = [{
    `dtype` (an ONNX `TensorProto.DataType` number) gives the element type,
    that of `input` when absent; the result type carries it.
  }];
  let arguments = (ins AnyTensor:$input, OptionalAttr<I64Attr>:$dtype,
                   DefaultValuedAttr<I64Attr, "0">:$k);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_NonZeroOp : ONNX_Op<"NonZero", [Pure]> {
  let summary = "The positions of the nonzero elements of `X`";
  let description = [{
    A rank(X) x N tensor: column j holds the index of the j-th nonzero
    element of `X` in row-major order. N depends on the values of `X`.
  }];
  let arguments = (ins AnyTensor:$X);
  let results = (outs ONNX_I64Tensor:$Y);
  let hasVerifier = 1;
}

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXSELECTIONOPS_TD
