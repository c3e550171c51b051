// RUN: lowrank-opt %s --pass-pipeline='builtin.module(lowrank-gpu-pipeline)' \
// RUN:   | FileCheck %s
// format=bin (ptxas) is checked in ptxas.test.

// The host side of the GPU pipeline: main_graph keeps its C interface with
// device buffers, the weight is read through a device copy uploaded once,
// the fill, the matmul and the tanh run as kernels on one stream, in order,
// and the kernels of the function live in one binary.
// CHECK-DAG: llvm.mlir.global internal @__lowrank_device___constant_64x32xf32()
// CHECK-DAG: llvm.func @lowrankCudaDeviceConstant(!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
// CHECK-LABEL: llvm.func @main_graph(
// CHECK: llvm.call @lowrankCudaDeviceConstant
// CHECK: llvm.call @mgpuStreamCreate
// CHECK: gpu.launch_func <%[[STREAM:.*]] : !llvm.ptr> @main_graph_kernels::@main_graph_elementwise_1 blocks in
// CHECK: gpu.launch_func <%[[STREAM]] : !llvm.ptr> @main_graph_kernels::@main_graph_matmul_0 blocks in
// CHECK: gpu.launch_func <%[[STREAM]] : !llvm.ptr> @main_graph_kernels::@main_graph_elementwise_2 blocks in
// CHECK: llvm.call @mgpuStreamSynchronize
// CHECK: llvm.call @mgpuStreamDestroy
// CHECK-LABEL: llvm.func @_mlir_ciface_main_graph(
// CHECK: gpu.binary @main_graph_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70"
// CHECK-SAME: assembly = "
// CUBIN: gpu.binary @main_graph_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80"
// CUBIN-SAME: bin = "
func.func @main_graph(%x: tensor<16x64xf32>) -> tensor<16x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<16x64xf32>, tensor<64x32xf32>)
                     outs(%f : tensor<16x32xf32>) -> tensor<16x32xf32>
  %r = tensor.empty() : tensor<16x32xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<16x32xf32>) outs(%r : tensor<16x32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %th = math.tanh %a : f32
    linalg.yield %th : f32
  } -> tensor<16x32xf32>
  return %t : tensor<16x32xf32>
}
