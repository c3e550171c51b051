// RUN: lowrank-opt %s --lowrank-onnx-grouped-heads --split-input-file | FileCheck %s
// RUN: lowrank-opt %S/../../../corpus/models/llama-decode.dynamo.static.onnx \
// RUN:   --pass-pipeline='builtin.module(func.func(lowrank-onnx-fold-shapes,lowrank-onnx-scale-after-products,lowrank-onnx-grouped-heads))' \
// RUN:   | FileCheck %s --check-prefix=EXPORTED

// The decoding step of the corpus Llama as the dynamo exporter writes it
// (2 layers, batch 2, 4 query and 2 key/value heads): no repetition is
// left, and each layer multiplies by the keys and the values once per
// group.
// EXPORTED-NOT: onnx.Expand
// EXPORTED-COUNT-4: onnx.MatMul {{.*}} : (tensor<2x2x2x{{[0-9]+}}xf32>, tensor<2x2x{{[0-9]+}}x{{[0-9]+}}xf32>) -> tensor<2x2x2x{{[0-9]+}}xf32>
// EXPORTED-NOT: onnx.Expand

// One decoding step with 2 key/value heads for 6 query heads (repeat_kv as
// the dynamo exporter writes it): the scores multiply each group of 3
// query rows by the transposed keys of its head, the values the same
// without the transpose; nothing repeats the cache.
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%[[Q:.*]]: tensor<1x6x1x4xf32>, %[[K:.*]]: tensor<1x2x8x4xf32>, %[[V:.*]]: tensor<1x2x8x4xf32>)
// CHECK-NOT: onnx.Expand
// CHECK-DAG: %[[QG:.*]] = onnx.Reshape %[[Q]], %{{.*}} : (tensor<1x6x1x4xf32>, tensor<4xi64>) -> tensor<1x2x3x4xf32>
// CHECK-DAG: %[[KT:.*]] = onnx.Transpose %[[K]] {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x4xf32>) -> tensor<1x2x4x8xf32>
// CHECK: %[[S:.*]] = onnx.MatMul %[[QG]], %[[KT]] : (tensor<1x2x3x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x3x8xf32>
// CHECK: %[[SR:.*]] = onnx.Reshape %[[S]], %{{.*}} -> tensor<1x6x1x8xf32>
// CHECK: %[[P:.*]] = onnx.Softmax %[[SR]]
// CHECK: %[[PG:.*]] = onnx.Reshape %[[P]], %{{.*}} -> tensor<1x2x3x8xf32>
// CHECK: %[[O:.*]] = onnx.MatMul %[[PG]], %[[V]] : (tensor<1x2x3x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x3x4xf32>
// CHECK: %[[OR:.*]] = onnx.Reshape %[[O]], %{{.*}} -> tensor<1x6x1x4xf32>
// CHECK: return %[[OR]]
func.func @decode(%q: tensor<1x6x1x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x6x1x4xf32> {
  %axis = onnx.Constant {value = dense<2> : tensor<1xi64>} : tensor<1xi64>
  %repeat = onnx.Constant {value = dense<[1, 2, 3, 8, 4]> : tensor<5xi64>} : tensor<5xi64>
  %flat = onnx.Constant {value = dense<[6, 8, 4]> : tensor<3xi64>} : tensor<3xi64>
  %heads = onnx.Constant {value = dense<[1, 6, 8, 4]> : tensor<4xi64>} : tensor<4xi64>
  %keysT = onnx.Constant {value = dense<[1, 6, 4, 8]> : tensor<4xi64>} : tensor<4xi64>
  %ku = onnx.Unsqueeze %k, %axis : (tensor<1x2x8x4xf32>, tensor<1xi64>) -> tensor<1x2x1x8x4xf32>
  %ke = onnx.Expand %ku, %repeat : (tensor<1x2x1x8x4xf32>, tensor<5xi64>) -> tensor<1x2x3x8x4xf32>
  %kr = onnx.Reshape %ke, %flat : (tensor<1x2x3x8x4xf32>, tensor<3xi64>) -> tensor<6x8x4xf32>
  %kt = onnx.Transpose %kr {perm = array<i64: 0, 2, 1>} : (tensor<6x8x4xf32>) -> tensor<6x4x8xf32>
  %kt4 = onnx.Reshape %kt, %keysT : (tensor<6x4x8xf32>, tensor<4xi64>) -> tensor<1x6x4x8xf32>
  %s = onnx.MatMul %q, %kt4 : (tensor<1x6x1x4xf32>, tensor<1x6x4x8xf32>) -> tensor<1x6x1x8xf32>
  %p = onnx.Softmax %s {axis = -1 : i64} : (tensor<1x6x1x8xf32>) -> tensor<1x6x1x8xf32>
  %vu = onnx.Unsqueeze %v, %axis : (tensor<1x2x8x4xf32>, tensor<1xi64>) -> tensor<1x2x1x8x4xf32>
  %ve = onnx.Expand %vu, %repeat : (tensor<1x2x1x8x4xf32>, tensor<5xi64>) -> tensor<1x2x3x8x4xf32>
  %vr = onnx.Reshape %ve, %heads : (tensor<1x2x3x8x4xf32>, tensor<4xi64>) -> tensor<1x6x8x4xf32>
  %o = onnx.MatMul %p, %vr : (tensor<1x6x1x8xf32>, tensor<1x6x8x4xf32>) -> tensor<1x6x1x4xf32>
  return %o : tensor<1x6x1x4xf32>
}

// -----

// Batch 2: the exporter folds the batch into the head dim around the
// transpose of the keys.
// CHECK-LABEL: func.func @batch_in_heads
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x1x4xf32>, %[[K:.*]]: tensor<2x2x9x4xf32>)
// CHECK-NOT: onnx.Expand
// CHECK-DAG: %[[QG:.*]] = onnx.Reshape %[[Q]], %{{.*}} -> tensor<2x2x2x4xf32>
// CHECK-DAG: %[[KT:.*]] = onnx.Transpose %[[K]] {perm = array<i64: 0, 1, 3, 2>}
// CHECK: onnx.MatMul %[[QG]], %[[KT]] : (tensor<2x2x2x4xf32>, tensor<2x2x4x9xf32>) -> tensor<2x2x2x9xf32>
func.func @batch_in_heads(%q: tensor<2x4x1x4xf32>, %k: tensor<2x2x9x4xf32>) -> tensor<2x4x1x9xf32> {
  %axis = onnx.Constant {value = dense<2> : tensor<1xi64>} : tensor<1xi64>
  %repeat = onnx.Constant {value = dense<[2, 2, 2, 9, 4]> : tensor<5xi64>} : tensor<5xi64>
  %flat = onnx.Constant {value = dense<[8, 9, 4]> : tensor<3xi64>} : tensor<3xi64>
  %keysT = onnx.Constant {value = dense<[2, 4, 4, 9]> : tensor<4xi64>} : tensor<4xi64>
  %ku = onnx.Unsqueeze %k, %axis : (tensor<2x2x9x4xf32>, tensor<1xi64>) -> tensor<2x2x1x9x4xf32>
  %ke = onnx.Expand %ku, %repeat : (tensor<2x2x1x9x4xf32>, tensor<5xi64>) -> tensor<2x2x2x9x4xf32>
  %kr = onnx.Reshape %ke, %flat : (tensor<2x2x2x9x4xf32>, tensor<3xi64>) -> tensor<8x9x4xf32>
  %kt = onnx.Transpose %kr {perm = array<i64: 0, 2, 1>} : (tensor<8x9x4xf32>) -> tensor<8x4x9xf32>
  %kt4 = onnx.Reshape %kt, %keysT : (tensor<8x4x9xf32>, tensor<4xi64>) -> tensor<2x4x4x9xf32>
  %s = onnx.MatMul %q, %kt4 : (tensor<2x4x1x4xf32>, tensor<2x4x4x9xf32>) -> tensor<2x4x1x9xf32>
  return %s : tensor<2x4x1x9xf32>
}

// -----

// Prefill: the repeated values are not larger than the scores and the
// result together; the product stays.
// CHECK-LABEL: func.func @prefill
// CHECK: onnx.Expand
// CHECK: onnx.MatMul %{{.*}} : (tensor<1x6x8x8xf32>, tensor<1x6x8x4xf32>) -> tensor<1x6x8x4xf32>
func.func @prefill(%p: tensor<1x6x8x8xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x6x8x4xf32> {
  %axis = onnx.Constant {value = dense<2> : tensor<1xi64>} : tensor<1xi64>
  %repeat = onnx.Constant {value = dense<[1, 2, 3, 8, 4]> : tensor<5xi64>} : tensor<5xi64>
  %heads = onnx.Constant {value = dense<[1, 6, 8, 4]> : tensor<4xi64>} : tensor<4xi64>
  %vu = onnx.Unsqueeze %v, %axis : (tensor<1x2x8x4xf32>, tensor<1xi64>) -> tensor<1x2x1x8x4xf32>
  %ve = onnx.Expand %vu, %repeat : (tensor<1x2x1x8x4xf32>, tensor<5xi64>) -> tensor<1x2x3x8x4xf32>
  %vr = onnx.Reshape %ve, %heads : (tensor<1x2x3x8x4xf32>, tensor<4xi64>) -> tensor<1x6x8x4xf32>
  %o = onnx.MatMul %p, %vr : (tensor<1x6x8x8xf32>, tensor<1x6x8x4xf32>) -> tensor<1x6x8x4xf32>
  return %o : tensor<1x6x8x4xf32>
}

// -----

// Left alone: the expansion repeats along the key dim, not a new head dim
// (the merge does not give [b, G*R, T, D]); a transpose that is not of
// the last two dims.
// CHECK-LABEL: func.func @not_heads
// CHECK-COUNT-2: onnx.Expand
// CHECK-NOT: onnx.MatMul {{.*}}tensor<1x2x3
func.func @not_heads(%p: tensor<1x2x1x24xf32>, %v: tensor<1x2x8x4xf32>, %q: tensor<1x6x1x8xf32>, %w: tensor<1x2x4x8xf32>) -> (tensor<1x2x1x4xf32>, tensor<1x6x1x4xf32>) {
  %axis = onnx.Constant {value = dense<2> : tensor<1xi64>} : tensor<1xi64>
  %repeat = onnx.Constant {value = dense<[1, 2, 3, 8, 4]> : tensor<5xi64>} : tensor<5xi64>
  %keys = onnx.Constant {value = dense<[1, 2, 24, 4]> : tensor<4xi64>} : tensor<4xi64>
  %vu = onnx.Unsqueeze %v, %axis : (tensor<1x2x8x4xf32>, tensor<1xi64>) -> tensor<1x2x1x8x4xf32>
  %ve = onnx.Expand %vu, %repeat : (tensor<1x2x1x8x4xf32>, tensor<5xi64>) -> tensor<1x2x3x8x4xf32>
  %vr = onnx.Reshape %ve, %keys : (tensor<1x2x3x8x4xf32>, tensor<4xi64>) -> tensor<1x2x24x4xf32>
  %o = onnx.MatMul %p, %vr : (tensor<1x2x1x24xf32>, tensor<1x2x24x4xf32>) -> tensor<1x2x1x4xf32>
  %wrepeat = onnx.Constant {value = dense<[1, 2, 3, 4, 8]> : tensor<5xi64>} : tensor<5xi64>
  %wheads = onnx.Constant {value = dense<[1, 6, 4, 8]> : tensor<4xi64>} : tensor<4xi64>
  %wu = onnx.Unsqueeze %w, %axis : (tensor<1x2x4x8xf32>, tensor<1xi64>) -> tensor<1x2x1x4x8xf32>
  %we = onnx.Expand %wu, %wrepeat : (tensor<1x2x1x4x8xf32>, tensor<5xi64>) -> tensor<1x2x3x4x8xf32>
  %wr = onnx.Reshape %we, %wheads : (tensor<1x2x3x4x8xf32>, tensor<4xi64>) -> tensor<1x6x4x8xf32>
  %wt = onnx.Transpose %wr {perm = array<i64: 1, 0, 3, 2>} : (tensor<1x6x4x8xf32>) -> tensor<6x1x8x4xf32>
  %wheads2 = onnx.Constant {value = dense<[1, 6, 8, 4]> : tensor<4xi64>} : tensor<4xi64>
  %wt4 = onnx.Reshape %wt, %wheads2 : (tensor<6x1x8x4xf32>, tensor<4xi64>) -> tensor<1x6x8x4xf32>
  %y = onnx.MatMul %q, %wt4 : (tensor<1x6x1x8xf32>, tensor<1x6x8x4xf32>) -> tensor<1x6x1x4xf32>
  return %o, %y : tensor<1x2x1x4xf32>, tensor<1x6x1x4xf32>
}
