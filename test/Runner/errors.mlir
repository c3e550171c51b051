// Errors are reported as `file: error: message` with a non-zero exit code,
// never as crashes.

// RUN: rm -rf %t && %python %S/Inputs/make_tensors.py %t
// RUN: not lowrank-run %s --input %t/a.pb --input %t/missing.npy 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MISSING
// RUN: not lowrank-run %t/missing.mlir --input %t/a.pb 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NO-MODEL
// RUN: not lowrank-run %s --input %t/a.pb --input %t/b_i64.npy 2>&1 \
// RUN:   | FileCheck %s --check-prefix=DTYPE
// RUN: not lowrank-run %s --input %t/a.pb --input %t/b_3x2.npy 2>&1 \
// RUN:   | FileCheck %s --check-prefix=SHAPE
// RUN: not lowrank-run %s --input %t/a.pb 2>&1 \
// RUN:   | FileCheck %s --check-prefix=COUNT
// RUN: not lowrank-run %s --input %t/a.pb --input %t/b.npy \
// RUN:   --expect %t/sum.pb --expect %t/sum.pb 2>&1 \
// RUN:   | FileCheck %s --check-prefix=EXPECT-COUNT
// RUN: not lowrank-run %s --input %t/a.pb --input %t/b.npy \
// RUN:   --expect %t/i.pb | FileCheck %s --check-prefix=EXPECT-DTYPE
// RUN: not lowrank-run %s --input %s --input %t/b.npy 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOT-A-TENSOR
// RUN: not lowrank-run %s --input %t/a.pb --input %t/b_fortran.npy 2>&1 \
// RUN:   | FileCheck %s --check-prefix=FORTRAN
// RUN: not lowrank-run %s --input %t/a.pb --input %t/b_bigendian.npy 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BIG-ENDIAN
// RUN: not lowrank-run %s --input %t/a.pb --input %t/b_complex.npy 2>&1 \
// RUN:   | FileCheck %s --check-prefix=COMPLEX
// RUN: not lowrank-run %S/Inputs/dynamic.mlir --input %t/a.pb 2>&1 \
// RUN:   | FileCheck %s --check-prefix=DYNAMIC
// RUN: not lowrank-run %S/Inputs/no-main-graph.mlir 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NO-MAIN
// RUN: not lowrank-run %S/Inputs/not-bufferizable.mlir --input %t/a.pb \
// RUN:   --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=COMPILE

// MISSING: missing.npy: error: cannot read file: No such file or directory
// NO-MODEL: missing.mlir: error: cannot read file: No such file or directory
// DTYPE: errors.mlir: error: input 1 'b' must be float32[2x3], got int64[2x3]
// SHAPE: errors.mlir: error: input 1 'b' must be float32[2x3], got float32[3x2]
// COUNT: errors.mlir: error: the graph takes 2 inputs ('a', 'b'), got 1
// EXPECT-COUNT: errors.mlir: error: the graph has 1 outputs, got 2 --expect files
// EXPECT-DTYPE: output 0 'sum': MISMATCH: got float32[2x3], expected int64[2x3]
// NOT-A-TENSOR: errors.mlir: error: not a valid ONNX TensorProto
// FORTRAN: b_fortran.npy: error: Fortran-order NumPy arrays are not supported
// BIG-ENDIAN: b_bigendian.npy: error: big-endian NumPy arrays (dtype '>f4') are not supported
// COMPLEX: b_complex.npy: error: unsupported NumPy dtype '<c8'
// DYNAMIC: dynamic.mlir: error: input 0 'x' must be float32[?], got float32[2x3]
// NO-MAIN: no-main-graph.mlir{{.*}}: error: no function @main_graph to run
// COMPILE: not-bufferizable.mlir:{{[0-9]+}}:{{[0-9]+}}: error: op was not bufferized
// COMPILE-NOT: Stack dump

func.func @main_graph(%a: tensor<2x3xf32> {onnx.name = "a"},
                      %b: tensor<2x3xf32> {onnx.name = "b"})
    -> (tensor<2x3xf32> {onnx.name = "sum"}) {
  %init = tensor.empty() : tensor<2x3xf32>
  %sum = linalg.add ins(%a, %b : tensor<2x3xf32>, tensor<2x3xf32>)
                    outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %sum : tensor<2x3xf32>
}
