// Math functions without an inline approximation (here math.erfc) become
// calls into libm (convert-math-to-libm); the JIT must resolve them from the
// running process.

// RUN: rm -rf %t && %python %S/Inputs/make_tensors.py %t
// RUN: lowrank-run %s --input %t/erf_in.npy --expect %t/erfc_out.npy \
// RUN:   | FileCheck %s
// RUN: lowrank-opt %s --lowrank-cpu-pipeline | FileCheck %s --check-prefix=IR

// CHECK: output 0 'y': ok float32[8]
// IR: llvm.func @erfcf(f32) -> f32

#map = affine_map<(d0) -> (d0)>
func.func @main_graph(%x: tensor<8xf32> {onnx.name = "x"})
    -> (tensor<8xf32> {onnx.name = "y"}) {
  %init = tensor.empty() : tensor<8xf32>
  %y = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.erfc %in : f32
    linalg.yield %e : f32
  } -> tensor<8xf32>
  return %y : tensor<8xf32>
}
