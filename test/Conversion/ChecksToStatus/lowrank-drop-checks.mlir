// RUN: lowrank-opt %s --pass-pipeline='builtin.module(func.func(lowrank-drop-checks),canonicalize)' | FileCheck %s

// The checks go, and with them the computation that fed them; the guarded
// op (which clamps its indices) stays.
// CHECK-LABEL: func.func @gather_check
// CHECK-NOT: cf.assert
// CHECK-NOT: tensor.extract
// CHECK: return %{{.*}} : tensor<3xf32>
func.func @gather_check(%i: tensor<3xi64>, %y: tensor<3xf32>) -> tensor<3xf32> {
  %true = arith.constant dense<true> : tensor<i1>
  %all = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>],
                         iterator_types = ["reduction"]}
      ins(%i : tensor<3xi64>) outs(%true : tensor<i1>) {
  ^bb0(%index: i64, %acc: i1):
    %c5 = arith.constant 5 : i64
    %lt = arith.cmpi slt, %index, %c5 : i64
    %and = arith.andi %lt, %acc : i1
    linalg.yield %and : i1
  } -> tensor<i1>
  %ok = tensor.extract %all[] : tensor<i1>
  cf.assert %ok, "node 'g': Gather index out of range"
  return %y : tensor<3xf32>
}
