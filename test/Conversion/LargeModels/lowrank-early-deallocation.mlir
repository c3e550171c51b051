// RUN: lowrank-opt %s --pass-pipeline='builtin.module(func.func(lowrank-early-deallocation))' --split-input-file | FileCheck %s

// Each dealloc moves to just after the last use of its buffer, views
// included; the rest of the block keeps its order.
// CHECK-LABEL: func.func @early
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[A]] : memref<4xf32>)
// CHECK-NEXT: %[[B:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: linalg.copy ins(%[[A]] : memref<4xf32>) outs(%[[B]] : memref<4xf32>)
// CHECK-NEXT: memref.dealloc %[[A]] : memref<4xf32>
// CHECK-NEXT: %[[V:.*]] = memref.subview %[[B]][0] [2] [1]
// CHECK-NEXT: linalg.copy ins(%[[V]] : memref<2xf32, strided<[1]>>) outs(%{{.*}} : memref<2xf32>)
// CHECK-NEXT: memref.dealloc %[[B]] : memref<4xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : memref<2xf32>)
// CHECK-NEXT: return
func.func @early(%c: f32, %out: memref<2xf32>) {
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%c : f32) outs(%a : memref<4xf32>)
  %b = memref.alloc() : memref<4xf32>
  linalg.copy ins(%a : memref<4xf32>) outs(%b : memref<4xf32>)
  %v = memref.subview %b[0] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1]>>
  linalg.copy ins(%v : memref<2xf32, strided<[1]>>) outs(%out : memref<2xf32>)
  linalg.fill ins(%c : f32) outs(%out : memref<2xf32>)
  memref.dealloc %a : memref<4xf32>
  memref.dealloc %b : memref<4xf32>
  return
}

// -----

// A buffer passed to a call returning a memref, or stored as a pointer,
// may outlive its uses: its dealloc stays where it was.
// CHECK-LABEL: func.func @escaping
// CHECK: call @keep
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return
func.func private @keep(memref<4xf32>) -> memref<4xf32>
func.func @escaping(%c: f32, %out: memref<2xf32>) {
  %a = memref.alloc() : memref<4xf32>
  %k = call @keep(%a) : (memref<4xf32>) -> memref<4xf32>
  linalg.fill ins(%c : f32) outs(%out : memref<2xf32>)
  memref.dealloc %a : memref<4xf32>
  return
}
