// RUN: lowrank-opt %s --split-input-file --lowrank-factorize | FileCheck %s
// RUN: lowrank-opt %s --split-input-file --lowrank-select-ranks="rank=2 min-size=2 tucker=true" --lowrank-factorize | FileCheck %s --check-prefix=SELECT

// A 3x3 convolution with decision tucker (2, 3): 1x1 to 3 channels, the
// 3x3 core (2 <- 3 channels) with the original pads and strides, 1x1 to
// 8 channels with the bias.
// CHECK-LABEL: func.func @conv3x3
// CHECK-SAME: (%[[X:.*]]: tensor<1x6x9x9xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[IN:.*]] = onnx.Constant {value = dense_resource<c1.tucker_in> : tensor<3x6x1x1xf32>}
// CHECK: %[[R:.*]] = onnx.Conv %[[X]], %[[IN]], %{{.*}} {kernel_shape = array<i64: 1, 1>, lowrank.factor = "tucker_in"} : (tensor<1x6x9x9xf32>, tensor<3x6x1x1xf32>, none) -> tensor<1x3x9x9xf32>
// CHECK: %[[CORE:.*]] = onnx.Constant {value = dense_resource<c1.tucker_core> : tensor<2x3x3x3xf32>}
// CHECK: %[[C:.*]] = onnx.Conv %[[R]], %[[CORE]], %{{.*}} {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, lowrank.factor = "tucker_core", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x9x9xf32>, tensor<2x3x3x3xf32>, none) -> tensor<1x2x5x5xf32>
// CHECK: %[[OUT:.*]] = onnx.Constant {value = dense_resource<c1.tucker_out> : tensor<8x2x1x1xf32>}
// CHECK: %[[Y:.*]] = onnx.Conv %[[C]], %[[OUT]], %[[B]] {kernel_shape = array<i64: 1, 1>, lowrank.decision = {{{.*}}}, lowrank.factor = "tucker_out"} : (tensor<1x2x5x5xf32>, tensor<8x2x1x1xf32>, tensor<8xf32>) -> tensor<1x8x5x5xf32>
// CHECK: return %[[Y]]

// Chosen by lowrank-select-ranks: rank 2 in both modes.
// SELECT-LABEL: func.func @conv3x3
// SELECT: onnx.Conv {{.*}}tucker_in{{.*}} -> tensor<1x2x9x9xf32>
// SELECT: onnx.Conv {{.*}}lowrank.decision = {action = "tucker", c_in = 6 : i64, c_out = 8 : i64, in_rank = 2 : i64, kernel_size = 9 : i64, name = "c1", out_rank = 2 : i64, parity_fraction = {{.*}}}{{.*}}tucker_out
func.func @conv3x3(%x: tensor<1x6x9x9xf32>, %b: tensor<8xf32>) -> tensor<1x8x5x5xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<8x6x3x3xf32>} : tensor<8x6x3x3xf32>
  %y = onnx.Conv %x, %w, %b {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, lowrank.decision = {action = "tucker", name = "c1", out_rank = 2 : i64, in_rank = 3 : i64}} : (tensor<1x6x9x9xf32>, tensor<8x6x3x3xf32>, tensor<8xf32>) -> tensor<1x8x5x5xf32> loc("c1")
  return %y : tensor<1x8x5x5xf32>
}

// -----

// A dense decision leaves the convolution alone.
// CHECK-LABEL: func.func @dense
// CHECK: onnx.Conv %arg0, %{{.*}}, %arg1 {{{.*}}kernel_shape = array<i64: 3, 3>{{.*}}} : (tensor<1x6x9x9xf32>, tensor<8x6x3x3xf32>, tensor<8xf32>)
// CHECK-NOT: tucker_in
func.func @dense(%x: tensor<1x6x9x9xf32>, %b: tensor<8xf32>) -> tensor<1x8x7x7xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<8x6x3x3xf32>} : tensor<8x6x3x3xf32>
  %y = onnx.Conv %x, %w, %b {kernel_shape = array<i64: 3, 3>, lowrank.decision = {action = "dense", name = "c2", out_rank = 0 : i64, in_rank = 0 : i64, reason = "smaller than min-size"}} : (tensor<1x6x9x9xf32>, tensor<8x6x3x3xf32>, tensor<8xf32>) -> tensor<1x8x7x7xf32>
  return %y : tensor<1x8x7x7xf32>
}

// -----

// At full output rank (8 of 8 channels) the output factor is square: it is
// multiplied into the core, which then adds the bias and carries the
// decision; no tucker_out convolution.
// CHECK-LABEL: func.func @full_out_rank
// CHECK-SAME: (%[[X:.*]]: tensor<1x6x9x9xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[R:.*]] = onnx.Conv %[[X]], %{{.*}}, %{{.*}} {kernel_shape = array<i64: 1, 1>, lowrank.factor = "tucker_in"} : (tensor<1x6x9x9xf32>, tensor<3x6x1x1xf32>, none) -> tensor<1x3x9x9xf32>
// CHECK: %[[CORE:.*]] = onnx.Constant {value = dense_resource<c3.tucker_core> : tensor<8x3x3x3xf32>}
// CHECK: %[[Y:.*]] = onnx.Conv %[[R]], %[[CORE]], %[[B]] {{{.*}}lowrank.decision = {{{.*}}}, lowrank.factor = "tucker_core"{{.*}}} : (tensor<1x3x9x9xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x9x9xf32>
// CHECK-NOT: tucker_out
// CHECK: return %[[Y]]
func.func @full_out_rank(%x: tensor<1x6x9x9xf32>, %b: tensor<8xf32>) -> tensor<1x8x9x9xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<8x6x3x3xf32>} : tensor<8x6x3x3xf32>
  %y = onnx.Conv %x, %w, %b {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, lowrank.decision = {action = "tucker", name = "c3", out_rank = 8 : i64, in_rank = 3 : i64}} : (tensor<1x6x9x9xf32>, tensor<8x6x3x3xf32>, tensor<8xf32>) -> tensor<1x8x9x9xf32> loc("c3")
  return %y : tensor<1x8x9x9xf32>
}

// -----

// At full input rank the input factor folds into the core, which reads the
// input itself.
// CHECK-LABEL: func.func @full_in_rank
// CHECK-SAME: (%[[X:.*]]: tensor<1x6x9x9xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK-NOT: tucker_in
// CHECK: %[[CORE:.*]] = onnx.Constant {value = dense_resource<c4.tucker_core> : tensor<2x6x3x3xf32>}
// CHECK: %[[C:.*]] = onnx.Conv %[[X]], %[[CORE]], %{{.*}} {{{.*}}lowrank.factor = "tucker_core"{{.*}}} : (tensor<1x6x9x9xf32>, tensor<2x6x3x3xf32>, none) -> tensor<1x2x9x9xf32>
// CHECK: %[[Y:.*]] = onnx.Conv %[[C]], %{{.*}}, %[[B]] {{{.*}}lowrank.factor = "tucker_out"} : (tensor<1x2x9x9xf32>, tensor<8x2x1x1xf32>, tensor<8xf32>) -> tensor<1x8x9x9xf32>
// CHECK: return %[[Y]]
func.func @full_in_rank(%x: tensor<1x6x9x9xf32>, %b: tensor<8xf32>) -> tensor<1x8x9x9xf32> {
  %w = onnx.Constant {value = dense<0.5> : tensor<8x6x3x3xf32>} : tensor<8x6x3x3xf32>
  %y = onnx.Conv %x, %w, %b {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, lowrank.decision = {action = "tucker", name = "c4", out_rank = 2 : i64, in_rank = 6 : i64}} : (tensor<1x6x9x9xf32>, tensor<8x6x3x3xf32>, tensor<8xf32>) -> tensor<1x8x9x9xf32> loc("c4")
  return %y : tensor<1x8x9x9xf32>
}
