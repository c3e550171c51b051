//===- ONNXIndexingOps.td - Gathers, ranges, padding, scans -*- tablegen -*-===//
//
// Operators that index into their data by computed positions: element and
// n-dimensional gathers, triangles, ranges, padding, resizing and
// cumulative sums and products, sequence reversal, grid sampling, and
// Size. Included by ONNXOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXINDEXINGOPS_TD
#define LOWRANK_DIALECT_ONNX_IR_ONNXINDEXINGOPS_TD

def ONNX_GatherElementsOp : ONNX_Op<"GatherElements",
    [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Elements of `data` at `indices` along `axis`";
  let description = [{
    `output[i][j][k] = data[i][indices[i][j][k]][k]` for axis 1; the output
    has the shape of `indices`.
  }];
  let arguments = (ins AnyTensor:$data, ONNX_IndexTensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_GatherNDOp : ONNX_Op<"GatherND",
    [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Slices of `data` at the index tuples of `indices`";
  let arguments = (ins AnyTensor:$data, ONNX_I64Tensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_ReverseSequenceOp : ONNX_Op<"ReverseSequence",
    [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "The first `sequence_lens[b]` steps of each batch item "
                "reversed";
  let description = [{
    `output[t][b] = input[sequence_lens[b] - 1 - t][b]` for
    `t < sequence_lens[b]` and `input[t][b]` beyond, with time along
    `time_axis` and batch along `batch_axis` (0 and 1 in either order).
  }];
  let arguments = (ins AnyTensor:$input, ONNX_I64Tensor:$sequence_lens,
                   DefaultValuedAttr<I64Attr, "1">:$batch_axis,
                   DefaultValuedAttr<I64Attr, "0">:$time_axis);
  let results = (outs AnyTensor:$Y);
  let hasVerifier = 1;
}

def ONNX_TriluOp : ONNX_Op<"Trilu", [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Upper or lower triangle of the last two dimensions";
  let arguments = (ins AnyTensor:$input, ONNX_TensorOrNone:$k,
                   DefaultValuedAttr<I64Attr, "1">:$upper);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_RangeOp : ONNX_Op<"Range", [Pure]> {
  let summary = "start, start + delta, ... up to (excluding) limit";
  let arguments = (ins ONNX_NumericTensor:$start, ONNX_NumericTensor:$limit,
                   ONNX_NumericTensor:$delta);
  let results = (outs ONNX_NumericTensor:$output);
  let hasVerifier = 1;
}

def ONNX_SizeOp : ONNX_Op<"Size", [Pure]> {
  let summary = "The number of elements of a tensor, as an int64 scalar";
  let arguments = (ins AnyTensor:$data);
  let results = (outs ONNX_I64Tensor:$size);
  let hasVerifier = 1;
}

def ONNX_PadOp : ONNX_Op<"Pad", [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "Pad with a constant, reflection, edge or wrap-around values";
  let description = [{
    The opset-13 form: `pads` holds the begin pads of every axis, then the
    end pads; negative pads crop. Newer forms with constant `axes` are
    brought to it by the importer; axes known only at run time stay the
    optional operand `axes`, and `pads` then holds the pads of those axes.
  }];
  let arguments = (ins AnyTensor:$data, ONNX_I64Tensor:$pads,
                   ONNX_TensorOrNone:$constant_value,
                   Optional<ONNX_I64Tensor>:$axes,
                   DefaultValuedStrAttr<StrAttr, "constant">:$mode);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}

def ONNX_CumSumOp : ONNX_Op<"CumSum", [Pure,
    ONNX_SameDataAndResultElementType]> {
  let summary = "Cumulative sum along an axis given as an input";
  let arguments = (ins ONNX_NumericTensor:$x, ONNX_IndexTensor:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$exclusive,
                   DefaultValuedAttr<I64Attr, "0">:$reverse);
  let results = (outs ONNX_NumericTensor:$y);
  let hasVerifier = 1;
}

def ONNX_CumProdOp : ONNX_Op<"CumProd", [Pure,
    ONNX_SameDataAndResultElementType]> {
  let summary = "Cumulative product along an axis given as an input";
  let arguments = (ins ONNX_NumericTensor:$x, ONNX_IndexTensor:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$exclusive,
                   DefaultValuedAttr<I64Attr, "0">:$reverse);
  let results = (outs ONNX_NumericTensor:$y);
  let hasVerifier = 1;
}

def ONNX_ResizeOp : ONNX_Op<"Resize", [Pure,
    ONNX_SameDataAndResultElementType]> {
  let summary = "Resize by nearest-neighbour, linear or cubic interpolation";
  let description = [{
    The opset-19 form: `scales` (float) or `sizes`
    (int64) give the result size of each dimension listed in `axes` (all
    when absent, in order); `roi` is only read in tf_crop_and_resize mode.
    With `sizes`, `keep_aspect_ratio_policy` `not_larger` or `not_smaller`
    resizes every listed axis by one scale, the largest that keeps the
    result within the sizes or the smallest that covers them. `antialias`
    widens the linear or cubic kernel of a downscaled axis by 1 / scale.
    `nearest_mode` `simple` is the rounding of Upsample and Resize-10 (up on
    a downscaled axis, down otherwise), which import as this op.
  }];
  let arguments = (ins AnyTensor:$X, ONNX_TensorOrNone:$roi,
                   ONNX_TensorOrNone:$scales, ONNX_TensorOrNone:$sizes,
                   DefaultValuedAttr<I64Attr, "0">:$antialias,
                   OptionalAttr<DenseI64ArrayAttr>:$axes,
                   DefaultValuedStrAttr<StrAttr, "half_pixel">:$coordinate_transformation_mode,
                   DefaultValuedAttr<F32Attr, "-0.75f">:$cubic_coeff_a,
                   DefaultValuedAttr<I64Attr, "0">:$exclude_outside,
                   DefaultValuedAttr<F32Attr, "0.0f">:$extrapolation_value,
                   DefaultValuedStrAttr<StrAttr, "stretch">:$keep_aspect_ratio_policy,
                   DefaultValuedStrAttr<StrAttr, "nearest">:$mode,
                   DefaultValuedStrAttr<StrAttr, "round_prefer_floor">:$nearest_mode);
  let results = (outs AnyTensor:$Y);
  let extraClassDeclaration = [{
    /// The resized dimensions, in the order of `scales` and `sizes`: `axes`
    /// made non-negative, or every dimension. Empty when the rank is
    /// unknown or an axis is out of range.
    ::llvm::SmallVector<int64_t> getResizedAxes();
  }];
  let hasVerifier = 1;
}

def ONNX_GridSampleOp : ONNX_Op<"GridSample",
    [Pure, ONNX_SameDataAndResultElementType]> {
  let summary = "`X` sampled at the normalized positions of `grid`";
  let description = [{
    `X` is N x C x D1 x ... x Dr and `grid` N x H1 x ... x Hr x r, its last
    dimension holding coordinates in [-1, 1] in reverse order (x for Dr
    first); the result is N x C x H1 x ... x Hr. `mode` is `linear` (or
    `bilinear`), `nearest` or `cubic` (or `bicubic`); positions outside the
    input read zeros, the border, or their reflection (`padding_mode`).
  }];
  let arguments = (ins ONNX_FloatTensor:$X, ONNX_FloatTensor:$grid,
                   DefaultValuedAttr<I64Attr, "0">:$align_corners,
                   DefaultValuedStrAttr<StrAttr, "linear">:$mode,
                   DefaultValuedStrAttr<StrAttr, "zeros">:$padding_mode);
  let results = (outs ONNX_FloatTensor:$Y);
  let hasVerifier = 1;
}

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXINDEXINGOPS_TD
