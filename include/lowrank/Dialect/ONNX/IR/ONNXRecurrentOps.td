//===- ONNXRecurrentOps.td - LSTM, GRU and RNN -------------*- tablegen -*-===//
//
// The recurrent operators in their opset-14 form (unchanged up to opset 22):
// inputs X, W, R and the optional B, sequence_lens, initial_h (and for LSTM
// initial_c and P); outputs Y, Y_h (and Y_c), each of which may be omitted.
// `activations` holds the operator's activation functions by ONNX name,
// `activation_alpha`/`activation_beta` their parameters in order.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXRECURRENTOPS_TD
#define LOWRANK_DIALECT_ONNX_IR_ONNXRECURRENTOPS_TD

class ONNX_RecurrentOp<string mnemonic, int numGates, int numActivations,
                       dag extraInputs, dag extraAttributes, dag outputs>
    : ONNX_Op<mnemonic, [Pure]> {
  let arguments = !con(
      (ins ONNX_FloatTensor:$X, ONNX_FloatTensor:$W, ONNX_FloatTensor:$R,
           ONNX_TensorOrNone:$B, ONNX_TensorOrNone:$sequence_lens,
           ONNX_TensorOrNone:$initial_h),
      extraInputs,
      (ins OptionalAttr<DenseF32ArrayAttr>:$activation_alpha,
           OptionalAttr<DenseF32ArrayAttr>:$activation_beta,
           OptionalAttr<StrArrayAttr>:$activations,
           OptionalAttr<F32Attr>:$clip,
           DefaultValuedStrAttr<StrAttr, "forward">:$direction,
           OptionalAttr<I64Attr>:$hidden_size,
           DefaultValuedAttr<I64Attr, "0">:$layout),
      extraAttributes);
  let results = outputs;
  let hasVerifier = 1;
  let extraClassDeclaration = !strconcat([{
    /// The number of gates whose weights W and R stack.
    static constexpr int64_t kNumGates = }], !cast<string>(numGates), [{;
    /// The number of activation functions per direction.
    static constexpr int64_t kNumActivations = }],
    !cast<string>(numActivations), [{;
    /// 2 for a bidirectional operator, 1 otherwise.
    int64_t getNumDirections() {
      return getDirection() == "bidirectional" ? 2 : 1;
    }
  }]);
}

def ONNX_LSTMOp : ONNX_RecurrentOp<"LSTM", 4, 3,
    (ins ONNX_TensorOrNone:$initial_c, ONNX_TensorOrNone:$P),
    (ins DefaultValuedAttr<I64Attr, "0">:$input_forget),
    (outs ONNX_TensorOrNone:$Y, ONNX_TensorOrNone:$Y_h,
          ONNX_TensorOrNone:$Y_c)> {
  let summary = "Long short-term memory layer";
  let description = [{
    Gates i, o, f, c stacked in that order in W, R and B; peepholes P hold
    i, o, f. With the default activations (Sigmoid, Tanh, Tanh):
    `C_t = f_t * C_{t-1} + i_t * c_t`, `H_t = o_t * tanh(C_t)`.
  }];
}

def ONNX_GRUOp : ONNX_RecurrentOp<"GRU", 3, 2, (ins),
    (ins DefaultValuedAttr<I64Attr, "0">:$linear_before_reset),
    (outs ONNX_TensorOrNone:$Y, ONNX_TensorOrNone:$Y_h)> {
  let summary = "Gated recurrent unit layer";
  let description = [{
    Gates z, r, h stacked in that order in W, R and B. With the default
    activations (Sigmoid, Tanh): `H_t = (1 - z_t) * h_t + z_t * H_{t-1}`,
    where the reset gate multiplies `H_{t-1}` before the recurrent weights
    (`linear_before_reset = 0`) or their product (`= 1`).
  }];
}

def ONNX_RNNOp : ONNX_RecurrentOp<"RNN", 1, 1, (ins), (ins),
    (outs ONNX_TensorOrNone:$Y, ONNX_TensorOrNone:$Y_h)> {
  let summary = "Simple recurrent layer";
  let description = [{
    `H_t = f(X_t W^T + H_{t-1} R^T + Wb + Rb)`, `f` Tanh by default.
  }];
}

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXRECURRENTOPS_TD
