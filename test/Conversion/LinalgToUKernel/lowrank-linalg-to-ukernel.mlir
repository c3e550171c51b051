// RUN: lowrank-opt %s --split-input-file --lowrank-linalg-to-ukernel | FileCheck %s

// A matmul with a constant weight and a zero fill: the packed entry point,
// a slot global, and the overwrite flag instead of the fill.

// CHECK-DAG: memref.global "private" @__lowrank_packed_weight : memref<1xi64> = dense<0>
// CHECK-DAG: func.func private @lowrank_matmul_packed_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<1xi64>, i64) attributes {llvm.emit_c_interface}
memref.global "private" constant @w : memref<4x3xf32> = dense<1.0>

// CHECK-LABEL: func.func @constant_weight
// CHECK-SAME: (%[[X:.*]]: memref<2x4xf32>, %[[C:.*]]: memref<2x3xf32>)
func.func @constant_weight(%x: memref<2x4xf32>, %c: memref<2x3xf32>) {
  %zero = arith.constant 0.0 : f32
  // CHECK: %[[W:.*]] = memref.get_global @w
  %w = memref.get_global @w : memref<4x3xf32>
  // CHECK-NOT: linalg.fill
  // CHECK-DAG: %[[XD:.*]] = memref.cast %[[X]] : memref<2x4xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
  // CHECK-DAG: %[[WD:.*]] = memref.cast %[[W]] : memref<4x3xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
  // CHECK-DAG: %[[CD:.*]] = memref.cast %[[C]] : memref<2x3xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
  // CHECK-DAG: %[[SLOT:.*]] = memref.get_global @__lowrank_packed_weight : memref<1xi64>
  // CHECK-DAG: %[[FLAGS:.*]] = arith.constant 1 : i64
  // CHECK: call @lowrank_matmul_packed_f32(%[[XD]], %[[WD]], %[[CD]], %[[SLOT]], %[[FLAGS]])
  // CHECK-NOT: linalg.matmul
  linalg.fill ins(%zero : f32) outs(%c : memref<2x3xf32>)
  linalg.matmul ins(%x, %w : memref<2x4xf32>, memref<4x3xf32>)
                outs(%c : memref<2x3xf32>)
  return
}

// -----

// Two activations, B transposed (Gemm transB): a transpose view, no slot,
// and accumulation since no zero fill precedes.

// CHECK-LABEL: func.func @transposed
// CHECK-SAME: (%[[A:.*]]: memref<2x4xf32>, %[[B:.*]]: memref<3x4xf32>, %[[C:.*]]: memref<2x3xf32>)
func.func @transposed(%a: memref<2x4xf32>, %b: memref<3x4xf32>,
                      %c: memref<2x3xf32>) {
  // CHECK: %[[T:.*]] = memref.transpose %[[B]] (d0, d1) -> (d1, d0)
  // CHECK: %[[BD:.*]] = memref.cast %[[T]]
  // CHECK: %[[FLAGS:.*]] = arith.constant 0 : i64
  // CHECK: call @lowrank_matmul_f32(%{{.*}}, %[[BD]], %{{.*}}, %[[FLAGS]])
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                 affine_map<(m, n, k) -> (n, k)>,
                                 affine_map<(m, n, k) -> (m, n)>]
                ins(%a, %b : memref<2x4xf32>, memref<3x4xf32>)
                outs(%c : memref<2x3xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @batched
func.func @batched(%a: memref<5x2x4xf32>, %b: memref<5x4x3xf32>,
                   %c: memref<5x2x3xf32>) {
  // CHECK: call @lowrank_batch_matmul_f32({{.*}}) : (memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, i64) -> ()
  linalg.batch_matmul ins(%a, %b : memref<5x2x4xf32>, memref<5x4x3xf32>)
                      outs(%c : memref<5x2x3xf32>)
  return
}

// -----

// Not f32, or on tensors: left alone.

// CHECK-LABEL: func.func @untouched
func.func @untouched(%a: memref<2x4xf64>, %b: memref<4x3xf64>,
                     %c: memref<2x3xf64>, %t: tensor<2x4xf32>,
                     %u: tensor<4x3xf32>, %v: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<2x4xf64>, memref<4x3xf64>)
  linalg.matmul ins(%a, %b : memref<2x4xf64>, memref<4x3xf64>)
                outs(%c : memref<2x3xf64>)
  // CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<4x3xf32>)
  %r = linalg.matmul ins(%t, %u : tensor<2x4xf32>, tensor<4x3xf32>)
                     outs(%v : tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NOT: call
  return %r : tensor<2x3xf32>
}
