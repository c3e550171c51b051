// A linalg.matmul with operands of different shapes, checked against numpy.

// RUN: rm -rf %t && %python %S/Inputs/make_tensors.py %t
// RUN: lowrank-run %s --input %t/m.npy --input %t/n.npy \
// RUN:   --expect %t/m_times_n.npy | FileCheck %s

// CHECK: output 0 'output_0': ok float32[3x2]

func.func @main_graph(%m: tensor<3x4xf32>, %n: tensor<4x2xf32>)
    -> tensor<3x2xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<3x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<3x2xf32>)
      -> tensor<3x2xf32>
  %p = linalg.matmul ins(%m, %n : tensor<3x4xf32>, tensor<4x2xf32>)
                     outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %p : tensor<3x2xf32>
}
