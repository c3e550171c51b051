// RUN: lowrank-opt %s --lowrank-memref-copy-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @strided
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%arg0 : memref<4xf32>) outs(%{{.*}} : memref<4xf32, strided<[1], offset: 2>>)
func.func @strided(%a: memref<4xf32>, %b: memref<8xf32>) {
  %view = memref.subview %b[2] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 2>>
  memref.copy %a, %view : memref<4xf32> to memref<4xf32, strided<[1], offset: 2>>
  return
}

// Unranked copies have no linalg form and stay.
// CHECK-LABEL: func.func @unranked
// CHECK: memref.copy
func.func @unranked(%a: memref<*xf32>, %b: memref<*xf32>) {
  memref.copy %a, %b : memref<*xf32> to memref<*xf32>
  return
}
