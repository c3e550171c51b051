// RUN: lowrank-opt %s --pass-pipeline='builtin.module(func.func(lowrank-reductions-to-loops))' --split-input-file | FileCheck %s

// A row sum: the output element is loaded before the reduction loop, carried
// through it, and stored after; the addition may be reassociated.
// CHECK-LABEL: func.func @row_sum
// CHECK-SAME: (%[[X:.*]]: memref<4x8xf32>, %[[S:.*]]: memref<4xf32>)
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[INIT:.*]] = memref.load %[[S]][%[[I]]]
// CHECK: %[[R:.*]] = scf.for %[[J:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32)
// CHECK: %[[IN:.*]] = memref.load %[[X]][%[[I]], %[[J]]]
// CHECK: %[[ADD:.*]] = arith.addf %[[IN]], %[[ACC]] fastmath<reassoc> : f32
// CHECK: scf.yield %[[ADD]] : f32
// CHECK: memref.store %[[R]], %[[S]][%[[I]]]
// CHECK-NOT: linalg.generic
func.func @row_sum(%x: memref<4x8xf32>, %s: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x8xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %0 = arith.addf %in, %acc : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// A reduction over the outer dim with the parallel dim inner in loop order
// (a column sum): the parallel loop moves outside. Ops that do not combine
// with the accumulator (the square) keep their flags; the maximum with an
// existing flag keeps it and gains reassoc.
// CHECK-LABEL: func.func @column_max_of_squares
// CHECK: scf.for %[[J:.*]] =
// CHECK: memref.load %{{.*}}[%[[J]]] : memref<8xf32>
// CHECK: scf.for %[[I:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32)
// CHECK: %[[IN:.*]] = memref.load %{{.*}}[%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK: %[[SQ:.*]] = arith.mulf %[[IN]], %[[IN]] : f32
// CHECK: arith.maximumf %[[SQ]], %[[ACC]] fastmath<reassoc,nnan> : f32
func.func @column_max_of_squares(%x: memref<4x8xf32>, %m: memref<8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d1)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<4x8xf32>) outs(%m : memref<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %0 = arith.mulf %in, %in : f32
    %1 = arith.maximumf %0, %acc fastmath<nnan> : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Two outputs (an argmax: value and index) are both carried; linalg.index
// reads the loop's induction variable; an integer select has no fast-math
// flags to set.
// CHECK-LABEL: func.func @argmax
// CHECK: scf.for %[[I:.*]] =
// CHECK: %[[V0:.*]] = memref.load %{{.*}}[%[[I]]] : memref<4xf32>
// CHECK: %[[K0:.*]] = memref.load %{{.*}}[%[[I]]] : memref<4xi64>
// CHECK: %[[R:.*]]:2 = scf.for %[[J:.*]] = {{.*}} iter_args(%[[V:.*]] = %[[V0]], %[[K:.*]] = %[[K0]]) -> (f32, i64)
// CHECK: arith.index_cast %[[J]] : index to i64
// CHECK: memref.store %[[R]]#0
// CHECK: memref.store %[[R]]#1
func.func @argmax(%x: memref<4x8xf32>, %v: memref<4xf32>, %k: memref<4xi64>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d0)>,
                                   affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x8xf32>) outs(%v, %k : memref<4xf32>, memref<4xi64>) {
  ^bb0(%in: f32, %best: f32, %bestIndex: i64):
    %j = linalg.index 1 : index
    %j64 = arith.index_cast %j : index to i64
    %greater = arith.cmpf ogt, %in, %best : f32
    %value = arith.select %greater, %in, %best : f32
    %index = arith.select %greater, %j64, %bestIndex : i64
    linalg.yield %value, %index : f32, i64
  }
  return
}

// -----

// Elementwise ops and ops on tensors are left alone.
// CHECK-LABEL: func.func @not_reductions
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @not_reductions(%x: memref<4xf32>, %y: memref<4xf32>,
                          %t: tensor<4x8xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>,
                                   affine_map<(d0) -> (d0)>],
                  iterator_types = ["parallel"]}
      ins(%x : memref<4xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.negf %in : f32
    linalg.yield %0 : f32
  }
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d0)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%t : tensor<4x8xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %0 = arith.addf %in, %acc : f32
    linalg.yield %0 : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// An output indexed by a constant (a kept unit dim) is stored after the
// reduction loop without its induction variable.
// CHECK-LABEL: func.func @keep_dims
// CHECK: scf.for %[[I:.*]] =
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: memref.load %{{.*}}[%[[I]], %[[C0]]] : memref<2x1xf32>
// CHECK: %[[R:.*]] = scf.for
// CHECK: }
// CHECK: memref.store %[[R]], %{{.*}}[%[[I]], %{{.*}}] : memref<2x1xf32>
func.func @keep_dims(%x: memref<2x8xf32>, %s: memref<2x1xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d0, 0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x8xf32>) outs(%s : memref<2x1xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %0 = arith.addf %in, %acc : f32
    linalg.yield %0 : f32
  }
  return
}
