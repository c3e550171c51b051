// RUN: lowrank-opt %s --split-input-file --lowrank-split-functions=max-size=1 | FileCheck %s
// RUN: lowrank-opt %s --split-input-file --lowrank-split-functions="max-size=1 parts-only=true" | FileCheck %s --check-prefix=PARTS
// RUN: not lowrank-opt %s --split-input-file --lowrank-split-functions=max-size=0 2>&1 | FileCheck %s --check-prefix=ZERO

// ZERO: max-size must be at least 1, got 0

// Each operation is a part of its own: the parts take what they read,
// return what later operations read, and copy the tensor.empty they write
// into. The function calls them in order.
// CHECK-LABEL: func.func private @main_graph__part0
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK-SAME: llvm.bareptr, llvm.linkage = #llvm.linkage<internal>, lowrank.function_part, passthrough = ["noinline", "nobuiltin"]
// CHECK-NEXT: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[A:.*]] = linalg.exp ins(%[[X]] : tensor<4xf32>) outs(%[[E]] : tensor<4xf32>)
// CHECK-NEXT: return %[[A]] : tensor<4xf32>
// CHECK-LABEL: func.func private @main_graph__part1
// CHECK-SAME: (%[[A1:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK: linalg.exp ins(%[[A1]] : tensor<4xf32>)
// CHECK-LABEL: func.func private @main_graph__part2
// CHECK-SAME: (%[[B2:.*]]: tensor<4xf32>, %[[X2:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK: linalg.add ins(%[[B2]], %[[X2]] : tensor<4xf32>, tensor<4xf32>)
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: (%[[ARG:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK-SAME: passthrough = ["nobuiltin"]
// CHECK-NEXT: %[[R0:.*]] = call @main_graph__part0(%[[ARG]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[R1:.*]] = call @main_graph__part1(%[[R0]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[R2:.*]] = call @main_graph__part2(%[[R1]], %[[ARG]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: return %[[R2]] : tensor<4xf32>

// With parts-only, a function no earlier run made stays whole.
// PARTS-LABEL: func.func @main_graph
// PARTS-NOT: call
// PARTS-NOT: __part
func.func @main_graph(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.exp ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %b = linalg.exp ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %c = linalg.add ins(%b, %x : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

// Run-time checks move into the parts with the operations around them
// (lowrank-checks-to-status makes the parts return a status).
// CHECK-LABEL: func.func private @checked__part1
// CHECK-NEXT: cf.assert %{{.*}}, "node 'g': Gather index out of range"
// CHECK-LABEL: func.func @checked
// CHECK: call @checked__part0
// CHECK-NEXT: call @checked__part1
// CHECK-NEXT: call @checked__part2
func.func @checked(%x: tensor<4xf32>, %ok: i1) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.exp ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  cf.assert %ok, "node 'g': Gather index out of range"
  %b = linalg.exp ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %b : tensor<4xf32>
}

// -----

// A tensor of dynamic shape read by a later part keeps the function whole.
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT: call
func.func @dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  %a = math.exp %x : tensor<?xf32>
  %b = math.exp %a : tensor<?xf32>
  return %b : tensor<?xf32>
}
