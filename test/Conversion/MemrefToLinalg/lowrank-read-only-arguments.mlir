// RUN: lowrank-opt %s --lowrank-read-only-arguments | FileCheck %s
// After bufferization, the state updated in place is a copy of the input,
// not the input's buffer.
// RUN: lowrank-opt %s --lowrank-read-only-arguments \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   | FileCheck %s --check-prefix=BUFFERS

// The entry point's tensor arguments are read-only; a private function's
// (a part of a split model) are left to the analysis across calls.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: (%{{.*}}: tensor<4xf32> {bufferization.writable = false}, %{{.*}}: index)
// CHECK-LABEL: func.func private @part
// CHECK-NOT: bufferization.writable
// BUFFERS-LABEL: func.func @main_graph
// BUFFERS-SAME: (%[[X:.*]]: memref<4xf32>
// BUFFERS: %[[COPY:.*]] = memref.alloc() {{.*}} : memref<4xf32>
// BUFFERS: memref.copy %[[X]], %[[COPY]]
// BUFFERS: linalg.generic {{.*}} outs(%[[COPY]] : memref<4xf32>)
func.func @main_graph(%x: tensor<4xf32>, %n: index) -> tensor<4xf32> {
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%x : tensor<4xf32>) {
  ^bb0(%out: f32):
    %two = arith.addf %out, %out : f32
    linalg.yield %two : f32
  } -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func private @part(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
