// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @gather_elements
// CHECK: cf.assert {{.*}} "GatherElements index out of range for axis 1 of size 3"
// CHECK: linalg.generic
// CHECK: arith.index_cast
// CHECK: arith.minsi
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<2x3xf32>
func.func @gather_elements(%d: tensor<2x3xf32>, %i: tensor<2x4xi64>) -> tensor<2x4xf32> {
  %y = onnx.GatherElements %d, %i {axis = -1 : i64} : (tensor<2x3xf32>, tensor<2x4xi64>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// One check per coordinate of the index tuples, against its own axis.
// CHECK-LABEL: func.func @gather_nd
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [3, 1] [1, 1]
// CHECK: cf.assert {{.*}} "GatherND index out of range for axis 0 of size 4"
// CHECK: tensor.extract_slice %{{.*}}[0, 1] [3, 1] [1, 1]
// CHECK: cf.assert {{.*}} "GatherND index out of range for axis 1 of size 5"
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x6xf32>)
func.func @gather_nd(%d: tensor<4x5x6xf32>, %i: tensor<3x2xi64>) -> tensor<3x6xf32> {
  %y = onnx.GatherND %d, %i : (tensor<4x5x6xf32>, tensor<3x2xi64>) -> tensor<3x6xf32>
  return %y : tensor<3x6xf32>
}

// -----

// CHECK-LABEL: func.func @trilu_lower
// CHECK: %[[K:.*]] = tensor.extract
// CHECK: linalg.generic
// CHECK: %[[R:.*]] = linalg.index 0
// CHECK: %[[C:.*]] = linalg.index 1
// CHECK: %[[D:.*]] = arith.subi %[[C]], %[[R]]
// CHECK: arith.cmpi sle, %[[D]], %{{.*}}
// CHECK: arith.select
func.func @trilu_lower(%x: tensor<3x4xf32>, %k: tensor<i64>) -> tensor<3x4xf32> {
  %y = onnx.Trilu %x, %k {upper = 0 : i64} : (tensor<3x4xf32>, tensor<i64>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// A Range whose inputs are known only at run time has a dynamic size.
// CHECK-LABEL: func.func @range_dynamic
// CHECK: arith.ceildivsi
// CHECK: arith.maxsi
// CHECK: tensor.empty(%{{.*}}) : tensor<?xi64>
// CHECK: linalg.generic
// CHECK: arith.muli
// CHECK: arith.addi
func.func @range_dynamic(%s: tensor<i64>, %l: tensor<i64>, %d: tensor<i64>) -> tensor<?xi64> {
  %y = onnx.Range %s, %l, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %y : tensor<?xi64>
}

// -----

// CHECK-LABEL: func.func @size_dynamic
// CHECK: tensor.dim
// CHECK: arith.muli
// CHECK: tensor.from_elements %{{.*}} : tensor<i64>
func.func @size_dynamic(%x: tensor<?x3xf32>) -> tensor<i64> {
  %y = onnx.Size %x : (tensor<?x3xf32>) -> tensor<i64>
  return %y : tensor<i64>
}

// -----

// CHECK-LABEL: func.func @pad_reflect
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x7xf32>)
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract
// CHECK-NOT: arith.select
// CHECK: linalg.yield
func.func @pad_reflect(%x: tensor<3x4xf32>) -> tensor<3x7xf32> {
  %p = onnx.Constant {value = dense<[0, 2, 0, 1]> : tensor<4xi64>} : tensor<4xi64>
  %n = onnx.NoValue
  %y = onnx.Pad %x, %p, %n {mode = "reflect"} : (tensor<3x4xf32>, tensor<4xi64>, none) -> tensor<3x7xf32>
  return %y : tensor<3x7xf32>
}

// -----

// CHECK-LABEL: func.func @pad_constant
// CHECK: %[[V:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<5x4xf32>)
// CHECK: arith.select %{{.*}}, %{{.*}}, %[[V]]
func.func @pad_constant(%x: tensor<3x4xf32>, %v: tensor<f32>) -> tensor<5x4xf32> {
  %p = onnx.Constant {value = dense<[1, 0, 1, 0]> : tensor<4xi64>} : tensor<4xi64>
  %y = onnx.Pad %x, %p, %v : (tensor<3x4xf32>, tensor<4xi64>, tensor<f32>) -> tensor<5x4xf32>
  return %y : tensor<5x4xf32>
}

// -----

// Pads read at run time are checked against the result sizes, then read by
// the loop body as values.
// CHECK-LABEL: func.func @pad_runtime
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>, %[[P:.*]]: tensor<4xi64>)
// CHECK: cf.assert %{{.*}}, "Pad: pads must hold two values per axis"
// CHECK: %[[B0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[E0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[B1:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: cf.assert %{{.*}}, "Pad: the pads of axis 0 do not give the result size 3"
// CHECK: cf.assert %{{.*}}, "Pad: the pads of axis 1 do not give the result size 6"
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x6xf32>)
// CHECK: %[[I1:.*]] = linalg.index 1 : index
// CHECK: arith.subi %[[I1]], %[[B1]] : index
func.func @pad_runtime(%x: tensor<3x4xf32>, %p: tensor<4xi64>) -> tensor<3x6xf32> {
  %n = onnx.NoValue
  %y = onnx.Pad %x, %p, %n {mode = "wrap"} : (tensor<3x4xf32>, tensor<4xi64>, none) -> tensor<3x6xf32>
  return %y : tensor<3x6xf32>
}

// -----

// With axes read at run time, each listed axis adds its pads to the axis it
// names; reflect mode checks the pads against the axis sizes.
// CHECK-LABEL: func.func @pad_runtime_axes
// CHECK: cf.assert %{{.*}}, "Pad: axis out of range"
// CHECK: cf.assert %{{.*}}, "Pad: axis listed twice"
// CHECK: cf.assert %{{.*}}, "Pad: pads must hold two values per axis"
// CHECK: %[[PADS:.*]]:4 = scf.for
// CHECK: cf.assert %{{.*}}, "Pad: the pads of axis 0 do not give the result size 3"
// CHECK: cf.assert %{{.*}}, "Pad: reflect mode needs pads smaller than the axis (3)"
// CHECK: cf.assert %{{.*}}, "Pad: the pads of axis 1 do not give the result size 7"
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x7xf32>)
// CHECK: arith.subi %{{.*}}, %[[PADS]]#1 : index
func.func @pad_runtime_axes(%x: tensor<3x4xf32>, %p: tensor<2xi64>, %a: tensor<1xi64>) -> tensor<3x7xf32> {
  %n = onnx.NoValue
  %y = onnx.Pad %x, %p, %n, %a {mode = "reflect"} : (tensor<3x4xf32>, tensor<2xi64>, none, tensor<1xi64>) -> tensor<3x7xf32>
  return %y : tensor<3x7xf32>
}

// -----

// CHECK-LABEL: func.func @float_classes
// CHECK: arith.cmpf uno
// CHECK: arith.cmpf oeq
// CHECK-NOT: arith.cmpf
// CHECK: return
func.func @float_classes(%x: tensor<4xf16>) -> (tensor<4xi1>, tensor<4xi1>) {
  %n = onnx.IsNaN %x : (tensor<4xf16>) -> tensor<4xi1>
  %i = onnx.IsInf %x {detect_negative = 0 : i64} : (tensor<4xf16>) -> tensor<4xi1>
  return %n, %i : tensor<4xi1>, tensor<4xi1>
}

// -----

// Shifts by the width or more give 0.
// CHECK-LABEL: func.func @bit_shift
// CHECK: arith.shrui
// CHECK: arith.cmpi ult
// CHECK: arith.select
func.func @bit_shift(%x: tensor<4xui8>, %y: tensor<4xui8>) -> tensor<4xui8> {
  %z = onnx.BitShift %x, %y {direction = "RIGHT"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %z : tensor<4xui8>
}

// -----

// Nearest (round_prefer_floor, half_pixel) with scales read at run time.
// CHECK-LABEL: func.func @resize_nearest
// CHECK: %[[S:.*]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<4xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x4x6xf32>)
// CHECK: arith.divf
// CHECK: math.floor
// CHECK: math.round
// CHECK: tensor.extract %{{.*}} : tensor<1x1x2x3xf32>
func.func @resize_nearest(%x: tensor<1x1x2x3xf32>, %s: tensor<4xf32>) -> tensor<1x1x4x6xf32> {
  %n = onnx.NoValue
  %y = onnx.Resize %x, %n, %s, %n : (tensor<1x1x2x3xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x6xf32>
  return %y : tensor<1x1x4x6xf32>
}

// -----

// Linear from sizes: two resized dims, four reads blended in f32.
// CHECK-LABEL: func.func @resize_linear
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x4x6xf16>)
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x1x2x3xf16>
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @resize_linear(%x: tensor<1x1x2x3xf16>) -> tensor<1x1x4x6xf16> {
  %n = onnx.NoValue
  %sizes = onnx.Constant {value = dense<[1, 1, 4, 6]> : tensor<4xi64>} : tensor<4xi64>
  %y = onnx.Resize %x, %n, %n, %sizes {mode = "linear", coordinate_transformation_mode = "align_corners"} : (tensor<1x1x2x3xf16>, none, none, tensor<4xi64>) -> tensor<1x1x4x6xf16>
  return %y : tensor<1x1x4x6xf16>
}

// -----

// Cubic over two dims: four taps each, sixteen reads; exclude_outside
// renormalizes the weights of the taps inside the input.
// CHECK-LABEL: func.func @resize_cubic
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x8x8xf32>)
// CHECK: math.ceil
// CHECK: arith.divf
// CHECK-COUNT-16: tensor.extract %{{.*}} : tensor<1x1x4x4xf32>
func.func @resize_cubic(%x: tensor<1x1x4x4xf32>, %s: tensor<4xf32>) -> tensor<1x1x8x8xf32> {
  %n = onnx.NoValue
  %y = onnx.Resize %x, %n, %s, %n {mode = "cubic", cubic_coeff_a = -5.000000e-01 : f32, exclude_outside = 1 : i64} : (tensor<1x1x4x4xf32>, none, tensor<4xf32>, none) -> tensor<1x1x8x8xf32>
  return %y : tensor<1x1x8x8xf32>
}

// -----

// Antialiased linear downscale by 2 (sizes): the kernel widens to four taps
// per dimension, normalized; sixteen reads.
// CHECK-LABEL: func.func @resize_antialias
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x2x2xf32>)
// CHECK: math.absf
// CHECK: arith.maximumf
// CHECK-COUNT-16: tensor.extract %{{.*}} : tensor<1x1x4x4xf32>
func.func @resize_antialias(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %n = onnx.NoValue
  %sizes = onnx.Constant {value = dense<[1, 1, 2, 2]> : tensor<4xi64>} : tensor<4xi64>
  %y = onnx.Resize %x, %n, %n, %sizes {mode = "linear", antialias = 1 : i64} : (tensor<1x1x4x4xf32>, none, none, tensor<4xi64>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// A symbolic batch that the constant scales keep: the result takes the
// input's size and its index; the spatial dims are resized.
// CHECK-LABEL: func.func @resize_symbolic_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4x4xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x4x4xf32>
// CHECK: tensor.empty(%[[B]]) : tensor<?x3x8x8xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?x3x8x8xf32>)
// CHECK: %[[I0:.*]] = linalg.index 0
// CHECK: tensor.extract %[[X]][%[[I0]],
func.func @resize_symbolic_batch(%x: tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32> {
  %n = onnx.NoValue
  %s = onnx.Constant {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : tensor<4xf32>
  %y = onnx.Resize %x, %n, %s, %n : (tensor<?x3x4x4xf32>, none, tensor<4xf32>, none) -> tensor<?x3x8x8xf32>
  return %y : tensor<?x3x8x8xf32>
}

// -----

// An image of any size: the resized sizes are floor(in * scale), computed
// and checked at run time, and the interpolation reads the input's size.
// CHECK-LABEL: func.func @resize_symbolic_image
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x?x?xf32>)
// CHECK: %[[H:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<1x3x?x?xf32>
// CHECK: %[[HI:.*]] = arith.index_cast %[[H]] : index to i64
// CHECK: %[[HF:.*]] = arith.sitofp %[[HI]] : i64 to f32
// CHECK: %[[HOUT:.*]] = arith.mulf %{{.*}}, %[[HF]] : f32
// CHECK: %[[HOUTI:.*]] = arith.fptosi %[[HOUT]] : f32 to i64
// CHECK: %[[OH:.*]] = arith.index_cast %[[HOUTI]] : i64 to index
// CHECK: cf.assert %{{.*}}, "Resize of an empty dimension, or to a negative size"
// CHECK: tensor.empty(%[[OH]], %{{.*}}) : tensor<1x3x?x?xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x3x?x?xf32>)
// CHECK: arith.subi %[[H]], %{{.*}} : index
func.func @resize_symbolic_image(%x: tensor<1x3x?x?xf32>) -> tensor<1x3x?x?xf32> {
  %n = onnx.NoValue
  %s = onnx.Constant {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : tensor<4xf32>
  %y = onnx.Resize %x, %n, %s, %n {mode = "nearest"} : (tensor<1x3x?x?xf32>, none, tensor<4xf32>, none) -> tensor<1x3x?x?xf32>
  return %y : tensor<1x3x?x?xf32>
}

// -----

// Scales of the listed axes only, in the order of `axes`: dim 3 reads the
// first scale, dim 2 the second.
// CHECK-LABEL: func.func @resize_axes
// CHECK-SAME: (%{{.*}}: tensor<1x1x2x2xf32>, %[[S:.*]]: tensor<2xf32>)
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT: tensor.extract %[[S]][%[[C1]]]
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: tensor.extract %[[S]][%[[C0]]]
func.func @resize_axes(%x: tensor<1x1x2x2xf32>, %s: tensor<2xf32>) -> tensor<1x1x4x6xf32> {
  %n = onnx.NoValue
  %y = onnx.Resize %x, %n, %s, %n {axes = array<i64: 3, 2>} : (tensor<1x1x2x2xf32>, none, tensor<2xf32>, none) -> tensor<1x1x4x6xf32>
  return %y : tensor<1x1x4x6xf32>
}

// -----

// not_larger: one scale, the smaller of size / input over the listed axes.
// CHECK-LABEL: func.func @resize_not_larger
// CHECK: %[[A:.*]] = arith.divf
// CHECK: %[[B:.*]] = arith.divf
// CHECK: arith.minimumf %[[A]], %[[B]]
func.func @resize_not_larger(%x: tensor<1x1x4x4xf32>, %sizes: tensor<2xi64>) -> tensor<1x1x2x2xf32> {
  %n = onnx.NoValue
  %y = onnx.Resize %x, %n, %n, %sizes {axes = array<i64: 2, 3>, keep_aspect_ratio_policy = "not_larger"} : (tensor<1x1x4x4xf32>, none, none, tensor<2xi64>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// tf_crop_and_resize: positions in the region of interest; outside the
// input, the extrapolation value.
// CHECK-LABEL: func.func @resize_crop
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x1x4x4xf32>
// CHECK: linalg.generic
// CHECK: arith.ori
// CHECK: %[[V:.*]] = tensor.extract %[[X]]
// CHECK-NEXT: %[[E:.*]] = arith.constant 1.000000e+01 : f32
// CHECK-NEXT: arith.select %{{.*}}, %[[E]], %[[V]] : f32
func.func @resize_crop(%x: tensor<1x1x4x4xf32>, %roi: tensor<8xf32>, %s: tensor<4xf32>) -> tensor<1x1x3x3xf32> {
  %n = onnx.NoValue
  %y = onnx.Resize %x, %roi, %s, %n {coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 1.000000e+01 : f32} : (tensor<1x1x4x4xf32>, tensor<8xf32>, tensor<4xf32>, none) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

// ReverseSequence: lengths are checked against the time steps, then each
// element reads time length - 1 - t inside its batch item's prefix.
// CHECK-LABEL: func.func @reverse_sequence
// CHECK-SAME: (%[[X:.*]]: tensor<4x3x2xf32>, %[[L:.*]]: tensor<3xi64>)
// CHECK: cf.assert {{.*}} "ReverseSequence length out of range [0, 4]"
// CHECK: linalg.generic
// CHECK:   %[[T:.*]] = linalg.index 0
// CHECK:   %[[B:.*]] = linalg.index 1
// CHECK:   %[[LEN:.*]] = tensor.extract %[[L]][%[[B]]]
// CHECK:   %[[INPREFIX:.*]] = arith.cmpi slt, %[[T]], %{{.*}}
// CHECK:   %[[SRC:.*]] = arith.select %[[INPREFIX]], %{{.*}}, %[[T]]
// CHECK:   tensor.extract %[[X]][%[[SRC]], %[[B]], %{{.*}}]
func.func @reverse_sequence(%x: tensor<4x3x2xf32>, %l: tensor<3xi64>) -> tensor<4x3x2xf32> {
  %y = onnx.ReverseSequence %x, %l : (tensor<4x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  return %y : tensor<4x3x2xf32>
}

// -----

// GridSample, bilinear with zero padding: four reads per output element,
// each masked by whether its tap lies inside the input.
// CHECK-LABEL: func.func @grid_sample_bilinear
// CHECK: linalg.generic
// CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<1x2x3x2xf32>
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x1x4x5xf32>
// CHECK: linalg.yield
func.func @grid_sample_bilinear(%x: tensor<1x1x4x5xf32>, %g: tensor<1x2x3x2xf32>) -> tensor<1x1x2x3xf32> {
  %y = onnx.GridSample %x, %g : (tensor<1x1x4x5xf32>, tensor<1x2x3x2xf32>) -> tensor<1x1x2x3xf32>
  return %y : tensor<1x1x2x3xf32>
}

// -----

// Cubic mode reads 4 taps per dimension; border padding clamps positions.
// CHECK-LABEL: func.func @grid_sample_bicubic_border
// CHECK: linalg.generic
// CHECK-COUNT-16: tensor.extract %{{.*}} : tensor<1x1x4x4xf32>
// CHECK: linalg.yield
func.func @grid_sample_bicubic_border(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %y = onnx.GridSample %x, %g {mode = "cubic", padding_mode = "border", align_corners = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}
