// RUN: lowrank-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(lowrank-parallel-loops-to-gpu,canonicalize))' \
// RUN:   | FileCheck %s
// RUN: lowrank-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(lowrank-parallel-loops-to-gpu{block-size=128},canonicalize))' \
// RUN:   | FileCheck %s --check-prefix=B128

// 16x64 iterations: 4 blocks of 256 threads, one iteration each, the
// inner dimension fastest; the reduction loop inside stays sequential.
// CHECK-LABEL: func.func @parallel
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: gpu.launch blocks(%[[BX:arg[0-9]+]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C4]], {{[^)]*}}) threads(%[[TX:arg[0-9]+]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C256]], {{[^)]*}}) module(@parallel_kernels) function(@parallel_elementwise_0)
// CHECK: %[[BASE:[0-9]+]] = arith.muli %[[BX]], %[[C256]]
// CHECK: %[[ID:[0-9]+]] = arith.addi %[[BASE]], %[[TX]]
// CHECK: %[[IN:[0-9]+]] = arith.cmpi ult, %[[ID]]
// CHECK: scf.if %[[IN]]
// CHECK: %[[J:[0-9]+]] = arith.remui %[[ID]]
// CHECK: %[[REST:[0-9]+]] = arith.divui %[[ID]]
// CHECK: %[[I:[0-9]+]] = arith.remui %[[REST]]
// CHECK: memref.load %arg0[%[[I]], %[[J]]]
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %arg1[%[[I]], %[[J]]]
// CHECK-NOT: scf.parallel
// B128-LABEL: func.func @parallel
// B128-DAG: %[[C8:.*]] = arith.constant 8 : index
// B128-DAG: %[[C128:.*]] = arith.constant 128 : index
// B128: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[C8]], {{[^)]*}}) threads({{.*}}) in (%{{.*}} = %[[C128]],
func.func @parallel(%a: memref<16x64xf32>, %b: memref<16x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c64) step (%c1, %c1) {
    %init = memref.load %a[%i, %j] : memref<16x64xf32>
    %sum = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %init) -> f32 {
      %twice = arith.addf %acc, %acc : f32
      scf.yield %twice : f32
    }
    memref.store %sum, %b[%i, %j] : memref<16x64xf32>
    scf.reduce
  }
  return
}

// -----

// A loop without parallel dimensions runs in a single-thread kernel;
// allocation stays on the host.
// CHECK-LABEL: func.func @serial
// CHECK: memref.alloc
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[ONE:.*]], %{{.*}} = %[[ONE]], %{{.*}} = %[[ONE]]) threads({{.*}}) in (%{{.*}} = %[[ONE]], %{{.*}} = %[[ONE]], %{{.*}} = %[[ONE]]) module(@serial_kernels) function(@serial_serial_0)
// CHECK-NEXT: scf.for
// CHECK: memref.store %{{.*}}, %alloc[]
// CHECK-NEXT: }
// CHECK-NEXT: memref.load %alloc[]
// CHECK-NEXT: memref.store {{.*}}, %arg1[]
// CHECK-NEXT: gpu.terminator
// CHECK-NOT: gpu.memcpy
// CHECK: memref.dealloc
func.func @serial(%a: memref<8xf32>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %tmp = memref.alloc() : memref<f32>
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %a[%i] : memref<8xf32>
    %s = memref.load %tmp[] : memref<f32>
    %t = arith.addf %x, %s : f32
    memref.store %t, %tmp[] : memref<f32>
  }
  %r = memref.load %tmp[] : memref<f32>
  memref.store %r, %out[] : memref<f32>
  memref.dealloc %tmp : memref<f32>
  return
}

// -----

// A load whose value is used in another block of the function (control flow
// already lowered to branches) is a host read.
// CHECK-LABEL: func.func @host_scalar_other_block
// CHECK: gpu.launch
// CHECK: gpu.memcpy
// CHECK: arith.index_cast
func.func @host_scalar_other_block(%bounds: memref<2xi64>) -> index {
  %c0 = arith.constant 0 : index
  %v = memref.load %bounds[%c0] : memref<2xi64>
  cf.br ^bb1
^bb1:
  %i = arith.index_cast %v : i64 to index
  return %i : index
}

// -----

// A scalar the host needs (a slice bound read from an input) is loaded by
// a kernel into a staging buffer and copied to the host stack.
// CHECK-LABEL: func.func @host_scalar
// CHECK: %[[STAGE:.*]] = memref.alloc() : memref<1xi64>
// CHECK: %[[HOST:.*]] = memref.alloca() : memref<1xi64>
// CHECK: gpu.launch
// CHECK: memref.load %arg0
// CHECK: memref.store {{.*}}, %[[STAGE]]
// CHECK: gpu.memcpy %[[HOST]], %[[STAGE]]
// CHECK: %[[V:.*]] = memref.load %[[HOST]]
// CHECK: arith.index_cast %[[V]]
func.func @host_scalar(%bounds: memref<2xi64>) -> index {
  %c0 = arith.constant 0 : index
  %v = memref.load %bounds[%c0] : memref<2xi64>
  %i = arith.index_cast %v : i64 to index
  return %i : index
}
