// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file --verify-diagnostics

// A loop-carried value must keep its shape.
func.func @loop_changes_shape(%m: tensor<i64>, %y: tensor<2xf32>) -> tensor<2xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{failed to legalize operation 'onnx.Loop'}}
  // expected-error @+1 {{Loop-carried value 0 has type 'tensor<4xf32>' where 'tensor<2xf32>' is needed (shapes must not change between branches or iterations)}}
  %r = onnx.Loop (%m, %none, %y) : (tensor<i64>, none, tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %v: tensor<2xf32>):
    %s = onnx.Concat %v, %v {axis = 0 : i64} : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xf32>
    onnx.Yield %ci, %s : tensor<i1>, tensor<4xf32>
  }
  return %r : tensor<2xf32>
}

// -----

// Branches of different static shapes.
func.func @if_branches_differ(%c: tensor<i1>, %x: tensor<4xf32>, %z: tensor<3xf32>) -> tensor<?xf32> {
  // expected-error @+2 {{failed to legalize operation 'onnx.If'}}
  // expected-error @+1 {{else_branch output 0 has type 'tensor<3xf32>' where 'tensor<4xf32>' is needed}}
  %y = onnx.If %c : (tensor<i1>) -> tensor<4xf32> {
    onnx.Yield %x : tensor<4xf32>
  } else {
    onnx.Yield %z : tensor<3xf32>
  }
  %d = tensor.cast %y : tensor<4xf32> to tensor<?xf32>
  return %d : tensor<?xf32>
}
