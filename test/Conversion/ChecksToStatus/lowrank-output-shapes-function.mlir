// RUN: lowrank-opt %s --lowrank-output-shapes-function --split-input-file | FileCheck %s

// The sizes of the results, resolved to the sizes of the arguments: the
// product itself is not in the shapes function.
// CHECK-LABEL: func.func @main_graph(
// CHECK: linalg.matmul
// CHECK-LABEL: func.func @main_graph_output_shapes
// CHECK-SAME: (%[[X:.*]]: tensor<?x16xf32>) -> (tensor<2xi64> {onnx.name = "y"})
// CHECK-NOT: linalg
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : i64
// CHECK-DAG: %[[ROWS:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x16xf32>
// CHECK: %[[ROWS64:.*]] = arith.index_cast %[[ROWS]] : index to i64
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %[[ROWS64]], %[[C8]] : tensor<2xi64>
// CHECK: return %[[SHAPE]]
func.func @main_graph(%x: tensor<?x16xf32>) -> (tensor<?x8xf32> {onnx.name = "y"}) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<16x8xf32>
  %rows = tensor.dim %x, %c0 : tensor<?x16xf32>
  %empty = tensor.empty(%rows) : tensor<?x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x8xf32>) -> tensor<?x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x16xf32>, tensor<16x8xf32>) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Static results need no shapes function.
// CHECK-LABEL: func.func @static_results
// CHECK-NOT: output_shapes
func.func @static_results(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
