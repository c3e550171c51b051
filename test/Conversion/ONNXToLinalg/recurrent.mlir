// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// The input projection of all steps is one matmul (W read transposed) plus
// the folded biases Wb + Rb; each step accumulates H R^T into its rows and
// one generic computes the new H and C in place of the carried ones. Y
// collects H by time step.
// CHECK-DAG: #[[$LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$RHST:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @lstm_forward
// CHECK-SAME: (%[[X:.*]]: tensor<5x2x4xf32>, %[[W:.*]]: tensor<1x12x4xf32>, %[[R:.*]]: tensor<1x12x3xf32>, %[[B:.*]]: tensor<1x24xf32>)
// CHECK-DAG: %[[W0:.*]] = tensor.extract_slice %[[W]][0, 0, 0] [1, 12, 4] [1, 1, 1] : tensor<1x12x4xf32> to tensor<12x4xf32>
// CHECK-DAG: %[[R0:.*]] = tensor.extract_slice %[[R]][0, 0, 0] [1, 12, 3] [1, 1, 1] : tensor<1x12x3xf32> to tensor<12x3xf32>
// CHECK-DAG: %[[B0:.*]] = tensor.extract_slice %[[B]][0, 0] [1, 24] [1, 1] : tensor<1x24xf32> to tensor<24xf32>
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<5x2x4xf32> into tensor<10x4xf32>
// CHECK: %[[XW:.*]] = linalg.matmul indexing_maps = [#[[$LHS]], #[[$RHST]], #[[$OUT]]] ins(%[[ROWS]], %[[W0]] : tensor<10x4xf32>, tensor<12x4xf32>)
// CHECK-DAG: %[[WB:.*]] = tensor.extract_slice %[[B0]][0] [12] [1]
// CHECK-DAG: %[[RB:.*]] = tensor.extract_slice %[[B0]][12] [12] [1]
// CHECK: %[[BIASED:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$COL]], #[[$ID]]], {{.*}}} ins(%[[XW]], %[[WB]], %[[RB]] :
// CHECK: %[[PROJ:.*]] = tensor.expand_shape %[[BIASED]] {{\[\[}}0, 1], [2]] output_shape [5, 2, 12]
// CHECK: %[[H0:.*]] = linalg.fill {{.*}} -> tensor<2x3xf32>
// CHECK: %[[C0:.*]] = linalg.fill {{.*}} -> tensor<2x3xf32>
// CHECK: %[[YS:.*]] = tensor.empty() : tensor<5x2x3xf32>
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[S:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %[[H0]], %[[C:.*]] = %[[C0]], %[[Y:.*]] = %[[YS]])
// CHECK:   %[[STEP:.*]] = tensor.extract_slice %[[PROJ]][%[[S]], 0, 0] [1, 2, 12] [1, 1, 1] : tensor<5x2x12xf32> to tensor<2x12xf32>
// CHECK:   %[[GATES:.*]] = linalg.matmul indexing_maps = [#[[$LHS]], #[[$RHST]], #[[$OUT]]] ins(%[[H]], %[[R0]] : tensor<2x3xf32>, tensor<12x3xf32>) outs(%[[STEP]] : tensor<2x12xf32>)
// CHECK:   %[[I:.*]] = tensor.extract_slice %[[GATES]][0, 0] [2, 3]
// CHECK:   %[[O:.*]] = tensor.extract_slice %[[GATES]][0, 3] [2, 3]
// CHECK:   %[[F:.*]] = tensor.extract_slice %[[GATES]][0, 6] [2, 3]
// CHECK:   %[[G:.*]] = tensor.extract_slice %[[GATES]][0, 9] [2, 3]
// CHECK:   %[[NEW:.*]]:2 = linalg.generic {{.*}} ins(%[[I]], %[[O]], %[[F]], %[[G]] : {{.*}}) outs(%[[H]], %[[C]] : tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK:     math.exp
// CHECK:     math.tanh
// CHECK:     %[[CNEW:.*]] = arith.addf
// CHECK:     %[[TANHC:.*]] = math.tanh %[[CNEW]]
// CHECK:     %[[HNEW:.*]] = arith.mulf %{{.*}}, %[[TANHC]]
// CHECK:     linalg.yield %[[HNEW]], %[[CNEW]]
// CHECK:   %[[YNEXT:.*]] = tensor.insert_slice %[[NEW]]#0 into %[[Y]][%[[S]], 0, 0] [1, 2, 3] [1, 1, 1]
// CHECK:   scf.yield %[[NEW]]#0, %[[NEW]]#1, %[[YNEXT]]
// CHECK: %[[YH:.*]] = tensor.insert_slice %[[LOOP]]#0 into %{{.*}}[0, 0, 0] [1, 2, 3] [1, 1, 1] : tensor<2x3xf32> into tensor<1x2x3xf32>
// CHECK: %[[YALL:.*]] = tensor.insert_slice %[[LOOP]]#2 into %{{.*}}[0, 0, 0, 0] [5, 1, 2, 3] [1, 1, 1, 1] : tensor<5x2x3xf32> into tensor<5x1x2x3xf32>
// CHECK: return %[[YALL]], %[[YH]]
func.func @lstm_forward(%x: tensor<5x2x4xf32>, %w: tensor<1x12x4xf32>, %r: tensor<1x12x3xf32>, %b: tensor<1x24xf32>) -> (tensor<5x1x2x3xf32>, tensor<1x2x3xf32>) {
  %n = onnx.NoValue
  %y, %yh, %yc = onnx.LSTM %x, %w, %r, %b, %n, %n, %n, %n {hidden_size = 3 : i64} : (tensor<5x2x4xf32>, tensor<1x12x4xf32>, tensor<1x12x3xf32>, tensor<1x24xf32>, none, none, none, none) -> (tensor<5x1x2x3xf32>, tensor<1x2x3xf32>, none)
  return %y, %yh : tensor<5x1x2x3xf32>, tensor<1x2x3xf32>
}

// -----

// A reverse direction reads step T-1-s. Without linear_before_reset the
// reset gate multiplies H before the candidate's product: the z and r
// columns are one product, the candidate another.
// CHECK-LABEL: func.func @gru_reverse
// CHECK: scf.for %[[S:.*]] = {{.*}} iter_args(%[[H:.*]] = %{{.*}}) -> (tensor<2x3xf32>)
// CHECK:   %[[LAST:.*]] = arith.constant 4 : index
// CHECK:   %[[T:.*]] = arith.subi %[[LAST]], %[[S]] : index
// CHECK:   %[[STEP:.*]] = tensor.extract_slice %{{.*}}[%[[T]], 0, 0] [1, 2, 9] [1, 1, 1]
// CHECK:   %[[RZR:.*]] = tensor.extract_slice %{{.*}}[0, 0] [6, 3] [1, 1] : tensor<9x3xf32> to tensor<6x3xf32>
// CHECK:   %[[XZR:.*]] = tensor.extract_slice %[[STEP]][0, 0] [2, 6] [1, 1] : tensor<2x9xf32> to tensor<2x6xf32>
// CHECK:   %[[ZR:.*]] = linalg.matmul {{.*}} ins(%[[H]], %[[RZR]] : {{.*}}) outs(%[[XZR]] : tensor<2x6xf32>)
// CHECK:   %[[GATES:.*]]:2 = linalg.generic
// CHECK:     arith.divf
// CHECK:     %[[RESET:.*]] = arith.divf
// CHECK:     %[[RH:.*]] = arith.mulf %[[RESET]], %{{.*}} : f32
// CHECK:     linalg.yield %{{.*}}, %[[RH]]
// CHECK:   %[[RHH:.*]] = tensor.extract_slice %{{.*}}[6, 0] [3, 3] [1, 1] : tensor<9x3xf32> to tensor<3x3xf32>
// CHECK:   %[[XH:.*]] = tensor.extract_slice %[[STEP]][0, 6] [2, 3] [1, 1]
// CHECK:   %[[CAND:.*]] = linalg.matmul {{.*}} ins(%[[GATES]]#1, %[[RHH]] : {{.*}}) outs(%[[XH]] : tensor<2x3xf32>)
// CHECK:   %[[NEW:.*]] = linalg.generic {{.*}} ins(%[[CAND]], %[[GATES]]#0 : {{.*}}) outs(%[[H]] : tensor<2x3xf32>)
// CHECK:     math.tanh
// CHECK:   scf.yield %[[NEW]]
func.func @gru_reverse(%x: tensor<5x2x4xf32>, %w: tensor<1x9x4xf32>, %r: tensor<1x9x3xf32>) -> tensor<1x2x3xf32> {
  %n = onnx.NoValue
  %y, %yh = onnx.GRU %x, %w, %r, %n, %n, %n {direction = "reverse", hidden_size = 3 : i64} : (tensor<5x2x4xf32>, tensor<1x9x4xf32>, tensor<1x9x3xf32>, none, none, none) -> (none, tensor<1x2x3xf32>)
  return %yh : tensor<1x2x3xf32>
}

// -----

// With linear_before_reset the reset gate scales H R_h^T + Rbh, so Rbh
// stays out of the projection and the cell adds it.
// CHECK-LABEL: func.func @gru_linear_before_reset
// CHECK: %[[B0:.*]] = tensor.extract_slice %{{.*}}[0, 0] [1, 18] [1, 1] : tensor<1x18xf32> to tensor<18xf32>
// CHECK: linalg.generic
// CHECK:   %[[J:.*]] = linalg.index 1 : index
// CHECK:   arith.cmpi sge, %[[J]], %{{.*}} : index
// CHECK:   arith.cmpi slt, %[[J]], %{{.*}} : index
// CHECK: scf.for
// CHECK:   %[[REC:.*]] = linalg.matmul {{.*}} -> tensor<2x9xf32>
// CHECK:   %[[RBH:.*]] = tensor.extract_slice %[[B0]][15] [3] [1] : tensor<18xf32> to tensor<3xf32>
// CHECK:   linalg.generic {{.*}} ins({{.*}}, %[[RBH]] : {{.*}}, tensor<3xf32>)
// CHECK-NOT: linalg.matmul
// CHECK:   scf.yield
func.func @gru_linear_before_reset(%x: tensor<5x2x4xf32>, %w: tensor<1x9x4xf32>, %r: tensor<1x9x3xf32>, %b: tensor<1x18xf32>) -> tensor<1x2x3xf32> {
  %n = onnx.NoValue
  %y, %yh = onnx.GRU %x, %w, %r, %b, %n, %n {hidden_size = 3 : i64, linear_before_reset = 1 : i64} : (tensor<5x2x4xf32>, tensor<1x9x4xf32>, tensor<1x9x3xf32>, tensor<1x18xf32>, none, none) -> (none, tensor<1x2x3xf32>)
  return %yh : tensor<1x2x3xf32>
}

// -----

// Batch first (layout 1) is transposed around the computation. With
// sequence lengths, rows past their length keep H, and Y gathers the
// stored steps, zero past each row's length.
// CHECK-LABEL: func.func @rnn_lens_batch_first
// CHECK-SAME: %[[LENS:[^:]*]]: tensor<2xi32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x5x4xf32>) outs(%{{.*}} : tensor<5x2x4xf32>) permutation = [1, 0, 2]
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[S:.*]] = {{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[Y:.*]] = %{{.*}})
// CHECK:   %[[NEW:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[LENS]] : tensor<2x3xf32>, tensor<2xi32>) outs(%[[H]] : tensor<2x3xf32>)
// CHECK:   ^bb0(%[[IN:.*]]: f32, %[[LEN:.*]]: i32, %[[PREV:.*]]: f32):
// CHECK:     %[[RELU:.*]] = arith.maximumf %[[IN]]
// CHECK:     %[[N:.*]] = arith.index_cast %[[LEN]] : i32 to index
// CHECK:     %[[ACTIVE:.*]] = arith.cmpi slt, %[[S]], %[[N]] : index
// CHECK:     arith.select %[[ACTIVE]], %[[RELU]], %[[PREV]] : f32
// CHECK:   tensor.insert_slice %[[NEW]] into %[[Y]][%[[S]], 0, 0]
// CHECK: %[[GATHERED:.*]] = linalg.generic {{.*}} ins(%[[LENS]] : tensor<2xi32>) outs(%{{.*}} : tensor<5x2x3xf32>)
// CHECK:   %[[T:.*]] = linalg.index 0 : index
// CHECK:   %[[VALID:.*]] = arith.cmpi slt, %[[T]], %{{.*}} : index
// CHECK:   tensor.extract %[[LOOP]]#1
// CHECK:   arith.select %[[VALID]]
// CHECK: %[[YALL:.*]] = tensor.insert_slice %[[GATHERED]]
// CHECK: %[[OUT:.*]] = linalg.transpose ins(%[[YALL]] : tensor<5x1x2x3xf32>) outs(%{{.*}} : tensor<2x5x1x3xf32>) permutation = [2, 0, 1, 3]
// CHECK: return %[[OUT]]
func.func @rnn_lens_batch_first(%x: tensor<2x5x4xf32>, %w: tensor<1x3x4xf32>, %r: tensor<1x3x3xf32>, %lens: tensor<2xi32>) -> tensor<2x5x1x3xf32> {
  %n = onnx.NoValue
  %y, %yh = onnx.RNN %x, %w, %r, %n, %lens, %n {activations = ["Relu"], layout = 1 : i64} : (tensor<2x5x4xf32>, tensor<1x3x4xf32>, tensor<1x3x3xf32>, none, tensor<2xi32>, none) -> (tensor<2x5x1x3xf32>, none)
  return %y : tensor<2x5x1x3xf32>
}

// -----

// Lengths outside [0, T] fail the run, as in ONNX Runtime. A reverse
// direction with sequence lengths starts each row at its own last step: the
// step's rows are gathered at len - 1 - s. A row of length 0 ends with a
// zero state.
// CHECK-LABEL: func.func @rnn_reverse_lens
// CHECK-SAME: %[[LENS:[^:]*]]: tensor<2xi32>
// CHECK: %[[OK:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[LENS]] : tensor<2xi32>)
// CHECK:   arith.cmpi sge
// CHECK:   arith.cmpi sle
// CHECK: %[[HOLDS:.*]] = tensor.extract %[[OK]][] : tensor<i1>
// CHECK: cf.assert %[[HOLDS]], "sequence_lens outside [0, 5]"
// CHECK: %[[LOOP:.*]] = scf.for %[[S:[a-z0-9_]+]] =
// CHECK-NOT: arith.subi
// CHECK:   linalg.generic {{.*}} ins(%[[LENS]] : tensor<2xi32>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK:     %[[LAST:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// CHECK:     %[[T:.*]] = arith.subi %[[LAST]], %[[S]] : index
// CHECK:     %[[T0:.*]] = arith.maxsi %[[T]], %{{.*}} : index
// CHECK:     %[[T1:.*]] = arith.minsi %[[T0]], %{{.*}} : index
// CHECK:     tensor.extract %{{.*}}[%[[T1]], %{{.*}}, %{{.*}}] : tensor<5x2x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[LOOP]], %[[LENS]] : tensor<2x3xf32>, tensor<2xi32>)
// CHECK:   %[[EMPTY:.*]] = arith.cmpi sle
// CHECK:   arith.select %[[EMPTY]], %{{.*}}, %{{.*}} : f32
func.func @rnn_reverse_lens(%x: tensor<5x2x4xf32>, %w: tensor<1x3x4xf32>, %r: tensor<1x3x3xf32>, %lens: tensor<2xi32>) -> tensor<1x2x3xf32> {
  %n = onnx.NoValue
  %y, %yh = onnx.RNN %x, %w, %r, %n, %lens, %n {direction = "reverse"} : (tensor<5x2x4xf32>, tensor<1x3x4xf32>, tensor<1x3x3xf32>, none, tensor<2xi32>, none) -> (none, tensor<1x2x3xf32>)
  return %yh : tensor<1x2x3xf32>
}

// -----

// Each direction is its own loop; the second runs in reverse.
// CHECK-LABEL: func.func @lstm_bidirectional
// CHECK: %[[FWD:.*]]:2 = scf.for
// CHECK: tensor.insert_slice %[[FWD]]#1 into %{{.*}}[0, 0, 0] [1, 1, 2]
// CHECK: tensor.extract_slice %{{.*}}[1, 0, 0] [1, 8, 2] [1, 1, 1] : tensor<2x8x2xf32> to tensor<8x2xf32>
// CHECK: %[[BWD:.*]]:2 = scf.for
// CHECK:   arith.subi
// CHECK: tensor.insert_slice %[[BWD]]#1 into %{{.*}}[1, 0, 0] [1, 1, 2]
func.func @lstm_bidirectional(%x: tensor<3x1x2xf32>, %w: tensor<2x8x2xf32>, %r: tensor<2x8x2xf32>) -> tensor<2x1x2xf32> {
  %n = onnx.NoValue
  %y, %yh, %yc = onnx.LSTM %x, %w, %r, %n, %n, %n, %n, %n {direction = "bidirectional", hidden_size = 2 : i64} : (tensor<3x1x2xf32>, tensor<2x8x2xf32>, tensor<2x8x2xf32>, none, none, none, none, none) -> (none, none, tensor<2x1x2xf32>)
  return %yc : tensor<2x1x2xf32>
}

// -----

// Steps and batch known only at run time: the loop runs to X's first
// size, the tensors take X's sizes, and the initial state is checked to
// have X's batch.
// CHECK-LABEL: func.func @lstm_symbolic
// CHECK: %[[SEQ:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x?x4xf32>
// CHECK: %[[BATCH:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x?x4xf32>
// CHECK: %[[HBATCH:.*]] = tensor.dim %arg3, %{{.*}} : tensor<1x?x3xf32>
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[HBATCH]], %[[BATCH]] : index
// CHECK: cf.assert %[[SAME]], "node 'lstm': the initial states must have X's batch size"
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [%{{.*}}, %{{.*}}, 12] : tensor<?x12xf32> into tensor<?x?x12xf32>
// CHECK: scf.for %[[S:.*]] = %{{.*}} to %[[SEQ]] step %{{.*}} iter_args({{.*}}) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x?x3xf32>)
// CHECK:   %[[LAST:.*]] = arith.subi %[[SEQ]], %{{.*}} : index
// CHECK:   %[[T:.*]] = arith.subi %[[LAST]], %[[S]] : index
// CHECK:   tensor.extract_slice %{{.*}}[%[[T]], 0, 0] [1, %[[BATCH]], 12] [1, 1, 1] : tensor<?x?x12xf32> to tensor<?x12xf32>
// CHECK: return %{{.*}}, %{{.*}} : tensor<?x1x?x3xf32>, tensor<1x?x3xf32>
func.func @lstm_symbolic(%x: tensor<?x?x4xf32>, %w: tensor<1x12x4xf32>, %r: tensor<1x12x3xf32>, %h: tensor<1x?x3xf32>) -> (tensor<?x1x?x3xf32>, tensor<1x?x3xf32>) {
  %n = onnx.NoValue
  %y, %yh, %yc = onnx.LSTM %x, %w, %r, %n, %n, %h, %n, %n {hidden_size = 3 : i64, direction = "reverse"} : (tensor<?x?x4xf32>, tensor<1x12x4xf32>, tensor<1x12x3xf32>, none, none, tensor<1x?x3xf32>, none, none) -> (tensor<?x1x?x3xf32>, tensor<1x?x3xf32>, none) loc("lstm")
  return %y, %yh : tensor<?x1x?x3xf32>, tensor<1x?x3xf32>
}
