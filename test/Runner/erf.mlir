// math.erf is computed inline by a polynomial (lowrank-approximate-math in
// the CPU pipeline) and must still match erf; with approximate-math=false
// it is a call to libm's erff.

// RUN: rm -rf %t && %python %S/Inputs/make_tensors.py %t
// RUN: lowrank-run %s --input %t/erf_in.npy --expect %t/erf_out.npy \
// RUN:   | FileCheck %s
// RUN: lowrank-opt %s --lowrank-cpu-pipeline | FileCheck %s --check-prefix=IR
// RUN: lowrank-opt %s --lowrank-cpu-pipeline='approximate-math=false' \
// RUN:   | FileCheck %s --check-prefix=LIBM

// CHECK: output 0 'y': ok float32[8]
// IR-NOT: @erff
// IR: llvm.func @main_graph
// IR-NOT: @erff
// LIBM: llvm.func @erff(f32) -> f32

#map = affine_map<(d0) -> (d0)>
func.func @main_graph(%x: tensor<8xf32> {onnx.name = "x"})
    -> (tensor<8xf32> {onnx.name = "y"}) {
  %init = tensor.empty() : tensor<8xf32>
  %y = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.erf %in : f32
    linalg.yield %e : f32
  } -> tensor<8xf32>
  return %y : tensor<8xf32>
}
