// RUN: lowrank-opt %s --lowrank-expand-dynamic-groups --split-input-file | FileCheck %s

// Two dynamic sizes in one group: a reinterpret_cast with row-major strides.
// CHECK-LABEL: func.func @rows_into_batch_and_sequence
// CHECK-SAME: (%[[A:.*]]: memref<?x32xf32>, %[[B:.*]]: index, %[[S:.*]]: index)
// CHECK: %[[ROW:.*]] = arith.muli %[[S]], %{{.*}} : index
// CHECK: memref.reinterpret_cast %[[A]] to offset: [0], sizes: [%[[B]], %[[S]], 32], strides: [%[[ROW]], 32, 1] : memref<?x32xf32> to memref<?x?x32xf32>
// CHECK-NOT: memref.expand_shape
func.func @rows_into_batch_and_sequence(%a: memref<?x32xf32>, %b: index, %s: index) -> memref<?x?x32xf32> {
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%b, %s, 32] : memref<?x32xf32> into memref<?x?x32xf32>
  return %e : memref<?x?x32xf32>
}

// -----

// One dynamic size per group: left to expand-strided-metadata.
// CHECK-LABEL: func.func @one_dynamic_size
// CHECK: memref.expand_shape
// CHECK-NOT: memref.reinterpret_cast
func.func @one_dynamic_size(%a: memref<?x32xf32>, %b: index) -> memref<?x4x32xf32> {
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%b, 4, 32] : memref<?x32xf32> into memref<?x4x32xf32>
  return %e : memref<?x4x32xf32>
}

// -----

// A strided source is not contiguous: left alone.
// CHECK-LABEL: func.func @strided_source
// CHECK: memref.expand_shape
func.func @strided_source(%a: memref<?x32xf32, strided<[64, 1]>>, %b: index, %s: index) -> memref<?x?x32xf32, strided<[?, 64, 1]>> {
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%b, %s, 32] : memref<?x32xf32, strided<[64, 1]>> into memref<?x?x32xf32, strided<[?, 64, 1]>>
  return %e : memref<?x?x32xf32, strided<[?, 64, 1]>>
}
