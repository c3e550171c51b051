// RUN: lowrank-opt %s --lowrank-copy-repeated-results | FileCheck %s
// The whole CPU pipeline handles a value returned twice.
// RUN: lowrank-opt %s --lowrank-cpu-pipeline | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @twice
// CHECK-SAME: (%[[ARG:.*]]: tensor<4xf32>)
// CHECK: %[[T:.*]] = tensor.empty() : tensor<0xf32>
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<0xf32>
// CHECK: %[[C1:.*]] = linalg.copy ins(%[[T]] : tensor<0xf32>) outs(%[[E1]] : tensor<0xf32>)
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<0xf32>
// CHECK: %[[C2:.*]] = linalg.copy ins(%[[T]] : tensor<0xf32>) outs(%[[E2]] : tensor<0xf32>)
// CHECK: return %[[T]], %[[C1]], %[[C2]], %[[ARG]]
// LLVM: llvm.func @_mlir_ciface_twice
func.func @twice(%arg: tensor<4xf32>) -> (tensor<0xf32>, tensor<0xf32>, tensor<0xf32>, tensor<4xf32>) {
  %t = tensor.empty() : tensor<0xf32>
  return %t, %t, %t, %arg : tensor<0xf32>, tensor<0xf32>, tensor<0xf32>, tensor<4xf32>
}
