// RUN: lowrank-opt %s --lowrank-checks-to-status --split-input-file --verify-diagnostics | FileCheck %s

// Each check becomes a branch to a block that frees the live buffers and
// returns the check's number; the normal exit returns 0. Every allocation
// is checked for null first.
// CHECK-DAG: llvm.mlir.global internal constant @main_graph_error_1("cannot allocate a buffer of type memref<4xf32>\00")
// CHECK-DAG: llvm.mlir.global internal constant @main_graph_error_2("node 'g': Gather index out of range\00")
// CHECK-DAG: llvm.mlir.global internal constant @main_graph_error_4("node 'd': Div: integer division by zero\00")
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: (%[[OK1:.*]]: i1, %[[OK2:.*]]: i1, %[[OUT:.*]]: memref<4xf32>) -> i32
// CHECK: %[[EARLY:.*]] = memref.alloc() : memref<4xf32>
// CHECK: %[[ADDRESS:.*]] = memref.extract_aligned_pointer_as_index %[[EARLY]]
// CHECK: %[[NONNULL:.*]] = arith.cmpi ne, %[[ADDRESS]], %{{.*}} : index
// CHECK: cf.cond_br %[[NONNULL]], ^[[ALLOCATED:.*]], ^[[NOMEMORY:.*]]
// CHECK: ^[[NOMEMORY]]:
// CHECK: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT: return %[[C1]] : i32
// CHECK: ^[[ALLOCATED]]:
// CHECK-NEXT: cf.cond_br %[[OK1]], ^[[NEXT1:.*]], ^[[FAIL1:.*]]
// CHECK: ^[[FAIL1]]:
// CHECK-NEXT: memref.dealloc %[[EARLY]]
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : i32
// CHECK-NEXT: return %[[C2]] : i32
// CHECK: ^[[NEXT1]]:
// CHECK: %[[LATE:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc %[[EARLY]]
// CHECK: cf.cond_br %[[OK2]], ^[[NEXT2:.*]], ^[[FAIL2:.*]]
// CHECK: ^[[FAIL2]]:
// CHECK-NEXT: memref.dealloc %[[LATE]]
// CHECK-NEXT: %[[C4:.*]] = arith.constant 4 : i32
// CHECK-NEXT: return %[[C4]] : i32
// CHECK: ^[[NEXT2]]:
// CHECK: memref.dealloc %[[LATE]]
// CHECK: %[[C0:.*]] = arith.constant 0 : i32
// CHECK: return %[[C0]] : i32
// CHECK-NOT: cf.assert

// The messages, by number.
// CHECK: llvm.func @main_graph_error_message(%[[S:.*]]: i32) -> !llvm.ptr
// CHECK: llvm.switch %[[S]] : i32, ^[[UNKNOWN:.*]] [
// CHECK-NEXT: 1: ^[[M1:.*]],
// CHECK-NEXT: 2: ^[[M2:.*]],
// CHECK-NEXT: 3: ^[[M3:.*]],
// CHECK-NEXT: 4: ^[[M4:.*]]
// CHECK: ^[[UNKNOWN]]:
// CHECK-NEXT: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT: llvm.return %[[NULL]]
// CHECK: ^[[M1]]:
// CHECK-NEXT: llvm.mlir.addressof @main_graph_error_1
func.func @main_graph(%ok1: i1, %ok2: i1, %out: memref<4xf32>) {
  %early = memref.alloc() : memref<4xf32>
  cf.assert %ok1, "node 'g': Gather index out of range"
  %late = memref.alloc() : memref<4xf32>
  memref.copy %early, %late : memref<4xf32> to memref<4xf32>
  memref.dealloc %early : memref<4xf32>
  cf.assert %ok2, "node 'd': Div: integer division by zero"
  memref.copy %late, %out : memref<4xf32> to memref<4xf32>
  memref.dealloc %late : memref<4xf32>
  return
}

// -----

// Without checks the entry point still returns a status, always 0. Private
// functions, functions with results and functions called in the module are
// not entry points and keep their signatures.
// CHECK-LABEL: func.func private @helper(%{{.*}}: memref<4xf32>)
// CHECK-LABEL: func.func @called(%{{.*}}: memref<4xf32>) {
// CHECK-LABEL: func.func @scalar() -> f32
// CHECK-LABEL: func.func @entry(%{{.*}}: memref<4xf32>) -> i32
// CHECK: call @called
// CHECK: %[[C0:.*]] = arith.constant 0 : i32
// CHECK: return %[[C0]] : i32
// CHECK: llvm.func @entry_error_message
// CHECK-NOT: llvm.func @called_error_message
func.func private @helper(%x: memref<4xf32>) {
  return
}
func.func @called(%x: memref<4xf32>) {
  func.call @helper(%x) : (memref<4xf32>) -> ()
  return
}
func.func @scalar() -> f32 {
  %c = arith.constant 1.0 : f32
  return %c : f32
}
func.func @entry(%x: memref<4xf32>) {
  func.call @called(%x) : (memref<4xf32>) -> ()
  return
}

// -----

// A check must be at the top level of the function (lower scf first).
func.func @nested(%ok: i1, %c: i1) {
  scf.if %c {
    // expected-error @below {{a check inside a region of 'scf.if' cannot return a status; lower the region to cf first}}
    cf.assert %ok, "unreachable"
  }
  return
}

// -----

// The message function's name must be free.
// expected-error @below {{cannot add @main_graph_error_message: the module already defines it}}
func.func @main_graph(%ok: i1) {
  cf.assert %ok, "check"
  return
}
func.func private @main_graph_error_message(i32) -> i32
