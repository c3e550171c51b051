// RUN: lowrank-opt %s --lowrank-gpu-device-memory | FileCheck %s

// Buffers move to the device; the weight is read through a device copy
// whose pointer a host global keeps, uploaded by the runtime once.
// CHECK: func.func private @lowrankCudaDeviceConstant(!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
// CHECK: llvm.mlir.global internal @__lowrank_device___constant_4x8xf32() {{.*}} : !llvm.ptr {
// CHECK-NEXT: llvm.mlir.zero : !llvm.ptr
// CHECK-LABEL: func.func @weights
// CHECK: %[[HOSTW:.*]] = memref.get_global @__constant_4x8xf32
// CHECK: %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[HOSTW]]
// CHECK: %[[SLOT:.*]] = llvm.mlir.addressof @__lowrank_device___constant_4x8xf32
// CHECK: %[[BYTES:.*]] = arith.constant 128 : i64
// CHECK: %[[DEV:.*]] = call @lowrankCudaDeviceConstant(%[[SLOT]], %{{.*}}, %[[BYTES]])
// CHECK: llvm.insertvalue %[[DEV]]
// CHECK: %[[W:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<4x8xf32>
// CHECK: %[[T:.*]] = gpu.alloc () : memref<4x8xf32>
// CHECK: gpu.launch
// CHECK: memref.load %[[W]]
// CHECK: gpu.dealloc %[[T]]
// CHECK-NOT: memref.alloc
memref.global "private" constant @__constant_4x8xf32 : memref<4x8xf32> = dense<1.0>
func.func @weights(%out: memref<4x8xf32>) {
  %w = memref.get_global @__constant_4x8xf32 : memref<4x8xf32>
  %t = memref.alloc() : memref<4x8xf32>
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    %v = memref.load %w[%c0, %c0] : memref<4x8xf32>
    memref.store %v, %t[%c0, %c0] : memref<4x8xf32>
    gpu.terminator
  }
  memref.dealloc %t : memref<4x8xf32>
  return
}
