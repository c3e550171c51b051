// RUN: lowrank-opt %s | lowrank-opt | FileCheck %s
// Round trip of the onnx dialect's custom syntax, and folding.
// RUN: lowrank-opt %s --canonicalize | FileCheck %s --check-prefix=FOLD

// CHECK-LABEL: func.func @linear
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: onnx.Gemm %{{.*}}, %{{.*}}, %[[NONE]] {alpha = 2.000000e+00 : f32, transB = 1 : i64}
// CHECK-SAME: : (tensor<4x8xf32>, tensor<16x8xf32>, none) -> tensor<4x16xf32>
func.func @linear(%x: tensor<4x8xf32>, %w: tensor<16x8xf32>) -> tensor<4x16xf32> {
  %none = onnx.NoValue
  %0 = onnx.Gemm %x, %w, %none {alpha = 2.0 : f32, transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, none) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// FOLD-LABEL: func.func @shape_of_static
// FOLD: %[[C:.*]] = onnx.Constant {value = dense<[3, 4]> : tensor<2xi64>}
// FOLD: return %[[C]]
func.func @shape_of_static(%x: tensor<2x3x4xf32>) -> tensor<2xi64> {
  %0 = onnx.Shape %x {start = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// FOLD-LABEL: func.func @identity
// FOLD-NEXT: return %arg0
func.func @identity(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = onnx.Identity %x : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// An unranked operand may give the result its sizes: broadcasting is only
// checked between ranked operands and the result when none is unranked.
// CHECK-LABEL: func.func @where_unranked_operand
// CHECK: onnx.Where
func.func @where_unranked_operand(%c: tensor<?x?x1xi1>, %x: tensor<*xf32>, %y: tensor<f32>) -> tensor<?x?x80xf32> {
  %r = onnx.Where %c, %x, %y : (tensor<?x?x1xi1>, tensor<*xf32>, tensor<f32>) -> tensor<?x?x80xf32>
  return %r : tensor<?x?x80xf32>
}
