// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// The branches move into an scf.if on the extracted condition; their ops
// are lowered in place and outer values are read directly.
// CHECK-LABEL: func.func @if_else
// CHECK-SAME: (%[[C:.*]]: tensor<i1>, %[[X:.*]]: tensor<4xf32>)
// CHECK: %[[V:.*]] = tensor.extract %[[C]][] : tensor<i1>
// CHECK: %[[R:.*]] = scf.if %[[V]] -> (tensor<4xf32>) {
// CHECK:   %[[N:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<4xf32>)
// CHECK:     arith.negf
// CHECK:   scf.yield %[[N]] : tensor<4xf32>
// CHECK: } else {
// CHECK:   scf.yield %[[X]] : tensor<4xf32>
// CHECK: }
// CHECK: return %[[R]]
func.func @if_else(%c: tensor<i1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %y = onnx.If %c : (tensor<i1>) -> tensor<4xf32> {
    %n = onnx.Neg %x : (tensor<4xf32>) -> tensor<4xf32>
    onnx.Yield %n : tensor<4xf32>
  } else {
    onnx.Yield %x : tensor<4xf32>
  }
  return %y : tensor<4xf32>
}

// -----

// A result type less precise than both branches: scf.if yields the static
// type and a cast gives the declared one.
// CHECK-LABEL: func.func @if_dynamic_result
// CHECK: %[[R:.*]] = scf.if %{{.*}} -> (tensor<4xf32>)
// CHECK: %[[D:.*]] = tensor.cast %[[R]] : tensor<4xf32> to tensor<?xf32>
// CHECK: return %[[D]]
func.func @if_dynamic_result(%c: tensor<i1>, %x: tensor<4xf32>, %z: tensor<4xf32>) -> tensor<?xf32> {
  %y = onnx.If %c : (tensor<i1>) -> tensor<?xf32> {
    onnx.Yield %x : tensor<4xf32>
  } else {
    onnx.Yield %z : tensor<4xf32>
  }
  return %y : tensor<?xf32>
}

// -----

// A branch of dynamic shape is checked at run time against the other's.
// CHECK-LABEL: func.func @if_checked_branch
// CHECK: scf.if
// CHECK: } else {
// CHECK:   %[[S:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?xf32>
// CHECK:   %[[OK:.*]] = arith.cmpi eq, %[[S]], %{{.*}} : index
// CHECK:   cf.assert %[[OK]], "node 'choose': else_branch output 0 must have size 4 in dimension 0
// CHECK:   %[[K:.*]] = tensor.cast %{{.*}} : tensor<?xf32> to tensor<4xf32>
// CHECK:   scf.yield %[[K]]
func.func @if_checked_branch(%c: tensor<i1>, %x: tensor<4xf32>, %z: tensor<?xf32>) -> tensor<4xf32> {
  %y = onnx.If %c : (tensor<i1>) -> tensor<4xf32> {
    onnx.Yield %x : tensor<4xf32>
  } else {
    onnx.Yield %z : tensor<?xf32>
  } loc("choose")
  return %y : tensor<4xf32>
}

// -----

// Loop with a trip count, a condition, one carried value and one scan
// output of static trip count 5: an scf.while whose before region tests
// the trip count, the condition and the scan outputs' size; the body
// inserts each scan slice at the iteration number; a check after the loop
// reports a different number of iterations.
// CHECK-LABEL: func.func @loop
// CHECK-SAME: (%[[M:.*]]: tensor<i64>, %[[C:.*]]: tensor<i1>, %[[Y:.*]]: tensor<1xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[CV:.*]] = tensor.extract %[[C]][]
// CHECK-DAG: %[[E:.*]] = tensor.empty() : tensor<5x1xf32>
// CHECK-DAG: %[[MV:.*]] = tensor.extract %[[M]][]
// CHECK: %[[W:.*]]:4 = scf.while (%[[I:.*]] = %[[C0]], %[[GO:.*]] = %[[CV]], %[[V:.*]] = %[[Y]], %[[B:.*]] = %[[E]]) : (i64, i1, tensor<1xf32>, tensor<5x1xf32>) -> (i64, i1, tensor<1xf32>, tensor<5x1xf32>) {
// CHECK:   %[[LT:.*]] = arith.cmpi slt, %[[I]], %[[MV]] : i64
// CHECK:   %[[NAT:.*]] = arith.andi %[[GO]], %[[LT]] : i1
// CHECK:   %[[C5:.*]] = arith.constant 5 : i64
// CHECK:   %[[FIT:.*]] = arith.cmpi slt, %[[I]], %[[C5]] : i64
// CHECK:   %[[P:.*]] = arith.andi %[[NAT]], %[[FIT]] : i1
// CHECK:   scf.condition(%[[P]]) %[[I]], %[[NAT]], %[[V]], %[[B]]
// CHECK: } do {
// CHECK: ^bb0(%[[I2:.*]]: i64, %[[G2:.*]]: i1, %[[V2:.*]]: tensor<1xf32>, %[[B2:.*]]: tensor<5x1xf32>):
// CHECK:   %[[IT:.*]] = tensor.from_elements %[[I2]] : tensor<i64>
// CHECK:   %[[CT:.*]] = tensor.from_elements %[[G2]] : tensor<i1>
// CHECK:   %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[V2]], %[[V2]] :
// CHECK:   %[[NEXT:.*]] = arith.addi %[[I2]], %{{.*}} : i64
// CHECK:   %[[CN:.*]] = tensor.extract %[[CT]][] : tensor<i1>
// CHECK:   %[[POS:.*]] = arith.index_cast %[[I2]] : i64 to index
// CHECK:   %[[INS:.*]] = tensor.insert_slice %[[SUM]] into %[[B2]][%[[POS]], 0] [1, 1] [1, 1] : tensor<1xf32> into tensor<5x1xf32>
// CHECK:   scf.yield %[[NEXT]], %[[CN]], %[[SUM]], %[[INS]]
// CHECK: }
// CHECK: %[[RAN:.*]] = arith.cmpi eq, %[[W]]#0, %{{.*}} : i64
// CHECK: %[[STOP:.*]] = arith.xori %[[W]]#1, %{{.*}} : i1
// CHECK: %[[OK:.*]] = arith.andi %[[RAN]], %[[STOP]] : i1
// CHECK: cf.assert %[[OK]], "node 'loop': Loop must run exactly 5 iterations, the static size of its scan outputs"
// CHECK: return %[[W]]#2, %[[W]]#3
func.func @loop(%m: tensor<i64>, %c: tensor<i1>, %y: tensor<1xf32>) -> (tensor<1xf32>, tensor<5x1xf32>) {
  %r:2 = onnx.Loop (%m, %c, %y) : (tensor<i64>, tensor<i1>, tensor<1xf32>) -> (tensor<1xf32>, tensor<5x1xf32>) {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %v: tensor<1xf32>):
    %s = onnx.Add %v, %v : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
    onnx.Yield %ci, %s, %s : tensor<i1>, tensor<1xf32>, tensor<1xf32>
  } loc("loop")
  return %r#0, %r#1 : tensor<1xf32>, tensor<5x1xf32>
}

// -----

// Without a condition the loop runs M times; the body's condition input is
// a tensor of the (true) condition.
// CHECK-LABEL: func.func @loop_trip_count_only
// CHECK: scf.while
// CHECK:   %[[LT:.*]] = arith.cmpi slt
// CHECK:   arith.andi %{{.*}}, %[[LT]]
// CHECK: } do {
// CHECK:   tensor.from_elements %{{.*}} : tensor<i64>
// CHECK:   linalg.generic
// CHECK:   scf.yield
// CHECK-NOT: cf.assert
func.func @loop_trip_count_only(%m: tensor<i64>, %y: tensor<2xf32>) -> tensor<2xf32> {
  %none = onnx.NoValue
  %r = onnx.Loop (%m, %none, %y) : (tensor<i64>, none, tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %v: tensor<2xf32>):
    %s = onnx.Mul %v, %v : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %ci, %s : tensor<i1>, tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

// Scan: an scf.for over the scanned axis, reading one row per iteration
// and writing the scan output row by row.
// CHECK-LABEL: func.func @scan_sum
// CHECK-SAME: (%[[INIT:.*]]: tensor<2xf32>, %[[X:.*]]: tensor<3x2xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x2xf32>
// CHECK: %[[F:.*]]:2 = scf.for %[[IV:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[S:.*]] = %[[INIT]], %[[B:.*]] = %[[E]]) -> (tensor<2xf32>, tensor<3x2xf32>) {
// CHECK:   %[[ROW:.*]] = tensor.extract_slice %[[X]][%[[IV]], 0] [1, 2] [1, 1] : tensor<3x2xf32> to tensor<2xf32>
// CHECK:   %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[ROW]] : tensor<2xf32>, tensor<2xf32>)
// CHECK:   %[[INS:.*]] = tensor.insert_slice %[[SUM]] into %[[B]][%[[IV]], 0] [1, 2] [1, 1] : tensor<2xf32> into tensor<3x2xf32>
// CHECK:   scf.yield %[[SUM]], %[[INS]]
// CHECK: return %[[F]]#0, %[[F]]#1
func.func @scan_sum(%init: tensor<2xf32>, %x: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %r:2 = onnx.Scan (%init, %x) {num_scan_inputs = 1 : i64} : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  ^bb0(%s: tensor<2xf32>, %row: tensor<2xf32>):
    %n = onnx.Add %s, %row : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n, %n : tensor<2xf32>, tensor<2xf32>
  }
  return %r#0, %r#1 : tensor<2xf32>, tensor<3x2xf32>
}

// -----

// Reverse scan directions read and write from the end.
// CHECK-LABEL: func.func @scan_reverse
// CHECK: scf.for %[[IV:[a-z0-9_]+]] =
// CHECK:   %[[REV:.*]] = arith.subi %{{.*}}, %[[IV]] : index
// CHECK:   tensor.extract_slice %{{.*}}[0, %[[REV]]] [2, 1] [1, 1] : tensor<2x3xf32> to tensor<2xf32>
// CHECK:   tensor.insert_slice %{{.*}} into %{{.*}}[%[[IV]], 0] [1, 2] [1, 1]
func.func @scan_reverse(%init: tensor<2xf32>, %x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %r:2 = onnx.Scan (%init, %x) {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 1>, scan_input_directions = array<i64: 1>} : (tensor<2xf32>, tensor<2x3xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  ^bb0(%s: tensor<2xf32>, %col: tensor<2xf32>):
    %n = onnx.Add %s, %col : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n, %n : tensor<2xf32>, tensor<2xf32>
  }
  return %r#0, %r#1 : tensor<2xf32>, tensor<3x2xf32>
}


// -----

// A scan output of a trip count known only at run time grows as a stack:
// an iteration that finds it full allocates twice the capacity (at least
// 16, at most the trip count) and copies what it holds; after the loop it
// is cut to the iterations run.
// CHECK-LABEL: func.func @loop_dynamic_scan
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<0x2xf32>
// CHECK: %[[INIT:.*]] = tensor.cast %[[EMPTY]] : tensor<0x2xf32> to tensor<?x2xf32>
// CHECK: %[[LOOP:.*]]:3 = scf.while ({{.*}}, %{{.*}} = %[[INIT]]) : (i64, i1, tensor<?x2xf32>)
// CHECK:   %[[CAPACITY:.*]] = tensor.dim %[[STACK:.*]], %{{.*}} : tensor<?x2xf32>
// CHECK:   %[[FULL:.*]] = arith.cmpi sge, %[[POSITION:.*]], %[[CAPACITY]] : index
// CHECK:   %[[GROWN:.*]] = scf.if %[[FULL]] -> (tensor<?x2xf32>)
// CHECK:     %[[FRESH:.*]] = tensor.empty(%{{.*}}) : tensor<?x2xf32>
// CHECK:     tensor.insert_slice %[[STACK]] into %{{.*}}[0, 0]
// CHECK:   } else {
// CHECK:     scf.yield %[[STACK]]
// CHECK:   tensor.insert_slice %{{.*}} into %[[GROWN]][%[[POSITION]], 0] [1, 2] [1, 1]
// CHECK: %[[COUNT:.*]] = arith.index_cast %[[LOOP]]#0 : i64 to index
// CHECK: tensor.extract_slice %[[LOOP]]#2[0, 0] [%[[COUNT]], 2] [1, 1]
func.func @loop_dynamic_scan(%m: tensor<i64>, %y: tensor<2xf32>) -> tensor<?x2xf32> {
  %none = onnx.NoValue
  %r = onnx.Loop (%m, %none) : (tensor<i64>, none) -> tensor<?x2xf32> {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>):
    onnx.Yield %ci, %y : tensor<i1>, tensor<2xf32>
  }
  return %r : tensor<?x2xf32>
}
