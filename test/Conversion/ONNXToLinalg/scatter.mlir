// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Loops over the updates carry the result; the index read is checked before
// them and clamped inside.
// CHECK-LABEL: func.func @scatter_elements
// CHECK-SAME: (%[[D:.*]]: tensor<3x3xf32>, %[[I:.*]]: tensor<2x3xi64>, %[[U:.*]]: tensor<2x3xf32>)
// CHECK: cf.assert {{.*}} "ScatterElements index out of range for axis 0 of size 3"
// CHECK: scf.for {{.*}} iter_args(%[[ACC0:.*]] = %[[D]]) -> (tensor<3x3xf32>)
// CHECK: scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[ACC0]]) -> (tensor<3x3xf32>)
// CHECK: %[[IDX:.*]] = tensor.extract %[[I]]
// CHECK: arith.index_cast %[[IDX]]
// CHECK: arith.minsi
// CHECK: %[[UPD:.*]] = tensor.extract %[[U]]
// CHECK-NOT: arith.addf
// CHECK: tensor.insert %[[UPD]] into %[[ACC]]
func.func @scatter_elements(%d: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>) -> tensor<3x3xf32> {
  %y = onnx.ScatterElements %d, %i, %u : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

// -----

// The deprecated Scatter is ScatterElements without reduction; its checks
// name it.
// CHECK-LABEL: func.func @scatter_deprecated
// CHECK: cf.assert {{.*}} "Scatter index out of range for axis 1 of size 5"
// CHECK: scf.for
// CHECK: %[[UPD:.*]] = tensor.extract %{{.*}} : tensor<1x2xf32>
// CHECK-NOT: arith.addf
// CHECK: tensor.insert %[[UPD]]
func.func @scatter_deprecated(%d: tensor<1x5xf32>, %i: tensor<1x2xi64>, %u: tensor<1x2xf32>) -> tensor<1x5xf32> {
  %y = onnx.Scatter %d, %i, %u {axis = 1 : i64} : (tensor<1x5xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}

// -----

// A reduction combines the update with the element it lands on.
// CHECK-LABEL: func.func @scatter_elements_max
// CHECK: scf.for
// CHECK: %[[OLD:.*]] = tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<1x5xi32>
// CHECK: %[[NEW:.*]] = arith.maxsi %[[OLD]], %{{.*}} : i32
// CHECK: tensor.insert %[[NEW]]
func.func @scatter_elements_max(%d: tensor<1x5xi32>, %i: tensor<1x2xi32>, %u: tensor<1x2xi32>) -> tensor<1x5xi32> {
  %y = onnx.ScatterElements %d, %i, %u {axis = 1 : i64, reduction = "max"} : (tensor<1x5xi32>, tensor<1x2xi32>, tensor<1x2xi32>) -> tensor<1x5xi32>
  return %y : tensor<1x5xi32>
}

// -----

// Each coordinate of the index tuples is checked against its own axis; the
// slice dimensions follow the tuple's.
// CHECK-LABEL: func.func @scatter_nd
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [2, 1] [1, 1]
// CHECK: cf.assert {{.*}} "ScatterND index out of range for axis 0 of size 4"
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %c0{{.*}}] : tensor<2x1xi64>
// CHECK: arith.mulf
// CHECK: tensor.insert
func.func @scatter_nd(%d: tensor<4x4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4x4xf32>) -> tensor<4x4x4xf32> {
  %y = onnx.ScatterND %d, %i, %u {reduction = "mul"} : (tensor<4x4x4xf32>, tensor<2x1xi64>, tensor<2x4x4xf32>) -> tensor<4x4x4xf32>
  return %y : tensor<4x4x4xf32>
}
