// The inline f32 erf (lowrank-approximate-math: a rational function on
// [-4, 4]) against erf computed in double, over [-6, 6] and at NaN, the
// infinities, -0, the clamp and the smallest numbers: within 3e-7
// absolute, nothing relative.

// RUN: rm -rf %t && %python %S/Inputs/make_tensors.py %t
// RUN: lowrank-run %s --input %t/erf_grid_in.npy \
// RUN:   --expect %t/erf_grid_out.npy --rtol 0 --atol 3e-7 | FileCheck %s
// RUN: not lowrank-run %s --input %t/erf_grid_in.npy \
// RUN:   --expect %t/erf_grid_out.npy --rtol 0 --atol 1e-7 \
// RUN:   | FileCheck %s --check-prefix=TIGHT

// CHECK: output 0 'y': ok float32[4104]
// TIGHT: output 0 'y': MISMATCH

#map = affine_map<(d0) -> (d0)>
func.func @main_graph(%x: tensor<4104xf32> {onnx.name = "x"})
    -> (tensor<4104xf32> {onnx.name = "y"}) {
  %init = tensor.empty() : tensor<4104xf32>
  %y = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<4104xf32>) outs(%init : tensor<4104xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.erf %in : f32
    linalg.yield %e : f32
  } -> tensor<4104xf32>
  return %y : tensor<4104xf32>
}
