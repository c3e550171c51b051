// Invalid Q + L R options and layers get a clear error.
// RUN: not lowrank-opt %s --lowrank-factorize=quantize=int3 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not lowrank-opt %s --lowrank-factorize=quantize-factors=int4 2>&1 | FileCheck %s --check-prefix=FACTORS
// RUN: not lowrank-opt %s --lowrank-factorize=quantize-factors=int8 2>&1 | FileCheck %s --check-prefix=NOQ
// RUN: not lowrank-opt %s --lowrank-factorize="quantize=int4 qlr-iterations=0" 2>&1 | FileCheck %s --check-prefix=ITER
// RUN: not lowrank-opt %s --lowrank-factorize=quantize-group=64 2>&1 | FileCheck %s --check-prefix=GROUPNOQ
// RUN: not lowrank-opt %s --lowrank-factorize="quantize=int4 quantize-group=-1" 2>&1 | FileCheck %s --check-prefix=GROUPRANGE
// RUN: not lowrank-opt %s --lowrank-factorize=quantize=int8 2>&1 | FileCheck %s --check-prefix=LINALG
// RUN: not lowrank-opt %s --lowrank-select-ranks="rank=4 quantize=int2" 2>&1 | FileCheck %s --check-prefix=SELECT
// RUN: not lowrank-opt %s --lowrank-select-ranks="param-ratio=0.5 quantize=int4" 2>&1 | FileCheck %s --check-prefix=BUDGET

// BITS: error: unknown quantize 'int3' (expected none, int8 or int4)
// FACTORS: error: unknown quantize-factors 'int4' (expected none or int8)
// NOQ: error: quantize-factors needs quantize=int8 or int4
// ITER: error: qlr-iterations must be in [1, 10000], got 0
// GROUPNOQ: error: quantize-group needs quantize=int8 or int4
// GROUPRANGE: error: quantize-group must be in [0, 1048576], got -1
// LINALG: error: quantize= supports onnx.MatMul, onnx.Gemm and onnx.Conv layers; layer 'proj' is linalg.matmul
// SELECT: error: unknown quantize 'int2' (expected none, int8 or int4)
// BUDGET: error: param-ratio cannot be combined with quantize

func.func @linalg_matmul(%x: tensor<4x16xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<0.5> : tensor<16x8xf32>
  %y = linalg.matmul {lowrank.decision = {action = "factor", rank = 2 : i64, d_in = 16 : i64, d_out = 8 : i64, name = "proj"}}
      ins(%x, %w : tensor<4x16xf32>, tensor<16x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
