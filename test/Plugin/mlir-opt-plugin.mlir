// Debian's mlir-opt runs the lowrank passes on linalg input through the
// plugin library.
// The plugin, built with sanitizers, cannot be loaded into Debian's
// uninstrumented mlir-opt.
// UNSUPPORTED: sanitized
// RUN: mlir-opt %s --load-dialect-plugin=%lowrank_plugin --load-pass-plugin=%lowrank_plugin \
// RUN:   --pass-pipeline='builtin.module(lowrank-compress{rank-ratio=0.25})' | FileCheck %s
// RUN: mlir-opt %s --load-dialect-plugin=%lowrank_plugin --load-pass-plugin=%lowrank_plugin \
// RUN:   --pass-pipeline='builtin.module(lowrank-test-linear-analysis)' -o /dev/null | FileCheck %s --check-prefix=ANALYSIS

// ANALYSIS: layer 'proj' linalg.matmul d_in=64 d_out=64 aspect=1 params=4096 parity=32 rows=4

// CHECK: module attributes {lowrank.report = [{action = "factor", {{.*}}name = "proj", op = "linalg.matmul", params_after = 2048 : i64, params_before = 4096 : i64, parity_rank = 32 : i64, rank = 16 : i64
// CHECK-LABEL: func.func @block
// CHECK: %[[T:.*]] = linalg.matmul {lowrank.factor = "A"} ins(%arg0, %{{.*}} : tensor<4x64xf32>, tensor<64x16xf32>)
// CHECK: %[[Y:.*]] = linalg.matmul {{{.*}}lowrank.factor = "B"} ins(%[[T]], %{{.*}} : tensor<4x16xf32>, tensor<16x64xf32>)
// CHECK: arith.addf %[[Y]], %arg0
func.func @block(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %w = arith.constant dense<0.5> : tensor<64x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x64xf32>) outs(%init : tensor<4x64xf32>) -> tensor<4x64xf32> loc("proj")
  %r = arith.addf %y, %x : tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}
