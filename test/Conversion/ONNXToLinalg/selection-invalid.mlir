// RUN: not lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file 2>&1 | FileCheck %s

// CHECK: error: CumProd axis 2 is out of range for rank 2
func.func @cumprod_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = onnx.Constant {value = dense<2> : tensor<i64>} : tensor<i64>
  %y = onnx.CumProd %x, %a : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK: error: TopK K must be in [0, 4]
func.func @top_k_too_many(%x: tensor<3x4xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>) {
  %k = onnx.Constant {value = dense<5> : tensor<1xi64>} : tensor<1xi64>
  %v, %i = onnx.TopK %x, %k : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x5xf32>, tensor<3x5xi64>)
  return %v, %i : tensor<3x5xf32>, tensor<3x5xi64>
}
