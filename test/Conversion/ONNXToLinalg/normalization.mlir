// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Statistics over the dimensions from axis 1 keep the input's rank; Scale
// and B broadcast over the trailing (normalized) dimensions.
// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$STAT:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, 0)>
// CHECK-DAG: #[[$PARAM:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @layer_norm_axis1
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %[[S:.*]]: tensor<3x4xf32>, %[[B:.*]]: tensor<3x4xf32>)
// CHECK: %[[N:.*]] = arith.constant 1.200000e+01 : f32
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$STAT]]], iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[X]] : tensor<2x3x4xf32>)
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<2x1x1xf32>)
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: %[[SQSUM:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$STAT]], #[[$STAT]]], iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<2x3x4xf32>, tensor<2x1x1xf32>)
// CHECK: %[[DEV:.*]] = arith.subf
// CHECK: arith.mulf %[[DEV]], %[[DEV]]
// CHECK: %[[EPS:.*]] = arith.constant 1.000000e-03 : f32
// CHECK: %[[INV:.*]] = linalg.generic {{.*}} ins(%[[SQSUM]] : tensor<2x1x1xf32>)
// CHECK: %[[VAR:.*]] = arith.divf %{{.*}}, %[[N]]
// CHECK: %[[SHIFTED:.*]] = arith.addf %[[VAR]], %[[EPS]]
// CHECK: math.sqrt %[[SHIFTED]]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$STAT]], #[[$STAT]], #[[$PARAM]], #[[$PARAM]], #[[$X]]], {{.*}} ins(%[[X]], %[[MEAN]], %[[INV]], %[[S]], %[[B]] :
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: return %[[Y]], %[[MEAN]], %[[INV]] : tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>
func.func @layer_norm_axis1(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>, %b: tensor<3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>) {
  %y, %mean, %inv = onnx.LayerNormalization %x, %s, %b {axis = 1 : i64, epsilon = 1.0e-3 : f32} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>)
  return %y, %mean, %inv : tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>
}

// -----

// stash_type = 1 (the default) computes the statistics of f16 data in f32;
// without B there is no addition after the scaling.
// CHECK-LABEL: func.func @layer_norm_f16_no_bias
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x1xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3xf16>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: %[[NORM:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: %[[T:.*]] = arith.truncf %[[NORM]] : f32 to f16
// CHECK: %[[SCALED:.*]] = arith.mulf %[[T]], %{{.*}} : f16
// CHECK-NEXT: linalg.yield %[[SCALED]] : f16
// CHECK: return %[[Y]] : tensor<2x3xf16>
func.func @layer_norm_f16_no_bias(%x: tensor<2x3xf16>, %s: tensor<3xf16>) -> tensor<2x3xf16> {
  %n = onnx.NoValue
  %y, %mean, %inv = onnx.LayerNormalization %x, %s, %n : (tensor<2x3xf16>, tensor<3xf16>, none) -> (tensor<2x3xf16>, none, none)
  return %y : tensor<2x3xf16>
}

// -----

// stash_type = 0 keeps the computation in the input type.
// CHECK-LABEL: func.func @layer_norm_f16_stash_input_type
// CHECK-NOT: arith.extf
// CHECK: return
func.func @layer_norm_f16_stash_input_type(%x: tensor<2x3xf16>, %s: tensor<3xf16>) -> tensor<2x3xf16> {
  %n = onnx.NoValue
  %y, %mean, %inv = onnx.LayerNormalization %x, %s, %n {stash_type = 0 : i64} : (tensor<2x3xf16>, tensor<3xf16>, none) -> (tensor<2x3xf16>, none, none)
  return %y : tensor<2x3xf16>
}

// -----

// scale / sqrt(var + epsilon) is folded per channel before the pass over X.
// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$C:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4x5xf32>, %[[S:.*]]: tensor<3xf32>, %[[B:.*]]: tensor<3xf32>, %[[M:.*]]: tensor<3xf32>, %[[V:.*]]: tensor<3xf32>)
// CHECK: %[[EPS:.*]] = arith.constant 0.00999999977 : f32
// CHECK: %[[FACTOR:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[V]] : tensor<3xf32>, tensor<3xf32>)
// CHECK: ^bb0(%[[SC:.*]]: f32, %[[VAR:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SHIFTED:.*]] = arith.addf %[[VAR]], %[[EPS]]
// CHECK: %[[SD:.*]] = math.sqrt %[[SHIFTED]]
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %[[SD]]
// CHECK: arith.mulf %[[SC]], %[[INV]]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$C]], #[[$C]], #[[$C]], #[[$X]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X]], %[[M]], %[[FACTOR]], %[[B]] :
// CHECK: ^bb0(%[[XE:.*]]: f32, %[[ME:.*]]: f32, %[[FE:.*]]: f32, %[[BE:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[DEV:.*]] = arith.subf %[[XE]], %[[ME]]
// CHECK: %[[SCALED:.*]] = arith.mulf %[[DEV]], %[[FE]]
// CHECK: arith.addf %[[SCALED]], %[[BE]]
// CHECK: return %[[Y]]
func.func @batch_norm(%x: tensor<2x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<2x3x4x5xf32> {
  %y, %rm, %rv = onnx.BatchNormalization %x, %s, %b, %m, %v {epsilon = 1.0e-2 : f32} : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4x5xf32>, none, none)
  return %y : tensor<2x3x4x5xf32>
}

// -----

// Mean and inverse standard deviation per (item, channel) over the spatial
// dimensions; scale and B are read by channel.
// CHECK-LABEL: func.func @instance_normalization
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK: linalg.generic
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK: math.sqrt
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3x4x5xf32>, tensor<2x3x1x1xf32>, tensor<2x3x1x1xf32>, tensor<3xf32>, tensor<3xf32>)
func.func @instance_normalization(%x: tensor<2x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<2x3x4x5xf32> {
  %y = onnx.InstanceNormalization %x, %s, %b {epsilon = 1.0e-2 : f32} : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x5xf32>
  return %y : tensor<2x3x4x5xf32>
}

// -----

// CHECK-LABEL: func.func @lp_normalization_l1
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK: math.absf
// CHECK: linalg.generic
// CHECK-NOT: math.sqrt
// CHECK: arith.divf
func.func @lp_normalization_l1(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %y = onnx.LpNormalization %x {axis = 0 : i64, p = 1 : i64} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// LRN: each element sums the squares of the channels from c - 1 to c + 2
// (size 4), clipped to the existing ones, then divides by a power of it.
// CHECK-LABEL: func.func @lrn
// CHECK-SAME: (%[[X:.*]]: tensor<1x5x2x2xf32>)
// CHECK: %[[C:.*]] = tensor.dim %[[X]], %c1
// CHECK: linalg.generic
// CHECK: %[[CH:.*]] = linalg.index 1 : index
// CHECK: %[[LO:.*]] = arith.subi %[[CH]], %c1
// CHECK: %[[FIRST:.*]] = arith.maxsi %[[LO]], %c0
// CHECK: %[[HI:.*]] = arith.addi %[[CH]], %c3
// CHECK: %[[LAST:.*]] = arith.minsi %[[HI]], %[[C]]
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %[[FIRST]] to %[[LAST]]
// CHECK:   tensor.extract %[[X]]
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK: %[[SCALE:.*]] = arith.constant 2.500000e-05 : f32
// CHECK: arith.mulf %[[SCALE]], %[[SUM]]
// CHECK: math.powf
// CHECK: arith.divf
func.func @lrn(%x: tensor<1x5x2x2xf32>) -> tensor<1x5x2x2xf32> {
  %y = onnx.LRN %x {size = 4 : i64} : (tensor<1x5x2x2xf32>) -> tensor<1x5x2x2xf32>
  return %y : tensor<1x5x2x2xf32>
}
