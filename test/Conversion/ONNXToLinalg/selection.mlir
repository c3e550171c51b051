// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Ranks by counting the elements ordered before (greater, or equal and
// earlier), then the positions of ranks 0..K-1, then their values. K comes
// from a graph input and is checked against the axis and the result size.
// CHECK-LABEL: func.func @top_k
// CHECK: cf.assert {{.*}} "TopK K out of range for axis 1 of size 4"
// CHECK: cf.assert {{.*}} "TopK K does not match the result size 3"
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.cmpi ult
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpf ogt
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: outs(%{{.*}} : tensor<3x3xi64>)
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}} : tensor<3x4xf32>
func.func @top_k(%x: tensor<3x4xf32>, %k: tensor<1xi64>) -> (tensor<3x3xf32>, tensor<3x3xi64>) {
  %v, %i = onnx.TopK %x, %k {axis = 1 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x3xf32>, tensor<3x3xi64>)
  return %v, %i : tensor<3x3xf32>, tensor<3x3xi64>
}

// -----

// The smallest first, compared without sign for unsigned elements.
// CHECK-LABEL: func.func @top_k_smallest_unsigned
// CHECK: arith.cmpi ult
// CHECK-NOT: arith.cmpi slt
// CHECK: return
func.func @top_k_smallest_unsigned(%x: tensor<5xui64>) -> (tensor<2xui64>, tensor<2xi64>) {
  %k = onnx.Constant {value = dense<2> : tensor<1xi64>} : tensor<1xi64>
  %v, %i = onnx.TopK %x, %k {largest = 0 : i64} : (tensor<5xui64>, tensor<1xi64>) -> (tensor<2xui64>, tensor<2xi64>)
  return %v, %i : tensor<2xui64>, tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @hardmax
// CHECK: %[[RANKS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: linalg.generic {{.*}} ins(%[[RANKS]] : tensor<2x3xi64>)
// CHECK: arith.cmpi eq
// CHECK: arith.select
func.func @hardmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = onnx.Hardmax %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Negative indices wrap by the depth, a graph input checked against the
// result size.
// CHECK-LABEL: func.func @one_hot
// CHECK: cf.assert {{.*}} "OneHot depth does not match the result size 10"
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x10x3xf32>)
// CHECK: arith.fptosi
// CHECK: arith.cmpi slt
// CHECK: %[[POS:.*]] = linalg.index 1
// CHECK: arith.cmpi eq, %{{.*}}, %[[POS]]
func.func @one_hot(%i: tensor<2x3xf32>, %d: tensor<f32>, %v: tensor<2xf32>) -> tensor<2x10x3xf32> {
  %y = onnx.OneHot %i, %d, %v {axis = 1 : i64} : (tensor<2x3xf32>, tensor<f32>, tensor<2xf32>) -> tensor<2x10x3xf32>
  return %y : tensor<2x10x3xf32>
}

// -----

// CHECK-LABEL: func.func @eye_like
// CHECK: linalg.generic
// CHECK: %[[R:.*]] = linalg.index 0
// CHECK: %[[C:.*]] = linalg.index 1
// CHECK: %[[D:.*]] = arith.addi %[[R]], %c-1
// CHECK: arith.cmpi eq, %[[C]], %[[D]]
// CHECK: arith.select %{{.*}}, %c1_i32, %c0_i32
func.func @eye_like(%x: tensor<3x4xf32>) -> tensor<3x4xi32> {
  %y = onnx.EyeLike %x {dtype = 6 : i64, k = -1 : i64} : (tensor<3x4xf32>) -> tensor<3x4xi32>
  return %y : tensor<3x4xi32>
}
