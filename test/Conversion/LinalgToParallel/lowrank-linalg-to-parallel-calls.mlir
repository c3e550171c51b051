// RUN: lowrank-opt %s --lowrank-linalg-to-parallel-calls --split-input-file | FileCheck %s
// RUN: lowrank-opt %s --lowrank-linalg-to-parallel-calls --split-input-file \
// RUN:   | FileCheck %s --check-prefix=MIXED
// Applying the pass twice outlines nothing more: the slices are marked.
// RUN: lowrank-opt %s --split-input-file --lowrank-linalg-to-parallel-calls --lowrank-linalg-to-parallel-calls \
// RUN:   | FileCheck %s --check-prefix=TWICE
// RUN: lowrank-opt %s --split-input-file --lowrank-linalg-to-parallel-calls=min-iterations=100000 \
// RUN:   | FileCheck %s --check-prefix=LARGE

// A bias addition (64 x 512 iterations) is outlined: the call site packs the
// three descriptors and calls the runtime; the slice function runs rows
// [begin, end) one at a time on static-shape subviews. Only the freshly
// allocated output is noalias: two arguments may be one buffer.
// CHECK-LABEL: func.func @ops
// CHECK: %[[ALLOC:.*]] = memref.alloc() : memref<64x512xf32>
// CHECK: builtin.unrealized_conversion_cast %arg0 : memref<64x512xf32> to !llvm.struct
// CHECK: %[[ARGS:.*]] = llvm.alloca
// CHECK: llvm.store %{{.*}}, %[[ARGS]]
// CHECK: %[[BODY:.*]] = constant @[[BODY_NAME:__lowrank_parallel_body[_0-9]*]] : (!llvm.ptr, i64, i64) -> ()
// CHECK: %[[ROWS:.*]] = arith.constant 64 : i64
// CHECK: call @lowrank_parallel_for(%[[BODY]], %[[ARGS]], %[[ROWS]])
// The in-place scaling and the row sum are outlined too.
// CHECK-COUNT-2: call @lowrank_parallel_for
// The 8 x 8 transpose is too small: it stays, generalized.
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg4 : memref<8x8xf32>) outs(%arg4 : memref<8x8xf32>)
// The copy into the result is outlined.
// CHECK: call @lowrank_parallel_for
// CHECK: memref.dealloc %[[ALLOC]]

// CHECK: func.func private @[[SLICE:__lowrank_parallel_slice[_0-9]*]](%arg0: memref<64x512xf32>, %arg1: memref<512xf32>, %arg2: memref<64x512xf32> {llvm.noalias}, %[[BEGIN:.*]]: index, %[[END:.*]]: index)
// CHECK: scf.for %[[ROW:.*]] = %[[BEGIN]] to %[[END]]
// CHECK: memref.subview %arg0[%[[ROW]], 0] [1, 512] [1, 1]
// CHECK: memref.subview %arg2[%[[ROW]], 0] [1, 512] [1, 1]
// CHECK: linalg.generic
// CHECK-SAME: memref<512xf32>
// CHECK: arith.addf
// CHECK: func.func private @[[BODY_NAME]](%[[PTR:.*]]: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64)
// CHECK: llvm.load %[[PTR]]
// CHECK: call @[[SLICE]](

// An op updating a buffer in place gets it once, through one pointer.
// CHECK: func.func private @{{.*}}(%arg0: memref<64x512xf32> {llvm.noalias}, %{{.*}}: index, %{{.*}}: index)
// CHECK: arith.mulf

// TWICE-COUNT-4: call @lowrank_parallel_for(
// TWICE-NOT: call @lowrank_parallel_for(
// TWICE: func.func private @__lowrank_parallel_slice({{.*}}) attributes {lowrank.parallel_outlined}

// LARGE-LABEL: func.func @ops
// LARGE-NOT: lowrank_parallel_for
// LARGE: return

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @ops(%x: memref<64x512xf32>, %b: memref<512xf32>, %y: memref<64x512xf32>, %s: memref<64xf32>, %small: memref<8x8xf32>) {
  %a = memref.alloc() : memref<64x512xf32>
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : memref<64x512xf32>, memref<512xf32>) outs(%a : memref<64x512xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %r = arith.addf %in, %bias : f32
    linalg.yield %r : f32
  }
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<64x512xf32>) outs(%a : memref<64x512xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.mulf %in, %two : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<64x512xf32>) outs(%s : memref<64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  }
  linalg.transpose ins(%small : memref<8x8xf32>) outs(%small : memref<8x8xf32>) permutation = [1, 0]
  linalg.copy ins(%a : memref<64x512xf32>) outs(%y : memref<64x512xf32>)
  memref.dealloc %a : memref<64x512xf32>
  return
}

// -----

// A buffer with a dynamic size where another fixes the loop range (a cast
// result) is sliced with its size read at run time.
// MIXED: func.func private @__lowrank_parallel_slice{{.*}}(%[[A:.*]]: memref<64x512xf32>, %[[X:.*]]: memref<64x?xf32>, %[[Y:.*]]: memref<64x512xf32> {llvm.noalias}, %[[BEGIN:.*]]: index, %[[END:.*]]: index)
// MIXED: scf.for %[[ROW:.*]] = %[[BEGIN]] to %[[END]]
// MIXED: memref.subview %[[A]][%[[ROW]], 0] [1, 512] [1, 1]
// MIXED: %[[COLS:.*]] = memref.dim %[[X]], %{{.*}} : memref<64x?xf32>
// MIXED: memref.subview %[[X]][%[[ROW]], 0] [1, %[[COLS]]] [1, 1] : memref<64x?xf32> to memref<1x?xf32, strided<[?, 1], offset: ?>>
// MIXED: memref.subview %[[Y]][%[[ROW]], 0] [1, 512] [1, 1]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @mixed(%a: memref<64x512xf32>, %x: memref<64x?xf32>) -> memref<64x512xf32> {
  %y = memref.alloc() : memref<64x512xf32>
  linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%a, %x : memref<64x512xf32>, memref<64x?xf32>) outs(%y : memref<64x512xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.addf %in, %in2 : f32
    linalg.yield %r : f32
  }
  return %y : memref<64x512xf32>
}

// -----

// A max pooling (3 x 3 windows of stride 2) indexes its input by window
// expressions of the output rows and columns, but the channels plainly:
// it is cut along the channels. A window expression of the only dim that
// could be cut keeps the op in place (the second op).
// MIXED-LABEL: func.func @pooling
// MIXED: call @lowrank_parallel_for(%{{.*}}, %{{.*}}, %{{.*}})
// MIXED: linalg.generic
// MIXED: func.func private @__lowrank_parallel_slice{{.*}}(%[[IN:.*]]: memref<1x64x57x57xf32>, %{{.*}}: memref<3x3xf32>, %[[OUT:.*]]: memref<1x64x28x28xf32> {llvm.noalias}, %[[BEGIN:.*]]: index, %[[END:.*]]: index)
// MIXED: scf.for %[[C:.*]] = %[[BEGIN]] to %[[END]]
// MIXED: memref.subview %[[IN]][0, %[[C]], 0, 0] [1, 1, 57, 57] [1, 1, 1, 1]
// MIXED: memref.subview %[[OUT]][0, %[[C]], 0, 0] [1, 1, 28, 28] [1, 1, 1, 1]
#window = affine_map<(n, c, h, w, kh, kw) -> (n, c, h * 2 + kh, w * 2 + kw)>
#kernel = affine_map<(n, c, h, w, kh, kw) -> (kh, kw)>
#pooled = affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>
#shifted = affine_map<(d0) -> (d0 + 1)>
#plain = affine_map<(d0) -> (d0)>
func.func @pooling(%x: memref<1x64x57x57xf32>, %k: memref<3x3xf32>,
                   %v: memref<32769xf32>) -> (memref<1x64x28x28xf32>, memref<32768xf32>) {
  %y = memref.alloc() : memref<1x64x28x28xf32>
  linalg.generic {indexing_maps = [#window, #kernel, #pooled],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %k : memref<1x64x57x57xf32>, memref<3x3xf32>) outs(%y : memref<1x64x28x28xf32>) {
  ^bb0(%in: f32, %unused: f32, %out: f32):
    %m = arith.maximumf %in, %out : f32
    linalg.yield %m : f32
  }
  %z = memref.alloc() : memref<32768xf32>
  linalg.generic {indexing_maps = [#shifted, #plain], iterator_types = ["parallel"]}
      ins(%v : memref<32769xf32>) outs(%z : memref<32768xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return %y, %z : memref<1x64x28x28xf32>, memref<32768xf32>
}
