// RUN: lowrank-opt %s --pass-pipeline='builtin.module(func.func(lowrank-clone-shared-inits))' --split-input-file | FileCheck %s

// Two matmuls writing into one zero fill: the second gets a fill of its own
// tensor.empty; the first keeps the original.
// CHECK-LABEL: func.func @shared_fill
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x8xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<1x8xf32>)
// CHECK: %[[A:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x8xf32>, tensor<8x8xf32>) outs(%[[Z]] : tensor<1x8xf32>)
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<1x8xf32>
// CHECK: %[[Z1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<1x8xf32>)
// CHECK: linalg.matmul ins(%[[A]], %{{.*}} : tensor<1x8xf32>, tensor<8x8xf32>) outs(%[[Z1]] : tensor<1x8xf32>)
func.func @shared_fill(%x: tensor<1x8xf32>, %w0: tensor<8x8xf32>, %w1: tensor<8x8xf32>) -> tensor<1x8xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %a = linalg.matmul ins(%x, %w0 : tensor<1x8xf32>, tensor<8x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %b = linalg.matmul ins(%a, %w1 : tensor<1x8xf32>, tensor<8x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  return %b : tensor<1x8xf32>
}

// -----

// A shared tensor.empty is cloned for the second writer; an init with one
// use, or one that is not an empty or a fill of one, is left alone.
// CHECK-LABEL: func.func @shared_empty
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[INIT:.*]]: tensor<4xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[A:.*]] = linalg.exp ins(%[[X]] : tensor<4xf32>) outs(%[[E]] : tensor<4xf32>)
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[B:.*]] = linalg.exp ins(%[[A]] : tensor<4xf32>) outs(%[[E1]] : tensor<4xf32>)
// CHECK: %[[C:.*]] = linalg.exp ins(%[[B]] : tensor<4xf32>) outs(%[[INIT]] : tensor<4xf32>)
// CHECK: linalg.exp ins(%[[C]] : tensor<4xf32>) outs(%[[INIT]] : tensor<4xf32>)
// CHECK-NOT: tensor.empty
func.func @shared_empty(%x: tensor<4xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.exp ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %b = linalg.exp ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %c = linalg.exp ins(%b : tensor<4xf32>) outs(%init : tensor<4xf32>) -> tensor<4xf32>
  %d = linalg.exp ins(%c : tensor<4xf32>) outs(%init : tensor<4xf32>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Two convolutions with equal biases share one broadcast of it: the second
// gets its own broadcast into its own tensor.empty.
// CHECK-LABEL: func.func @shared_bias
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>, %[[W:.*]]: tensor<2x2x1x1xf32>, %[[B:.*]]: tensor<2xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x2x4x4xf32>
// CHECK: %[[I:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<2xf32>) outs(%[[E]] : tensor<1x2x4x4xf32>)
// CHECK: %[[Y:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[X]], %[[W]] : {{.*}}) outs(%[[I]] : tensor<1x2x4x4xf32>)
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<1x2x4x4xf32>
// CHECK: %[[I1:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<2xf32>) outs(%[[E1]] : tensor<1x2x4x4xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%[[Y]], %[[W]] : {{.*}}) outs(%[[I1]] : tensor<1x2x4x4xf32>)
func.func @shared_bias(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (c)>, affine_map<(n, c, h, w) -> (n, c, h, w)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x4x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) outs(%init : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %z = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%y, %w : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) outs(%init : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %z : tensor<1x2x4x4xf32>
}
