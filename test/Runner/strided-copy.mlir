// Copying into a strided view (as padding, Concat and Split do) is compiled
// to loops: the code needs no memrefCopy from MLIR's runtime library.

// RUN: rm -rf %t && %python %S/Inputs/make_tensors.py %t
// RUN: %python -c "import numpy as np; \
// RUN:   np.save('%t/padded.npy', np.pad(np.arange(6, dtype=np.float32) \
// RUN:                                   .reshape(2, 3), 1))"
// RUN: lowrank-run %s --input %t/a.pb --expect %t/padded.npy | FileCheck %s
// RUN: lowrank-opt %s --lowrank-cpu-pipeline | FileCheck %s --check-prefix=IR

// CHECK: output 0 'output_0': ok float32[4x5]
// IR: module
// IR-NOT: memrefCopy

func.func @main_graph(%a: tensor<2x3xf32>) -> tensor<4x5xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<4x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<4x5xf32>)
      -> tensor<4x5xf32>
  %padded = tensor.insert_slice %a into %init[1, 1] [2, 3] [1, 1]
      : tensor<2x3xf32> into tensor<4x5xf32>
  return %padded : tensor<4x5xf32>
}
