// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Padding with -inf, then a window reduction whose window loops are bounded
// by an empty tensor of kernel shape.
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[$WINDOW:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @maxpool_pads_strides
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x5x5xf32>)
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PADDED:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK:   tensor.yield %[[NEG_INF]]
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x3x3x3xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$WINDOW]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[PADDED]], %[[WINDOW]] : tensor<1x3x7x7xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<1x3x3x3xf32>)
// CHECK: ^bb0(%[[ELEM:.*]]: f32, %{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK:   %[[MAX:.*]] = arith.maximumf %[[ACC]], %[[ELEM]] : f32
// CHECK:   linalg.yield %[[MAX]]
// CHECK: return %[[Y]]
func.func @maxpool_pads_strides(%x: tensor<1x3x5x5xf32>) -> tensor<1x3x3x3xf32> {
  %y, %indices = onnx.MaxPool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x5x5xf32>) -> (tensor<1x3x3x3xf32>, none)
  return %y : tensor<1x3x3x3xf32>
}

// -----

// ceil_mode: the last window reaches one element past the input, which
// only the padded tensor provides.
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2 + d3 * 2)>
// CHECK-LABEL: func.func @maxpool_1d_ceil_dilated
// CHECK: tensor.pad %{{.*}} low[0, 0, 0] high[0, 0, 1]
// CHECK: } : tensor<1x2x8xi32> to tensor<1x2x9xi32>
// CHECK: %[[LOWEST:.*]] = arith.constant -2147483648 : i32
// CHECK: linalg.fill ins(%[[LOWEST]] : i32)
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], {{.*}}]
// CHECK:   arith.maxsi
func.func @maxpool_1d_ceil_dilated(%x: tensor<1x2x8xi32>) -> tensor<1x2x3xi32> {
  %y, %indices = onnx.MaxPool %x {kernel_shape = array<i64: 3>, ceil_mode = 1 : i64, strides = array<i64: 2>, dilations = array<i64: 2>} : (tensor<1x2x8xi32>) -> (tensor<1x2x3xi32>, none)
  return %y : tensor<1x2x3xi32>
}

// -----

// A window of 5 rows over 3 rows padded by 1: under ceil_mode with stride 2
// one window hangs 1 row past the end (padded with the lowest value, so
// the maximum is of the real rows); under the floor rule there is no
// window, an empty result. ONNX's shape inference and ONNX Runtime divide
// by truncation in floor mode: 4 rows over 3 at stride 2 make one window,
// which hangs 1 row past the end. ONNX Runtime computes all three.
// CHECK-LABEL: func.func @maxpool_window_past_input
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 0, 1, 0]
// CHECK: } : tensor<1x1x3x4xf32> to tensor<1x1x5x4xf32>
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<1x1x1x3xf32>)
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<1x1x0x3xf32>)
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 0]
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<1x1x1x2xf32>)
func.func @maxpool_window_past_input(%x: tensor<1x1x3x4xf32>) -> (tensor<1x1x1x3xf32>, tensor<1x1x0x3xf32>, tensor<1x1x1x2xf32>) {
  %y, %i = onnx.MaxPool %x {kernel_shape = array<i64: 5, 2>, pads = array<i64: 1, 0, 0, 0>, ceil_mode = 1 : i64, strides = array<i64: 2, 1>} : (tensor<1x1x3x4xf32>) -> (tensor<1x1x1x3xf32>, none)
  %z, %j = onnx.MaxPool %x {kernel_shape = array<i64: 5, 2>, pads = array<i64: 1, 0, 0, 0>} : (tensor<1x1x3x4xf32>) -> (tensor<1x1x0x3xf32>, none)
  %w, %k = onnx.MaxPool %x {kernel_shape = array<i64: 4, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x3x4xf32>) -> (tensor<1x1x1x2xf32>, none)
  return %y, %z, %w : tensor<1x1x1x3xf32>, tensor<1x1x0x3xf32>, tensor<1x1x1x2xf32>
}

// -----

// With Indices: one reduction yields the maximum and the flat index of the
// first element that attains it, (n * 3 + c) * 20 + h * 5 + w over the
// unpadded 4 x 5 input (h = 2 * oh + kh - 1, w = ow + kw); -1 until an
// element beats the lowest value.
// CHECK-LABEL: func.func @maxpool_indices
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 0, 0, 0]
// CHECK: %[[LOWEST:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[LOWEST]] : f32)
// CHECK: %[[MINUS_ONE:.*]] = arith.constant -1 : i64
// CHECK: linalg.fill ins(%[[MINUS_ONE]] : i64)
// CHECK: %[[POOL:.*]]:2 = linalg.generic
// CHECK-SAME: outs(%{{.*}}, %{{.*}} : tensor<2x3x2x4xf32>, tensor<2x3x2x4xi64>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32, %[[BEST:.*]]: f32, %[[BEST_INDEX:.*]]: i64):
// CHECK: %[[BETTER:.*]] = arith.cmpf ogt, %[[IN]], %[[BEST]]
// CHECK: %[[INDEX:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[MAX:.*]] = arith.maximumf %[[BEST]], %[[IN]]
// CHECK: %[[NEW_INDEX:.*]] = arith.select %[[BETTER]], %[[INDEX]], %[[BEST_INDEX]]
// CHECK: linalg.yield %[[MAX]], %[[NEW_INDEX]]
// CHECK: return %[[POOL]]#0, %[[POOL]]#1
func.func @maxpool_indices(%x: tensor<2x3x4x5xf32>) -> (tensor<2x3x2x4xf32>, tensor<2x3x2x4xi64>) {
  %y, %i = onnx.MaxPool %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 0, 0, 0>, strides = array<i64: 2, 1>} : (tensor<2x3x4x5xf32>) -> (tensor<2x3x2x4xf32>, tensor<2x3x2x4xi64>)
  return %y, %i : tensor<2x3x2x4xf32>, tensor<2x3x2x4xi64>
}

// -----

// count_include_pad = 0: windows on the border hold 2 of 3 real elements per
// dimension, so each dimension divides by its own count vector.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$ROWS:.*]] = affine_map<(d0, d1, d2, d3) -> (d2)>
// CHECK-DAG: #[[$COLS:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func.func @averagepool_exclude_pad
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK:   tensor.yield %[[ZERO]]
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK:   arith.addf
// CHECK: %[[ROW_COUNTS:.*]] = arith.constant dense<[2.000000e+00, 3.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<4xf32>
// CHECK: %[[COL_COUNTS:.*]] = arith.constant dense<[2.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<3xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROWS]], #[[$COLS]], #[[$ID]]], {{.*}}} ins(%[[SUM]], %[[ROW_COUNTS]], %[[COL_COUNTS]] :
// CHECK: ^bb0(%[[S:.*]]: f32, %[[R:.*]]: f32, %[[C:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[COUNT:.*]] = arith.mulf %[[R]], %[[C]] : f32
// CHECK:   %[[AVG:.*]] = arith.divf %[[S]], %[[COUNT]] : f32
// CHECK: return %[[Y]]
func.func @averagepool_exclude_pad(%x: tensor<1x1x4x3xf32>) -> tensor<1x1x4x3xf32> {
  %0 = onnx.AveragePool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x3xf32>) -> tensor<1x1x4x3xf32>
  return %0 : tensor<1x1x4x3xf32>
}

// -----

// count_include_pad = 1 counts the explicit pads: every window has 9.
// CHECK-LABEL: func.func @averagepool_include_pad
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK-NOT: arith.constant dense
// CHECK: %[[NINE:.*]] = arith.constant 9.000000e+00 : f32
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x1x4x3xf32>)
// CHECK:   arith.divf %{{.*}}, %[[NINE]] : f32
func.func @averagepool_include_pad(%x: tensor<1x1x4x3xf32>) -> tensor<1x1x4x3xf32> {
  %0 = onnx.AveragePool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 1 : i64} : (tensor<1x1x4x3xf32>) -> tensor<1x1x4x3xf32>
  return %0 : tensor<1x1x4x3xf32>
}

// -----

// SAME_UPPER with stride 2 on 5 elements: 3 outputs, total padding 2.
// CHECK-LABEL: func.func @averagepool_same_upper
// CHECK: tensor.pad %{{.*}} low[0, 0, 1] high[0, 0, 1]
// CHECK: arith.constant dense<[2.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<3xf32>
func.func @averagepool_same_upper(%x: tensor<1x1x5xf32>) -> tensor<1x1x3xf32> {
  %0 = onnx.AveragePool %x {kernel_shape = array<i64: 3>, auto_pad = "SAME_UPPER", strides = array<i64: 2>} : (tensor<1x1x5xf32>) -> tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}

// -----

// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5)>
// CHECK-LABEL: func.func @global_average_pool
// CHECK-NOT: tensor.pad
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<5x6xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$IN]], {{.*}}]{{.*}} ins(%{{.*}}, %[[WINDOW]] : tensor<1x3x5x6xf32>, tensor<5x6xf32>) outs(%{{.*}} : tensor<1x3x1x1xf32>)
// CHECK:   arith.addf
// CHECK: %[[COUNT:.*]] = arith.constant 3.000000e+01 : f32
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x3x1x1xf32>)
// CHECK:   arith.divf %{{.*}}, %[[COUNT]] : f32
func.func @global_average_pool(%x: tensor<1x3x5x6xf32>) -> tensor<1x3x1x1xf32> {
  %0 = onnx.GlobalAveragePool %x : (tensor<1x3x5x6xf32>) -> tensor<1x3x1x1xf32>
  return %0 : tensor<1x3x1x1xf32>
}

// -----

// Every size known only at run time (the channels too): the result takes
// the input's batch and channels and spatial sizes 1.
// CHECK-LABEL: func.func @global_max_pool_symbolic
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x1x1xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<?x?x?x?xf32>) outs(%{{.*}} : tensor<?x?x1x1xf32>)
// CHECK: tensor.cast %{{.*}} : tensor<?x?x1x1xf32> to tensor<?x?x?x?xf32>
func.func @global_max_pool_symbolic(%x: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %y = onnx.GlobalMaxPool %x : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  return %y : tensor<?x?x?x?xf32>
}

// -----

// CHECK-LABEL: func.func @global_max_pool
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEG_INF]] : f32)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x4x3x3x3xf32>, tensor<3x3x3xf32>)
// CHECK:   arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @global_max_pool(%x: tensor<2x4x3x3x3xf32>) -> tensor<2x4x1x1x1xf32> {
  %0 = onnx.GlobalMaxPool %x : (tensor<2x4x3x3x3xf32>) -> tensor<2x4x1x1x1xf32>
  return %0 : tensor<2x4x1x1x1xf32>
}

// -----

// A symbolic batch: the window reduction's accumulator takes the input's.
// CHECK-LABEL: func.func @maxpool_symbolic_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x4x4xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %c0 : tensor<?x2x4x4xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x2x2x2xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?x2x2x2xf32>)
func.func @maxpool_symbolic_batch(%x: tensor<?x2x4x4xf32>) -> tensor<?x2x2x2xf32> {
  %y, %i = onnx.MaxPool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x2x4x4xf32>) -> (tensor<?x2x2x2xf32>, none)
  return %y : tensor<?x2x2x2xf32>
}

// -----

// LpPool: |x|^p summed over each window (pads add zero), then its p-th root.
// CHECK-LABEL: func.func @lppool_p3
// CHECK: linalg.generic
// CHECK:   %[[ABS:.*]] = math.absf
// CHECK:   math.powf %[[ABS]], %{{.*}}
// CHECK: tensor.pad %{{.*}} low[0, 0, 1] high[0, 0, 0]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:   arith.addf
// CHECK: linalg.generic
// CHECK:   %[[INV:.*]] = arith.constant 0.33333{{.*}} : f32
// CHECK:   math.powf %{{.*}}, %[[INV]]
func.func @lppool_p3(%x: tensor<1x2x6xf32>) -> tensor<1x2x3xf32> {
  %y = onnx.LpPool %x {kernel_shape = array<i64: 3>, p = 3 : i64, pads = array<i64: 1, 1>, strides = array<i64: 2>} : (tensor<1x2x6xf32>) -> tensor<1x2x3xf32>
  return %y : tensor<1x2x3xf32>
}

// -----

// p = 2 squares and takes the square root.
// CHECK-LABEL: func.func @lppool_p2
// CHECK: arith.mulf %[[X:.*]], %[[X]] : f32
// CHECK: arith.addf
// CHECK: math.sqrt
func.func @lppool_p2(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  %y = onnx.LpPool %x {kernel_shape = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

// AveragePool with dilations: the window taps are two apart, and with
// count_include_pad=0 each position divides by the taps that land on the
// input: 2 at the first two and last two outputs, 3 between.
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 + d3 * 2)>
// CHECK-LABEL: func.func @averagepool_dilated
// CHECK: tensor.pad %{{.*}} low[0, 0, 2] high[0, 0, 2]
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], {{.*}}]
// CHECK: arith.constant dense<[2.000000e+00, 2.000000e+00, 3.000000e+00, 3.000000e+00, 3.000000e+00, 3.000000e+00, 2.000000e+00, 2.000000e+00]> : tensor<8xf32>
func.func @averagepool_dilated(%x: tensor<1x1x8xf32>) -> tensor<1x1x8xf32> {
  %y = onnx.AveragePool %x {kernel_shape = array<i64: 3>, dilations = array<i64: 2>, pads = array<i64: 2, 2>} : (tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
  return %y : tensor<1x1x8xf32>
}

// -----

// Spatial sizes known at run time: the result's size follows ONNX's floor
// rule from the input's, after a check that a window fits.
// CHECK-LABEL: func.func @max_pool_dynamic
// CHECK: %[[H:.*]] = tensor.dim %{{.*}}, %c2
// CHECK: %[[PADDED:.*]] = arith.addi %[[H]], %{{.*}} : index
// CHECK: cf.assert {{.*}} "MaxPool: the window is larger than the padded input"
// CHECK: %[[SPAN:.*]] = arith.subi %[[PADDED]], %{{.*}} : index
// CHECK: %[[STEPS:.*]] = arith.divui %[[SPAN]], %{{.*}} : index
// CHECK: %[[OUT:.*]] = arith.addi %[[STEPS]], %{{.*}} : index
// CHECK: tensor.pad
// CHECK: tensor.empty(%[[OUT]]) : tensor<1x3x?x3xf32>
func.func @max_pool_dynamic(%x: tensor<1x3x?x5xf32>) -> tensor<1x3x?x3xf32> {
  %y, %indices = onnx.MaxPool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x?x5xf32>) -> (tensor<1x3x?x3xf32>, none)
  return %y : tensor<1x3x?x3xf32>
}
