// RUN: lowrank-opt %s --lowrank-onnx-scale-after-products --split-input-file | FileCheck %s

// One decoding step: the keys of the whole cache are scaled for one row of
// scores; the scale moves to the scores.
// CHECK-LABEL: func.func @decode_scores
// CHECK-SAME: (%[[Q:.*]]: tensor<1x12x1x64xf32>, %[[KT:.*]]: tensor<1x12x64x513xf32>)
// CHECK: %[[S:.*]] = onnx.Constant
// CHECK: %[[QS:.*]] = onnx.Mul %[[Q]], %[[S]]
// CHECK: %[[P:.*]] = onnx.MatMul %[[QS]], %[[KT]] : {{.*}} -> tensor<1x12x1x513xf32>
// CHECK: %[[Y:.*]] = onnx.Mul %[[P]], %[[S]] : (tensor<1x12x1x513xf32>, tensor<f32>) -> tensor<1x12x1x513xf32>
// CHECK: return %[[Y]]
func.func @decode_scores(%q: tensor<1x12x1x64xf32>, %kt: tensor<1x12x64x513xf32>) -> tensor<1x12x1x513xf32> {
  %s = onnx.Constant {value = dense<0.353553385> : tensor<f32>} : tensor<f32>
  %qs = onnx.Mul %q, %s : (tensor<1x12x1x64xf32>, tensor<f32>) -> tensor<1x12x1x64xf32>
  %ks = onnx.Mul %kt, %s : (tensor<1x12x64x513xf32>, tensor<f32>) -> tensor<1x12x64x513xf32>
  %y = onnx.MatMul %qs, %ks : (tensor<1x12x1x64xf32>, tensor<1x12x64x513xf32>) -> tensor<1x12x1x513xf32>
  return %y : tensor<1x12x1x513xf32>
}

// -----

// The scale on the left, written first, of rank 1.
// CHECK-LABEL: func.func @left_operand
// CHECK-SAME: (%[[A:.*]]: tensor<64x32xf32>, %[[B:.*]]: tensor<32x2xf32>)
// CHECK: %[[S:.*]] = onnx.Constant
// CHECK: %[[P:.*]] = onnx.MatMul %[[A]], %[[B]]
// CHECK: onnx.Mul %[[P]], %[[S]] : (tensor<64x2xf32>, tensor<1xf32>) -> tensor<64x2xf32>
func.func @left_operand(%a: tensor<64x32xf32>, %b: tensor<32x2xf32>) -> tensor<64x2xf32> {
  %s = onnx.Constant {value = dense<2.0> : tensor<1xf32>} : tensor<1xf32>
  %as = onnx.Mul %s, %a : (tensor<1xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
  %y = onnx.MatMul %as, %b : (tensor<64x32xf32>, tensor<32x2xf32>) -> tensor<64x2xf32>
  return %y : tensor<64x2xf32>
}

// -----

// Prefill: the scores are larger than the keys; nothing changes.
// CHECK-LABEL: func.func @prefill_scores
// CHECK: %[[KS:.*]] = onnx.Mul
// CHECK: onnx.MatMul %{{.*}}, %[[KS]]
// CHECK-NOT: onnx.Mul
func.func @prefill_scores(%q: tensor<1x12x128x64xf32>, %kt: tensor<1x12x64x128xf32>) -> tensor<1x12x128x128xf32> {
  %s = onnx.Constant {value = dense<0.353553385> : tensor<f32>} : tensor<f32>
  %ks = onnx.Mul %kt, %s : (tensor<1x12x64x128xf32>, tensor<f32>) -> tensor<1x12x64x128xf32>
  %y = onnx.MatMul %q, %ks : (tensor<1x12x128x64xf32>, tensor<1x12x64x128xf32>) -> tensor<1x12x128x128xf32>
  return %y : tensor<1x12x128x128xf32>
}

// -----

// Left alone: the scaled operand has another reader; the factor is not one
// element; the factor is not a constant; the scalar would broadcast the
// operand to a larger shape; a dynamic result; float16.
// CHECK-LABEL: func.func @not_rewritten
// CHECK: %[[SHARED:.*]] = onnx.Mul
// CHECK: onnx.MatMul %{{.*}}, %[[SHARED]]
// CHECK: %[[VECTOR:.*]] = onnx.Mul
// CHECK: onnx.MatMul %{{.*}}, %[[VECTOR]]
// CHECK: %[[VARIABLE:.*]] = onnx.Mul
// CHECK: onnx.MatMul %{{.*}}, %[[VARIABLE]]
// CHECK: %[[BROADCAST:.*]] = onnx.Mul
// CHECK: onnx.MatMul %{{.*}}, %[[BROADCAST]]
// CHECK: %[[DYNAMIC:.*]] = onnx.Mul
// CHECK: onnx.MatMul %{{.*}}, %[[DYNAMIC]]
// CHECK: %[[HALF:.*]] = onnx.Mul
// CHECK: onnx.MatMul %{{.*}}, %[[HALF]]
// CHECK-NOT: onnx.Mul
func.func @not_rewritten(%q: tensor<1x64xf32>, %k: tensor<64x512xf32>, %v: tensor<64x512xf32>, %f: tensor<f32>, %d: tensor<?x64xf32>, %row: tensor<512xf32>, %qh: tensor<1x64xf16>, %h: tensor<64x512xf16>) -> (tensor<1x512xf32>, tensor<64x512xf32>, tensor<1x512xf32>, tensor<1x512xf32>, tensor<1x512xf32>, tensor<?x512xf32>, tensor<1x512xf16>) {
  %s = onnx.Constant {value = dense<0.5> : tensor<f32>} : tensor<f32>
  %shared = onnx.Mul %k, %s : (tensor<64x512xf32>, tensor<f32>) -> tensor<64x512xf32>
  %y0 = onnx.MatMul %q, %shared : (tensor<1x64xf32>, tensor<64x512xf32>) -> tensor<1x512xf32>
  %vector = onnx.Mul %k, %row : (tensor<64x512xf32>, tensor<512xf32>) -> tensor<64x512xf32>
  %y1 = onnx.MatMul %q, %vector : (tensor<1x64xf32>, tensor<64x512xf32>) -> tensor<1x512xf32>
  %variable = onnx.Mul %v, %f : (tensor<64x512xf32>, tensor<f32>) -> tensor<64x512xf32>
  %y2 = onnx.MatMul %q, %variable : (tensor<1x64xf32>, tensor<64x512xf32>) -> tensor<1x512xf32>
  %shape = onnx.Constant {value = dense<[1, 512]> : tensor<2xi64>} : tensor<2xi64>
  %big = onnx.Constant {value = dense<0.5> : tensor<1x1x1xf32>} : tensor<1x1x1xf32>
  %broadcast = onnx.Mul %v, %big : (tensor<64x512xf32>, tensor<1x1x1xf32>) -> tensor<1x64x512xf32>
  %y3 = onnx.MatMul %q, %broadcast : (tensor<1x64xf32>, tensor<1x64x512xf32>) -> tensor<1x1x512xf32>
  %y3r = onnx.Reshape %y3, %shape : (tensor<1x1x512xf32>, tensor<2xi64>) -> tensor<1x512xf32>
  %dynamic = onnx.Mul %v, %s : (tensor<64x512xf32>, tensor<f32>) -> tensor<64x512xf32>
  %y4 = onnx.MatMul %d, %dynamic : (tensor<?x64xf32>, tensor<64x512xf32>) -> tensor<?x512xf32>
  %sh = onnx.Constant {value = dense<0.5> : tensor<f16>} : tensor<f16>
  %half = onnx.Mul %h, %sh : (tensor<64x512xf16>, tensor<f16>) -> tensor<64x512xf16>
  %y5 = onnx.MatMul %qh, %half : (tensor<1x64xf16>, tensor<64x512xf16>) -> tensor<1x512xf16>
  return %y0, %shared, %y1, %y2, %y3r, %y4, %y5 : tensor<1x512xf32>, tensor<64x512xf32>, tensor<1x512xf32>, tensor<1x512xf32>, tensor<1x512xf32>, tensor<?x512xf32>, tensor<1x512xf16>
}

// -----

// A scaled input of a constant weight: the scale is multiplied into the
// weight (0.5 times 1..12), and no multiplication is left.
// CHECK-LABEL: func.func @scaled_input_of_weight
// CHECK-SAME: (%[[X:.*]]: tensor<4x6xf32>)
// CHECK: %[[W:.*]] = onnx.Constant {value = dense_resource<[[BLOB:.*]]> : tensor<6x2xf32>}
// CHECK-NOT: onnx.Mul
// CHECK: %[[Y:.*]] = onnx.MatMul %[[X]], %[[W]]
// CHECK-NOT: onnx.Mul
// CHECK: return %[[Y]]
// CHECK: [[BLOB]]: "0x400000000000003F0000803F0000C03F0000004000002040000040400000604000008040000090400000A0400000B0400000C040"
func.func @scaled_input_of_weight(%x: tensor<4x6xf32>) -> tensor<4x2xf32> {
  %s = onnx.Constant {value = dense<0.5> : tensor<f32>} : tensor<f32>
  %w = onnx.Constant {value = dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 10.0], [11.0, 12.0]]> : tensor<6x2xf32>} : tensor<6x2xf32>
  %xs = onnx.Mul %x, %s : (tensor<4x6xf32>, tensor<f32>) -> tensor<4x6xf32>
  %y = onnx.MatMul %xs, %w : (tensor<4x6xf32>, tensor<6x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// A weight read by two products is not changed: the scale moves after the
// product as before.
// CHECK-LABEL: func.func @shared_weight
// CHECK: %[[W:.*]] = onnx.Constant {value = dense<1.000000e+00> : tensor<6x2xf32>}
// CHECK: %[[P:.*]] = onnx.MatMul %{{.*}}, %[[W]]
// CHECK: onnx.Mul %[[P]], %{{.*}} : (tensor<4x2xf32>, tensor<f32>)
// CHECK: onnx.MatMul %{{.*}}, %[[W]]
func.func @shared_weight(%x: tensor<4x6xf32>, %z: tensor<3x6xf32>) -> (tensor<4x2xf32>, tensor<3x2xf32>) {
  %s = onnx.Constant {value = dense<0.5> : tensor<f32>} : tensor<f32>
  %w = onnx.Constant {value = dense<1.0> : tensor<6x2xf32>} : tensor<6x2xf32>
  %xs = onnx.Mul %x, %s : (tensor<4x6xf32>, tensor<f32>) -> tensor<4x6xf32>
  %y = onnx.MatMul %xs, %w : (tensor<4x6xf32>, tensor<6x2xf32>) -> tensor<4x2xf32>
  %v = onnx.MatMul %z, %w : (tensor<3x6xf32>, tensor<6x2xf32>) -> tensor<3x2xf32>
  return %y, %v : tensor<4x2xf32>, tensor<3x2xf32>
}
