// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @cumsum_reverse_exclusive
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.cmpi sgt
// CHECK: arith.addf
func.func @cumsum_reverse_exclusive(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %a = onnx.Constant {value = dense<1> : tensor<i32>} : tensor<i32>
  %y = onnx.CumSum %x, %a {exclusive = 1 : i64, reverse = 1 : i64} : (tensor<2x5xf32>, tensor<i32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// The product starts from ones and skips terms with its identity.
// CHECK-LABEL: func.func @cumprod_int
// CHECK: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK: linalg.fill ins(%[[ONE]] : i32)
// CHECK: linalg.generic
// CHECK: arith.cmpi sle
// CHECK: arith.muli
func.func @cumprod_int(%x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %a = onnx.Constant {value = dense<-1> : tensor<i64>} : tensor<i64>
  %y = onnx.CumProd %x, %a : (tensor<2x3xi32>, tensor<i64>) -> tensor<2x3xi32>
  return %y : tensor<2x3xi32>
}

// -----

// An axis known at run time is checked against the rank; every axis is
// computed and the one asked for selected.
// CHECK-LABEL: func.func @cumsum_runtime_axis
// CHECK: cf.assert {{.*}} "CumSum axis out of range for rank 2"
// CHECK: %[[AXIS:.*]] = tensor.extract %{{.*}}[] : tensor<i32>
// CHECK: %[[LAST:.*]] = linalg.generic
// CHECK: %[[IS0:.*]] = arith.cmpi eq, %{{.*}}, %c0
// CHECK: %[[FIRST:.*]] = linalg.generic
// CHECK: arith.select %[[IS0]], %[[FIRST]], %[[LAST]] : tensor<2x5xf32>
func.func @cumsum_runtime_axis(%x: tensor<2x5xf32>, %a: tensor<i32>) -> tensor<2x5xf32> {
  %y = onnx.CumSum %x, %a : (tensor<2x5xf32>, tensor<i32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}
