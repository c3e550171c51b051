// RUN: lowrank-opt %s --pass-pipeline='builtin.module(func.func(lowrank-transposes-into-products))' --split-input-file | FileCheck %s

#a = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#b = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// A head split read by a batched product: the product reads the source
// through a transposed view, the copy and its buffer go, and the source's
// deallocation moves after the product.
// CHECK-LABEL: func.func @split_heads
// CHECK-SAME: (%[[Q:.*]]: memref<4x2x8xf32>, %[[K:.*]]: memref<2x8x4xf32>, %[[S:.*]]: memref<2x4x4xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[V:.*]] = memref.transpose %[[SRC:.*]] (d0, d1, d2) -> (d1, d0, d2) : memref<4x2x8xf32> to memref<2x4x8xf32, strided<[8, 16, 1]>>
// CHECK-NEXT: linalg.generic {{.*}} ins(%[[V]], %[[K]] :
// CHECK: memref.dealloc %[[SRC]]
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @split_heads(%q: memref<4x2x8xf32>, %k: memref<2x8x4xf32>, %s: memref<2x4x4xf32>) {
  %src = memref.alloc() : memref<4x2x8xf32>
  memref.copy %q, %src : memref<4x2x8xf32> to memref<4x2x8xf32>
  %t = memref.alloc() : memref<2x4x8xf32>
  linalg.transpose ins(%src : memref<4x2x8xf32>) outs(%t : memref<2x4x8xf32>) permutation = [1, 0, 2]
  memref.dealloc %src : memref<4x2x8xf32>
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%t, %k : memref<2x4x8xf32>, memref<2x8x4xf32>) outs(%s : memref<2x4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %t : memref<2x4x8xf32>
  return
}

// -----

#a = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#b = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#c = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>

// Keys transposed for the score product of one decoding step, read through
// an expansion that adds the unit batch dim: the product reads the keys
// through the transposed view, expanded the same way.
// CHECK-LABEL: func.func @keys_through_expansion
// CHECK-SAME: (%[[Q:.*]]: memref<1x3x1x4xf32>, %[[K:.*]]: memref<3x5x4xf32>, %[[S:.*]]: memref<1x3x1x5xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[V:.*]] = memref.transpose %[[K]] (d0, d1, d2) -> (d0, d2, d1) : memref<3x5x4xf32> to memref<3x4x5xf32, strided<[20, 1, 4]>>
// CHECK-NEXT: %[[E:.*]] = memref.expand_shape %[[V]] {{\[}}[0, 1], [2], [3]] output_shape [1, 3, 4, 5] : memref<3x4x5xf32, strided<[20, 1, 4]>> into memref<1x3x4x5xf32, strided<[60, 20, 1, 4]>>
// CHECK-NEXT: linalg.generic {{.*}} ins(%[[Q]], %[[E]] :
// CHECK-NOT: memref.alloc
// CHECK: return
func.func @keys_through_expansion(%q: memref<1x3x1x4xf32>, %k: memref<3x5x4xf32>, %s: memref<1x3x1x5xf32>) {
  %t = memref.alloc() : memref<3x4x5xf32>
  linalg.transpose ins(%k : memref<3x5x4xf32>) outs(%t : memref<3x4x5xf32>) permutation = [0, 2, 1]
  %e = memref.expand_shape %t [[0, 1], [2], [3]] output_shape [1, 3, 4, 5] : memref<3x4x5xf32> into memref<1x3x4x5xf32>
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %e : memref<1x3x1x4xf32>, memref<1x3x4x5xf32>) outs(%s : memref<1x3x1x5xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %t : memref<3x4x5xf32>
  return
}

// -----

#a = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#b = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#c = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>

// Kept: the expansion has a second reader, an elementwise op.
// CHECK-LABEL: func.func @expansion_read_twice
// CHECK: linalg.transpose
// CHECK-NOT: memref.transpose
func.func @expansion_read_twice(%q: memref<1x3x1x4xf32>, %k: memref<3x5x4xf32>, %s: memref<1x3x1x5xf32>, %copy: memref<1x3x4x5xf32>) {
  %t = memref.alloc() : memref<3x4x5xf32>
  linalg.transpose ins(%k : memref<3x5x4xf32>) outs(%t : memref<3x4x5xf32>) permutation = [0, 2, 1]
  %e = memref.expand_shape %t [[0, 1], [2], [3]] output_shape [1, 3, 4, 5] : memref<3x4x5xf32> into memref<1x3x4x5xf32>
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %e : memref<1x3x1x4xf32>, memref<1x3x4x5xf32>) outs(%s : memref<1x3x1x5xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.copy ins(%e : memref<1x3x4x5xf32>) outs(%copy : memref<1x3x4x5xf32>)
  memref.dealloc %t : memref<3x4x5xf32>
  return
}

// -----

#a = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#b = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// A head merge of a product's result: the fill and the product write the
// destination through the inverse view; the destination's allocation moves
// above the fill.
// CHECK-LABEL: func.func @merge_heads
// CHECK: %[[D:.*]] = memref.alloc() : memref<4x2x4xf32>
// CHECK-NEXT: %[[V:.*]] = memref.transpose %[[D]] (d0, d1, d2) -> (d1, d0, d2) : memref<4x2x4xf32> to memref<2x4x4xf32, strided<[4, 8, 1]>>
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[V]] :
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[V]] :
// CHECK-NOT: linalg.transpose
// CHECK: return %[[D]]
func.func @merge_heads(%p: memref<2x4x8xf32>, %v: memref<2x8x4xf32>) -> memref<4x2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %t = memref.alloc() : memref<2x4x4xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<2x4x4xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : memref<2x4x8xf32>, memref<2x8x4xf32>) outs(%t : memref<2x4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  %d = memref.alloc() : memref<4x2x4xf32>
  linalg.transpose ins(%t : memref<2x4x4xf32>) outs(%d : memref<4x2x4xf32>) permutation = [1, 0, 2]
  memref.dealloc %t : memref<2x4x4xf32>
  return %d : memref<4x2x4xf32>
}

// -----

#a = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#b = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// Copies that must stay: the source is overwritten before the product
// reads the copy; the copy is read again after the product; the merged
// destination is read between the product and the copy.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-3: linalg.transpose
// CHECK-NOT: memref.transpose
func.func @kept(%q: memref<4x2x8xf32>, %k: memref<2x8x4xf32>, %s: memref<2x4x4xf32>,
                %u: memref<2x4x8xf32>, %d: memref<4x2x4xf32>, %e: memref<4x2x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %t = memref.alloc() : memref<2x4x8xf32>
  linalg.transpose ins(%q : memref<4x2x8xf32>) outs(%t : memref<2x4x8xf32>) permutation = [1, 0, 2]
  linalg.fill ins(%zero : f32) outs(%q : memref<4x2x8xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%t, %k : memref<2x4x8xf32>, memref<2x8x4xf32>) outs(%s : memref<2x4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  memref.copy %t, %u : memref<2x4x8xf32> to memref<2x4x8xf32>
  %t2 = memref.alloc() : memref<2x4x8xf32>
  linalg.transpose ins(%q : memref<4x2x8xf32>) outs(%t2 : memref<2x4x8xf32>) permutation = [1, 0, 2]
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%t2, %k : memref<2x4x8xf32>, memref<2x8x4xf32>) outs(%s : memref<2x4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  memref.copy %t2, %u : memref<2x4x8xf32> to memref<2x4x8xf32>
  %t3 = memref.alloc() : memref<2x4x4xf32>
  linalg.fill ins(%zero : f32) outs(%t3 : memref<2x4x4xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%u, %k : memref<2x4x8xf32>, memref<2x8x4xf32>) outs(%t3 : memref<2x4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  memref.copy %d, %e : memref<4x2x4xf32> to memref<4x2x4xf32>
  linalg.transpose ins(%t3 : memref<2x4x4xf32>) outs(%d : memref<4x2x4xf32>) permutation = [1, 0, 2]
  return
}
