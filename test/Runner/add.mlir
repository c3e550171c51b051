// A float32 add in linalg on tensors: inputs from .pb and .npy files, a
// passing and a failing --expect, written and printed outputs.

// RUN: rm -rf %t && %python %S/Inputs/make_tensors.py %t
// RUN: lowrank-run %s --input %t/a.pb --input %t/b.npy --expect %t/sum.pb \
// RUN:   | FileCheck %s --check-prefix=PASS
// RUN: lowrank-run %s --input %t/a.pb --input %t/b_v2.npy \
// RUN:   --expect %t/near_sum.pb | FileCheck %s --check-prefix=PASS
// RUN: not lowrank-run %s --input %t/a.pb --input %t/b.npy \
// RUN:   --expect %t/near_sum.pb --rtol 0 --atol 1e-9 \
// RUN:   | FileCheck %s --check-prefix=STRICT
// RUN: not lowrank-run %s --input %t/a.pb --input %t/b.npy \
// RUN:   --expect %t/wrong_sum.pb | FileCheck %s --check-prefix=WRONG
// RUN: lowrank-run %s --input %t/a.pb --input %t/b.npy --print \
// RUN:   | FileCheck %s --check-prefix=PRINT
// RUN: lowrank-run %s --input %t/a.pb --input %t/b.npy --output-dir %t/out
// RUN: %python -c "import onnx, onnx.numpy_helper as h; \
// RUN:   t = onnx.load_tensor('%t/out/output_0.pb'); \
// RUN:   print(t.name, h.to_array(t).tolist())" \
// RUN:   | FileCheck %s --check-prefix=WRITTEN
// RUN: lowrank-run %s --input %t/a.pb --input %t/b.npy \
// RUN:   --expect %t/out/output_0.pb | FileCheck %s --check-prefix=PASS

// PASS: output 0 'sum': ok float32[2x3]
// PASS-NOT: MISMATCH

// STRICT: output 0 'sum': MISMATCH at index 5: actual 5.25, expected 5.2501049
// STRICT-SAME: tolerance 1e-09 (atol 1e-09 + rtol 0 * |expected|);
// STRICT-SAME: 6 of 6 elements differ

// WRONG: output 0 'sum': MISMATCH at index 4: actual 4.25, expected 42,
// WRONG-SAME: tolerance 0.00421 (atol 1e-05 + rtol 0.0001 * |expected|);
// WRONG-SAME: 1 of 6 elements differ
// WRONG: FAILED: 1 of 1 outputs differ

// PRINT: output 0 'sum': float32[2x3] = [0.25, 1.25, 2.25, 3.25, 4.25, 5.25]

// WRITTEN: sum [
// WRITTEN-SAME: [0.25, 1.25, 2.25], [3.25, 4.25, 5.25]]

#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @main_graph(%a: tensor<2x3xf32> {onnx.name = "a"},
                      %b: tensor<2x3xf32> {onnx.name = "b"})
    -> (tensor<2x3xf32> {onnx.name = "sum"}) {
  %init = tensor.empty() : tensor<2x3xf32>
  %sum = linalg.generic {indexing_maps = [#map, #map, #map],
                         iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<2x3xf32>, tensor<2x3xf32>)
      outs(%init : tensor<2x3xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  return %sum : tensor<2x3xf32>
}
