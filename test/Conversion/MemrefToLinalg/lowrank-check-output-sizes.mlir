// RUN: lowrank-opt %s --pass-pipeline='builtin.module(func.func(lowrank-check-output-sizes))' --split-input-file | FileCheck %s

// Each dynamic size of an output buffer is compared with the result's
// before the copy; static sizes need no check.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: (%[[X:.*]]: memref<?x?x8xf32>, %[[OUT:.*]]: memref<?x?x8xf32> {onnx.name = "y"})
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[R0:.*]] = memref.dim %[[X]], %[[C0]]
// CHECK: %[[B0:.*]] = memref.dim %[[OUT]], %[[C0]]
// CHECK: %[[EQ0:.*]] = arith.cmpi eq, %[[R0]], %[[B0]] : index
// CHECK: cf.assert %[[EQ0]], "output 'y': the buffer's size in dimension 0 differs from the result's"
// CHECK: cf.assert %{{.*}}, "output 'y': the buffer's size in dimension 1 differs from the result's"
// CHECK-NOT: dimension 2
// CHECK: memref.copy %[[X]], %[[OUT]]
func.func @main_graph(%x: memref<?x?x8xf32>, %out: memref<?x?x8xf32> {onnx.name = "y"}) {
  memref.copy %x, %out : memref<?x?x8xf32> to memref<?x?x8xf32>
  return
}

// -----

// Static buffers and copies into local buffers are not checked.
// CHECK-LABEL: func.func @static_output
// CHECK-NOT: cf.assert
func.func @static_output(%x: memref<4xf32>, %out: memref<4xf32>, %n: index) {
  memref.copy %x, %out : memref<4xf32> to memref<4xf32>
  %local = memref.alloc(%n) : memref<?xf32>
  %y = memref.alloc(%n) : memref<?xf32>
  memref.copy %y, %local : memref<?xf32> to memref<?xf32>
  return
}
