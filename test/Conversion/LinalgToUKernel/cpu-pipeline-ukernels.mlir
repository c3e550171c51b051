// The CPU pipeline's `ukernels` option: on by default, matmuls call the
// runtime; off, they are plain loops and nothing of the runtime is used.

// RUN: lowrank-opt %s --lowrank-cpu-pipeline | FileCheck %s
// RUN: lowrank-opt %s --lowrank-cpu-pipeline='ukernels=false' | FileCheck %s --check-prefix=LOOPS

// CHECK: llvm.call @_mlir_ciface_lowrank_matmul_f32(
// CHECK: llvm.func @_mlir_ciface_lowrank_matmul_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64)
// CHECK-LABEL: llvm.func @main_graph
// CHECK: llvm.call @lowrank_matmul_f32(

// LOOPS-NOT: lowrank_
// LOOPS-LABEL: llvm.func @main_graph
// LOOPS-NOT: lowrank_
// LOOPS: llvm.fmul
// LOOPS-NOT: lowrank_

func.func @main_graph(%m: tensor<3x4xf32>, %n: tensor<4x2xf32>)
    -> tensor<3x2xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<3x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<3x2xf32>)
      -> tensor<3x2xf32>
  %p = linalg.matmul ins(%m, %n : tensor<3x4xf32>, tensor<4x2xf32>)
                     outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %r = linalg.add ins(%p, %p : tensor<3x2xf32>, tensor<3x2xf32>)
                  outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}
