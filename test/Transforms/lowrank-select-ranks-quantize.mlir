// RUN: lowrank-opt %s --lowrank-select-ranks="rank=48 skip-heads=false" | FileCheck %s --check-prefix=PARITY
// RUN: lowrank-opt %s --lowrank-select-ranks="rank=48 quantize=int4 skip-heads=false" | FileCheck %s --check-prefix=QLR
// RUN: lowrank-opt %s --lowrank-select-ranks="rank-ratio=0.25 tucker=true" | FileCheck %s --check-prefix=TUCKER
// RUN: lowrank-opt %s --lowrank-select-ranks="rank-ratio=1.0 tucker=true" | FileCheck %s --check-prefix=TPARITY
// RUN: lowrank-opt %s --lowrank-select-ranks="param-ratio=0.3 tucker=true" | FileCheck %s --check-prefix=TBUDGET
// RUN: lowrank-opt %s --lowrank-select-ranks="energy=0.9 tucker=true" | FileCheck %s --check-prefix=TENERGY
// RUN: lowrank-opt %s --lowrank-select-ranks="rank-ratio=0.25" | FileCheck %s --check-prefix=NOTUCKER
// RUN: lowrank-opt %s --lowrank-select-ranks="rank=0 quantize=int8 skip-heads=false" --lowrank-factorize=quantize=int8 | FileCheck %s --check-prefix=QONLY
// RUN: not lowrank-opt %s --lowrank-select-ranks="rank=0" 2>&1 | FileCheck %s --check-prefix=QONLYERR

// Rank 48 of a 64 x 64 layer is above parity (32): dense without
// quantization, but a Q + L R layer stores Q anyway and takes any rank.
// PARITY: name = "fc", {{.*}}reason = "rank 48 is not below parity 32"
// QLR: lowrank.decision = {action = "factor", {{.*}}name = "fc", parity = 32 : i64, rank = 48 : i64}

// The 3x3 convolution (32 -> 64 channels): rank-ratio applies per mode;
// the grouped one stays dense with a reason.
// TUCKER: onnx.Conv {{.*}}lowrank.decision = {action = "tucker", c_in = 32 : i64, c_out = 64 : i64, in_rank = 8 : i64, kernel_size = 9 : i64, name = "conv", out_rank = 16 : i64, parity_fraction = 0.{{[0-9]+}} : f64}
// TUCKER: onnx.Conv {{.*}}lowrank.decision = {action = "dense", {{.*}}name = "depthwise", {{.*}}reason = "grouped convolution (group = 32)"}

// All channels are past the parity point (87% of the channels here):
// 32 x 32 + 64 x 32 x 9 + 64 x 64 parameters instead of 64 x 32 x 9.
// TPARITY: lowrank.decision = {action = "dense", {{.*}}name = "conv", {{.*}}reason = "Tucker-2 ranks (64, 32) store 18432 >= 18432 parameters (parity at 0.871 of the channels)"}

// param-ratio 0.3: ranks grow from one multiple (8) per mode while the
// HOSVD error bound drops; this weight is constant (multilinear rank 1), so
// no step lowers it and both ranks stay at 8.
// TBUDGET: lowrank.decision = {action = "tucker", {{.*}}in_rank = 8 : i64, {{.*}}name = "conv", out_rank = 8 : i64

// TENERGY: name = "conv", {{.*}}reason = "Tucker-2 ranks follow rank, rank-ratio or param-ratio only"

// NOTUCKER-NOT: action = "tucker"

// rank=0 with quantize: Q alone, no low-rank part; without quantize, an error.
// QONLY-NOT: lowrank.factor = "A"
// QONLY: %[[Q:.*]] = onnx.DequantizeLinear
// QONLY: onnx.MatMul %{{.*}}, %[[Q]] {lowrank.decision = {action = "factor", {{.*}}rank = 0 : i64}, lowrank.factor = "Q"}
// QONLYERR: error: rank=0 means no low-rank part and needs quantize=int8 or int4 (quantize-only)

func.func @model(%x: tensor<2x64xf32>, %img: tensor<1x32x8x8xf32>) -> (tensor<2x64xf32>, tensor<1x64x8x8xf32>, tensor<1x32x8x8xf32>) {
  %w = onnx.Constant {value = dense<0.5> : tensor<64x64xf32>} : tensor<64x64xf32>
  %y = onnx.MatMul %x, %w : (tensor<2x64xf32>, tensor<64x64xf32>) -> tensor<2x64xf32> loc("fc")
  %r = onnx.Relu %y : (tensor<2x64xf32>) -> tensor<2x64xf32>
  %k = onnx.Constant {value = dense<0.25> : tensor<64x32x3x3xf32>} : tensor<64x32x3x3xf32>
  %none = onnx.NoValue
  %c = onnx.Conv %img, %k, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x8x8xf32>, tensor<64x32x3x3xf32>, none) -> tensor<1x64x8x8xf32> loc("conv")
  %dk = onnx.Constant {value = dense<0.25> : tensor<32x1x3x3xf32>} : tensor<32x1x3x3xf32>
  %d = onnx.Conv %img, %dk, %none {group = 32 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x8x8xf32>, tensor<32x1x3x3xf32>, none) -> tensor<1x32x8x8xf32> loc("depthwise")
  return %r, %c, %d : tensor<2x64xf32>, tensor<1x64x8x8xf32>, tensor<1x32x8x8xf32>
}
