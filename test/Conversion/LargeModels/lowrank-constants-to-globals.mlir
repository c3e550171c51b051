// RUN: lowrank-opt %s --lowrank-constants-to-globals | FileCheck %s

// Each tensor constant becomes a read of a constant global; equal values of
// one type share a global, other values and types get their own. Scalar
// constants stay.
// CHECK-DAG: memref.global "private" constant @[[$W:__constant_2x2xf32[_0-9]*]] : memref<2x2xf32> = dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> {alignment = 64 : i64}
// CHECK-DAG: memref.global "private" constant @[[$V:__constant_2x2xf32[_0-9]*]] : memref<2x2xf32> = dense<5.000000e+00> {alignment = 64 : i64}
// CHECK-DAG: memref.global "private" constant @[[$I:__constant_2xi64[_0-9]*]] : memref<2xi64> = dense<[1, 2]> {alignment = 64 : i64}
// CHECK-LABEL: func.func @weights
// CHECK: %[[C:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[G0:.*]] = memref.get_global @[[$W]] : memref<2x2xf32>
// CHECK: %[[T0:.*]] = bufferization.to_tensor %[[G0]] restrict : memref<2x2xf32> to tensor<2x2xf32>
// CHECK: %[[G1:.*]] = memref.get_global @[[$W]] : memref<2x2xf32>
// CHECK: %[[T1:.*]] = bufferization.to_tensor %[[G1]] restrict : memref<2x2xf32> to tensor<2x2xf32>
// CHECK: %[[G2:.*]] = memref.get_global @[[$V]] : memref<2x2xf32>
// CHECK: %[[G3:.*]] = memref.get_global @[[$I]] : memref<2xi64>
// CHECK-NOT: arith.constant dense
func.func @weights() -> (f32, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xi64>) {
  %s = arith.constant 1.0 : f32
  %a = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %c = arith.constant dense<5.0> : tensor<2x2xf32>
  %d = arith.constant dense<[1, 2]> : tensor<2xi64>
  return %s, %a, %b, %c, %d : f32, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xi64>
}
