// Invalid factorization options and decisions get a clear error.
// RUN: not lowrank-opt %s --lowrank-factorize=svd=bogus 2>&1 | FileCheck %s --check-prefix=SVD
// RUN: not lowrank-opt %s --lowrank-factorize=power-iterations=-1 2>&1 | FileCheck %s --check-prefix=POWER
// RUN: not lowrank-opt %s --split-input-file --lowrank-factorize 2>&1 | FileCheck %s --check-prefix=DECISION
// RUN: not lowrank-opt %s --lowrank-factorize=power-iterations=1000000 2>&1 | FileCheck %s --check-prefix=POWERMAX
// RUN: not lowrank-opt %s --lowrank-factorize=qlr-iterations=4294967296 2>&1 | FileCheck %s --check-prefix=QLR
// An option error is one line: the module it is reported on is not printed.
// RUN: not lowrank-opt %s --lowrank-factorize=qlr-iterations=0 2>&1 | count 1

// SVD: error: unknown svd algorithm 'bogus' (expected gesdd, randomized or auto)
// POWER: error: power-iterations must be in [0, 100], got -1
// POWERMAX: error: power-iterations must be in [0, 100], got 1000000
// QLR: error: qlr-iterations must be in [1, 10000], got 4294967296
// DECISION: error: rank 9 exceeds min(d_in, d_out) of layer 'fc'
// DECISION: error: {{.*}}malformed lowrank.decision on layer 'fc2'
// DECISION: error: {{.*}}layer 'fc3' has rank 0 (no low-rank part), which needs quantize=int8 or int4

func.func @too_big(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = onnx.Constant {value = dense<1.0> : tensor<8x4xf32>} : tensor<8x4xf32>
  %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 9 : i64, name = "fc"}} : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @malformed(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = onnx.Constant {value = dense<1.0> : tensor<8x4xf32>} : tensor<8x4xf32>
  %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = -1 : i64}} : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32> loc("fc2")
  return %y : tensor<2x4xf32>
}

// -----

func.func @quantize_only_without_quantize(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = onnx.Constant {value = dense<1.0> : tensor<8x4xf32>} : tensor<8x4xf32>
  %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 0 : i64, name = "fc3"}} : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
