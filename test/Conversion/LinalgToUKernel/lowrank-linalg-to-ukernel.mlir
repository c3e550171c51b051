// RUN: lowrank-opt %s --split-input-file --lowrank-linalg-to-ukernel | FileCheck %s
// RUN: lowrank-opt %s --split-input-file --lowrank-linalg-to-ukernel=fuse-bias=false | FileCheck %s --check-prefix=NOFUSE
// RUN: lowrank-opt %s --split-input-file --lowrank-linalg-to-ukernel=fuse-pairs=false | FileCheck %s --check-prefix=NOPAIRS

// NOFUSE-NOT: lowrank_matmul_packed_bias_f32
// NOPAIRS-NOT: lowrank_matmul_pair

// A matmul with a constant weight and a zero fill: the packed entry point,
// a slot global, and the overwrite flag instead of the fill.

// CHECK-DAG: memref.global "private" @__lowrank_packed_weight : memref<1xi64> = dense<0>
// CHECK-DAG: func.func private @lowrank_matmul_packed_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<1xi64>, i64) attributes {llvm.emit_c_interface}
memref.global "private" constant @w : memref<4x3xf32> = dense<1.0>

// CHECK-LABEL: func.func @constant_weight
// CHECK-SAME: (%[[X:.*]]: memref<2x4xf32>, %[[C:.*]]: memref<2x3xf32>)
func.func @constant_weight(%x: memref<2x4xf32>, %c: memref<2x3xf32>) {
  %zero = arith.constant 0.0 : f32
  // CHECK: %[[W:.*]] = memref.get_global @w
  %w = memref.get_global @w : memref<4x3xf32>
  // CHECK-NOT: linalg.fill
  // CHECK-DAG: %[[XD:.*]] = memref.cast %[[X]] : memref<2x4xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
  // CHECK-DAG: %[[WD:.*]] = memref.cast %[[W]] : memref<4x3xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
  // CHECK-DAG: %[[CD:.*]] = memref.cast %[[C]] : memref<2x3xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
  // CHECK-DAG: %[[SLOT:.*]] = memref.get_global @__lowrank_packed_weight : memref<1xi64>
  // CHECK-DAG: %[[FLAGS:.*]] = arith.constant 1 : i64
  // CHECK: call @lowrank_matmul_packed_f32(%[[XD]], %[[WD]], %[[CD]], %[[SLOT]], %[[FLAGS]])
  // CHECK-NOT: linalg.matmul
  linalg.fill ins(%zero : f32) outs(%c : memref<2x3xf32>)
  linalg.matmul ins(%x, %w : memref<2x4xf32>, memref<4x3xf32>)
                outs(%c : memref<2x3xf32>)
  return
}

// -----

// Two activations, B transposed (Gemm transB): a transpose view, no slot,
// and accumulation since no zero fill precedes.

// CHECK-LABEL: func.func @transposed
// CHECK-SAME: (%[[A:.*]]: memref<2x4xf32>, %[[B:.*]]: memref<3x4xf32>, %[[C:.*]]: memref<2x3xf32>)
func.func @transposed(%a: memref<2x4xf32>, %b: memref<3x4xf32>,
                      %c: memref<2x3xf32>) {
  // CHECK: %[[T:.*]] = memref.transpose %[[B]] (d0, d1) -> (d1, d0)
  // CHECK: %[[BD:.*]] = memref.cast %[[T]]
  // CHECK: %[[FLAGS:.*]] = arith.constant 0 : i64
  // CHECK: call @lowrank_matmul_f32(%{{.*}}, %[[BD]], %{{.*}}, %[[FLAGS]])
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                 affine_map<(m, n, k) -> (n, k)>,
                                 affine_map<(m, n, k) -> (m, n)>]
                ins(%a, %b : memref<2x4xf32>, memref<3x4xf32>)
                outs(%c : memref<2x3xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @batched
func.func @batched(%a: memref<5x2x4xf32>, %b: memref<5x4x3xf32>,
                   %c: memref<5x2x3xf32>) {
  // CHECK: call @lowrank_batch_matmul_f32({{.*}}) : (memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, i64) -> ()
  linalg.batch_matmul ins(%a, %b : memref<5x2x4xf32>, memref<5x4x3xf32>)
                      outs(%c : memref<5x2x3xf32>)
  return
}

// -----

// Not f32, or on tensors: left alone.

// CHECK-LABEL: func.func @untouched
func.func @untouched(%a: memref<2x4xf64>, %b: memref<4x3xf64>,
                     %c: memref<2x3xf64>, %t: tensor<2x4xf32>,
                     %u: tensor<4x3xf32>, %v: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<2x4xf64>, memref<4x3xf64>)
  linalg.matmul ins(%a, %b : memref<2x4xf64>, memref<4x3xf64>)
                outs(%c : memref<2x3xf64>)
  // CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<4x3xf32>)
  %r = linalg.matmul ins(%t, %u : tensor<2x4xf32>, tensor<4x3xf32>)
                     outs(%v : tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NOT: call
  return %r : tensor<2x3xf32>
}

// -----

// A 4-D contraction (attention scores, as ONNX MatMul of rank 4 lowers):
// the batch dims collapse into one, B is read transposed, and the zero fill
// is found past an unrelated copy.

// CHECK-LABEL: func.func @attention
// CHECK-SAME: (%[[Q:.*]]: memref<2x2x8x4xf32>, %[[K:.*]]: memref<2x2x8x4xf32>, %[[S:.*]]: memref<2x2x8x8xf32>, %[[O:.*]]: memref<3xf32>, %[[P:.*]]: memref<3xf32>)
func.func @attention(%q: memref<2x2x8x4xf32>, %k: memref<2x2x8x4xf32>,
                     %s: memref<2x2x8x8xf32>, %o: memref<3xf32>,
                     %p: memref<3xf32>) {
  %zero = arith.constant 0.0 : f32
  // CHECK-NOT: linalg.fill
  // CHECK: linalg.copy
  linalg.fill ins(%zero : f32) outs(%s : memref<2x2x8x8xf32>)
  linalg.copy ins(%o : memref<3xf32>) outs(%p : memref<3xf32>)
  // CHECK: %[[QC:.*]] = memref.collapse_shape %[[Q]] {{\[}}[0, 1], [2], [3]] : memref<2x2x8x4xf32> into memref<4x8x4xf32>
  // CHECK: %[[QD:.*]] = memref.cast %[[QC]]
  // CHECK: %[[KC:.*]] = memref.collapse_shape %[[K]]
  // CHECK: %[[KT:.*]] = memref.transpose %[[KC]] (d0, d1, d2) -> (d0, d2, d1)
  // CHECK: %[[KD:.*]] = memref.cast %[[KT]]
  // CHECK: %[[SC:.*]] = memref.collapse_shape %[[S]]
  // CHECK: %[[SD:.*]] = memref.cast %[[SC]]
  // CHECK: %[[FLAGS:.*]] = arith.constant 1 : i64
  // CHECK: call @lowrank_batch_matmul_f32(%[[QD]], %[[KD]], %[[SD]], %[[FLAGS]])
  // CHECK-NOT: linalg.generic
  linalg.generic {indexing_maps = [affine_map<(b, h, m, n, k) -> (b, h, m, k)>,
                                   affine_map<(b, h, m, n, k) -> (b, h, n, k)>,
                                   affine_map<(b, h, m, n, k) -> (b, h, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel",
                                    "parallel", "reduction"]}
      ins(%q, %k : memref<2x2x8x4xf32>, memref<2x2x8x4xf32>)
      outs(%s : memref<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %mul = arith.mulf %a, %b : f32
    %add = arith.addf %c, %mul : f32
    linalg.yield %add : f32
  }
  return
}

// -----

// A fill followed by a write to a view of the same buffer stays a fill.

// CHECK-LABEL: func.func @fill_then_alias
func.func @fill_then_alias(%a: memref<2x4xf32>, %b: memref<4x3xf32>,
                           %c: memref<2x3xf32>, %v: memref<3xf32>) {
  %zero = arith.constant 0.0 : f32
  // CHECK: linalg.fill
  // CHECK: linalg.copy
  // CHECK: %[[FLAGS:.*]] = arith.constant 0 : i64
  // CHECK: call @lowrank_matmul_f32({{.*}}, %[[FLAGS]])
  linalg.fill ins(%zero : f32) outs(%c : memref<2x3xf32>)
  %row = memref.subview %c[0, 0] [1, 3] [1, 1]
      : memref<2x3xf32> to memref<3xf32, strided<[1]>>
  linalg.copy ins(%v : memref<3xf32>) outs(%row : memref<3xf32, strided<[1]>>)
  linalg.matmul ins(%a, %b : memref<2x4xf32>, memref<4x3xf32>)
                outs(%c : memref<2x3xf32>)
  return
}

// -----

// Products sharing one zero-filled init buffer: each copy of it is folded
// into its call, the last product that reuses the buffer in place still
// accumulates onto the zeros.

// CHECK-LABEL: func.func @shared_zero_init
func.func @shared_zero_init(%a: memref<2x4xf32>, %b: memref<4x3xf32>,
                            %c: memref<2x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %init = memref.alloc() : memref<2x3xf32>
  // CHECK: linalg.fill
  linalg.fill ins(%zero : f32) outs(%init : memref<2x3xf32>)
  // CHECK-NOT: memref.copy
  // CHECK: %[[ONE:.*]] = arith.constant 1 : i64
  // CHECK: call @lowrank_matmul_f32({{.*}}, %[[ONE]])
  memref.copy %init, %c : memref<2x3xf32> to memref<2x3xf32>
  linalg.matmul ins(%a, %b : memref<2x4xf32>, memref<4x3xf32>)
                outs(%c : memref<2x3xf32>)
  // CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
  // CHECK: call @lowrank_matmul_f32({{.*}}, %[[ZERO]])
  linalg.matmul ins(%a, %b : memref<2x4xf32>, memref<4x3xf32>)
                outs(%init : memref<2x3xf32>)
  memref.dealloc %init : memref<2x3xf32>
  return
}

// -----

// The bias addition reading only a weight product is fused: the call writes
// the addition's output (through the inverse of the view the addition
// read), and the product's buffer disappears.

memref.global "private" constant @w : memref<4x3xf32> = dense<1.0>
memref.global "private" constant @b : memref<3xf32> = dense<2.0>

// CHECK-LABEL: func.func @fused_bias
// CHECK-SAME: (%[[X:.*]]: memref<2x4xf32>, %[[D:.*]]: memref<1x2x3xf32>)
func.func @fused_bias(%x: memref<2x4xf32>, %d: memref<1x2x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<4x3xf32>
  %bias = memref.get_global @b : memref<3xf32>
  // CHECK-NOT: memref.alloc
  // CHECK: %[[DC:.*]] = memref.collapse_shape %[[D]] {{\[}}[0, 1], [2]] : memref<1x2x3xf32> into memref<2x3xf32>
  // CHECK: %[[DD:.*]] = memref.cast %[[DC]]
  // CHECK: %[[BD:.*]] = memref.cast %{{.*}} : memref<3xf32> to memref<?xf32, strided<[?], offset: ?>>
  // CHECK: call @lowrank_matmul_packed_bias_f32(%{{.*}}, %{{.*}}, %[[DD]], %[[BD]], %{{.*}}, %{{.*}})
  // CHECK-NOT: linalg.generic
  // CHECK-NOT: memref.dealloc
  %c = memref.alloc() : memref<2x3xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<2x3xf32>)
  linalg.matmul ins(%x, %w : memref<2x4xf32>, memref<4x3xf32>)
                outs(%c : memref<2x3xf32>)
  %e = memref.expand_shape %c [[0, 1], [2]] output_shape [1, 2, 3]
      : memref<2x3xf32> into memref<1x2x3xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (0, d1, d2)>,
                                   affine_map<(d0, d1, d2) -> (d2)>,
                                   affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%e, %bias : memref<1x2x3xf32>, memref<3xf32>)
      outs(%d : memref<1x2x3xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  }
  memref.dealloc %c : memref<2x3xf32>
  return
}

// -----

// Not fused: the product reads the addition's output buffer.

memref.global "private" constant @w : memref<3x3xf32> = dense<1.0>
memref.global "private" constant @b : memref<3xf32> = dense<2.0>

// CHECK-LABEL: func.func @reads_output
func.func @reads_output(%d: memref<2x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<3x3xf32>
  %bias = memref.get_global @b : memref<3xf32>
  // CHECK: call @lowrank_matmul_packed_f32
  // CHECK: linalg.generic
  %c = memref.alloc() : memref<2x3xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<2x3xf32>)
  linalg.matmul ins(%d, %w : memref<2x3xf32>, memref<3x3xf32>)
                outs(%c : memref<2x3xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<2x3xf32>, memref<3xf32>)
      outs(%d : memref<2x3xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  }
  memref.dealloc %c : memref<2x3xf32>
  return
}

// -----

// A product whose rows keep a unit dim (elementwise fusion moves the
// reshapes of MatMul that way): unit dims are dropped with rank-reducing
// subviews.

memref.global "private" constant @w : memref<4x3xf32> = dense<1.0>

// CHECK-LABEL: func.func @unit_row_dim
// CHECK-SAME: (%[[X:.*]]: memref<1x2x4xf32>, %[[C:.*]]: memref<1x2x3xf32>)
func.func @unit_row_dim(%x: memref<1x2x4xf32>, %c: memref<1x2x3xf32>) {
  %w = memref.get_global @w : memref<4x3xf32>
  // CHECK: %[[XS:.*]] = memref.subview %[[X]][0, 0, 0] [1, 2, 4] [1, 1, 1] : memref<1x2x4xf32> to memref<2x4xf32, strided<[4, 1]>>
  // CHECK: memref.cast %[[XS]]
  // CHECK: %[[CS:.*]] = memref.subview %[[C]][0, 0, 0] [1, 2, 3] [1, 1, 1] : memref<1x2x3xf32> to memref<2x3xf32, strided<[3, 1]>>
  // CHECK: memref.cast %[[CS]]
  // CHECK: call @lowrank_matmul_packed_f32
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d3, d2)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel",
                                    "reduction"]}
      ins(%x, %w : memref<1x2x4xf32>, memref<4x3xf32>)
      outs(%c : memref<1x2x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %mul = arith.mulf %a, %b : f32
    %add = arith.addf %o, %mul : f32
    linalg.yield %add : f32
  }
  return
}

// -----

// One row (batch-1 decoding): the unit m dim is the only row dim and stays.

// CHECK-LABEL: func.func @one_row
func.func @one_row(%x: memref<1x4xf32>, %w: memref<4x3xf32>,
                   %c: memref<1x3xf32>) {
  // CHECK-NOT: memref.subview
  // CHECK: call @lowrank_matmul_f32({{.*}}) : (memref<?x?xf32, strided<[?, ?], offset: ?>>,
  linalg.matmul ins(%x, %w : memref<1x4xf32>, memref<4x3xf32>)
                outs(%c : memref<1x3xf32>)
  return
}

// -----

// A convolution as bufferization leaves it: zero padding (a zero-filled
// buffer with the source copied into its interior), the bias broadcast into
// the output, and a ReLU that alone reads the output. All three fold into
// one call of the direct convolution: it reads the source with pads 1 and
// 2, overwrites the ReLU's buffer adding the bias (flags: overwrite 1, ReLU
// 2, constant weights 4), and keeps the weights packed in a slot.

// CHECK-DAG: func.func private @lowrank_conv2d_bias_f32(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<1xi64>, i64, i64, i64, i64, i64, i64, i64) attributes {llvm.emit_c_interface}
memref.global "private" constant @filters : memref<4x3x3x3xf32> = dense<1.0>
memref.global "private" constant @bias : memref<4xf32> = dense<0.5>

// CHECK-LABEL: func.func @conv_pad_bias_relu
// CHECK-SAME: (%[[X:.*]]: memref<1x3x8x8xf32>, %[[Y:.*]]: memref<1x4x9x10xf32>)
func.func @conv_pad_bias_relu(%x: memref<1x3x8x8xf32>,
                              %y: memref<1x4x9x10xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = memref.get_global @filters : memref<4x3x3x3xf32>
  %b = memref.get_global @bias : memref<4xf32>
  // CHECK-NOT: linalg.map
  // CHECK-NOT: memref.copy
  // CHECK-DAG: %[[XD:.*]] = memref.cast %[[X]] : memref<1x3x8x8xf32> to memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>
  // CHECK-DAG: %[[YD:.*]] = memref.cast %[[Y]] : memref<1x4x9x10xf32> to memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>
  // CHECK-DAG: %[[SLOT:.*]] = memref.get_global @__lowrank_packed_weight
  // Strides, dilations, pads (1, 2) and flags, in that order.
  // CHECK-COUNT-5: arith.constant 1 : i64
  // CHECK-NEXT: arith.constant 2 : i64
  // CHECK-NEXT: arith.constant 7 : i64
  // CHECK-NEXT: call @lowrank_conv2d_bias_f32(%[[XD]], %{{.*}}, %{{.*}}, %[[YD]], %[[SLOT]],
  // CHECK-NOT: linalg
  // CHECK: return
  %padded = memref.alloc() : memref<1x3x11x12xf32>
  linalg.map outs(%padded : memref<1x3x11x12xf32>)
    (%init: f32) {
      linalg.yield %zero : f32
    }
  %interior = memref.subview %padded[0, 0, 1, 2] [1, 3, 8, 8] [1, 1, 1, 1]
      : memref<1x3x11x12xf32> to memref<1x3x8x8xf32, strided<[396, 132, 12, 1], offset: 14>>
  memref.copy %x, %interior : memref<1x3x8x8xf32> to memref<1x3x8x8xf32, strided<[396, 132, 12, 1], offset: 14>>
  %acc = memref.alloc() : memref<1x4x9x10xf32>
  linalg.generic {indexing_maps = [affine_map<(n, f, h, w) -> (f)>,
                                   affine_map<(n, f, h, w) -> (n, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : memref<4xf32>) outs(%acc : memref<1x4x9x10xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%padded, %w : memref<1x3x11x12xf32>, memref<4x3x3x3xf32>)
      outs(%acc : memref<1x4x9x10xf32>)
  memref.dealloc %padded : memref<1x3x11x12xf32>
  linalg.generic {indexing_maps = [affine_map<(n, f, h, w) -> (0, f, h, w)>,
                                   affine_map<(n, f, h, w) -> (n, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc : memref<1x4x9x10xf32>) outs(%y : memref<1x4x9x10xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %acc : memref<1x4x9x10xf32>
  return
}

// -----

// A padding whose source is written between the copy and the convolution
// is not folded (the call would read the new values); an output that holds
// something else than zero or a bias is accumulated into (flags 4: the
// constant weights only), and the ReLU of an accumulated output stays.

memref.global "private" constant @filters2 : memref<2x1x1x1xf32> = dense<2.0>

// CHECK-LABEL: func.func @conv_not_folded
func.func @conv_not_folded(%x: memref<1x1x4x4xf32>, %y: memref<1x2x6x6xf32>,
                           %z: memref<1x2x6x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %w = memref.get_global @filters2 : memref<2x1x1x1xf32>
  // CHECK: linalg.map
  // CHECK: memref.copy
  // CHECK: linalg.fill
  // CHECK: %[[FLAGS:.*]] = arith.constant 4 : i64
  // CHECK: call @lowrank_conv2d_f32({{.*}}, %[[FLAGS]])
  // CHECK: arith.maximumf
  %padded = memref.alloc() : memref<1x1x6x6xf32>
  linalg.map outs(%padded : memref<1x1x6x6xf32>)
    (%init: f32) {
      linalg.yield %zero : f32
    }
  %interior = memref.subview %padded[0, 0, 1, 1] [1, 1, 4, 4] [1, 1, 1, 1]
      : memref<1x1x6x6xf32> to memref<1x1x4x4xf32, strided<[36, 36, 6, 1], offset: 7>>
  memref.copy %x, %interior : memref<1x1x4x4xf32> to memref<1x1x4x4xf32, strided<[36, 36, 6, 1], offset: 7>>
  linalg.fill ins(%one : f32) outs(%x : memref<1x1x4x4xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%padded, %w : memref<1x1x6x6xf32>, memref<2x1x1x1xf32>)
      outs(%y : memref<1x2x6x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(n, f, h, w) -> (n, f, h, w)>,
                                   affine_map<(n, f, h, w) -> (n, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : memref<1x2x6x6xf32>) outs(%z : memref<1x2x6x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A depthwise convolution with a zero-filled output: the depthwise entry
// point, strides (2, 2), no slot (its weights are read in place), flags 1.

// CHECK-LABEL: func.func @depthwise
// CHECK-SAME: (%[[X:.*]]: memref<1x8x9x9xf32>, %[[W:.*]]: memref<8x3x3xf32>, %[[Y:.*]]: memref<1x8x4x4xf32>)
func.func @depthwise(%x: memref<1x8x9x9xf32>, %w: memref<8x3x3xf32>,
                     %y: memref<1x8x4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  // CHECK-NOT: linalg.fill
  // CHECK-COUNT-2: arith.constant 2 : i64
  // CHECK-COUNT-2: arith.constant 1 : i64
  // CHECK-COUNT-2: arith.constant 0 : i64
  // CHECK-NEXT: arith.constant 1 : i64
  // CHECK-NEXT: call @lowrank_depthwise_conv2d_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, i64, i64, i64, i64, i64, i64, i64) -> ()
  linalg.fill ins(%zero : f32) outs(%y : memref<1x8x4x4xf32>)
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : memref<1x8x9x9xf32>, memref<8x3x3xf32>)
      outs(%y : memref<1x8x4x4xf32>)
  return
}

// -----

// A residual connection: the only reader of a biased convolution's output
// adds another tensor and applies ReLU. The call adds it (the bias_add
// entry point) and writes the reader's buffer; flags 7.

memref.global "private" constant @filters3 : memref<2x2x1x1xf32> = dense<1.0>
memref.global "private" constant @bias3 : memref<2xf32> = dense<0.5>

// CHECK-LABEL: func.func @residual
// CHECK-SAME: (%[[X:.*]]: memref<1x2x4x4xf32>, %[[S:.*]]: memref<1x2x4x4xf32>, %[[Y:.*]]: memref<1x2x4x4xf32>)
// CHECK-DAG: %[[SD:.*]] = memref.cast %[[S]]
// CHECK-DAG: %[[YD:.*]] = memref.cast %[[Y]]
// CHECK: arith.constant 7 : i64
// CHECK-NEXT: call @lowrank_conv2d_bias_add_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[SD]], %[[YD]],
// CHECK-NOT: linalg.generic
func.func @residual(%x: memref<1x2x4x4xf32>, %skip: memref<1x2x4x4xf32>,
                    %y: memref<1x2x4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = memref.get_global @filters3 : memref<2x2x1x1xf32>
  %b = memref.get_global @bias3 : memref<2xf32>
  %acc = memref.alloc() : memref<1x2x4x4xf32>
  linalg.generic {indexing_maps = [affine_map<(n, f, h, w) -> (f)>,
                                   affine_map<(n, f, h, w) -> (n, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : memref<2xf32>) outs(%acc : memref<1x2x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x2x4x4xf32>, memref<2x2x1x1xf32>)
      outs(%acc : memref<1x2x4x4xf32>)
  linalg.generic {indexing_maps = [affine_map<(n, f, h, w) -> (n, f, h, w)>,
                                   affine_map<(n, f, h, w) -> (n, f, h, w)>,
                                   affine_map<(n, f, h, w) -> (n, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%skip, %acc : memref<1x2x4x4xf32>, memref<1x2x4x4xf32>)
      outs(%y : memref<1x2x4x4xf32>) {
  ^bb0(%s: f32, %c: f32, %out: f32):
    %sum = arith.addf %c, %s : f32
    %r = arith.maximumf %sum, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %acc : memref<1x2x4x4xf32>
  return
}

// -----

// The same addition written in place into the added tensor is not folded
// (the call stores partial sums into its output before it reads the
// addend): the plain bias call, then the addition.

memref.global "private" constant @filters4 : memref<2x2x1x1xf32> = dense<1.0>
memref.global "private" constant @bias4 : memref<2xf32> = dense<0.5>

// CHECK-LABEL: func.func @residual_in_place
// CHECK: call @lowrank_conv2d_bias_f32(
// CHECK: linalg.generic
// CHECK: arith.addf
func.func @residual_in_place(%x: memref<1x2x4x4xf32>, %skip: memref<1x2x4x4xf32>) {
  %w = memref.get_global @filters4 : memref<2x2x1x1xf32>
  %b = memref.get_global @bias4 : memref<2xf32>
  %acc = memref.alloc() : memref<1x2x4x4xf32>
  linalg.generic {indexing_maps = [affine_map<(n, f, h, w) -> (f)>,
                                   affine_map<(n, f, h, w) -> (n, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : memref<2xf32>) outs(%acc : memref<1x2x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x2x4x4xf32>, memref<2x2x1x1xf32>)
      outs(%acc : memref<1x2x4x4xf32>)
  linalg.generic {indexing_maps = [affine_map<(n, f, h, w) -> (n, f, h, w)>,
                                   affine_map<(n, f, h, w) -> (n, f, h, w)>,
                                   affine_map<(n, f, h, w) -> (n, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %skip : memref<1x2x4x4xf32>, memref<1x2x4x4xf32>)
      outs(%skip : memref<1x2x4x4xf32>) {
  ^bb0(%c: f32, %s: f32, %out: f32):
    %sum = arith.addf %c, %s : f32
    linalg.yield %sum : f32
  }
  memref.dealloc %acc : memref<1x2x4x4xf32>
  return
}

// -----

// A factor pair: x * A into T, then T * B plus a bias. One call computes
// both, at the first product; the second's output view, weight, bias and
// slot move before it. T keeps its allocation (the call writes it).

memref.global "private" constant @a : memref<4x2xf32> = dense<1.0>
memref.global "private" constant @b : memref<2x3xf32> = dense<1.0>
memref.global "private" constant @bias : memref<3xf32> = dense<2.0>

// CHECK-LABEL: func.func @factor_pair
// CHECK-SAME: (%[[X:.*]]: memref<5x4xf32>, %[[Y:.*]]: memref<5x3xf32>)
// CHECK: %[[T:.*]] = memref.alloc() : memref<5x2xf32>
// CHECK-DAG: %[[XD:.*]] = memref.cast %[[X]]
// CHECK-DAG: %[[TD:.*]] = memref.cast %[[T]]
// CHECK-DAG: %[[YD:.*]] = memref.cast %[[Y]]
// CHECK-DAG: %[[BD:.*]] = memref.cast %{{.*}} : memref<3xf32> to memref<?xf32, strided<[?], offset: ?>>
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: call @lowrank_matmul_pair_bias_f32(%[[XD]], %{{.*}}, %[[TD]], %{{.*}}, %[[YD]], %[[BD]], %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}})
// CHECK-NOT: call
// CHECK: memref.dealloc %[[T]]
// NOPAIRS-LABEL: func.func @factor_pair
// NOPAIRS: call @lowrank_matmul_packed_f32
// NOPAIRS: call @lowrank_matmul_packed_bias_f32
func.func @factor_pair(%x: memref<5x4xf32>, %y: memref<5x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.get_global @a : memref<4x2xf32>
  %t = memref.alloc() : memref<5x2xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<5x2xf32>)
  linalg.matmul ins(%x, %a : memref<5x4xf32>, memref<4x2xf32>)
                outs(%t : memref<5x2xf32>)
  %b = memref.get_global @b : memref<2x3xf32>
  %bias = memref.get_global @bias : memref<3xf32>
  %c = memref.alloc() : memref<5x3xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<5x3xf32>)
  linalg.matmul ins(%t, %b : memref<5x2xf32>, memref<2x3xf32>)
                outs(%c : memref<5x3xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<5x3xf32>, memref<3xf32>)
      outs(%y : memref<5x3xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  }
  memref.dealloc %c : memref<5x3xf32>
  memref.dealloc %t : memref<5x2xf32>
  return
}

// -----

// A shared bottleneck: T is read by two products. The first is merged with
// the pair call (which writes all of T); the second reads T afterwards.

memref.global "private" constant @a : memref<4x2xf32> = dense<1.0>
memref.global "private" constant @b : memref<2x3xf32> = dense<1.0>
memref.global "private" constant @c : memref<2x6xf32> = dense<1.0>

// CHECK-LABEL: func.func @shared_bottleneck
// CHECK: call @lowrank_matmul_pair_f32
// CHECK: call @lowrank_matmul_packed_f32
// CHECK-NOT: call
func.func @shared_bottleneck(%x: memref<5x4xf32>, %y: memref<5x3xf32>,
                             %z: memref<5x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.get_global @a : memref<4x2xf32>
  %b = memref.get_global @b : memref<2x3xf32>
  %c = memref.get_global @c : memref<2x6xf32>
  %t = memref.alloc() : memref<5x2xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<5x2xf32>)
  linalg.matmul ins(%x, %a : memref<5x4xf32>, memref<4x2xf32>)
                outs(%t : memref<5x2xf32>)
  linalg.fill ins(%zero : f32) outs(%y : memref<5x3xf32>)
  linalg.matmul ins(%t, %b : memref<5x2xf32>, memref<2x3xf32>)
                outs(%y : memref<5x3xf32>)
  linalg.fill ins(%zero : f32) outs(%z : memref<5x6xf32>)
  linalg.matmul ins(%t, %c : memref<5x2xf32>, memref<2x6xf32>)
                outs(%z : memref<5x6xf32>)
  memref.dealloc %t : memref<5x2xf32>
  return
}

// -----

// Not merged: an op between the two products reads the second's output
// (it must see the old values), or writes the bottleneck.

memref.global "private" constant @a : memref<4x2xf32> = dense<1.0>
memref.global "private" constant @b : memref<2x3xf32> = dense<1.0>

// CHECK-LABEL: func.func @output_read_between
// CHECK: call @lowrank_matmul_packed_f32
// CHECK: memref.copy
// CHECK: call @lowrank_matmul_packed_f32
func.func @output_read_between(%x: memref<5x4xf32>, %y: memref<5x3xf32>,
                               %old: memref<5x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.get_global @a : memref<4x2xf32>
  %b = memref.get_global @b : memref<2x3xf32>
  %t = memref.alloc() : memref<5x2xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<5x2xf32>)
  linalg.matmul ins(%x, %a : memref<5x4xf32>, memref<4x2xf32>)
                outs(%t : memref<5x2xf32>)
  memref.copy %y, %old : memref<5x3xf32> to memref<5x3xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<5x3xf32>)
  linalg.matmul ins(%t, %b : memref<5x2xf32>, memref<2x3xf32>)
                outs(%y : memref<5x3xf32>)
  memref.dealloc %t : memref<5x2xf32>
  return
}

// CHECK-LABEL: func.func @bottleneck_written_between
// CHECK: call @lowrank_matmul_packed_f32
// CHECK: linalg.generic
// CHECK: call @lowrank_matmul_packed_f32
func.func @bottleneck_written_between(%x: memref<5x4xf32>,
                                      %y: memref<5x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.get_global @a : memref<4x2xf32>
  %b = memref.get_global @b : memref<2x3xf32>
  %t = memref.alloc() : memref<5x2xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<5x2xf32>)
  linalg.matmul ins(%x, %a : memref<5x4xf32>, memref<4x2xf32>)
                outs(%t : memref<5x2xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      outs(%t : memref<5x2xf32>) {
  ^bb0(%out: f32):
    %h = arith.mulf %out, %out : f32
    linalg.yield %h : f32
  }
  linalg.fill ins(%zero : f32) outs(%y : memref<5x3xf32>)
  linalg.matmul ins(%t, %b : memref<5x2xf32>, memref<2x3xf32>)
                outs(%y : memref<5x3xf32>)
  memref.dealloc %t : memref<5x2xf32>
  return
}
