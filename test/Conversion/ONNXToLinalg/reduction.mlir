// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// keepdims (the default) writes the reduced dimension as index 0 of a size-1
// dimension; the mean divides the sum by the reduced element count.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$KEEP:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-LABEL: func.func @reduce_mean_keepdims
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<2x1x4xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$KEEP]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[INIT]] : tensor<2x1x4xf32>)
// CHECK: arith.addf
// CHECK: %[[COUNT:.*]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[MEAN:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SUM]] : tensor<2x1x4xf32>)
// CHECK: arith.divf %{{.*}}, %[[COUNT]] : f32
// CHECK: return %[[MEAN]] : tensor<2x1x4xf32>
func.func @reduce_mean_keepdims(%x: tensor<2x3x4xf32>) -> tensor<2x1x4xf32> {
  %0 = onnx.ReduceMean %x {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// Negative axes, keepdims = 0: the reduced dimensions are dropped.
// CHECK-DAG: #[[$DROP:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @reduce_max_negative_axes
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$DROP]]], iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[INIT]] : tensor<3xf32>)
// CHECK: arith.maximumf
func.func @reduce_max_negative_axes(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  %0 = onnx.ReduceMax %x {axes = array<i64: -1, 0>, keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Absent axes reduce everything; integer minimum starts at the largest i32.
// CHECK-DAG: #[[$ALL:.*]] = affine_map<(d0, d1) -> (0, 0)>
// CHECK-LABEL: func.func @reduce_min_int_all_axes
// CHECK: %[[MAX:.*]] = arith.constant 2147483647 : i32
// CHECK: linalg.fill ins(%[[MAX]] : i32) outs(%{{.*}} : tensor<1x1xi32>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$ALL]]], iterator_types = ["reduction", "reduction"]}
// CHECK: arith.minsi
func.func @reduce_min_int_all_axes(%x: tensor<2x3xi32>) -> tensor<1x1xi32> {
  %0 = onnx.ReduceMin %x : (tensor<2x3xi32>) -> tensor<1x1xi32>
  return %0 : tensor<1x1xi32>
}

// -----

// CHECK-LABEL: func.func @reduce_prod
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ONE]] : f32)
// CHECK: linalg.generic
// CHECK: arith.mulf
func.func @reduce_prod(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = onnx.ReduceProd %x {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_l1_int
// CHECK: linalg.generic
// CHECK: %[[ABS:.*]] = math.absi %{{.*}} : i64
// CHECK: arith.addi %[[ABS]], %{{.*}} : i64
func.func @reduce_l1_int(%x: tensor<2x3xi64>) -> tensor<2x1xi64> {
  %0 = onnx.ReduceL1 %x {axes = array<i64: 1>} : (tensor<2x3xi64>) -> tensor<2x1xi64>
  return %0 : tensor<2x1xi64>
}

// -----

// CHECK-LABEL: func.func @reduce_l2
// CHECK: linalg.generic
// CHECK: %[[SQ:.*]] = arith.mulf %[[IN:.*]], %[[IN]] : f32
// CHECK: arith.addf %[[SQ]], %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: math.sqrt
func.func @reduce_l2(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = onnx.ReduceL2 %x {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_sum_square
// CHECK: linalg.generic
// CHECK: %[[SQ:.*]] = arith.mulf %[[IN:.*]], %[[IN]] : f32
// CHECK: arith.addf %[[SQ]], %{{.*}} : f32
// CHECK-NOT: math.sqrt
func.func @reduce_sum_square(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = onnx.ReduceSumSquare %x {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_log_sum
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: math.log
func.func @reduce_log_sum(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = onnx.ReduceLogSum %x {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// The maximum (0 where it is infinite) is subtracted before exp and added
// back after log; it is read in the result layout by the sum.
// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$R:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @reduce_log_sum_exp
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<2x3xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SHIFT:.*]] = linalg.generic {{.*}} ins(%[[MAX]] : tensor<2xf32>)
// CHECK: arith.cmpf one
// CHECK: arith.select
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$R]], #[[$R]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[SHIFT]] : tensor<2x3xf32>, tensor<2xf32>)
// CHECK: %[[D:.*]] = arith.subf
// CHECK: math.exp %[[D]]
// CHECK: %[[LSE:.*]] = linalg.generic {{.*}} ins(%[[SUM]], %[[SHIFT]] : tensor<2xf32>, tensor<2xf32>)
// CHECK: %[[LOG:.*]] = math.log
// CHECK: arith.addf %[[LOG]]
// CHECK: return %[[LSE]]
func.func @reduce_log_sum_exp(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = onnx.ReduceLogSumExp %x {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// ReduceSum takes its axes as a constant operand.
// CHECK-DAG: #[[$R:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @reduce_sum_axes_input
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$R]]], iterator_types = ["reduction", "parallel"]}
// CHECK: arith.addi
func.func @reduce_sum_axes_input(%x: tensor<2x3xi32>) -> tensor<3xi32> {
  %axes = onnx.Constant {value = dense<[-2]> : tensor<1xi64>} : tensor<1xi64>
  %0 = onnx.ReduceSum %x, %axes {keepdims = 0 : i64} : (tensor<2x3xi32>, tensor<1xi64>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

// CHECK-LABEL: func.func @reduce_sum_no_axes
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK-SAME: outs(%{{.*}} : tensor<f32>)
func.func @reduce_sum_no_axes(%x: tensor<2x3xf32>) -> tensor<f32> {
  %n = onnx.NoValue
  %0 = onnx.ReduceSum %x, %n {keepdims = 0 : i64} : (tensor<2x3xf32>, none) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Empty axes with noop_with_empty_axes = 1 leave the data unchanged.
// CHECK-LABEL: func.func @reduce_sum_noop
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[X]]
func.func @reduce_sum_noop(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %axes = onnx.Constant {value = dense<> : tensor<0xi64>} : tensor<0xi64>
  %0 = onnx.ReduceSum %x, %axes {noop_with_empty_axes = 1 : i64} : (tensor<2x3xf32>, tensor<0xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Other reductions over no axis still map each element: ReduceSumSquare
// squares it, as ONNX's reference and ONNX Runtime do.
// CHECK-LABEL: func.func @reduce_sum_square_noop
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK: arith.mulf
// CHECK: -> tensor<2x3xf32>
func.func @reduce_sum_square_noop(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.ReduceSumSquare %x {noop_with_empty_axes = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// The first maximum wins: only a strictly greater element replaces it.
// CHECK-DAG: #[[$KEEP:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @argmax_first
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[VALUES:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<2x1xf32>)
// CHECK: %[[INDICES:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<2x1xi64>)
// CHECK: %[[ARG:.*]]:2 = linalg.generic {indexing_maps = [#{{.*}}, #[[$KEEP]], #[[$KEEP]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: outs(%[[VALUES]], %[[INDICES]] : tensor<2x1xf32>, tensor<2x1xi64>)
// CHECK: %[[BETTER:.*]] = arith.cmpf ogt
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[I64:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: arith.select %[[BETTER]], %[[I64]]
// CHECK: return %[[ARG]]#1 : tensor<2x1xi64>
func.func @argmax_first(%x: tensor<2x3xf32>) -> tensor<2x1xi64> {
  %0 = onnx.ArgMax %x {axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x1xi64>
  return %0 : tensor<2x1xi64>
}

// -----

// select_last_index lets ties replace the best; keepdims = 0 drops the axis.
// CHECK-DAG: #[[$DROP:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @argmin_last_int
// CHECK: %[[MAX:.*]] = arith.constant 2147483647 : i32
// CHECK: linalg.fill ins(%[[MAX]] : i32)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$DROP]], #[[$DROP]]], iterator_types = ["reduction", "parallel"]}
// CHECK: arith.cmpi sle
// CHECK: linalg.index 0
func.func @argmin_last_int(%x: tensor<2x3xi32>) -> tensor<3xi64> {
  %0 = onnx.ArgMin %x {axis = 0 : i64, keepdims = 0 : i64, select_last_index = 1 : i64} : (tensor<2x3xi32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// CHECK-DAG: #[[$X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$R:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-LABEL: func.func @softmax_middle_axis
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$R]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<2x1x4xf32>)
// CHECK: arith.maximumf
// CHECK: %[[EXP:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$R]], #[[$X]]], {{.*}} ins(%[[X]], %[[MAX]] : tensor<2x3x4xf32>, tensor<2x1x4xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$R]]], {{.*}} ins(%[[EXP]] : tensor<2x3x4xf32>)
// CHECK: arith.addf
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$X]], #[[$R]], #[[$X]]], {{.*}} ins(%[[EXP]], %[[SUM]] : tensor<2x3x4xf32>, tensor<2x1x4xf32>)
// CHECK: arith.divf
// CHECK: return %[[Y]]
func.func @softmax_middle_axis(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = onnx.Softmax %x {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// log softmax = (x - max) - log(sum(exp(x - max))): the maximum is
// subtracted before the logarithm is, so large inputs keep their precision.
// CHECK-LABEL: func.func @log_softmax
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<2x3xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MAX]] : tensor<2x3xf32>, tensor<2x1xf32>)
// CHECK: math.exp
// CHECK: %[[LOG:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<2x1xf32>)
// CHECK: math.log
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MAX]], %[[LOG]] : tensor<2x3xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
// CHECK: ^bb0(%[[XE:.*]]: f32, %[[ME:.*]]: f32, %[[LE:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SHIFTED:.*]] = arith.subf %[[XE]], %[[ME]]
// CHECK: arith.subf %[[SHIFTED]], %[[LE]]
// CHECK: return %[[Y]]
func.func @log_softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.LogSoftmax %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Dynamic kept dimensions of the result come from the input.
// CHECK-LABEL: func.func @reduce_mean_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[D0:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: tensor.empty(%[[D0]]) : tensor<?xf32>
func.func @reduce_mean_dynamic(%x: tensor<?x4xf32>) -> tensor<?xf32> {
  %0 = onnx.ReduceMean %x {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<?x4xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Axes given at run time: with keepdims the static shapes name the reduced
// dimensions (those that became 1).
// CHECK-DAG: #[[$KEEP:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-LABEL: func.func @reduce_sum_runtime_axes_keepdims
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$KEEP]]], iterator_types = ["parallel", "reduction", "parallel"]}
func.func @reduce_sum_runtime_axes_keepdims(%x: tensor<3x2x1xf32>, %axes: tensor<1xi64>) -> tensor<3x1x1xf32> {
  %0 = onnx.ReduceSum %x, %axes : (tensor<3x2x1xf32>, tensor<1xi64>) -> tensor<3x1x1xf32>
  return %0 : tensor<3x1x1xf32>
}

// -----

// Without keepdims, a single set of dropped dimensions fits the shapes.
// CHECK-DAG: #[[$DROP:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @reduce_sum_runtime_axes_dropped
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$DROP]]], iterator_types = ["parallel", "reduction", "parallel"]}
func.func @reduce_sum_runtime_axes_dropped(%x: tensor<3x4x2xf32>, %axes: tensor<1xi64>) -> tensor<3x2xf32> {
  %0 = onnx.ReduceSum %x, %axes {keepdims = 0 : i64} : (tensor<3x4x2xf32>, tensor<1xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Axes only known at run time, and the shapes fit dropping dimension 1 or 2
// (both of size 2): the generated code checks the axes and the sizes they
// give, then adds every element into the flattened result at an offset of
// run-time strides (0 along the reduced dimensions).
// CHECK-LABEL: func.func @reduce_sum_runtime_axes_ambiguous
// CHECK-SAME: (%[[X:.*]]: tensor<3x2x2xf32>, %[[AXES:.*]]: tensor<1xi64>)
// CHECK: cf.assert %{{.*}}, "ReduceSum: axis out of range"
// CHECK: %[[COUNTS:.*]]:3 = scf.for
// CHECK: tensor.extract %[[AXES]]
// CHECK: cf.assert %{{.*}}, "ReduceSum: axis listed twice"
// CHECK: cf.assert %{{.*}}, "ReduceSum: the axes leave another rank than the result's (2)"
// CHECK: cf.assert %{{.*}}, "ReduceSum: the axes give result dimension 0 another size than 3"
// CHECK: cf.assert %{{.*}}, "ReduceSum: the axes give result dimension 1 another size than 2"
// CHECK: %[[EMPTY:.*]] = tensor.empty(%{{.*}}) : tensor<?xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<?xf32>)
// CHECK: %[[SUM:.*]] = scf.for %[[I:[a-z0-9_]+]] = {{.*}} iter_args(%{{.*}} = %[[INIT]])
// CHECK: scf.for %[[J:[a-z0-9_]+]] =
// CHECK: scf.for %[[K:[a-z0-9_]+]] =
// CHECK: %[[E:.*]] = tensor.extract %[[X]][%[[I]], %[[J]], %[[K]]]
// CHECK: %[[ACC:.*]] = tensor.extract %{{.*}}[%[[OFFSET:.*]]] : tensor<?xf32>
// CHECK: %[[NEXT:.*]] = arith.addf %[[E]], %[[ACC]] : f32
// CHECK: tensor.insert %[[NEXT]] into %{{.*}}[%[[OFFSET]]] : tensor<?xf32>
// CHECK: %[[STATIC:.*]] = tensor.cast %[[SUM]] : tensor<?xf32> to tensor<6xf32>
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[STATIC]] {{\[\[}}0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
// CHECK: return %[[OUT]]
func.func @reduce_sum_runtime_axes_ambiguous(%x: tensor<3x2x2xf32>, %axes: tensor<1xi64>) -> tensor<3x2xf32> {
  %0 = onnx.ReduceSum %x, %axes {keepdims = 0 : i64} : (tensor<3x2x2xf32>, tensor<1xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// The other reductions take run-time axes as an operand (opset 18); empty
// axes reduce every dimension, or none with noop_with_empty_axes. The mean
// divides by the product of the reduced sizes, known at run time.
// CHECK-LABEL: func.func @reduce_mean_runtime_axes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[AXES:.*]]: tensor<?xi64>)
// CHECK: %[[LENGTH:.*]] = tensor.dim %[[AXES]], %{{.*}} : tensor<?xi64>
// CHECK: %[[EMPTY:.*]] = arith.cmpi eq, %[[LENGTH]]
// CHECK: %[[LISTED:.*]]:2 = scf.for
// CHECK: %[[NOOP:.*]] = arith.constant false
// CHECK: arith.select %[[EMPTY]], %[[NOOP]], %{{.*}} : i1
// CHECK: %[[SUM:.*]] = scf.for
// CHECK: arith.addf
// CHECK: %[[CAST:.*]] = tensor.cast %[[SUM]] : tensor<?xf32> to tensor<3xf32>
// CHECK: %[[COUNT:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: linalg.generic {{.*}} ins(%[[CAST]] : tensor<3xf32>)
// CHECK: arith.divf %{{.*}}, %[[COUNT]] : f32
func.func @reduce_mean_runtime_axes(%x: tensor<2x3xf32>, %axes: tensor<?xi64>) -> tensor<3xf32> {
  %0 = onnx.ReduceMean %x, %axes {keepdims = 0 : i64, noop_with_empty_axes = 1 : i64} : (tensor<2x3xf32>, tensor<?xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// A log-sum-exp reads its shift at the same offsets; a rank-0 result is the
// one element of the flattened result.
// CHECK-LABEL: func.func @reduce_log_sum_exp_runtime_axes
// CHECK: %[[MAX:.*]] = scf.for
// CHECK: arith.maximumf
// CHECK: tensor.collapse_shape %{{.*}} [] : tensor<1xf32> into tensor<f32>
// CHECK: %[[SHIFT:.*]] = linalg.generic
// CHECK: %[[FLAT:.*]] = tensor.expand_shape %[[SHIFT]] [] output_shape [1] : tensor<f32> into tensor<1xf32>
// CHECK: %[[FLATSHIFT:.*]] = tensor.cast %[[FLAT]] : tensor<1xf32> to tensor<?xf32>
// CHECK: scf.for
// CHECK: tensor.extract %[[FLATSHIFT]]
// CHECK: arith.subf
// CHECK: math.exp
func.func @reduce_log_sum_exp_runtime_axes(%x: tensor<4xf32>, %axes: tensor<1xi64>) -> tensor<f32> {
  %0 = onnx.ReduceLogSumExp %x, %axes {keepdims = 0 : i64} : (tensor<4xf32>, tensor<1xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Constant axes as the operand take the path of the attribute.
// CHECK-DAG: #[[$KEEP:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @reduce_max_constant_axes_operand
// CHECK-NOT: scf.for
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$KEEP]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.maximumf
func.func @reduce_max_constant_axes_operand(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %axes = onnx.Constant {value = dense<[-1]> : tensor<1xi64>} : tensor<1xi64>
  %0 = onnx.ReduceMax %x, %axes : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

// Runtime axes that reduce nothing but size-1 dimensions leave the data.
// CHECK-LABEL: func.func @reduce_sum_runtime_axes_identity
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[X]]
func.func @reduce_sum_runtime_axes_identity(%x: tensor<3x2xf32>, %axes: tensor<0xi64>) -> tensor<3x2xf32> {
  %0 = onnx.ReduceSum %x, %axes {noop_with_empty_axes = 1 : i64} : (tensor<3x2xf32>, tensor<0xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// float16 sums accumulate in float32 (in float16, 4096 ones sum to 2048):
// the input is extended, reduced in f32 and the result truncated.
// CHECK-LABEL: func.func @sum_f16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1xf32>)
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @sum_f16(%x: tensor<4096xf16>) -> tensor<1xf16> {
  %none = onnx.NoValue
  %0 = onnx.ReduceSum %x, %none : (tensor<4096xf16>, none) -> tensor<1xf16>
  return %0 : tensor<1xf16>
}

// -----

// Max needs no wider type.
// CHECK-LABEL: func.func @max_f16
// CHECK-NOT: arith.extf
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f16
func.func @max_f16(%x: tensor<8xf16>) -> tensor<1xf16> {
  %0 = onnx.ReduceMax %x : (tensor<8xf16>) -> tensor<1xf16>
  return %0 : tensor<1xf16>
}

// -----

// Sizes known only at run time (inside a Loop body) are read from the input.
// CHECK-LABEL: func.func @argmax_dynamic
// CHECK: %[[D:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x?x3xf32>
// CHECK: tensor.empty(%[[D]]) : tensor<?x3xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction", "parallel"]
func.func @argmax_dynamic(%x: tensor<?x?x3xf32>) -> tensor<?x3xi64> {
  %0 = onnx.ArgMax %x {axis = 1 : i64, keepdims = 0 : i64} : (tensor<?x?x3xf32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

// uint8 values reduce as signless i16 (zero-extended), so that the signed
// maximum orders them as unsigned values, and the result is narrowed back.
// CHECK-LABEL: func.func @reducemax_unsigned
// CHECK: %[[WIDE:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<3x7xui8>) outs(%{{.*}} : tensor<3x7xi16>)
// CHECK: arith.extui %{{.*}} : i8 to i16
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[WIDE]] : tensor<3x7xi16>) outs(%{{.*}} : tensor<3xi16>)
// CHECK: arith.maxsi
// CHECK: %[[NARROW:.*]] = linalg.generic {{.*}} ins(%[[MAX]] : tensor<3xi16>) outs(%{{.*}} : tensor<3xui8>)
// CHECK: arith.trunci %{{.*}} : i16 to i8
// CHECK: return %[[NARROW]]
func.func @reducemax_unsigned(%x: tensor<3x7xui8>) -> tensor<3xui8> {
  %0 = onnx.ReduceMax %x {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<3x7xui8>) -> tensor<3xui8>
  return %0 : tensor<3xui8>
}
