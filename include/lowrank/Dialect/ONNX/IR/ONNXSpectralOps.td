//===- ONNXSpectralOps.td - Fourier transforms -------------*- tablegen -*-===//
//
// DFT and STFT. Complex values are a trailing dimension of 2 (real,
// imaginary); a trailing dimension of 1 is a real signal.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXSPECTRALOPS_TD
#define LOWRANK_DIALECT_ONNX_IR_ONNXSPECTRALOPS_TD

def ONNX_DFTOp : ONNX_Op<"DFT", [Pure]> {
  let summary = "The discrete Fourier transform along one axis";
  let description = [{
    The transform of `input` along `axis` (a scalar, opset 20; opset 17's
    attribute becomes this operand on import), of length `dft_length`
    (the input is cut or padded with zeros; by default the axis size, or
    2 (size - 1) for an inverse of a one-sided spectrum). `inverse`
    computes the inverse transform, scaled by 1 / dft_length. `onesided`
    keeps the dft_length / 2 + 1 non-redundant frequencies of a forward
    transform, or, with `inverse`, takes such a half spectrum and returns
    the real signal (a trailing dimension of 1).
  }];
  let arguments = (ins ONNX_FloatTensor:$input,
                   ONNX_TensorOrNone:$dft_length,
                   ONNX_TensorOrNone:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$inverse,
                   DefaultValuedAttr<I64Attr, "0">:$onesided);
  let results = (outs ONNX_FloatTensor:$output);
  let hasVerifier = 1;
}

def ONNX_STFTOp : ONNX_Op<"STFT", [Pure]> {
  let summary = "The short-time Fourier transform of a batch of signals";
  let description = [{
    `signal` [batch, length, 1 or 2] is cut into frames of `frame_length`
    samples (by default the window's length) every `frame_step` samples,
    each multiplied by `window` and transformed: the result is
    [batch, frames, bins, 2] with frames = (length - frame_length) /
    frame_step + 1 and bins = frame_length / 2 + 1 when `onesided`, else
    frame_length.
  }];
  let arguments = (ins ONNX_FloatTensor:$signal,
                   ONNX_IndexTensor:$frame_step,
                   ONNX_TensorOrNone:$window,
                   ONNX_TensorOrNone:$frame_length,
                   DefaultValuedAttr<I64Attr, "1">:$onesided);
  let results = (outs ONNX_FloatTensor:$output);
  let hasVerifier = 1;
}

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXSPECTRALOPS_TD
