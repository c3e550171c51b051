// Degenerate weights through lowrank-select-ranks and lowrank-factorize, with
// both SVD algorithms: never a NaN, never garbage factors.
//
// * An all-zero weight stays dense with reason "zero weight" under every
//   rule (energy and error ratios would be 0/0); forced to a rank by an
//   override it factors into zero factors, exactly.
// * A rank-deficient weight (rank 2) factored at rank 8 is reproduced
//   exactly: the compressed model computes what the original does.
// * A weight holding inf or NaN is an error naming the layer.

// RUN: rm -rf %t && %python %S/Inputs/make_degenerate_weights.py %t

// RUN: lowrank-opt %t/degenerate.mlir --lowrank-select-ranks="rank=8 skip-heads=false grouping=false" | FileCheck %s --check-prefix=ZERO
// RUN: lowrank-opt %t/degenerate.mlir --lowrank-select-ranks="energy=0.9 skip-heads=false grouping=false" | FileCheck %s --check-prefix=ZERO
// RUN: lowrank-opt %t/degenerate.mlir --lowrank-select-ranks="max-error=0.1 skip-heads=false grouping=false" | FileCheck %s --check-prefix=ZERO
// RUN: lowrank-opt %t/degenerate.mlir --lowrank-select-ranks="param-ratio=0.5 skip-heads=false grouping=false" | FileCheck %s --check-prefix=ZERO
// ZERO: onnx.MatMul {{.*}}lowrank.decision = {action = "dense", {{.*}}name = "zero_layer", {{.*}}rank = 0 : i64, reason = "zero weight"}
// ZERO: onnx.MatMul {{.*}}lowrank.decision = {action = "factor", {{.*}}name = "rank2_layer"

// The reference outputs of the uncompressed model.
// RUN: lowrank-run %t/degenerate.mlir --input %t/x.npy --output-dir %t/ref

// gesdd and the randomized SVD (whose LU, QR and eigen steps see singular
// matrices here), with the zero layer forced to rank 8.
// RUN: lowrank-opt %t/degenerate.mlir --lowrank-select-ranks="rank=8 skip-heads=false grouping=false override=zero_layer=8" \
// RUN:   --lowrank-factorize=svd=gesdd -o %t/gesdd.mlir
// RUN: lowrank-opt %t/degenerate.mlir --lowrank-select-ranks="rank=8 skip-heads=false grouping=false override=zero_layer=8" \
// RUN:   --lowrank-factorize=svd=randomized -o %t/randomized.mlir
// RUN: FileCheck %s --check-prefix=FACTORED --input-file=%t/gesdd.mlir
// RUN: FileCheck %s --check-prefix=FACTORED --input-file=%t/randomized.mlir
// FACTORED: relative_error = 0.000000e+00 : f64
// FACTORED-SAME: relative_error = {{[0-9.]+}}E-{{[7-9]|1[0-9]}} : f64
// FACTORED-NOT: nan
// FACTORED: onnx.MatMul {{.*}}lowrank.factor = "A"
// FACTORED: onnx.MatMul {{.*}}action = "factor", {{.*}}error = 0.000000e+00 : f64, name = "zero_layer"
// FACTORED: onnx.MatMul {{.*}}lowrank.factor = "A"
// FACTORED: onnx.MatMul {{.*}}action = "factor", {{.*}}name = "rank2_layer"
// RUN: lowrank-run %t/gesdd.mlir --input %t/x.npy --expect %t/ref/output_0.pb \
// RUN:   --expect %t/ref/output_1.pb --atol 1e-4 | FileCheck %s --check-prefix=SAME
// RUN: lowrank-run %t/randomized.mlir --input %t/x.npy --expect %t/ref/output_0.pb \
// RUN:   --expect %t/ref/output_1.pb --atol 1e-4 | FileCheck %s --check-prefix=SAME
// SAME: output 0 'output_0': ok float32[4x48]
// SAME: output 1 'output_1': ok float32[4x48]

// RUN: not lowrank-opt %t/inf.mlir --lowrank-select-ranks="rank=8 skip-heads=false" 2>&1 | FileCheck %s --check-prefix=INF
// INF: error: {{.*}}weight of layer 'inf_layer' is not finite: matrix entry (3, 5) is inf

// lowrank-factorize alone (a decision already made) checks too, on either
// SVD path.
// RUN: not lowrank-opt %s --lowrank-factorize=svd=randomized 2>&1 | FileCheck %s --check-prefix=NAN
// RUN: not lowrank-opt %s --lowrank-factorize=svd=gesdd 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: error: {{.*}}'nan_layer'{{.*}}not finite: matrix entry (1, 0) is NaN
func.func @nan(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = onnx.Constant {value = dense<[[1.0, 2.0], [0x7FC00000, 1.0]]> : tensor<2x2xf32>} : tensor<2x2xf32>
  %y = onnx.MatMul %x, %w {lowrank.decision = {action = "factor", rank = 1 : i64, d_in = 2 : i64, d_out = 2 : i64, name = "nan_layer"}} : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32> loc("nan_layer")
  return %y : tensor<4x2xf32>
}
