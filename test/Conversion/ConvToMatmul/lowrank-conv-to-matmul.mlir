// RUN: lowrank-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(lowrank-conv-to-matmul))' | FileCheck %s
// RUN: lowrank-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(lowrank-conv-to-matmul{direct-convolutions=true}))' | FileCheck %s --check-prefix=DIRECT

// With direct-convolutions, every 2-D convolution here stays for the
// runtime's direct kernel: none becomes a gather and a product.
// DIRECT-NOT: linalg.matmul
// DIRECT: linalg.conv_2d_nchw_fchw

// A 3x3 convolution of stride 2 and dilation 1: the windows are gathered
// into 8*3*3 x 2*2 columns, and the 16 x 72 filter multiplies them onto
// the bias init.
// CHECK-DAG: #[[$READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2, d5 * 2 + d3)>
// CHECK-DAG: #[[$ID6:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @strided
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x5x5xf32>, %[[W:.*]]: tensor<16x8x3x3xf32>, %[[B:.*]]: tensor<1x16x2x2xf32>)
// CHECK: %[[WM:.*]] = tensor.collapse_shape %[[W]] {{\[\[}}0], [1, 2, 3]] : tensor<16x8x3x3xf32> into tensor<16x72xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x8x3x3x2x2xf32>
// CHECK: %[[COLS:.*]] = linalg.generic {indexing_maps = [#[[$READ]], #[[$ID6]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[X]] : tensor<1x8x5x5xf32>) outs(%[[E]] : tensor<1x8x3x3x2x2xf32>)
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[COLS]] {{\[\[}}0, 1, 2, 3], [4, 5]] : tensor<1x8x3x3x2x2xf32> into tensor<72x4xf32>
// CHECK: %[[ACC:.*]] = tensor.collapse_shape %[[B]] {{\[\[}}0, 1], [2, 3]] : tensor<1x16x2x2xf32> into tensor<16x4xf32>
// CHECK: %[[M:.*]] = linalg.matmul ins(%[[WM]], %[[C]] : tensor<16x72xf32>, tensor<72x4xf32>) outs(%[[ACC]] : tensor<16x4xf32>) -> tensor<16x4xf32>
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[M]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 16, 2, 2] : tensor<16x4xf32> into tensor<1x16x2x2xf32>
// CHECK: return %[[Y]]
func.func @strided(%x: tensor<1x8x5x5xf32>, %w: tensor<16x8x3x3xf32>, %b: tensor<1x16x2x2xf32>) -> tensor<1x16x2x2xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x5x5xf32>, tensor<16x8x3x3xf32>) outs(%b : tensor<1x16x2x2xf32>) -> tensor<1x16x2x2xf32>
  return %y : tensor<1x16x2x2xf32>
}

// -----

// Dilation 2 reads every other input pixel of a window.
// CHECK-DAG: #[[$DREAD:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 + d2 * 2, d5 + d3 * 2)>
// CHECK-LABEL: func.func @dilated
// CHECK: linalg.generic {indexing_maps = [#[[$DREAD]], {{.*}}]
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x18xf32>, tensor<18x9xf32>)
func.func @dilated(%x: tensor<1x2x7x7xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x7x7xf32>, tensor<4x2x3x3xf32>) outs(%b : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %y : tensor<1x4x3x3xf32>
}

// -----

// A 1x1 kernel of unit strides multiplies the input itself: no gather.
// CHECK-LABEL: func.func @pointwise
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x4x4xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[C]] : tensor<12x8xf32>, tensor<8x16xf32>)
func.func @pointwise(%x: tensor<1x8x4x4xf32>, %w: tensor<12x8x1x1xf32>, %b: tensor<1x12x4x4xf32>) -> tensor<1x12x4x4xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x4x4xf32>, tensor<12x8x1x1xf32>) outs(%b : tensor<1x12x4x4xf32>) -> tensor<1x12x4x4xf32>
  return %y : tensor<1x12x4x4xf32>
}

// -----

// A symbolic batch: one image per iteration, sliced out of the input and
// inserted into the carried output.
// CHECK-LABEL: func.func @batched
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4x4xf32>, %[[W:.*]]: tensor<6x3x1x1xf32>, %[[B:.*]]: tensor<?x6x4x4xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[B]], %c0
// CHECK: %[[R:.*]] = scf.for %[[I:.*]] = %c0 to %[[N]] step %c1 iter_args(%[[OUT:.*]] = %[[B]]) -> (tensor<?x6x4x4xf32>)
// CHECK: %[[IMG:.*]] = tensor.extract_slice %[[X]][%[[I]], 0, 0, 0] [1, 3, 4, 4] [1, 1, 1, 1] : tensor<?x3x4x4xf32> to tensor<1x3x4x4xf32>
// CHECK: %[[ACC:.*]] = tensor.extract_slice %[[OUT]][%[[I]], 0, 0, 0] [1, 6, 4, 4] [1, 1, 1, 1] : tensor<?x6x4x4xf32> to tensor<1x6x4x4xf32>
// CHECK: linalg.matmul
// CHECK: %[[NEW:.*]] = tensor.insert_slice %{{.*}} into %[[OUT]][%[[I]], 0, 0, 0] [1, 6, 4, 4] [1, 1, 1, 1]
// CHECK: scf.yield %[[NEW]]
// CHECK: return %[[R]]
func.func @batched(%x: tensor<?x3x4x4xf32>, %w: tensor<6x3x1x1xf32>, %b: tensor<?x6x4x4xf32>) -> tensor<?x6x4x4xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<?x3x4x4xf32>, tensor<6x3x1x1xf32>) outs(%b : tensor<?x6x4x4xf32>) -> tensor<?x6x4x4xf32>
  return %y : tensor<?x6x4x4xf32>
}

// -----

// A 3 x 3 convolution of 64 channels over a 1024 x 1024 image would gather
// 64*9 x 1024*1024 columns (2.4 GB): it keeps its loop nest.
// CHECK-LABEL: func.func @too_large
// CHECK-NOT: linalg.matmul
// CHECK: linalg.conv_2d_nchw_fchw
func.func @too_large(%x: tensor<1x64x1026x1026xf32>, %w: tensor<64x64x3x3xf32>, %b: tensor<1x64x1024x1024xf32>) -> tensor<1x64x1024x1024xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x64x1026x1026xf32>, tensor<64x64x3x3xf32>) outs(%b : tensor<1x64x1024x1024xf32>) -> tensor<1x64x1024x1024xf32>
  return %y : tensor<1x64x1024x1024xf32>
}

// -----

// Not f32: left as it is.
// CHECK-LABEL: func.func @half
// CHECK: linalg.conv_2d_nchw_fchw
func.func @half(%x: tensor<1x2x3x3xf16>, %w: tensor<2x2x1x1xf16>, %b: tensor<1x2x3x3xf16>) -> tensor<1x2x3x3xf16> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x3x3xf16>, tensor<2x2x1x1xf16>) outs(%b : tensor<1x2x3x3xf16>) -> tensor<1x2x3x3xf16>
  return %y : tensor<1x2x3x3xf16>
}

// -----

// A depthwise convolution as the ONNX lowering writes grouped ones, loops
// (n, g, m, oh, ow, c, kh, kw): the window loops move outside the output
// row, so that the innermost loop runs along ow.
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 + d5, d6 + d7)>
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d4, d5, d6)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>
// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], #[[$W]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
#dw_in = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (n, g, c, oh + kh, ow + kw)>
#dw_w = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (g, m, c, kh, kw)>
#dw_out = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (n, g, m, oh, ow)>
func.func @depthwise(%x: tensor<1x4x1x6x6xf32>, %w: tensor<4x1x1x3x3xf32>, %b: tensor<1x4x1x4x4xf32>) -> tensor<1x4x1x4x4xf32> {
  %y = linalg.generic {indexing_maps = [#dw_in, #dw_w, #dw_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x4x1x6x6xf32>, tensor<4x1x1x3x3xf32>) outs(%b : tensor<1x4x1x4x4xf32>) {
  ^bb0(%in: f32, %wt: f32, %acc: f32):
    %p = arith.mulf %in, %wt : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4x1x4x4xf32>
  return %y : tensor<1x4x1x4x4xf32>
}

// -----

// A product of the same operand count but another structure (a batch
// matmul's single reduction) keeps its loop order.
// CHECK-LABEL: func.func @not_a_convolution
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "reduction"]
#bm_a = affine_map<(b, m, n, k) -> (b, m, k)>
#bm_b = affine_map<(b, m, n, k) -> (b, k, n)>
#bm_c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @not_a_convolution(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>, %c: tensor<2x3x5xf32>) -> tensor<2x3x5xf32> {
  %y = linalg.generic {indexing_maps = [#bm_a, #bm_b, #bm_c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<2x3x4xf32>, tensor<2x4x5xf32>) outs(%c : tensor<2x3x5xf32>) {
  ^bb0(%in: f32, %wt: f32, %acc: f32):
    %p = arith.mulf %in, %wt : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}
