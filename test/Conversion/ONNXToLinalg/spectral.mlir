// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// A 16-point transform of a complex signal of 12 samples: one contraction
// over the samples and their two components with a constant table
// [frequency, sample, component in, component out].
// CHECK-LABEL: func.func @dft_padded
// CHECK: %[[TABLE:.*]] = arith.constant dense<{{.*}}> : tensor<16x12x2x2xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME: ins(%{{.*}}, %[[TABLE]] : tensor<2x12x2xf32>, tensor<16x12x2x2xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: scf.index_switch
func.func @dft_padded(%x: tensor<2x12x2xf32>) -> tensor<2x16x2xf32> {
  %n = onnx.Constant {value = dense<16> : tensor<i64>} : tensor<i64>
  %axis = onnx.Constant {value = dense<1> : tensor<i64>} : tensor<i64>
  %y = onnx.DFT %x, %n, %axis : (tensor<2x12x2xf32>, tensor<i64>, tensor<i64>) -> tensor<2x16x2xf32>
  return %y : tensor<2x16x2xf32>
}

// -----

// A signal longer than the transform is cut first.
// CHECK-LABEL: func.func @dft_cut_real_onesided
// CHECK: tensor.extract_slice %{{.*}} [1, 8, 1] [1, 1, 1] : tensor<1x10x1xf32> to tensor<1x8x1xf32>
// CHECK: arith.constant dense<{{.*}}> : tensor<5x8x1x2xf32>
func.func @dft_cut_real_onesided(%x: tensor<1x10x1xf32>) -> tensor<1x5x2xf32> {
  %n = onnx.Constant {value = dense<8> : tensor<i64>} : tensor<i64>
  %none = onnx.NoValue
  %y = onnx.DFT %x, %n, %none {onesided = 1 : i64} : (tensor<1x10x1xf32>, tensor<i64>, none) -> tensor<1x5x2xf32>
  return %y : tensor<1x5x2xf32>
}

// -----

// An axis given at run time: the generated code checks it against the axes
// whose transform has the result's shape and switches on it.
// CHECK-LABEL: func.func @dft_runtime_axis
// CHECK: cf.assert {{.*}} "DFT axis must be one whose transform has the result's shape"
// CHECK: scf.index_switch
// CHECK: case 0 {
// CHECK: case 1 {
// CHECK: case 2 {
// CHECK: default {
func.func @dft_runtime_axis(%x: tensor<1x10x10x1xf32>, %axis: tensor<i64>) -> tensor<1x10x10x2xf32> {
  %none = onnx.NoValue
  %y = onnx.DFT %x, %none, %axis : (tensor<1x10x10x1xf32>, none, tensor<i64>) -> tensor<1x10x10x2xf32>
  return %y : tensor<1x10x10x2xf32>
}

// -----

// STFT reads the signal at frame * step + sample, multiplies by the window
// and the table; the step and the frame count are checked at run time.
// CHECK-LABEL: func.func @stft
// CHECK: cf.assert {{.*}} "STFT frame_step must be positive"
// CHECK: cf.assert {{.*}} "STFT signal is shorter than a frame"
// CHECK: cf.assert {{.*}} "STFT gives another number of frames than the result's"
// CHECK: arith.constant dense<{{.*}}> : tensor<9x16x1x2xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK: linalg.index 1
// CHECK: arith.muli
// CHECK: tensor.extract %{{.*}} : tensor<1x128x1xf32>
func.func @stft(%signal: tensor<1x128x1xf32>, %step: tensor<i64>, %window: tensor<16xf32>) -> tensor<1x15x9x2xf32> {
  %none = onnx.NoValue
  %y = onnx.STFT %signal, %step, %window, %none : (tensor<1x128x1xf32>, tensor<i64>, tensor<16xf32>, none) -> tensor<1x15x9x2xf32>
  return %y : tensor<1x15x9x2xf32>
}
