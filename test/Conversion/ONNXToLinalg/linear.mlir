// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @matmul_2d
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3x4xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3x4xf32>) outs(%[[INIT]] : tensor<2x4xf32>)
// CHECK: return %[[MM]]
func.func @matmul_2d(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = onnx.MatMul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// The rows of a 3-D activation times a 2-D weight are one plain matmul.
// CHECK-LABEL: func.func @matmul_3d_weight
// CHECK-SAME: (%[[A:.*]]: tensor<2x5x3xf32>)
// CHECK: %[[W:.*]] = arith.constant dense<1.000000e+00> : tensor<3x4xf32>
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1], [2]] : tensor<2x5x3xf32> into tensor<10x3xf32>
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[ROWS]], %[[W]] : tensor<10x3xf32>, tensor<3x4xf32>) outs(%[[INIT]] : tensor<10x4xf32>)
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[MM]] {{\[}}[0, 1], [2]] output_shape [2, 5, 4] : tensor<10x4xf32> into tensor<2x5x4xf32>
// CHECK: return %[[OUT]]
func.func @matmul_3d_weight(%a: tensor<2x5x3xf32>) -> tensor<2x5x4xf32> {
  %w = arith.constant dense<1.0> : tensor<3x4xf32>
  %0 = onnx.MatMul %a, %w : (tensor<2x5x3xf32>, tensor<3x4xf32>) -> tensor<2x5x4xf32>
  return %0 : tensor<2x5x4xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_batch_int
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : i32)
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<2x5x3xi32>, tensor<2x3x4xi32>) outs(%[[INIT]] : tensor<2x5x4xi32>)
func.func @matmul_batch_int(%a: tensor<2x5x3xi32>, %b: tensor<2x3x4xi32>) -> tensor<2x5x4xi32> {
  %0 = onnx.MatMul %a, %b : (tensor<2x5x3xi32>, tensor<2x3x4xi32>) -> tensor<2x5x4xi32>
  return %0 : tensor<2x5x4xi32>
}

// -----

// Batch dimensions broadcast: A's size-1 batch dimension reads index 0.
// CHECK-DAG: #[[$LHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d2, d4)>
// CHECK-DAG: #[[$RHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @matmul_broadcast(%a: tensor<3x1x5x3xf32>, %b: tensor<2x3x4xf32>) -> tensor<3x2x5x4xf32> {
  %0 = onnx.MatMul %a, %b : (tensor<3x1x5x3xf32>, tensor<2x3x4xf32>) -> tensor<3x2x5x4xf32>
  return %0 : tensor<3x2x5x4xf32>
}

// -----

// A 1-D left operand has no row dimension in the result.
// CHECK-DAG: #[[$VEC:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[$MAT:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @matmul_vector_matrix
// CHECK: linalg.generic {indexing_maps = [#[[$VEC]], #[[$MAT]], #[[$OUT]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<4xf32>)
func.func @matmul_vector_matrix(%a: tensor<3xf32>, %b: tensor<3x4xf32>) -> tensor<4xf32> {
  %0 = onnx.MatMul %a, %b : (tensor<3xf32>, tensor<3x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @matmul_dot
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], #[[$IN]], #[[$SCALAR]]], iterator_types = ["reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<f32>)
func.func @matmul_dot(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<f32> {
  %0 = onnx.MatMul %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// transB reads the N x K weight in place; alpha and the row bias C form one
// epilogue.
// CHECK-DAG: #[[$A_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$B_MAP:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$C_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @gemm_transb_bias
// CHECK-SAME: (%[[A:.*]]: tensor<3x5xf32>, %[[B:.*]]: tensor<4x5xf32>, %[[C:.*]]: tensor<4xf32>)
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[MM:.*]] = linalg.matmul indexing_maps = [#[[$A_MAP]], #[[$B_MAP]], #[[$C_MAP]]] ins(%[[A]], %[[B]] : tensor<3x5xf32>, tensor<4x5xf32>) outs(%[[INIT]] : tensor<3x4xf32>)
// CHECK: %[[ALPHA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[MM]], %[[C]] : tensor<3x4xf32>, tensor<4xf32>)
// CHECK: ^bb0(%[[P:.*]]: f32, %[[BIAS:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[SCALED:.*]] = arith.mulf %[[P]], %[[ALPHA]] : f32
// CHECK:   %[[SUM:.*]] = arith.addf %[[SCALED]], %[[BIAS]] : f32
// CHECK:   linalg.yield %[[SUM]]
// CHECK: return %[[Y]]
func.func @gemm_transb_bias(%a: tensor<3x5xf32>, %b: tensor<4x5xf32>, %c: tensor<4xf32>) -> tensor<3x4xf32> {
  %0 = onnx.Gemm %a, %b, %c {transB = 1 : i64, alpha = 0.5 : f32} : (tensor<3x5xf32>, tensor<4x5xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Without a bias and with alpha = 1 the matmul is the whole result; beta
// scales a column bias.
// CHECK-DAG: #[[$A_T:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[$B_MAP:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @gemm_transa
// CHECK: %[[MM:.*]] = linalg.matmul indexing_maps = [#[[$A_T]], #[[$B_MAP]], {{.*}}] ins(%{{.*}}, %{{.*}} : tensor<5x3xf32>, tensor<5x4xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[MM]]
// CHECK-LABEL: func.func @gemm_beta_column
// CHECK: %[[BETA:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$COL]], #{{.*}}]
// CHECK: ^bb0(%[[P:.*]]: f32, %[[BIAS:.*]]: f32, %{{.*}}: f32):
// CHECK-NOT: arith.mulf %[[P]]
// CHECK:   %[[SCALED:.*]] = arith.mulf %[[BIAS]], %[[BETA]] : f32
// CHECK:   arith.addf %[[P]], %[[SCALED]] : f32
func.func @gemm_transa(%a: tensor<5x3xf32>, %b: tensor<5x4xf32>) -> tensor<3x4xf32> {
  %n = onnx.NoValue
  %0 = onnx.Gemm %a, %b, %n {transA = 1 : i64} : (tensor<5x3xf32>, tensor<5x4xf32>, none) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}
func.func @gemm_beta_column(%a: tensor<3x5xf32>, %b: tensor<5x4xf32>, %c: tensor<3x1xf32>) -> tensor<3x4xf32> {
  %0 = onnx.Gemm %a, %b, %c {beta = 2.0 : f32} : (tensor<3x5xf32>, tensor<5x4xf32>, tensor<3x1xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// An ungrouped 2-D convolution with pads and strides: zero padding, then the
// named op accumulating into the broadcast bias.
// CHECK-DAG: #[[$CHANNEL:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @conv_2d_pads_strides
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x5x5xf32>, %[[W:.*]]: tensor<6x4x3x3xf32>, %[[B:.*]]: tensor<6xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 1, 2] high[0, 0, 1, 2]
// CHECK:   tensor.yield %[[ZERO]]
// CHECK: } : tensor<1x4x5x5xf32> to tensor<1x4x7x9xf32>
// CHECK: %[[BIAS:.*]] = linalg.generic {indexing_maps = [#[[$CHANNEL]], #{{.*}}], {{.*}}} ins(%[[B]] : tensor<6xf32>)
// CHECK: %[[Y:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>} ins(%[[PADDED]], %[[W]] : tensor<1x4x7x9xf32>, tensor<6x4x3x3xf32>) outs(%[[BIAS]] : tensor<1x6x3x3xf32>)
// CHECK: return %[[Y]]
func.func @conv_2d_pads_strides(%x: tensor<1x4x5x5xf32>, %w: tensor<6x4x3x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x3x3xf32> {
  %0 = onnx.Conv %x, %w, %b {pads = array<i64: 1, 2, 1, 2>, strides = array<i64: 2, 3>} : (tensor<1x4x5x5xf32>, tensor<6x4x3x3xf32>, tensor<6xf32>) -> tensor<1x6x3x3xf32>
  return %0 : tensor<1x6x3x3xf32>
}

// -----

// Groups split the channels: (N, G, C/G, H, W) x (G, M/G, C/G, KH, KW).
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6 * 2, d4 + d7 * 2)>
// CHECK-DAG: #[[$FILTER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @conv_group_dilated
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x6x6xf32>, %[[W:.*]]: tensor<6x2x2x2xf32>)
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK-DAG: %[[GX:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 6, 6]
// CHECK-DAG: %[[GW:.*]] = tensor.expand_shape %[[W]] {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 2, 2]
// CHECK-DAG: %[[GINIT:.*]] = tensor.expand_shape %[[INIT]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 3, 4, 4]
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$FILTER]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[GX]], %[[GW]] : {{.*}}) outs(%[[GINIT]] : tensor<1x2x3x4x4xf32>)
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x3x4x4xf32> into tensor<1x6x4x4xf32>
// CHECK: return %[[Y]]
func.func @conv_group_dilated(%x: tensor<1x4x6x6xf32>, %w: tensor<6x2x2x2xf32>) -> tensor<1x6x4x4xf32> {
  %n = onnx.NoValue
  %0 = onnx.Conv %x, %w, %n {group = 2 : i64, dilations = array<i64: 2, 2>} : (tensor<1x4x6x6xf32>, tensor<6x2x2x2xf32>, none) -> tensor<1x6x4x4xf32>
  return %0 : tensor<1x6x4x4xf32>
}

// -----

// SAME_LOWER puts the odd padding element at the beginning.
// CHECK-LABEL: func.func @conv_1d_same_lower
// CHECK: tensor.pad %{{.*}} low[0, 0, 2] high[0, 0, 1]
// CHECK: linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>} ins(%{{.*}}, %{{.*}} : tensor<2x3x10xf32>, tensor<5x3x4xf32>) outs(%{{.*}} : tensor<2x5x7xf32>)
func.func @conv_1d_same_lower(%x: tensor<2x3x7xf32>, %w: tensor<5x3x4xf32>) -> tensor<2x5x7xf32> {
  %n = onnx.NoValue
  %0 = onnx.Conv %x, %w, %n {auto_pad = "SAME_LOWER"} : (tensor<2x3x7xf32>, tensor<5x3x4xf32>, none) -> tensor<2x5x7xf32>
  return %0 : tensor<2x5x7xf32>
}

// -----

// Depthwise (one input channel per group, one filter each): the named
// depthwise op on the C x KH x KW filters.
// CHECK-LABEL: func.func @conv_depthwise
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x5x5xf32>, %[[W:.*]]: tensor<3x1x3x3xf32>)
// CHECK: %[[F:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0, 1], [2], [3]] : tensor<3x1x3x3xf32> into tensor<3x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[X]], %[[F]] : tensor<1x3x5x5xf32>, tensor<3x3x3xf32>)
// CHECK-NOT: linalg.generic
func.func @conv_depthwise(%x: tensor<1x3x5x5xf32>, %w: tensor<3x1x3x3xf32>) -> tensor<1x3x3x3xf32> {
  %n = onnx.NoValue
  %0 = onnx.Conv %x, %w, %n {group = 3 : i64, kernel_shape = array<i64: 3, 3>} : (tensor<1x3x5x5xf32>, tensor<3x1x3x3xf32>, none) -> tensor<1x3x3x3xf32>
  return %0 : tensor<1x3x3x3xf32>
}

// -----

// A float16 depthwise convolution keeps the grouped generic (the runtime's
// depthwise kernel is for float32).
// CHECK-LABEL: func.func @conv_depthwise_f16
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
// CHECK: linalg.generic
func.func @conv_depthwise_f16(%x: tensor<1x3x5x5xf16>, %w: tensor<3x1x3x3xf16>) -> tensor<1x3x3x3xf16> {
  %n = onnx.NoValue
  %0 = onnx.Conv %x, %w, %n {group = 3 : i64} : (tensor<1x3x5x5xf16>, tensor<3x1x3x3xf16>, none) -> tensor<1x3x3x3xf16>
  return %0 : tensor<1x3x3x3xf16>
}

// -----

// float16 products accumulate in float32, as ONNX Runtime computes them.
// CHECK-LABEL: func.func @matmul_f16
// CHECK-COUNT-2: arith.extf %{{.*}} : f16 to f32
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x4096xf32>, tensor<4096x1xf32>) outs(%{{.*}} : tensor<1x1xf32>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @matmul_f16(%a: tensor<1x4096xf16>, %b: tensor<4096x1xf16>) -> tensor<1x1xf16> {
  %0 = onnx.MatMul %a, %b : (tensor<1x4096xf16>, tensor<4096x1xf16>) -> tensor<1x1xf16>
  return %0 : tensor<1x1xf16>
}

// -----

// Symbolic batch and sequence: the rows are collapsed and expanded back
// with the input's sizes.
// CHECK-LABEL: func.func @matmul_symbolic_rows
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x16xf32>
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[S:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<?x?x16xf32> into tensor<?x16xf32>
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[ROWS]], %{{.*}} : tensor<?x16xf32>, tensor<16x8xf32>) outs(%{{.*}} : tensor<?x8xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2]] output_shape [%[[B]], %[[S]], 8] : tensor<?x8xf32> into tensor<?x?x8xf32>
func.func @matmul_symbolic_rows(%x: tensor<?x?x16xf32>, %w: tensor<16x8xf32>) -> tensor<?x?x8xf32> {
  %0 = onnx.MatMul %x, %w : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// A symbolic batch: Gemm's rows come from A.
// CHECK-LABEL: func.func @gemm_symbolic_rows
// CHECK-SAME: (%[[A:.*]]: tensor<?x16xf32>
// CHECK: %[[M:.*]] = tensor.dim %[[A]], %c0 : tensor<?x16xf32>
// CHECK: tensor.empty(%[[M]]) : tensor<?x8xf32>
// CHECK: linalg.matmul
func.func @gemm_symbolic_rows(%a: tensor<?x16xf32>, %b: tensor<16x8xf32>, %c: tensor<8xf32>) -> tensor<?x8xf32> {
  %0 = onnx.Gemm %a, %b, %c : (tensor<?x16xf32>, tensor<16x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// An inner size known only at run time (A reshaped by a computed shape) is
// checked against B's and takes it; C's run-time rows must be Y's.
// CHECK-LABEL: func.func @gemm_symbolic_inner
// CHECK-SAME: (%[[A:.*]]: tensor<?x?xf32>, %[[B:.*]]: tensor<64x32xf32>, %[[C:.*]]: tensor<?x32xf32>)
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %{{.*}}, %c64 : index
// CHECK: cf.assert %[[SAME]], "node 'proj': Gemm's A and B differ in their inner size"
// CHECK: %[[AK:.*]] = tensor.cast %[[A]] : tensor<?x?xf32> to tensor<?x64xf32>
// CHECK: %[[M:.*]] = tensor.dim %[[AK]], %{{.*}} : tensor<?x64xf32>
// CHECK: %[[CSAME:.*]] = arith.cmpi eq, %{{.*}}, %[[M]] : index
// CHECK: cf.assert %[[CSAME]], "node 'proj': Gemm's C must have Y's sizes
// CHECK: linalg.matmul ins(%[[AK]], %[[B]] : tensor<?x64xf32>, tensor<64x32xf32>)
func.func @gemm_symbolic_inner(%a: tensor<?x?xf32>, %b: tensor<64x32xf32>, %c: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %0 = onnx.Gemm %a, %b, %c : (tensor<?x?xf32>, tensor<64x32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32> loc("proj")
  return %0 : tensor<?x32xf32>
}

// -----

// A symbolic batch: the convolution's accumulator takes the input's batch.
// CHECK-LABEL: func.func @conv_symbolic_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x8x8xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %c0 : tensor<?x3x8x8xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x4x6x6xf32>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} -> tensor<?x4x6x6xf32>
func.func @conv_symbolic_batch(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32> {
  %n = onnx.NoValue
  %0 = onnx.Conv %x, %w, %n : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<?x4x6x6xf32>
  return %0 : tensor<?x4x6x6xf32>
}

// -----

// A symbolic width with explicit pads and a stride: the input is padded by
// the pads, and the result's width is (w + 3 - 3) / 2 + 1, computed after a
// check that the kernel fits.
// CHECK-LABEL: func.func @conv_symbolic_width
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x?xf32>
// CHECK: tensor.pad %[[X]] low[0, 0, 1, 2] high[0, 0, 1, 1]
// CHECK: %[[W:.*]] = tensor.dim %[[X]], %c3
// CHECK: cf.assert {{.*}} "Conv: the window is larger than the padded input"
// CHECK: arith.divui
// CHECK: %[[OUT:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: tensor.empty(%[[OUT]]) : tensor<1x4x8x?xf32>
// CHECK: linalg.conv_2d_nchw_fchw
func.func @conv_symbolic_width(%x: tensor<1x3x8x?xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x?xf32> {
  %n = onnx.NoValue
  %0 = onnx.Conv %x, %w, %n {pads = array<i64: 1, 2, 1, 1>, strides = array<i64: 1, 2>} : (tensor<1x3x8x?xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x8x?xf32>
  return %0 : tensor<1x4x8x?xf32>
}

// -----

// Attention-style products of symbolic sizes: a generic contraction whose
// batch, rows and columns come from the operands, after a run-time check
// that their symbolic sizes (including the contraction's) agree.
// CHECK-LABEL: func.func @matmul_symbolic_batch
// CHECK: cf.assert %{{.*}}, "MatMul operands of symbolic sizes that do not match or broadcast
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: outs(%{{.*}} : tensor<?x4x?x?xf32>)
func.func @matmul_symbolic_batch(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32> {
  %0 = onnx.MatMul %q, %k : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// -----

// A symbolic batch size beside a static one other than 1 must equal it or
// be 1, which broadcasts as in ONNX Runtime: when it equals 6 the product
// reads %x in place; when it is 1, %x is first copied out to 6 along it
// (index 0 read there), so that no loop reads past %x.
// CHECK-LABEL: func.func @matmul_symbolic_beside_static
// CHECK-SAME: (%[[W:.*]]: tensor<3x6x1x2xf32>, %[[X:.*]]: tensor<3x?x2x5xf32>)
// CHECK-DAG: %[[SIX:.*]] = arith.constant 6 : index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[DIM:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[EQUAL:.*]] = arith.cmpi eq, %[[DIM]], %[[SIX]]
// CHECK: %[[IS_ONE:.*]] = arith.cmpi eq, %[[DIM]], %[[ONE]]
// CHECK: %[[VALID:.*]] = arith.ori %[[EQUAL]], %[[IS_ONE]]
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[DIM]], %[[SIX]]
// CHECK: cf.assert %[[VALID]], "MatMul operands of symbolic sizes that do not match or broadcast"
// CHECK: scf.if %[[SAME]] -> (tensor<3x6x1x5xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[W]], %[[X]] : tensor<3x6x1x2xf32>, tensor<3x?x2x5xf32>)
// CHECK: } else {
// CHECK: %[[WIDE_ONE:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : index
// CHECK: %[[WIDE:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<3x6x2x5xf32>)
// CHECK: %[[B:.*]] = linalg.index 1 : index
// CHECK: arith.select %[[WIDE_ONE]], %c0, %[[B]] : index
// CHECK: tensor.extract %[[X]]
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[W]], %[[WIDE]] : tensor<3x6x1x2xf32>, tensor<3x6x2x5xf32>)
func.func @matmul_symbolic_beside_static(%w: tensor<3x6x1x2xf32>, %x: tensor<3x?x2x5xf32>) -> tensor<3x6x1x5xf32> {
  %0 = onnx.MatMul %w, %x : (tensor<3x6x1x2xf32>, tensor<3x?x2x5xf32>) -> tensor<3x6x1x5xf32>
  return %0 : tensor<3x6x1x5xf32>
}

// -----

// Channel and kernel loops reduce, their extents from an empty tensor; an
// input position counts when (o + pad - k * dilation) divides by the stride
// and lands inside. The bias initializes each output channel.
// CHECK-LABEL: func.func @conv_transpose_strided
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<2xf32>) outs(%{{.*}} : tensor<1x2x5x5xf32>)
// CHECK: %[[EXT:.*]] = tensor.empty() : tensor<1x3x3xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK-SAME: ins(%[[EXT]] : tensor<1x3x3xf32>) outs(%[[INIT]] : tensor<1x2x5x5xf32>)
// CHECK: arith.remui %{{.*}}, %c2
// CHECK: arith.cmpi slt, %{{.*}}, %c3
// CHECK: tensor.extract %{{.*}} : tensor<1x1x3x3xf32>
// CHECK: tensor.extract %{{.*}} : tensor<1x2x3x3xf32>
// CHECK: arith.select
func.func @conv_transpose_strided(%x: tensor<1x1x3x3xf32>, %w: tensor<1x2x3x3xf32>, %b: tensor<2xf32>) -> tensor<1x2x5x5xf32> {
  %y = onnx.ConvTranspose %x, %w, %b {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x5x5xf32>
  return %y : tensor<1x2x5x5xf32>
}

// -----

// Det: per batch item, LU with partial pivoting over a copy of the matrix;
// the determinant is the product of the pivots, negated per row exchange.
// CHECK-LABEL: func.func @det_batched
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x3xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2xf32>
// CHECK: scf.for %[[B:.*]] = {{.*}} iter_args(%{{.*}} = %[[INIT]])
// CHECK:   tensor.extract_slice %[[X]][%[[B]], 0, 0] [1, 3, 3] [1, 1, 1] : tensor<2x3x3xf32> to tensor<3x3xf32>
// CHECK:   scf.for {{.*}} -> (tensor<3x3xf32>, f32)
// CHECK:     math.absf
// CHECK:     arith.cmpf ogt
// CHECK:     arith.negf
// CHECK:     arith.divf
// CHECK:   tensor.insert %{{.*}}[%[[B]]] : tensor<2xf32>
func.func @det_batched(%x: tensor<2x3x3xf32>) -> tensor<2xf32> {
  %y = onnx.Det %x : (tensor<2x3x3xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// Einsum: one generic whose maps come from the equation; `bij,bjk->bik`
// sums over j.
// CHECK-DAG: #[[$A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[$B:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @einsum_batch_matmul
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
// CHECK:   arith.mulf
// CHECK:   arith.addf
func.func @einsum_batch_matmul(%a: tensor<5x2x3xf32>, %b: tensor<5x3x4xf32>) -> tensor<5x2x4xf32> {
  %y = onnx.Einsum %a, %b {equation = "bij, bjk -> bik"} : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  return %y : tensor<5x2x4xf32>
}

// -----

// A repeated letter reads the diagonal; the broadcast dimensions come first.
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1) -> (d0, d1, d1)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @einsum_batch_diagonal
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], #[[$OUT]]], iterator_types = ["parallel", "parallel"]}
func.func @einsum_batch_diagonal(%a: tensor<3x5x5xf64>) -> tensor<3x5xf64> {
  %y = onnx.Einsum %a {equation = "...ii ->...i"} : (tensor<3x5x5xf64>) -> tensor<3x5xf64>
  return %y : tensor<3x5xf64>
}

// -----

// Without `->` the result holds the letters used once; bfloat16 sums in f32
// and rounds once.
// CHECK-LABEL: func.func @einsum_implicit_bf16
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction"]} ins(%{{.*}}, %{{.*}} : tensor<5xbf16>, tensor<5xbf16>) outs(%{{.*}} : tensor<f32>)
// CHECK:   arith.extf
// CHECK:   arith.extf
// CHECK:   arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @einsum_implicit_bf16(%a: tensor<5xbf16>, %b: tensor<5xbf16>) -> tensor<bf16> {
  %y = onnx.Einsum %a, %b {equation = "i,i"} : (tensor<5xbf16>, tensor<5xbf16>) -> tensor<bf16>
  return %y : tensor<bf16>
}

// -----

// Sizes known at run time (ONNX Runtime's FusedMatMul with transB, expanded
// to an Einsum, under symbolic batch and sequence): each dynamic loop takes
// its size from the first dimension it indexes, and the others must match.
// CHECK-LABEL: func.func @einsum_dynamic
// CHECK: %[[B:.*]] = tensor.dim %{{.*}}, %c0
// CHECK: %[[I:.*]] = tensor.dim %{{.*}}, %c1
// CHECK: cf.assert {{.*}} "Einsum operand sizes do not match"
// CHECK: tensor.empty(%[[B]], %[[I]], %{{.*}}) : tensor<?x?x?xf32>
// CHECK: linalg.generic
func.func @einsum_dynamic(%a: tensor<?x?x8xf32>, %b: tensor<?x?x8xf32>) -> tensor<?x?x?xf32> {
  %y = onnx.Einsum %a, %b {equation = "...ij,...kj->...ik"} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x?xf32>
  return %y : tensor<?x?x?xf32>
}

// -----

// Leading sizes that turn out static (a cast of a static value, as in a
// Loop body) give the product a static row count before it is expanded.
// CHECK-LABEL: func.func @matmul_sizes_known_late
// CHECK: %[[P:.*]] = linalg.matmul {{.*}} -> tensor<?x8xf32>
// CHECK: %[[ROWS:.*]] = tensor.cast %[[P]] : tensor<?x8xf32> to tensor<256x8xf32>
// CHECK: tensor.expand_shape %[[ROWS]] {{\[\[}}0, 1], [2]] output_shape [1, 256, 8]
func.func @matmul_sizes_known_late(%a: tensor<1x256x96xf32>, %w: tensor<96x8xf32>) -> tensor<?x?x8xf32> {
  %c = tensor.cast %a : tensor<1x256x96xf32> to tensor<?x?x96xf32>
  %y = onnx.MatMul %c, %w : (tensor<?x?x96xf32>, tensor<96x8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Spatial sizes known only at run time: the result size follows ONNX's
// rule, stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1
// - pads, computed at run time, and the reads are bounded by the input's
// size.
// CHECK-LABEL: func.func @conv_transpose_symbolic
// CHECK-SAME: (%[[X:.*]]: tensor<?x1x?x?xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x1x?x?xf32>
// CHECK: %[[H:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x1x?x?xf32>
// CHECK: %[[HM1:.*]] = arith.subi %[[H]], %{{.*}} : index
// CHECK: %[[HS:.*]] = arith.muli %[[HM1]], %{{.*}} : index
// CHECK: tensor.empty(%[[N]], %{{.*}}, %{{.*}}) : tensor<?x2x?x?xf32>
// CHECK: } -> tensor<?x2x?x?xf32>
// CHECK: arith.cmpi slt, %{{.*}}, %[[H]] : index
func.func @conv_transpose_symbolic(%x: tensor<?x1x?x?xf32>, %w: tensor<1x2x3x3xf32>, %b: tensor<2xf32>) -> tensor<?x2x?x?xf32> {
  %y = onnx.ConvTranspose %x, %w, %b {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x1x?x?xf32>, tensor<1x2x3x3xf32>, tensor<2xf32>) -> tensor<?x2x?x?xf32>
  return %y : tensor<?x2x?x?xf32>
}
