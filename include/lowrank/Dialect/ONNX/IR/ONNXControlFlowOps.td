//===- ONNXControlFlowOps.td - If, Loop and Scan -----------*- tablegen -*-===//
//
// The ONNX operators with subgraphs. Each subgraph is a single-block region
// terminated by `onnx.Yield`; its block arguments are the subgraph's inputs.
// Values of the enclosing graph are used directly, as ONNX subgraphs use
// them by name.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_DIALECT_ONNX_IR_ONNXCONTROLFLOWOPS_TD
#define LOWRANK_DIALECT_ONNX_IR_ONNXCONTROLFLOWOPS_TD

def ONNX_IfOp : ONNX_Op<"If", [RecursiveMemoryEffects, NoRegionArguments]> {
  let summary = "Runs one of two subgraphs, chosen by a boolean scalar";
  let description = [{
    Both branches yield as many values as the op has results. The regions
    are the `then_branch` and `else_branch` graph attributes, in that order.

    ```mlir
    %y = onnx.If %cond : (tensor<i1>) -> tensor<4xf32> {
      onnx.Yield %a : tensor<4xf32>
    } else {
      onnx.Yield %b : tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins ONNX_BoolTensor:$cond);
  let results = (outs Variadic<AnyType>:$outputs);
  let regions = (region SizedRegion<1>:$then_branch,
                        SizedRegion<1>:$else_branch);
  let assemblyFormat = [{
    $cond attr-dict `:` functional-type($cond, $outputs)
    $then_branch `else` $else_branch
  }];
  let hasVerifier = 1;
}

def ONNX_LoopOp : ONNX_Op<"Loop", [RecursiveMemoryEffects]> {
  let summary = "Runs the body while the trip count and condition allow";
  let description = [{
    Opset 16 semantics. `M` (an i64 scalar, the maximum trip count) and
    `cond` (an i1 scalar) are both optional. The body's block arguments are
    the iteration number (`tensor<i64>`), the condition and the N
    loop-carried values; it yields the next condition, the N carried
    values and K scan outputs. The op's results are the N final carried
    values and the K scan outputs, each the values of all iterations
    stacked along a new first axis.

    ```mlir
    %y, %s = onnx.Loop (%m, %none, %y0)
        : (tensor<i64>, none, tensor<1xf32>) -> (tensor<1xf32>, tensor<5x1xf32>) {
    ^bb0(%i: tensor<i64>, %c: tensor<i1>, %y: tensor<1xf32>):
      %n = onnx.Add %y, %y : ...
      onnx.Yield %c, %n, %n : tensor<i1>, tensor<1xf32>, tensor<1xf32>
    }
    ```
  }];
  let arguments = (ins ONNX_TensorOrNone:$M, ONNX_TensorOrNone:$cond,
                   Variadic<AnyType>:$v_initial);
  let results = (outs Variadic<AnyType>:$v_final_and_scan_outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $M `,` $cond (`,` $v_initial^)? `)` attr-dict `:`
    functional-type(operands, results) $body
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of loop-carried values (N).
    unsigned getNumCarried() { return getVInitial().size(); }
    /// The number of scan outputs (K).
    unsigned getNumScanOutputs() {
      return getNumResults() - getNumCarried();
    }
  }];
}

def ONNX_ScanOp : ONNX_Op<"Scan", [RecursiveMemoryEffects]> {
  let summary = "Runs the body once per slice of the scan inputs";
  let description = [{
    Opset 16 semantics (opset 9 and later). The first N operands are the
    initial states, the last `num_scan_inputs` (M) are scanned along
    `scan_input_axes` (default 0), backwards where `scan_input_directions`
    is 1. The body takes the N states and one slice of each scan input and
    yields the N next states and K scan output slices; the op's results are
    the final states and the K slices stacked along `scan_output_axes`.

    ```mlir
    %s, %z = onnx.Scan (%init, %x) {num_scan_inputs = 1 : i64}
        : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
    ^bb0(%acc: tensor<2xf32>, %row: tensor<2xf32>):
      %n = onnx.Add %acc, %row : ...
      onnx.Yield %n, %n : tensor<2xf32>, tensor<2xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$initial_state_and_scan_inputs,
                   I64Attr:$num_scan_inputs,
                   OptionalAttr<DenseI64ArrayAttr>:$scan_input_axes,
                   OptionalAttr<DenseI64ArrayAttr>:$scan_input_directions,
                   OptionalAttr<DenseI64ArrayAttr>:$scan_output_axes,
                   OptionalAttr<DenseI64ArrayAttr>:$scan_output_directions);
  let results = (outs Variadic<AnyType>:$final_state_and_scan_outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $initial_state_and_scan_inputs `)` attr-dict `:`
    functional-type(operands, results) $body
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of states (N).
    unsigned getNumStates() {
      return getNumOperands() - static_cast<unsigned>(getNumScanInputs());
    }
  }];
}

#endif // LOWRANK_DIALECT_ONNX_IR_ONNXCONTROLFLOWOPS_TD
