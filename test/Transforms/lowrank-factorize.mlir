// RUN: lowrank-opt %s --split-input-file --lowrank-factorize | FileCheck %s

// A MatMul with an N-D input becomes two MatMuls through a rank-2
// bottleneck; the old weight is gone.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NOT: dense<{{\[\[}}
// CHECK: %[[A:.*]] = onnx.Constant {value = dense_resource<fc.lowrank_a> : tensor<4x2xf32>}
// CHECK: %[[T:.*]] = onnx.MatMul %[[X]], %[[A]] {lowrank.factor = "A"} : (tensor<2x3x4xf32>, tensor<4x2xf32>) -> tensor<2x3x2xf32>
// CHECK: %[[B:.*]] = onnx.Constant {value = dense_resource<fc.lowrank_b> : tensor<2x4xf32>}
// CHECK: %[[Y:.*]] = onnx.MatMul %[[T]], %[[B]] {lowrank.decision = {{{.*}}name = "fc"{{.*}}}, lowrank.factor = "B"} : (tensor<2x3x2xf32>, tensor<2x4xf32>) -> tensor<2x3x4xf32>
// CHECK: return %[[Y]]
func.func @matmul(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %w = onnx.Constant {value = dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<4x4xf32>} : tensor<4x4xf32>
  %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 2 : i64, d_in = 4 : i64, d_out = 4 : i64, name = "fc"}} : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32> loc("fc")
  return %y : tensor<2x3x4xf32>
}

// -----

// Gemm keeps alpha, beta and the bias in the second product; transB is
// folded into the factors.
// CHECK-LABEL: func.func @gemm
// CHECK-SAME: (%[[X:.*]]: tensor<5x8xf32>, %[[C:.*]]: tensor<6xf32>)
// CHECK: %[[T:.*]] = onnx.MatMul %[[X]], %{{.*}} {lowrank.factor = "A"} : (tensor<5x8xf32>, tensor<8x3xf32>) -> tensor<5x3xf32>
// CHECK: onnx.Gemm %[[T]], %{{.*}}, %[[C]] {alpha = 2.000000e+00 : f32, beta = 5.000000e-01 : f32, lowrank.decision = {{{.*}}}, lowrank.factor = "B"} : (tensor<5x3xf32>, tensor<3x6xf32>, tensor<6xf32>) -> tensor<5x6xf32>
func.func @gemm(%x: tensor<5x8xf32>, %c: tensor<6xf32>) -> tensor<5x6xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<6x8xf32>} : tensor<6x8xf32>
  %y = onnx.Gemm %x, %w, %c {alpha = 2.0 : f32, beta = 0.5 : f32, transB = 1 : i64, lowrank.decision = {action = "factor", rank = 3 : i64, d_in = 8 : i64, d_out = 6 : i64}} : (tensor<5x8xf32>, tensor<6x8xf32>, tensor<6xf32>) -> tensor<5x6xf32>
  return %y : tensor<5x6xf32>
}

// -----

// A group shares one input projection; each member keeps its own B.
// CHECK-LABEL: func.func @group
// CHECK: %[[T:.*]] = onnx.MatMul %arg0, %{{.*}} {lowrank.factor = "A"} : (tensor<4x16xf32>, tensor<16x4xf32>) -> tensor<4x4xf32>
// CHECK: onnx.MatMul %[[T]], %{{.*}} {{{.*}}name = "q"{{.*}}} : (tensor<4x4xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
// CHECK: onnx.MatMul %[[T]], %{{.*}} {{{.*}}name = "v"{{.*}}} : (tensor<4x4xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NOT: lowrank.factor = "A"
func.func @group(%x: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4x8xf32>) {
  %wq = onnx.Constant {value = dense<0.5> : tensor<16x16xf32>} : tensor<16x16xf32>
  %wv = onnx.Constant {value = dense<0.25> : tensor<16x8xf32>} : tensor<16x8xf32>
  %q = onnx.MatMul %x, %wq {lowrank.decision = {action = "factor", rank = 4 : i64, d_in = 16 : i64, d_out = 16 : i64, group = 0 : i64, group_d_out = 24 : i64, name = "q"}} : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  %v = onnx.MatMul %x, %wv {lowrank.decision = {action = "factor", rank = 4 : i64, d_in = 16 : i64, d_out = 8 : i64, group = 0 : i64, group_d_out = 24 : i64, name = "v"}} : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %q, %v : tensor<4x16xf32>, tensor<4x8xf32>
}

// -----

// A 1x1 convolution factors into two 1x1 convolutions; strides and pads
// stay on the first, the bias moves to the second.
// CHECK-LABEL: func.func @pointwise
// CHECK: %[[T:.*]] = onnx.Conv %arg0, %{{.*}}, %{{.*}} {kernel_shape = array<i64: 1, 1>, lowrank.factor = "A", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x16x6x6xf32>, tensor<4x16x1x1xf32>, none) -> tensor<1x4x4x4xf32>
// CHECK: onnx.Conv %[[T]], %{{.*}}, %arg1 {{{.*}}lowrank.factor = "B"} : (tensor<1x4x4x4xf32>, tensor<12x4x1x1xf32>, tensor<12xf32>) -> tensor<1x12x4x4xf32>
func.func @pointwise(%x: tensor<1x16x6x6xf32>, %b: tensor<12xf32>) -> tensor<1x12x4x4xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<12x16x1x1xf32>} : tensor<12x16x1x1xf32>
  %y = onnx.Conv %x, %w, %b {kernel_shape = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, lowrank.decision = {action = "factor", rank = 4 : i64, d_in = 16 : i64, d_out = 12 : i64}} : (tensor<1x16x6x6xf32>, tensor<12x16x1x1xf32>, tensor<12xf32>) -> tensor<1x12x4x4xf32>
  return %y : tensor<1x12x4x4xf32>
}

// -----

// The module records one row per layer and group.
// CHECK: module attributes {lowrank.report = [{action = "factor", {{.*}}kind = "layer", name = "a", {{.*}}params_after = 10 : i64, params_before = 24 : i64, {{.*}}rank = 1 : i64, relative_error = {{[0-9.eE+-]+}} : f64}]}
func.func @exact(%x: tensor<2x4xf32>) -> tensor<2x6xf32> {
  %w = onnx.Constant {value = dense<1.0> : tensor<4x6xf32>} : tensor<4x6xf32>
  %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 1 : i64, d_in = 4 : i64, d_out = 6 : i64}} : (tensor<2x4xf32>, tensor<4x6xf32>) -> tensor<2x6xf32> loc("a")
  return %y : tensor<2x6xf32>
}

// -----

// linalg.matmul with a constant weight (transposed-B maps, as IREE input
// often has): the output projection accumulates into the original init.
// CHECK-LABEL: func.func @linalg_matmul
// CHECK-SAME: (%[[X:.*]]: tensor<4x16xf32>, %[[INIT:.*]]: tensor<4x8xf32>)
// CHECK: %[[A:.*]] = arith.constant dense_resource<proj.lowrank_a> : tensor<16x2xf32>
// CHECK: %[[FILL:.*]] = linalg.fill {{.*}} -> tensor<4x2xf32>
// CHECK: %[[T:.*]] = linalg.matmul {lowrank.factor = "A"} ins(%[[X]], %[[A]] : tensor<4x16xf32>, tensor<16x2xf32>) outs(%[[FILL]] : tensor<4x2xf32>)
// CHECK: %[[B:.*]] = arith.constant dense_resource<proj.lowrank_b> : tensor<2x8xf32>
// CHECK: %[[Y:.*]] = linalg.matmul {lowrank.decision = {{{.*}}}, lowrank.factor = "B"} ins(%[[T]], %[[B]] : tensor<4x2xf32>, tensor<2x8xf32>) outs(%[[INIT]] : tensor<4x8xf32>)
// CHECK: return %[[Y]]
func.func @linalg_matmul(%x: tensor<4x16xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<0.5> : tensor<8x16xf32>
  %y = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      {lowrank.decision = {action = "factor", rank = 2 : i64, d_in = 16 : i64, d_out = 8 : i64, name = "proj"}}
      ins(%x, %w : tensor<4x16xf32>, tensor<8x16xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// A contraction linalg.generic with a batch of rows and a weight stored
// n x k: both projections keep the loops and maps; the bottleneck is read
// with the output's map, its rank dimension contracted.
// CHECK-DAG: #[[$XMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[$WMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[$YMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @generic_contraction
// CHECK: %[[A:.*]] = arith.constant dense_resource<proj.lowrank_a> : tensor<2x16xf32>
// CHECK: %[[T:.*]] = linalg.generic {indexing_maps = [#[[$XMAP]], #[[$WMAP]], #[[$YMAP]]], {{.*}}} ins(%arg0, %[[A]] : tensor<2x3x16xf32>, tensor<2x16xf32>) outs(%{{.*}} : tensor<2x3x2xf32>) attrs = {lowrank.factor = "A"}
// CHECK: %[[B:.*]] = arith.constant dense_resource<proj.lowrank_b> : tensor<8x2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$XMAP]], #[[$WMAP]], #[[$YMAP]]], {{.*}}} ins(%[[T]], %[[B]] : tensor<2x3x2xf32>, tensor<8x2xf32>) outs(%arg1 : tensor<2x3x8xf32>)
#x = affine_map<(b, m, n, k) -> (b, m, k)>
#w = affine_map<(b, m, n, k) -> (n, k)>
#y = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @generic_contraction(%x: tensor<2x3x16xf32>, %init: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %w = arith.constant dense<0.5> : tensor<8x16xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x3x16xf32>, tensor<8x16xf32>) outs(%init : tensor<2x3x8xf32>)
      attrs = {lowrank.decision = {action = "factor", rank = 2 : i64, d_in = 16 : i64, d_out = 8 : i64, name = "proj"}} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// linalg.batch_matmul whose weight is a constant broadcast over the batch.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: %[[A:.*]] = arith.constant dense_resource<bmm.lowrank_a> : tensor<16x4xf32>
// CHECK: %[[AB:.*]] = linalg.broadcast ins(%[[A]] : tensor<16x4xf32>) outs(%{{.*}} : tensor<2x16x4xf32>) dimensions = [0]
// CHECK: %[[T:.*]] = linalg.batch_matmul {lowrank.factor = "A"} ins(%arg0, %[[AB]] : tensor<2x3x16xf32>, tensor<2x16x4xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
// CHECK: %[[B:.*]] = arith.constant dense_resource<bmm.lowrank_b> : tensor<4x8xf32>
// CHECK: %[[BB:.*]] = linalg.broadcast ins(%[[B]] : tensor<4x8xf32>)
// CHECK: linalg.batch_matmul {{{.*}}lowrank.factor = "B"} ins(%[[T]], %[[BB]] : tensor<2x3x4xf32>, tensor<2x4x8xf32>) outs(%arg1 : tensor<2x3x8xf32>)
func.func @batch_matmul(%x: tensor<2x3x16xf32>, %init: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %w = arith.constant dense<0.5> : tensor<16x8xf32>
  %e = tensor.empty() : tensor<2x16x8xf32>
  %wb = linalg.broadcast ins(%w : tensor<16x8xf32>) outs(%e : tensor<2x16x8xf32>) dimensions = [0]
  %y = linalg.batch_matmul {lowrank.decision = {action = "factor", rank = 4 : i64, d_in = 16 : i64, d_out = 8 : i64, name = "bmm"}}
      ins(%x, %wb : tensor<2x3x16xf32>, tensor<2x16x8xf32>) outs(%init : tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// float16 and bfloat16 weights are read widened to f32 and the factors
// written back in the weight's type; an input of unknown rank (the output
// of a custom operator) is fine: the weight fixes d_in.
// CHECK-LABEL: func.func @half
// CHECK: %[[A:.*]] = onnx.Constant {value = dense_resource<h.lowrank_a> : tensor<4x2xf16>}
// CHECK: %[[T:.*]] = onnx.MatMul %arg0, %[[A]] {lowrank.factor = "A"} : (tensor<*xf16>, tensor<4x2xf16>) -> tensor<*xf16>
// CHECK: onnx.Constant {value = dense_resource<h.lowrank_b> : tensor<2x4xf16>}
// CHECK: onnx.Constant {value = dense_resource<b.lowrank_a> : tensor<4x2xbf16>}
// CHECK: onnx.Constant {value = dense_resource<b.lowrank_b> : tensor<2x4xbf16>}
func.func @half(%x: tensor<*xf16>, %z: tensor<3x4xbf16>) -> (tensor<*xf16>, tensor<3x4xbf16>) {
  %w = onnx.Constant {value = dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<4x4xf16>} : tensor<4x4xf16>
  %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 2 : i64, d_in = 4 : i64, d_out = 4 : i64, name = "h"}} : (tensor<*xf16>, tensor<4x4xf16>) -> tensor<*xf16> loc("h")
  %v = onnx.Constant {value = dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<4x4xbf16>} : tensor<4x4xbf16>
  %u = onnx.MatMul %z, %v {lowrank.decision = {action = "factor", rank = 2 : i64, d_in = 4 : i64, d_out = 4 : i64, name = "b"}} : (tensor<3x4xbf16>, tensor<4x4xbf16>) -> tensor<3x4xbf16> loc("b")
  return %y, %u : tensor<*xf16>, tensor<3x4xbf16>
}
