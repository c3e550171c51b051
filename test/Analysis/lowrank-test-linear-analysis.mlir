// RUN: lowrank-opt %s --lowrank-test-linear-analysis -o /dev/null | FileCheck %s
// RUN: lowrank-opt %s --lowrank-test-linear-analysis=spectrum=true -o /dev/null | FileCheck %s --check-prefix=SPECTRUM

// Q, K and V read the same value: one group; the output projection reads
// another value; the MatMul with a non-constant right operand (attention
// scores), the Gemm with transA and the MatMul whose weight has no elements
// (a zero-size dimension) are not candidates.

// CHECK: layer 'q' onnx.MatMul d_in=4 d_out=2 aspect=0.5 params=8 parity=1 rows=6 flops_per_row=16 weight_bytes=32
// CHECK: layer 'k' onnx.MatMul d_in=4 d_out=2
// CHECK: layer 'v' onnx.Gemm d_in=4 d_out=3 aspect=0.75 params=12 parity=1 rows=6 flops_per_row=24 weight_bytes=48
// CHECK: layer 'o' onnx.MatMul d_in=2 d_out=4 aspect=0.5 params=8 parity=1 rows=? flops_per_row=16 weight_bytes=32
// CHECK: layer 'pointwise' onnx.Conv d_in=3 d_out=2 aspect=0.6667 params=6 parity=1 rows=8 flops_per_row=12 weight_bytes=24
// CHECK-NOT: layer
// CHECK: group 0 input=%arg0 d_in=4 d_out=7 parity=2 members='q','k','v'
// CHECK-NOT: group

// The weight of 'q' is diag(3, 2) padded: singular values 3 and 2.
// SPECTRUM: layer 'q'
// SPECTRUM-NEXT: spectrum: 3 2
module {
  func.func @main_graph(%x: tensor<6x4xf32>, %h: tensor<?x2xf32>, %img: tensor<2x3x2x2xf32>, %t: tensor<4x6xf32>, %z: tensor<6x0xf32>) -> (tensor<6x2xf32>, tensor<6x2xf32>, tensor<6x3xf32>, tensor<?x4xf32>, tensor<2x2x2x2xf32>, tensor<6x6xf32>, tensor<6x3xf32>, tensor<6x4xf32>) {
    %none = onnx.NoValue
    %wq = onnx.Constant {value = dense<[[3.0, 0.0], [0.0, 2.0], [0.0, 0.0], [0.0, 0.0]]> : tensor<4x2xf32>} : tensor<4x2xf32>
    %wk = onnx.Constant {value = dense<1.0> : tensor<4x2xf32>} : tensor<4x2xf32>
    %wv = onnx.Constant {value = dense<0.5> : tensor<3x4xf32>} : tensor<3x4xf32>
    %wo = onnx.Constant {value = dense<2.0> : tensor<2x4xf32>} : tensor<2x4xf32>
    %wc = onnx.Constant {value = dense<1.0> : tensor<2x3x1x1xf32>} : tensor<2x3x1x1xf32>
    %q = onnx.MatMul %x, %wq : (tensor<6x4xf32>, tensor<4x2xf32>) -> tensor<6x2xf32> loc("q")
    %k = onnx.MatMul %x, %wk : (tensor<6x4xf32>, tensor<4x2xf32>) -> tensor<6x2xf32> loc("k")
    %v = onnx.Gemm %x, %wv, %none {transB = 1 : i64} : (tensor<6x4xf32>, tensor<3x4xf32>, none) -> tensor<6x3xf32> loc("v")
    %o = onnx.MatMul %h, %wo : (tensor<?x2xf32>, tensor<2x4xf32>) -> tensor<?x4xf32> loc("o")
    %c = onnx.Conv %img, %wc, %none : (tensor<2x3x2x2xf32>, tensor<2x3x1x1xf32>, none) -> tensor<2x2x2x2xf32> loc("pointwise")
    %s = onnx.MatMul %x, %t : (tensor<6x4xf32>, tensor<4x6xf32>) -> tensor<6x6xf32> loc("scores")
    %g = onnx.Gemm %t, %wv, %none {transA = 1 : i64, transB = 1 : i64} : (tensor<4x6xf32>, tensor<3x4xf32>, none) -> tensor<6x3xf32> loc("transposed_input")
    %we = onnx.Constant {value = dense<> : tensor<0x4xf32>} : tensor<0x4xf32>
    %e = onnx.MatMul %z, %we : (tensor<6x0xf32>, tensor<0x4xf32>) -> tensor<6x4xf32> loc("empty")
    return %q, %k, %v, %o, %c, %s, %g, %e : tensor<6x2xf32>, tensor<6x2xf32>, tensor<6x3xf32>, tensor<?x4xf32>, tensor<2x2x2x2xf32>, tensor<6x6xf32>, tensor<6x3xf32>, tensor<6x4xf32>
  }
}
