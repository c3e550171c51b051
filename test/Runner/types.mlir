// Integer, bool and rank-0 tensors: int64 adds exactly (including values
// beyond 2^32), bools are one byte per element, scalars have no sizes or
// strides in their descriptors.

// RUN: rm -rf %t && %python %S/Inputs/make_tensors.py %t
// RUN: lowrank-run %s --input %t/i.pb --input %t/j.pb --input %t/scalar.pb \
// RUN:   --expect %t/i_plus_j.pb --expect %t/i_gt_j.npy --expect %t/scalar.pb \
// RUN:   | FileCheck %s
// RUN: lowrank-run %s --input %t/i.pb --input %t/j.pb --input %t/scalar.pb \
// RUN:   --print | FileCheck %s --check-prefix=PRINT
// RUN: not lowrank-run %s --input %t/i.pb --input %t/j.pb \
// RUN:   --input %t/scalar.pb --expect %t/j.pb --expect %t/i_gt_j.pb \
// RUN:   --expect %t/scalar.pb | FileCheck %s --check-prefix=WRONG

// RUN: lowrank-run %s --input %t/i.pb --input %t/j.pb --input %t/scalar.pb \
// RUN:   --output-dir %t/out --npy
// RUN: %python -c "import numpy as np; \
// RUN:   [print(a.dtype, a.shape, a.tolist()) for a in \
// RUN:    (np.load('%t/out/output_%%d.npy' %% k) for k in range(3))]" \
// RUN:   | FileCheck %s --check-prefix=NPY
// RUN: not lowrank-run %s --input %t/out/output_0.npy --input %t/j.pb \
// RUN:   --input %t/out/output_2.npy --expect %t/out/output_0.npy \
// RUN:   --expect %t/out/output_1.npy --expect %t/scalar.pb \
// RUN:   | FileCheck %s --check-prefix=NPY-SUM

// CHECK: output 0 'sum': ok int64[2x3]
// CHECK: output 1 'greater': ok bool[2x3]
// CHECK: output 2 'same': ok float64[]

// PRINT: output 0 'sum': int64[2x3] = [2, 0, 6, 1099511627780, 10, 0]
// PRINT: output 1 'greater': bool[2x3] = [false, false, false, true, false, false]
// PRINT: output 2 'same': float64[] = [2.5]

// NPY: int64 (2, 3) {{\[}}[2, 0, 6], [1099511627780, 10, 0]]
// NPY: bool (2, 3) {{\[}}[False, False, False], [True, False, False]]
// NPY: float64 () 2.5

// Feeding the written files back in adds j once more: the largest change
// is j's last element, 6; the scalar passes through unchanged.
// NPY-SUM: output 0 'sum': MISMATCH at index 5: actual 6, expected 0;
// NPY-SUM: output 2 'same': ok float64[]

// WRONG: output 0 'sum': MISMATCH at index 3: actual 1099511627780, expected 4;
// WRONG-SAME: 6 of 6 elements differ
// WRONG: output 1 'greater': ok

#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @main_graph(%i: tensor<2x3xi64> {onnx.name = "i"},
                      %j: tensor<2x3xi64> {onnx.name = "j"},
                      %s: tensor<f64> {onnx.name = "s"})
    -> (tensor<2x3xi64> {onnx.name = "sum"},
        tensor<2x3xi1> {onnx.name = "greater"},
        tensor<f64> {onnx.name = "same"}) {
  %sumInit = tensor.empty() : tensor<2x3xi64>
  %gtInit = tensor.empty() : tensor<2x3xi1>
  %sum, %gt = linalg.generic {indexing_maps = [#map, #map, #map, #map],
                              iterator_types = ["parallel", "parallel"]}
      ins(%i, %j : tensor<2x3xi64>, tensor<2x3xi64>)
      outs(%sumInit, %gtInit : tensor<2x3xi64>, tensor<2x3xi1>) {
  ^bb0(%x: i64, %y: i64, %o: i64, %p: i1):
    %a = arith.addi %x, %y : i64
    %c = arith.cmpi sgt, %x, %y : i64
    linalg.yield %a, %c : i64, i1
  } -> (tensor<2x3xi64>, tensor<2x3xi1>)
  return %sum, %gt, %s : tensor<2x3xi64>, tensor<2x3xi1>, tensor<f64>
}
