// RUN: lowrank-opt %s --lowrank-select-ranks=rank-ratio=0.25 | FileCheck %s
// RUN: lowrank-opt %s --lowrank-select-ranks="rank=48" | FileCheck %s --check-prefix=PARITY
// RUN: lowrank-opt %s --lowrank-select-ranks="rank-ratio=0.3" | FileCheck %s --check-prefix=ROUND
// RUN: lowrank-opt %s --lowrank-select-ranks="rank-ratio=0.3 multiple=1" | FileCheck %s --check-prefix=NOROUND
// RUN: lowrank-opt %s --lowrank-select-ranks="rank-ratio=0.25 grouping=false" | FileCheck %s --check-prefix=NOGROUP
// RUN: lowrank-opt %s --lowrank-select-ranks="rank-ratio=0.25 skip-heads=false" | FileCheck %s --check-prefix=HEADS
// RUN: lowrank-opt %s --lowrank-select-ranks="rank-ratio=0.25 override=up=dense override=q=24" | FileCheck %s --check-prefix=OVERRIDE
// RUN: lowrank-opt %s --lowrank-select-ranks="rank-ratio=0.25 min-saving=0.8" | FileCheck %s --check-prefix=SAVING
// RUN: lowrank-opt %s --lowrank-select-ranks="rank=3" 2>&1 | FileCheck %s --check-prefix=EXPLICIT
// RUN: lowrank-opt %s --lowrank-select-ranks="param-ratio=0.8" --lowrank-factorize --lowrank-report=- -o /dev/null | FileCheck %s --check-prefix=TOTALS

// Q and K share their input: one group of 64 x 128 (parity 42); the FFN up
// projection is 64 x 256 (parity 51); the output head is left alone; the
// 8 x 8 layer is below min-size.

// CHECK-LABEL: func.func @block
// CHECK: onnx.MatMul {{.*}}lowrank.decision = {action = "factor", d_in = 64 : i64, d_out = 64 : i64, error = {{.*}}, group = 0 : i64, group_d_out = 128 : i64, grouping = "shared {{.*}}", name = "q", parity = 32 : i64, rank = 16 : i64}
// CHECK: onnx.MatMul {{.*}}lowrank.decision = {action = "factor", {{.*}}group = 0 : i64, group_d_out = 128 : i64, grouping = "shared {{.*}}", name = "k", parity = 32 : i64, rank = 16 : i64}
// CHECK: onnx.MatMul {{.*}}lowrank.decision = {action = "factor", d_in = 64 : i64, d_out = 256 : i64, {{.*}}name = "up", parity = 51 : i64, rank = 16 : i64}
// CHECK: onnx.MatMul {{.*}}lowrank.decision = {action = "dense", {{.*}}name = "small", {{.*}}reason = "smaller than min-size"}
// CHECK: onnx.MatMul {{.*}}lowrank.decision = {action = "dense", {{.*}}name = "head", {{.*}}reason = "output head"}

// 48 is above the parity of the Q/K group (42), so Q and K are decided
// alone (and stay dense), but below that of the FFN (51).
// PARITY: grouping = "separate factorizations: the shared rank 48 is not below the group's parity 42", name = "q", parity = 32 : i64, rank = 0 : i64, reason = "rank 48 is not below parity 32"}
// PARITY: name = "up", parity = 51 : i64, rank = 48 : i64}
// PARITY: name = "small", {{.*}}reason = "smaller than min-size"

// 0.3 x 64 = 19 rounds up to 24 (never down); without rounding it stays 19.
// ROUND: name = "q", parity = 32 : i64, rank = 24 : i64
// NOROUND: name = "q", parity = 32 : i64, rank = 19 : i64

// NOGROUP: {action = "factor", d_in = 64 : i64, d_out = 64 : i64, error = {{[^,]*}}, name = "q", parity = 32 : i64, rank = 16 : i64}

// HEADS: name = "head", parity = 32 : i64, rank = 16 : i64}

// OVERRIDE: name = "q", parity = 32 : i64, rank = 24 : i64}
// OVERRIDE: name = "k", parity = 32 : i64, rank = 16 : i64}
// OVERRIDE: name = "up", parity = 51 : i64, rank = 0 : i64, reason = "override up=dense"}

// Rank 16 saves 1 - 16 * 320 / 16384 = 69% of 'up' and 1 - 16 * 192 / 8192 = 63% of the group.
// SAVING: name = "q", {{.*}}reason = "saving below min-saving"}
// SAVING: name = "up", {{.*}}reason = "saving below min-saving"}

// An explicit rank is kept as given, never rounded to `multiple`.
// EXPLICIT-NOT: warning
// EXPLICIT: name = "q", parity = 32 : i64, rank = 3 : i64}
// EXPLICIT: name = "up", parity = 51 : i64, rank = 3 : i64}

// The budget is at most 80% of the factorable layers (q, k, up, down:
// 40960 parameters; steps of 8 ranks leave it at 76%); the head and the
// small layer are counted apart.
// TOTALS: "factorable_param_ratio": 0.7{{[5-9][0-9]*}},
// TOTALS: "factorable_params_before": 40960,
// TOTALS: "params_before": 45120

func.func @block(%x: tensor<4x64xf32>, %s: tensor<4x8xf32>) -> (tensor<4x64xf32>, tensor<4x8xf32>) {
  %wq = onnx.Constant {value = dense<0.5> : tensor<64x64xf32>} : tensor<64x64xf32>
  %wk = onnx.Constant {value = dense<0.25> : tensor<64x64xf32>} : tensor<64x64xf32>
  %wup = onnx.Constant {value = dense<0.125> : tensor<64x256xf32>} : tensor<64x256xf32>
  %wdown = onnx.Constant {value = dense<0.125> : tensor<256x64xf32>} : tensor<256x64xf32>
  %wsmall = onnx.Constant {value = dense<1.0> : tensor<8x8xf32>} : tensor<8x8xf32>
  %q = onnx.MatMul %x, %wq : (tensor<4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32> loc("q")
  %k = onnx.MatMul %x, %wk : (tensor<4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32> loc("k")
  %qk = onnx.Add %q, %k : (tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %up = onnx.MatMul %qk, %wup : (tensor<4x64xf32>, tensor<64x256xf32>) -> tensor<4x256xf32> loc("up")
  %act = onnx.Relu %up : (tensor<4x256xf32>) -> tensor<4x256xf32>
  %down = onnx.MatMul %act, %wdown : (tensor<4x256xf32>, tensor<256x64xf32>) -> tensor<4x64xf32> loc("down")
  %res = onnx.Add %down, %qk : (tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %small = onnx.MatMul %s, %wsmall : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32> loc("small")
  %smallres = onnx.Add %small, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %wh = onnx.Constant {value = dense<0.5> : tensor<64x64xf32>} : tensor<64x64xf32>
  %bh = onnx.Constant {value = dense<0.5> : tensor<64xf32>} : tensor<64xf32>
  %head = onnx.MatMul %res, %wh : (tensor<4x64xf32>, tensor<64x64xf32>) -> tensor<4x64xf32> loc("head")
  %logits = onnx.Add %head, %bh : (tensor<4x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %logits, %smallres : tensor<4x64xf32>, tensor<4x8xf32>
}
