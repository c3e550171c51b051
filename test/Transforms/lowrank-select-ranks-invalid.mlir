// Invalid options get a clear error and a non-zero exit.
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="rank-ratio=-0.5" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="rank=100" 2>&1 | FileCheck %s --check-prefix=TOOBIG
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="rank-ratio=0.5 override=nothing*=dense" 2>&1 | FileCheck %s --check-prefix=NOMATCH
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="rank-ratio=0.5 override=fc=-3" 2>&1 | FileCheck %s --check-prefix=BADOVERRIDE
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="rank-ratio=0.5 energy=0.9" 2>&1 | FileCheck %s --check-prefix=TWORULES
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks 2>&1 | FileCheck %s --check-prefix=NORULE
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="param-ratio=1.5" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="param-ratio=nan" 2>&1 | FileCheck %s --check-prefix=NANRATIO
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="energy=inf" 2>&1 | FileCheck %s --check-prefix=INFENERGY
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="rank=99999999999" 2>&1 | FileCheck %s --check-prefix=HUGERANK
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="rank=8 multiple=0" 2>&1 | FileCheck %s --check-prefix=MULTIPLE
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="rank=8 min-size=-1" 2>&1 | FileCheck %s --check-prefix=MINSIZE

// NEGATIVE: error: rank-ratio must be in (0, 1], got -0.5
// TOOBIG: error: {{.*}}rank 100 exceeds min(d_in, d_out) = 64 of layer 'fc'
// NOMATCH: error: override 'nothing*=dense' matches no linear layer
// BADOVERRIDE: error: override 'fc=-3': the rank must be a positive integer or 'dense'
// TWORULES: error: lowrank-select-ranks needs exactly one of rank, rank-ratio, energy, max-error and param-ratio; 2 given
// NORULE: error: lowrank-select-ranks needs exactly one of {{.*}}; 0 given
// RANGE: error: param-ratio must be in (0, 1], got 1.5
// NANRATIO: error: param-ratio must be in (0, 1], got nan
// INFENERGY: error: energy must be in (0, 1], got INF
// HUGERANK: error: rank must be in [0, 4294967296], got 99999999999
// MULTIPLE: error: multiple must be in [1, 1048576], got 0
// MINSIZE: error: min-size must be in [0, 9223372036854775807], got -1

func.func @layer(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<64x64xf32>} : tensor<64x64xf32>
  %y = onnx.MatMul %x, %w : (tensor<4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32> loc("fc")
  %r = onnx.Add %y, %x : (tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// A weight holding NaN is reported with the layer's name.
// RUN: not lowrank-opt %s --split-input-file --lowrank-select-ranks="rank-ratio=0.5" 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: error: {{.*}}weight of layer 'nan_layer' is not finite: matrix entry (1, 0) is NaN

// -----

func.func @nan_weight(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %w = onnx.Constant {value = dense<[[1.0, 2.0], [0x7FC00000, 1.0]]> : tensor<2x2xf32>} : tensor<2x2xf32>
  %big = onnx.Constant {value = dense<1.0> : tensor<32x32xf32>} : tensor<32x32xf32>
  %s = onnx.Constant {value = dense<1.0> : tensor<4x2xf32>} : tensor<4x2xf32>
  %y = onnx.MatMul %s, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32> loc("nan_layer")
  %z = onnx.MatMul %x, %big : (tensor<4x32xf32>, tensor<32x32xf32>) -> tensor<4x32xf32>
  return %z : tensor<4x32xf32>
}
