// RUN: lowrank-opt %s --split-input-file --verify-diagnostics \
// RUN:   --lowrank-gpu-device-memory

memref.global "private" @state : memref<4xf32> = dense<0.0>
func.func @mutable_global(%out: memref<4xf32>) {
  // expected-error @+1 {{reads a global that is not a constant, contiguous buffer of numbers}}
  %s = memref.get_global @state : memref<4xf32>
  return
}
