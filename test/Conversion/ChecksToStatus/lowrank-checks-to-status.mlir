// RUN: lowrank-opt %s --lowrank-checks-to-status --split-input-file --verify-diagnostics | FileCheck %s

// Each check becomes a branch, with the check's number, to a block that
// frees the live buffers and returns the number; the normal exit returns 0.
// Every allocation is checked for null first. A check whose live buffers
// include those of the check before frees only the new ones and continues
// in that check's block.
// CHECK-DAG: llvm.mlir.global internal constant @main_graph_error_messages("cannot allocate a buffer of type memref<4xf32>\00node 'g': Gather index out of range\00cannot allocate a buffer of type memref<4xf32>\00node 'd': Div: integer division by zero\00")
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: (%[[OK1:.*]]: i1, %[[OK2:.*]]: i1, %[[OUT:.*]]: memref<4xf32>) -> i32
// CHECK: %[[EARLY:.*]] = memref.alloc() : memref<4xf32>
// CHECK: %[[ADDRESS:.*]] = memref.extract_aligned_pointer_as_index %[[EARLY]]
// CHECK: %[[NONNULL:.*]] = arith.cmpi ne, %[[ADDRESS]], %{{.*}} : index
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT: cf.cond_br %[[NONNULL]], ^[[ALLOCATED:.*]], ^[[FREEEARLY:.*]](%[[C1]] : i32)
// CHECK: ^[[FREEEARLY]](%[[S1:.*]]: i32):
// CHECK-NEXT: memref.dealloc %[[EARLY]]
// CHECK-NEXT: return %[[S1]] : i32
// CHECK: ^[[ALLOCATED]]:
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : i32
// CHECK-NEXT: cf.cond_br %[[OK1]], ^[[NEXT1:.*]], ^[[FREEEARLY]](%[[C2]] : i32)
// CHECK: ^[[NEXT1]]:
// CHECK: %[[LATE:.*]] = memref.alloc() : memref<4xf32>
// CHECK: cf.cond_br %{{.*}}, ^[[ALLOCATED2:.*]], ^[[FREELATE:.*]](%{{.*}} : i32)
// CHECK: ^[[FREELATE]](%[[S3:.*]]: i32):
// CHECK-NEXT: memref.dealloc %[[LATE]]
// CHECK-NEXT: cf.br ^[[FREEEARLY]](%[[S3]] : i32)
// CHECK: ^[[ALLOCATED2]]:
// CHECK: memref.dealloc %[[EARLY]]
// CHECK: %[[C4:.*]] = arith.constant 4 : i32
// CHECK-NEXT: cf.cond_br %[[OK2]], ^[[NEXT2:.*]], ^[[FAIL2:.*]](%[[C4]] : i32)
// CHECK: ^[[FAIL2]](%[[S4:.*]]: i32):
// CHECK-NEXT: memref.dealloc %[[LATE]]
// CHECK-NEXT: return %[[S4]] : i32
// CHECK: ^[[NEXT2]]:
// CHECK: memref.dealloc %[[LATE]]
// CHECK: %[[C0:.*]] = arith.constant 0 : i32
// CHECK: return %[[C0]] : i32
// CHECK-NOT: cf.assert

// The messages, by number: status s is the text at offset s - 1 of the
// table, and 0 and numbers past the last are null.
// CHECK: llvm.mlir.global internal constant @main_graph_error_offsets(dense<[0, 47, 83, 130]> : tensor<4xi64>)
// CHECK: llvm.func @main_graph_error_message(%[[S:.*]]: i32) -> !llvm.ptr
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: %[[INDEX32:.*]] = llvm.sub %[[S]], %[[ONE]] : i32
// CHECK: %[[INDEX:.*]] = llvm.zext %[[INDEX32]] : i32 to i64
// CHECK: %[[COUNT:.*]] = llvm.mlir.constant(4 : i64) : i64
// CHECK: %[[KNOWN:.*]] = llvm.icmp "ult" %[[INDEX]], %[[COUNT]] : i64
// CHECK: llvm.cond_br %[[KNOWN]], ^[[FOUND:.*]], ^[[UNKNOWN:.*]]
// CHECK: ^[[UNKNOWN]]:
// CHECK-NEXT: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT: llvm.return %[[NULL]]
// CHECK: ^[[FOUND]]:
// CHECK-NEXT: %[[TABLE:.*]] = llvm.mlir.addressof @main_graph_error_offsets
// CHECK-NEXT: %[[SLOT:.*]] = llvm.getelementptr inbounds %[[TABLE]][%[[INDEX]]]
// CHECK-NEXT: %[[OFFSET:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> i64
// CHECK-NEXT: %[[TEXT:.*]] = llvm.mlir.addressof @main_graph_error_messages
// CHECK: %[[MESSAGE:.*]] = llvm.getelementptr inbounds %{{.*}}[%[[OFFSET]]]
// CHECK-NEXT: llvm.return %[[MESSAGE]]
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

// -----

// So must the names of its two tables.
// expected-error @below {{cannot add @main_graph_error_offsets: the module already defines it}}
func.func @main_graph(%ok: i1) {
  cf.assert %ok, "check"
  return
}
memref.global "private" constant @main_graph_error_offsets : memref<1xi64> = dense<0>

// -----

// The private functions an entry point calls (the parts of a split model)
// return a status after their results when they allocate, check or call
// such a function; the caller frees its live buffers and passes a failed
// status on. Numbers are unique in the module and the entry point's message
// function names them all.
// CHECK-DAG: llvm.mlir.global internal constant @main_graph_error_messages("cannot allocate a buffer of type memref<8xf32>\00cannot allocate a buffer of type memref<4xf32>\00node 'g': Gather index out of range\00")
// CHECK-LABEL: func.func private @part0
// CHECK-SAME: (%[[OK:.*]]: i1, %{{.*}}: memref<4xf32>) -> (f32, i32)
// CHECK: %[[TEMP:.*]] = memref.alloc() : memref<4xf32>
// CHECK: %[[C2:.*]] = arith.constant 2 : i32
// CHECK-NEXT: cf.cond_br %{{.*}}, ^{{.*}}, ^[[FAIL:.*]](%[[C2]] : i32)
// CHECK: ^[[FAIL]](%[[S:.*]]: i32):
// CHECK-NEXT: memref.dealloc %[[TEMP]]
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: return %[[ZERO]], %[[S]] : f32, i32
// CHECK: %[[C3:.*]] = arith.constant 3 : i32
// CHECK-NEXT: cf.cond_br %[[OK]], ^[[PASS:.*]], ^[[FAIL]](%[[C3]] : i32)
// CHECK: ^[[PASS]]:
// CHECK: %[[S0:.*]] = arith.constant 0 : i32
// CHECK: return %{{.*}}, %[[S0]] : f32, i32
// A private function that cannot fail keeps its signature.
// CHECK-LABEL: func.func private @part1(%{{.*}}: f32) -> f32
// CHECK-NOT: i32
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: -> i32
// CHECK: %[[BUFFER:.*]] = memref.alloc() : memref<8xf32>
// CHECK: cf.cond_br %{{.*}}, ^{{.*}}, ^[[FREEBUFFER:.*]](%{{.*}} : i32)
// CHECK: ^[[FREEBUFFER]](%[[S:.*]]: i32):
// CHECK-NEXT: memref.dealloc %[[BUFFER]]
// CHECK-NEXT: return %[[S]] : i32
// CHECK: %[[V:.*]]:2 = call @part0(%{{.*}}, %{{.*}}) : (i1, memref<4xf32>) -> (f32, i32)
// CHECK: %[[PASSED:.*]] = arith.cmpi eq, %[[V]]#1, %{{.*}} : i32
// CHECK-NEXT: cf.cond_br %[[PASSED]], ^[[NEXT:.*]], ^[[FREEBUFFER]](%[[V]]#1 : i32)
// CHECK: ^[[NEXT]]:
// CHECK: call @part1(%[[V]]#0) : (f32) -> f32
// CHECK: llvm.func @main_graph_error_message
// CHECK: llvm.mlir.constant(3 : i64) : i64
func.func private @part0(%ok: i1, %x: memref<4xf32>) -> f32 {
  %temp = memref.alloc() : memref<4xf32>
  memref.copy %x, %temp : memref<4xf32> to memref<4xf32>
  cf.assert %ok, "node 'g': Gather index out of range"
  %c0 = arith.constant 0 : index
  %v = memref.load %temp[%c0] : memref<4xf32>
  memref.dealloc %temp : memref<4xf32>
  return %v : f32
}
func.func private @part1(%v: f32) -> f32 {
  %w = arith.addf %v, %v : f32
  return %w : f32
}
func.func @main_graph(%ok: i1, %x: memref<4xf32>, %out: memref<8xf32>) {
  %buffer = memref.alloc() : memref<8xf32>
  %v = func.call @part0(%ok, %x) : (i1, memref<4xf32>) -> f32
  %w = func.call @part1(%v) : (f32) -> f32
  %c0 = arith.constant 0 : index
  memref.store %w, %buffer[%c0] : memref<8xf32>
  memref.copy %buffer, %out : memref<8xf32> to memref<8xf32>
  memref.dealloc %buffer : memref<8xf32>
  return
}

// -----

// A part that returns buffers to its caller (the second split, after
// bufferization, cuts between an allocation and its uses) returns a status
// too: a failed check frees the buffers it was to return and returns
// poison in their place. The caller frees the buffers earlier parts
// returned to it, but not those of the failed call.
// CHECK-LABEL: func.func private @producer
// CHECK-SAME: (%[[OK:.*]]: i1) -> (memref<4xf32>, memref<8xf32>, i32)
// CHECK: %[[FIRST:.*]] = memref.alloc() : memref<4xf32>
// CHECK: cf.cond_br %{{.*}}, ^{{.*}}, ^[[FREEFIRST:.*]](%{{.*}} : i32)
// CHECK: ^[[FREEFIRST]](%[[S:.*]]: i32):
// CHECK-NEXT: memref.dealloc %[[FIRST]]
// CHECK-NEXT: %[[P0:.*]] = ub.poison : memref<4xf32>
// CHECK-NEXT: %[[P1:.*]] = ub.poison : memref<8xf32>
// CHECK-NEXT: return %[[P0]], %[[P1]], %[[S]] : memref<4xf32>, memref<8xf32>, i32
// CHECK: %[[SECOND:.*]] = memref.alloc() : memref<8xf32>
// CHECK: cf.cond_br %{{.*}}, ^{{.*}}, ^[[FREESECOND:.*]](%{{.*}} : i32)
// CHECK: ^[[FREESECOND]](%[[S2:.*]]: i32):
// CHECK-NEXT: memref.dealloc %[[SECOND]]
// CHECK-NEXT: cf.br ^[[FREEFIRST]](%[[S2]] : i32)
// CHECK: cf.cond_br %[[OK]], ^[[PASS:.*]], ^[[FREESECOND]](%{{.*}} : i32)
// CHECK: ^[[PASS]]:
// CHECK: return %[[FIRST]], %[[SECOND]], %{{.*}} : memref<4xf32>, memref<8xf32>, i32
// CHECK-LABEL: func.func private @consumer
// CHECK-SAME: -> i32
// CHECK-LABEL: func.func @main_graph
// CHECK: %[[B:.*]]:3 = call @producer(%{{.*}}) : (i1) -> (memref<4xf32>, memref<8xf32>, i32)
// CHECK: cf.cond_br %{{.*}}, ^[[NEXT:.*]], ^[[PRODUCERFAILED:.*]](%[[B]]#2 : i32)
// CHECK: ^[[PRODUCERFAILED]](%[[S1:.*]]: i32):
// CHECK-NEXT: return %[[S1]] : i32
// CHECK: ^[[NEXT]]:
// CHECK: %[[S:.*]] = call @consumer(%{{.*}}, %[[B]]#0) : (i1, memref<4xf32>) -> i32
// CHECK: cf.cond_br %{{.*}}, ^{{.*}}, ^[[CONSUMERFAILED:.*]](%[[S]] : i32)
// CHECK: ^[[CONSUMERFAILED]](%[[S2:.*]]: i32):
// CHECK-NEXT: memref.dealloc %[[B]]#0
// CHECK-NEXT: memref.dealloc %[[B]]#1
// CHECK-NEXT: cf.br ^[[PRODUCERFAILED]](%[[S2]] : i32)
func.func private @producer(%ok: i1) -> (memref<4xf32>, memref<8xf32>) {
  %first = memref.alloc() : memref<4xf32>
  %second = memref.alloc() : memref<8xf32>
  cf.assert %ok, "node 'g': Gather index out of range"
  return %first, %second : memref<4xf32>, memref<8xf32>
}
func.func private @consumer(%ok: i1, %x: memref<4xf32>) {
  cf.assert %ok, "node 'h': Gather index out of range"
  return
}
func.func @main_graph(%ok1: i1, %ok2: i1, %out: memref<8xf32>) {
  %first, %second = func.call @producer(%ok1) : (i1) -> (memref<4xf32>, memref<8xf32>)
  func.call @consumer(%ok2, %first) : (i1, memref<4xf32>) -> ()
  memref.copy %second, %out : memref<8xf32> to memref<8xf32>
  memref.dealloc %first : memref<4xf32>
  memref.dealloc %second : memref<8xf32>
  return
}

// -----

// A buffer one part returns and a later part frees: the caller owns it until
// the call that hands it over, so a check failing in between frees it there;
// from the call on the part owns it and frees it when its own check fails.
// CHECK-LABEL: func.func private @freer
// CHECK-SAME: (%[[OK:.*]]: i1, %[[X:.*]]: memref<4xf32>) -> i32
// CHECK: cf.cond_br %[[OK]], ^[[PASS:.*]], ^[[FAILED:.*]](%{{.*}} : i32)
// CHECK: ^[[FAILED]](%[[S:.*]]: i32):
// CHECK-NEXT: memref.dealloc %[[X]]
// CHECK-NEXT: return %[[S]] : i32
// CHECK: ^[[PASS]]:
// CHECK-NEXT: memref.dealloc %[[X]]
// CHECK-LABEL: func.func @main_graph
// CHECK: %[[B:.*]]:2 = call @returner() : () -> (memref<4xf32>, i32)
// CHECK: %[[S1:.*]] = call @checker(%{{.*}}) : (i1) -> i32
// CHECK: cf.cond_br %{{.*}}, ^{{.*}}, ^[[CHECKERFAILED:.*]](%[[S1]] : i32)
// CHECK: ^[[CHECKERFAILED]](%[[S2:.*]]: i32):
// CHECK-NEXT: memref.dealloc %[[B]]#0
// CHECK: %[[S3:.*]] = call @freer(%{{.*}}, %[[B]]#0) : (i1, memref<4xf32>) -> i32
// CHECK: cf.cond_br %{{.*}}, ^{{.*}}, ^[[FREERFAILED:.*]](%[[S3]] : i32)
// CHECK: ^[[FREERFAILED]](%[[S4:.*]]: i32):
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func private @returner() -> memref<4xf32> {
  %b = memref.alloc() : memref<4xf32>
  return %b : memref<4xf32>
}
func.func private @checker(%ok: i1) {
  cf.assert %ok, "node 'g': Gather index out of range"
  return
}
func.func private @freer(%ok: i1, %x: memref<4xf32>) {
  cf.assert %ok, "node 'h': Gather index out of range"
  memref.dealloc %x : memref<4xf32>
  return
}
func.func @main_graph(%ok1: i1, %ok2: i1) {
  %b = func.call @returner() : () -> memref<4xf32>
  func.call @checker(%ok1) : (i1) -> ()
  func.call @freer(%ok2, %b) : (i1, memref<4xf32>) -> ()
  return
}

// -----

// A private function called from a function that cannot return a status
// (public and called, so not an entry point) keeps its checks and its
// signature.
// CHECK-LABEL: func.func private @checked(%{{.*}}: i1) {
// CHECK: cf.assert
// CHECK-LABEL: func.func @called(%{{.*}}: i1) {
func.func private @checked(%ok: i1) {
  cf.assert %ok, "check"
  return
}
func.func @called(%ok: i1) {
  func.call @checked(%ok) : (i1) -> ()
  return
}
func.func @entry(%ok: i1) {
  func.call @called(%ok) : (i1) -> ()
  return
}
