// RUN: lowrank-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(lowrank-linalg-matmul-to-gpu,cse))' \
// RUN:   | FileCheck %s
// RUN: lowrank-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(lowrank-linalg-matmul-to-gpu{tile-m=128 tile-n=128 tile-k=8 thread-tile-m=8 thread-tile-n=8},cse))' \
// RUN:   | FileCheck %s --check-prefix=BIG
// RUN: not lowrank-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(lowrank-linalg-matmul-to-gpu{tile-m=64 thread-tile-m=5}))' \
// RUN:   2>&1 | FileCheck %s --check-prefix=BAD

// A 128x768 by 768x768 matmul: 12x2 blocks of 16x16 threads, each thread a
// 4x4 register tile (16 accumulators through the K loop), both input tiles
// staged in padded workgroup memory between barriers, multiply-adds allowed
// to contract into FMAs.
// CHECK-LABEL: func.func @dense
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C12]], {{.*}} = %[[C2]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C16]], {{[^)]*}} = %[[C16]], {{[^)]*}})
// CHECK-SAME: module(@dense_kernels) function(@dense_matmul_0)
// CHECK-SAME: workgroup(%[[SA:arg[0-9]+]] : memref<16x65xf32, #gpu.address_space<workgroup>>, %[[SB:arg[0-9]+]] : memref<16x65xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-16: memref.load %arg2
// CHECK: scf.for {{.*}} to %{{.*}} step %[[C16]] iter_args(
// CHECK-COUNT-4: memref.store {{.*}}, %[[SA]]
// CHECK-COUNT-4: memref.store {{.*}}, %[[SB]]
// CHECK: gpu.barrier
// CHECK-NOT: scf.for
// CHECK-COUNT-4: memref.load %[[SA]]
// CHECK-COUNT-4: memref.load %[[SB]]
// CHECK-COUNT-16: arith.mulf {{.*}} fastmath<contract>
// The 16 staged steps are unrolled: 64 + 64 shared loads in all.
// CHECK-COUNT-60: memref.load %[[SA]]
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK-COUNT-16: memref.store {{.*}}, %arg2
// CHECK-NOT: scf.if
// CHECK: gpu.terminator
// CHECK-NOT: linalg.matmul

// BIG-LABEL: func.func @dense
// BIG: workgroup({{.*}} : memref<8x129xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<8x129xf32, #gpu.address_space<workgroup>>)
// BIG-COUNT-64: memref.load %arg2

// BAD: tiles must divide into the thread tiles
func.func @dense(%a: memref<128x768xf32>, %b: memref<768x768xf32>,
                 %c: memref<128x768xf32>) {
  linalg.matmul ins(%a, %b : memref<128x768xf32>, memref<768x768xf32>)
                outs(%c : memref<128x768xf32>)
  return
}

// -----

// Sizes that the tiles do not divide: loads are clamped and zero-filled,
// stores guarded.
// CHECK-LABEL: func.func @ragged
// CHECK: gpu.launch
// CHECK: arith.minui
// CHECK: arith.select
// CHECK: scf.if
// CHECK: memref.store {{.*}}, %arg2
func.func @ragged(%a: memref<100x30xf32>, %b: memref<30x50xf32>,
                  %c: memref<100x50xf32>) {
  linalg.matmul ins(%a, %b : memref<100x30xf32>, memref<30x50xf32>)
                outs(%c : memref<100x50xf32>)
  return
}

// -----

// Batch loops come from the z block index.
// CHECK-LABEL: func.func @batched
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %[[BZ:.*]]) in ({{.*}}, {{.*}}, {{.*}} = %[[C6]])
// CHECK: arith.remui %[[BZ]]
func.func @batched(%a: memref<6x64x32xf32>, %b: memref<6x32x64xf32>,
                   %c: memref<6x64x64xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<6x64x32xf32>, memref<6x32x64xf32>)
                      outs(%c : memref<6x64x64xf32>)
  return
}

// -----

// A contraction generic with a transposed right operand, as the
// factorized layers (x * A^T) produce: the B tile is read k-fastest.
// CHECK-LABEL: func.func @transposed
// CHECK: gpu.launch
// CHECK: memref.load %arg1
// CHECK: arith.mulf
#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (n, k)>
#out = affine_map<(m, n, k) -> (m, n)>
func.func @transposed(%a: memref<64x32xf32>, %b: memref<16x32xf32>,
                      %c: memref<64x16xf32>) {
  linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<64x32xf32>, memref<16x32xf32>)
      outs(%c : memref<64x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not a contraction: left for the parallel-loop mapping.
// CHECK-LABEL: func.func @elementwise
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
#id = affine_map<(i) -> (i)>
func.func @elementwise(%a: memref<8xf32>, %b: memref<8xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : memref<8xf32>) outs(%b : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A bfloat16 product summed in f32: extf carries no fastmath flags of its
// own, and gets `contract` like the multiply-add.
// CHECK-LABEL: func.func @widened
// CHECK: gpu.launch
// CHECK: arith.extf {{.*}} fastmath<contract> : bf16 to f32
// CHECK: arith.mulf {{.*}} fastmath<contract>
#lhs_w = affine_map<(m, n, k) -> (m, k)>
#rhs_w = affine_map<(m, n, k) -> (k, n)>
#out_w = affine_map<(m, n, k) -> (m, n)>
func.func @widened(%a: memref<32x16xbf16>, %b: memref<16x32xbf16>,
                   %c: memref<32x32xf32>) {
  linalg.generic {indexing_maps = [#lhs_w, #rhs_w, #out_w],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<32x16xbf16>, memref<16x32xbf16>)
      outs(%c : memref<32x32xf32>) {
  ^bb0(%x: bf16, %y: bf16, %acc: f32):
    %xf = arith.extf %x : bf16 to f32
    %yf = arith.extf %y : bf16 to f32
    %p = arith.mulf %xf, %yf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
