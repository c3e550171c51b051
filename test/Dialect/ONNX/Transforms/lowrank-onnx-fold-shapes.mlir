// RUN: lowrank-opt %s --lowrank-onnx-fold-shapes --split-input-file | FileCheck %s
// RUN: lowrank-opt %s --lowrank-onnx-fold-shapes --split-input-file 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=WARN

// The chain exporters emit for a head split; Div defeats ONNX data
// propagation, so the importer leaves the Reshape result dynamic.
// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK-NOT: onnx.Shape
// CHECK-NOT: onnx.Gather
// CHECK-NOT: onnx.Concat
// CHECK: %[[T:.*]] = onnx.Constant {value = dense<[2, 2, 4]> : tensor<3xi64>}
// CHECK: %[[Y:.*]] = onnx.Reshape %[[X]], %[[T]] {{.*}} -> tensor<2x2x4xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[Y]] : tensor<2x2x4xf32> to tensor<?x?x?xf32>
// CHECK: return %[[C]]
func.func @reshape_chain(%x: tensor<2x8xf32>) -> tensor<?x?x?xf32> {
  %s = onnx.Shape %x : (tensor<2x8xf32>) -> tensor<2xi64>
  %i0 = onnx.Constant {value = dense<0> : tensor<i64>} : tensor<i64>
  %i1 = onnx.Constant {value = dense<1> : tensor<i64>} : tensor<i64>
  %heads = onnx.Constant {value = dense<2> : tensor<i64>} : tensor<i64>
  %n = onnx.Gather %s, %i0 {axis = 0 : i64} : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
  %h = onnx.Gather %s, %i1 {axis = 0 : i64} : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
  %hd = onnx.Div %h, %heads : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %a = onnx.Constant {value = dense<0> : tensor<1xi64>} : tensor<1xi64>
  %n1 = onnx.Unsqueeze %n, %a : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %heads1 = onnx.Unsqueeze %heads, %a : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %hd1 = onnx.Unsqueeze %hd, %a : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %t = onnx.Concat %n1, %heads1, %hd1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %y = onnx.Reshape %x, %t : (tensor<2x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %y : tensor<?x?x?xf32>
}

// -----

// Only the gathered dim need be static; the -1 stays dynamic because the
// batch dim is.
// CHECK-LABEL: func.func @partly_dynamic
// CHECK: %[[T:.*]] = onnx.Constant {value = dense<[-1, 2, 4]> : tensor<3xi64>}
// CHECK: onnx.Reshape %{{.*}}, %[[T]] {{.*}} -> tensor<?x2x4xf32>
func.func @partly_dynamic(%x: tensor<?x8xf32>) -> tensor<?x?x?xf32> {
  %s = onnx.Shape %x : (tensor<?x8xf32>) -> tensor<2xi64>
  %i1 = onnx.Constant {value = dense<[1]> : tensor<1xi64>} : tensor<1xi64>
  %h = onnx.Gather %s, %i1 {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<1xi64>
  %two = onnx.Constant {value = dense<[2]> : tensor<1xi64>} : tensor<1xi64>
  %hd = onnx.Div %h, %two : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %m1 = onnx.Constant {value = dense<[-1]> : tensor<1xi64>} : tensor<1xi64>
  %t = onnx.Concat %m1, %two, %hd {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %y = onnx.Reshape %x, %t : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %y : tensor<?x?x?xf32>
}

// -----

// A Shape of a ranked value has a known length even where it cannot fold:
// the Squeeze of its one element then has rank 0, and the Range a rank.
// CHECK-LABEL: func.func @shape_length
// CHECK: onnx.Shape %{{.*}} {end = 3 : i64, start = 2 : i64} : (tensor<?x80x?xf32>) -> tensor<1xi64>
// CHECK: onnx.Squeeze %{{.*}}, %{{.*}} : (tensor<1xi64>, none) -> tensor<i64>
func.func @shape_length(%x: tensor<?x80x?xf32>) -> tensor<*xi64> {
  %n = onnx.NoValue
  %s = onnx.Shape %x {end = 3 : i64, start = 2 : i64} : (tensor<?x80x?xf32>) -> tensor<?xi64>
  %q = onnx.Squeeze %s, %n : (tensor<?xi64>, none) -> tensor<*xi64>
  return %q : tensor<*xi64>
}

// -----

// A Shape of a dynamic dim cannot fold.
// CHECK-LABEL: func.func @dynamic_dim_stays
// CHECK: onnx.Shape
// CHECK: onnx.Gather
func.func @dynamic_dim_stays(%x: tensor<?x8xf32>) -> tensor<1xi64> {
  %s = onnx.Shape %x : (tensor<?x8xf32>) -> tensor<2xi64>
  %i0 = onnx.Constant {value = dense<[0]> : tensor<1xi64>} : tensor<1xi64>
  %n = onnx.Gather %s, %i0 {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %n : tensor<1xi64>
}

// -----

// Where(Equal(shape, -1), 1, shape) guards Expand; the Expand result and the
// Mul consuming it become static.
// CHECK-LABEL: func.func @expand_guard
// CHECK-NOT: onnx.Equal
// CHECK-NOT: onnx.Where
// CHECK: %[[T:.*]] = onnx.Constant {value = dense<[3, 1, 4]> : tensor<3xi64>}
// CHECK: %[[E:.*]] = onnx.Expand %{{.*}}, %[[T]] {{.*}} -> tensor<3x2x4xf32>
// CHECK: %[[M:.*]] = onnx.Mul %[[E]], %{{.*}} -> tensor<3x2x4xf32>
// CHECK: tensor.cast %[[M]] : tensor<3x2x4xf32> to tensor<?x?x?xf32>
func.func @expand_guard(%x: tensor<2x4xf32>) -> tensor<?x?x?xf32> {
  %t = onnx.Constant {value = dense<[3, -1, 4]> : tensor<3xi64>} : tensor<3xi64>
  %m1 = onnx.Constant {value = dense<-1> : tensor<i64>} : tensor<i64>
  %one = onnx.Constant {value = dense<1> : tensor<i64>} : tensor<i64>
  %eq = onnx.Equal %t, %m1 : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %g = onnx.Where %eq, %one, %t : (tensor<3xi1>, tensor<i64>, tensor<3xi64>) -> tensor<3xi64>
  %e = onnx.Expand %x, %g : (tensor<2x4xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %m = onnx.Mul %e, %x : (tensor<?x?x?xf32>, tensor<2x4xf32>) -> tensor<?x?x?xf32>
  return %m : tensor<?x?x?xf32>
}

// -----

// CHECK-LABEL: func.func @integer_arithmetic
// CHECK-NEXT: %[[C:.*]] = onnx.Constant {value = dense<[6, 2]> : tensor<2xi32>}
// CHECK-NEXT: return %[[C]]
func.func @integer_arithmetic() -> tensor<2xi32> {
  %a = onnx.Constant {value = dense<[4, 5, 6]> : tensor<3xi64>} : tensor<3xi64>
  %b = onnx.Constant {value = dense<[1]> : tensor<1xi64>} : tensor<1xi64>
  %st = onnx.Constant {value = dense<[-1]> : tensor<1xi64>} : tensor<1xi64>
  %en = onnx.Constant {value = dense<[-9223372036854775807]> : tensor<1xi64>} : tensor<1xi64>
  %sp = onnx.Constant {value = dense<[-2]> : tensor<1xi64>} : tensor<1xi64>
  %n = onnx.NoValue
  %sl = onnx.Slice %a, %st, %en, %n, %sp : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, none, tensor<1xi64>) -> tensor<2xi64>
  %sub = onnx.Sub %sl, %b : (tensor<2xi64>, tensor<1xi64>) -> tensor<2xi64>
  %mul = onnx.Mul %sub, %b : (tensor<2xi64>, tensor<1xi64>) -> tensor<2xi64>
  %d = onnx.Constant {value = dense<[1, 3]> : tensor<2xi64>} : tensor<2xi64>
  %q = onnx.Div %mul, %d : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %add = onnx.Add %q, %b : (tensor<2xi64>, tensor<1xi64>) -> tensor<2xi64>
  %c = onnx.Cast %add {to = 6 : i64} : (tensor<2xi64>) -> tensor<2xi32>
  return %c : tensor<2xi32>
}

// -----

// A Reshape target of static length whose batch entry is read at run time
// (paddle2onnx's Concat of Shape and a constant): the rank and the constant
// size refine the result.
// CHECK-LABEL: func.func @reshape_partly_known_target
// CHECK: onnx.Reshape {{.*}} -> tensor<?x200xf32>
func.func @reshape_partly_known_target(%x: tensor<?x200x1x1xf32>) -> tensor<*xf32> {
  %shape = onnx.Shape %x : (tensor<?x200x1x1xf32>) -> tensor<4xi64>
  %s = onnx.Cast %shape {to = 6 : i64} : (tensor<4xi64>) -> tensor<4xi32>
  %zero = onnx.Constant {value = dense<0> : tensor<1xi64>} : tensor<1xi64>
  %one = onnx.Constant {value = dense<1> : tensor<1xi64>} : tensor<1xi64>
  %batch = onnx.Slice %s, %zero, %one, %zero, %one : (tensor<4xi32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi32>
  %width = onnx.Constant {value = dense<200> : tensor<1xi32>} : tensor<1xi32>
  %b = onnx.Cast %batch {to = 7 : i64} : (tensor<1xi32>) -> tensor<1xi64>
  %w = onnx.Cast %width {to = 7 : i64} : (tensor<1xi32>) -> tensor<1xi64>
  %target = onnx.Concat %b, %w {axis = -1 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %y = onnx.Reshape %x, %target : (tensor<?x200x1x1xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

// Unsigned integers read zero-extended: uint8 200 casts to 200, not -56
// (ONNX Runtime's quantizer stores uint8 weights and zero points).
// CHECK-LABEL: func.func @unsigned_cast
// CHECK: onnx.Constant {value = dense<[200, 5, 255]> : tensor<3xi32>}
// CHECK: onnx.Constant {value = dense<[true, false, false]> : tensor<3xi1>}
func.func @unsigned_cast() -> (tensor<3xi32>, tensor<3xi1>) {
  %a = onnx.Constant {value = dense<[200, 5, 255]> : tensor<3xui8>} : tensor<3xui8>
  %c = onnx.Cast %a {to = 6 : i64} : (tensor<3xui8>) -> tensor<3xi32>
  %b = onnx.Constant {value = dense<[100, 128, 255]> : tensor<3xui8>} : tensor<3xui8>
  %g = onnx.Greater %a, %b : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xi1>
  return %c, %g : tensor<3xi32>, tensor<3xi1>
}

// -----

// Division by zero is left to run time.
// CHECK-LABEL: func.func @division_by_zero
// CHECK: onnx.Div
func.func @division_by_zero() -> tensor<1xi64> {
  %a = onnx.Constant {value = dense<[4]> : tensor<1xi64>} : tensor<1xi64>
  %z = onnx.Constant {value = dense<[0]> : tensor<1xi64>} : tensor<1xi64>
  %q = onnx.Div %a, %z : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %q : tensor<1xi64>
}

// -----

// Small ConstantOfShape folds into a splat; a large one only gets its type.
// CHECK-LABEL: func.func @constant_of_shape
// CHECK-DAG: onnx.Constant {value = dense<7> : tensor<2x3xi32>} : tensor<2x3xi32>
// CHECK-DAG: %[[BIG:.*]] = onnx.ConstantOfShape %{{.*}} -> tensor<100x100xf32>
// CHECK-DAG: tensor.cast %[[BIG]] : tensor<100x100xf32> to tensor<?x?xf32>
func.func @constant_of_shape() -> (tensor<?x?xi32>, tensor<?x?xf32>) {
  %s = onnx.Constant {value = dense<[2, 3]> : tensor<2xi64>} : tensor<2xi64>
  %small = onnx.ConstantOfShape %s {value = dense<7> : tensor<1xi32>} : (tensor<2xi64>) -> tensor<?x?xi32>
  %b = onnx.Constant {value = dense<[100, 100]> : tensor<2xi64>} : tensor<2xi64>
  %big = onnx.ConstantOfShape %b : (tensor<2xi64>) -> tensor<?x?xf32>
  return %small, %big : tensor<?x?xi32>, tensor<?x?xf32>
}

// -----

// CHECK-LABEL: func.func @tile_and_squeeze
// CHECK-DAG: %[[S:.*]] = onnx.Constant {value = dense<3> : tensor<i64>}
// CHECK-DAG: %[[T:.*]] = onnx.Tile %{{.*}} -> tensor<4x9xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[T]]
// CHECK: return %[[C]], %[[S]]
func.func @tile_and_squeeze(%x: tensor<2x3xf32>) -> (tensor<?x?xf32>, tensor<i64>) {
  %r = onnx.Constant {value = dense<[2, 3]> : tensor<2xi64>} : tensor<2xi64>
  %t = onnx.Tile %x, %r : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %s = onnx.Shape %x {start = -1 : i64} : (tensor<2x3xf32>) -> tensor<1xi64>
  %a = onnx.Constant {value = dense<[0]> : tensor<1xi64>} : tensor<1xi64>
  %q = onnx.Squeeze %s, %a : (tensor<1xi64>, tensor<1xi64>) -> tensor<i64>
  return %t, %q : tensor<?x?xf32>, tensor<i64>
}

// -----

// Position embeddings cut to the sequence length: once the length is a
// constant, the Slice result is static and so is the Add that uses it.
// Negative and overlong bounds clamp; a dynamic data dim stays dynamic.
// CHECK-LABEL: func.func @slice_refine
// CHECK: onnx.Slice %{{.*}} -> tensor<11x384xf32>
// CHECK: onnx.Add %{{.*}} -> tensor<1x11x384xf32>
// CHECK: onnx.Slice %{{.*}} -> tensor<?x2xf32>
func.func @slice_refine(%x: tensor<1x11x384xf32>, %pos: tensor<512x384xf32>, %d: tensor<?x8xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %s = onnx.Shape %x {start = 1 : i64, end = 2 : i64} : (tensor<1x11x384xf32>) -> tensor<1xi64>
  %zero = onnx.Constant {value = dense<0> : tensor<1xi64>} : tensor<1xi64>
  %none = onnx.NoValue
  %p = onnx.Slice %pos, %zero, %s, %zero, %none : (tensor<512x384xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<*xf32>
  %y = onnx.Add %x, %p : (tensor<1x11x384xf32>, tensor<*xf32>) -> tensor<*xf32>
  %starts = onnx.Constant {value = dense<[0, -3]> : tensor<2xi64>} : tensor<2xi64>
  %ends = onnx.Constant {value = dense<[100, 100]> : tensor<2xi64>} : tensor<2xi64>
  %steps = onnx.Constant {value = dense<[1, 2]> : tensor<2xi64>} : tensor<2xi64>
  %axes = onnx.Constant {value = dense<[0, -1]> : tensor<2xi64>} : tensor<2xi64>
  %q = onnx.Slice %d, %starts, %ends, %axes, %steps : (tensor<?x8xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<*xf32>
  return %y, %q : tensor<*xf32>, tensor<*xf32>
}

// -----

// Integer arithmetic folds in two's complement (no undefined signed
// overflow); division by zero and INT64_MIN / -1, which trap on the host,
// are not folded.
// CHECK-LABEL: func.func @integer_edges
// CHECK-DAG: onnx.Constant {value = dense<-9223372036854775808> : tensor<1xi64>}
// CHECK-DAG: onnx.Div
// CHECK-DAG: onnx.Div
func.func @integer_edges() -> (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) {
  %max = onnx.Constant {value = dense<9223372036854775807> : tensor<1xi64>} : tensor<1xi64>
  %min = onnx.Constant {value = dense<-9223372036854775808> : tensor<1xi64>} : tensor<1xi64>
  %one = onnx.Constant {value = dense<1> : tensor<1xi64>} : tensor<1xi64>
  %minus = onnx.Constant {value = dense<-1> : tensor<1xi64>} : tensor<1xi64>
  %zero = onnx.Constant {value = dense<0> : tensor<1xi64>} : tensor<1xi64>
  %wrapped = onnx.Add %max, %one : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %byzero = onnx.Div %one, %zero : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %overflow = onnx.Div %min, %minus : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %wrapped, %byzero, %overflow : tensor<1xi64>, tensor<1xi64>, tensor<1xi64>
}

// -----

// A small ConstantOfShape without `value` folds into zeros (its attribute
// getter gives a null attribute then, which was read).
// CHECK-LABEL: func.func @constant_of_shape_default
// CHECK: onnx.Constant {value = dense<0.000000e+00> : tensor<2x3xf32>} : tensor<2x3xf32>
func.func @constant_of_shape_default() -> tensor<?x?xf32> {
  %s = onnx.Constant {value = dense<[2, 3]> : tensor<2xi64>} : tensor<2xi64>
  %zeros = onnx.ConstantOfShape %s : (tensor<2xi64>) -> tensor<?x?xf32>
  return %zeros : tensor<?x?xf32>
}

// -----

// Negative axes count from the end (the attribute reads as unsigned).
// CHECK-LABEL: func.func @negative_axes
// CHECK-DAG: onnx.Constant {value = dense<{{\[}}[1, 2, 5], [3, 4, 6]]> : tensor<2x3xi64>} : tensor<2x3xi64>
// CHECK-DAG: onnx.Constant {value = dense<[2, 4]> : tensor<2xi64>} : tensor<2xi64>
func.func @negative_axes() -> (tensor<2x3xi64>, tensor<2xi64>) {
  %a = onnx.Constant {value = dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>} : tensor<2x2xi64>
  %b = onnx.Constant {value = dense<[[5], [6]]> : tensor<2x1xi64>} : tensor<2x1xi64>
  %c = onnx.Concat %a, %b {axis = -1 : i64} : (tensor<2x2xi64>, tensor<2x1xi64>) -> tensor<2x3xi64>
  %i = onnx.Constant {value = dense<-1> : tensor<i64>} : tensor<i64>
  %g = onnx.Gather %a, %i {axis = -1 : i64} : (tensor<2x2xi64>, tensor<i64>) -> tensor<2xi64>
  return %c, %g : tensor<2x3xi64>, tensor<2xi64>
}

// -----

// Position ids: Range over the sequence length, then Unsqueeze; Mod and
// Size of static shapes fold too, and so do the Transpose and Concat of the
// folded positions.
// CHECK-LABEL: func.func @range_chain
// CHECK-NOT: onnx.Range
// CHECK-NOT: onnx.Size
// CHECK-NOT: onnx.Mod
// CHECK-DAG: onnx.Constant {value = dense<{{\[\[}}0, 2, 4]]> : tensor<1x3xi64>}
// CHECK-DAG: onnx.Constant {value = dense<24> : tensor<i64>}
// CHECK-DAG: onnx.Constant {value = dense<[1, 0, 1]> : tensor<3xi64>}
// CHECK-DAG: onnx.Constant {value = dense<{{\[\[}}0, 0], [2, 2], [4, 4]]> : tensor<3x2xi64>}
// CHECK-NOT: onnx.Transpose
// CHECK-NOT: onnx.Concat
func.func @range_chain(%x: tensor<2x3x4xf32>) -> (tensor<1x?xi64>, tensor<i64>, tensor<3xi64>, tensor<?x?xi64>) {
  %s = onnx.Shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %i1 = onnx.Constant {value = dense<1> : tensor<i64>} : tensor<i64>
  %zero = onnx.Constant {value = dense<0> : tensor<i64>} : tensor<i64>
  %two = onnx.Constant {value = dense<2> : tensor<i64>} : tensor<i64>
  %n = onnx.Gather %s, %i1 {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %limit = onnx.Mul %n, %two : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %r = onnx.Range %zero, %limit, %two : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %a = onnx.Constant {value = dense<0> : tensor<1xi64>} : tensor<1xi64>
  %u = onnx.Unsqueeze %r, %a : (tensor<?xi64>, tensor<1xi64>) -> tensor<1x?xi64>
  %size = onnx.Size %x : (tensor<2x3x4xf32>) -> tensor<i64>
  %minus = onnx.Constant {value = dense<[-1, 3, -3]> : tensor<3xi64>} : tensor<3xi64>
  %m = onnx.Mod %minus, %s : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %t = onnx.Transpose %u {perm = array<i64: 1, 0>} : (tensor<1x?xi64>) -> tensor<?x?xi64>
  %c = onnx.Concat %t, %t {axis = 1 : i64} : (tensor<?x?xi64>, tensor<?x?xi64>) -> tensor<?x?xi64>
  return %u, %size, %m, %c : tensor<1x?xi64>, tensor<i64>, tensor<3xi64>, tensor<?x?xi64>
}

// -----

// A broadcasting result dim of 1 fixes that dim of its operands: the slice
// at a loop's iteration number gets its static size.
// CHECK-LABEL: func.func @broadcast_operand
// CHECK: onnx.Slice {{.*}} -> tensor<1xf32>
// CHECK: onnx.Add {{.*}} : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
func.func @broadcast_operand(%x: tensor<5xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %y: tensor<1xf32>) -> tensor<1xf32> {
  %n = onnx.NoValue
  %v = onnx.Slice %x, %s, %e, %n, %n : (tensor<5xf32>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<?xf32>
  %a = onnx.Add %y, %v : (tensor<1xf32>, tensor<?xf32>) -> tensor<1xf32>
  return %a : tensor<1xf32>
}

// -----

// An op of the same shape in and out gives its operand the result's static
// sizes: a window computed over a run-time length, cast to the declared
// output size.
// CHECK-LABEL: func.func @same_shape_operand
// CHECK: onnx.Range {{.*}} -> tensor<10xf32>
// CHECK: onnx.Cos {{.*}} : (tensor<10xf32>) -> tensor<10xf32>
// CHECK: onnx.Cast {{.*}} : (tensor<10xf32>) -> tensor<10xf16>
func.func @same_shape_operand(%n: tensor<f32>) -> tensor<10xf16> {
  %zero = onnx.Constant {value = dense<0.0> : tensor<f32>} : tensor<f32>
  %one = onnx.Constant {value = dense<1.0> : tensor<f32>} : tensor<f32>
  %r = onnx.Range %zero, %n, %one : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  %c = onnx.Cos %r : (tensor<?xf32>) -> tensor<?xf32>
  %h = onnx.Cast %c {to = 10 : i64} : (tensor<?xf32>) -> tensor<10xf16>
  return %h : tensor<10xf16>
}

// -----

// Split without sizes (opset 18's num_outputs) cuts ceil(size / parts)
// elements per part, the last one taking the rest, once the input's shape
// is known; a constant split gives its sizes.
// CHECK-LABEL: func.func @split_parts
// CHECK: onnx.Split {{.*}} -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x1xf32>)
// CHECK: onnx.Split {{.*}} -> (tensor<2x7xf32>, tensor<2x0xf32>)
func.func @split_parts(%x: tensor<2x7xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %n = onnx.NoValue
  %t = onnx.Identity %x : (tensor<2x7xf32>) -> tensor<*xf32>
  %a:3 = onnx.Split %t, %n {axis = -1 : i64} : (tensor<*xf32>, none) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  %sizes = onnx.Constant {value = dense<[7, 0]> : tensor<2xi64>} : tensor<2xi64>
  %b:2 = onnx.Split %x, %sizes {axis = 1 : i64} : (tensor<2x7xf32>, tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  return %a#0, %a#1, %a#2, %b#0, %b#1 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Constant axes and pads give the result shapes of reductions and Pad.
// CHECK-LABEL: func.func @reduce_pad_constant_operands
// CHECK: onnx.ReduceMean %{{.*}}, %{{.*}} {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<3xf32>
// CHECK: onnx.ReduceSum %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x3x1xf32>
// CHECK: onnx.Pad %{{.*}} -> tensor<2x6x4xf32>
func.func @reduce_pad_constant_operands(%x: tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<?x?x?xf32>) {
  %axes = onnx.Constant {value = dense<[0, -1]> : tensor<2xi64>} : tensor<2xi64>
  %m = onnx.ReduceMean %x, %axes {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %last = onnx.Constant {value = dense<[2]> : tensor<1xi64>} : tensor<1xi64>
  %s = onnx.ReduceSum %x, %last : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %pads = onnx.Constant {value = dense<[1, 2]> : tensor<2xi64>} : tensor<2xi64>
  %axis = onnx.Constant {value = dense<[1]> : tensor<1xi64>} : tensor<1xi64>
  %n = onnx.NoValue
  %p = onnx.Pad %x, %pads, %n, %axis : (tensor<2x3x4xf32>, tensor<2xi64>, none, tensor<1xi64>) -> tensor<?x?x?xf32>
  return %m, %s, %p : tensor<*xf32>, tensor<*xf32>, tensor<?x?x?xf32>
}

// -----

// A Scan body declared without types takes the state's type and the scan
// input's without the scan axis; the results take the body's, the scan
// output with the trip count in front.
// CHECK-LABEL: func.func @scan_types
// CHECK: onnx.Scan({{.*}} : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<2xf32>, tensor<5x2xf32>)
// CHECK: ^bb0(%{{.*}}: tensor<2xf32>, %{{.*}}: tensor<2xf32>):
// CHECK: onnx.Add {{.*}} -> tensor<2xf32>
func.func @scan_types(%init: tensor<2xf32>, %xs: tensor<5x2xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %s, %z = onnx.Scan (%init, %xs) {num_scan_inputs = 1 : i64} : (tensor<2xf32>, tensor<5x2xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  ^bb0(%acc: tensor<*xf32>, %row: tensor<*xf32>):
    %n = onnx.Add %acc, %row : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
    onnx.Yield %n, %n : tensor<*xf32>, tensor<*xf32>
  }
  return %s, %z : tensor<*xf32>, tensor<*xf32>
}

// -----

// An If on a constant condition is its taken branch; otherwise its results
// take the sizes both branches agree on.
// CHECK-LABEL: func.func @if_types
// CHECK-NOT: onnx.Constant {{.*}}true
// CHECK: %[[NEG:.*]] = onnx.Neg %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: %[[CAST:.*]] = tensor.cast %[[NEG]]
// CHECK: onnx.If %arg1 : (tensor<i1>) -> tensor<2x?xf32>
// CHECK: return %[[CAST]]
func.func @if_types(%x: tensor<2x3xf32>, %c: tensor<i1>, %y: tensor<2x5xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %t = onnx.Constant {value = dense<true> : tensor<i1>} : tensor<i1>
  %a = onnx.If %t : (tensor<i1>) -> tensor<*xf32> {
    %n = onnx.Neg %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
    onnx.Yield %n : tensor<2x3xf32>
  } else {
    onnx.Yield %y : tensor<2x5xf32>
  }
  %b = onnx.If %c : (tensor<i1>) -> tensor<*xf32> {
    onnx.Yield %x : tensor<2x3xf32>
  } else {
    onnx.Yield %y : tensor<2x5xf32>
  }
  return %a, %b : tensor<*xf32>, tensor<*xf32>
}

// -----

// Axes read at run time give the rank when their count is static; the
// declared shape of what follows flows back through shape-keeping ops.
// CHECK-LABEL: func.func @reduce_runtime_axes_rank
// CHECK: onnx.ReduceSum %{{.*}}, %{{.*}} {keepdims = 0 : i64} : (tensor<3x2x2xf32>, tensor<1xi64>) -> tensor<3x2xf32>
// CHECK: onnx.Sqrt %{{.*}} : (tensor<3x2xf32>) -> tensor<3x2xf32>
// CHECK: onnx.ReduceMax %{{.*}}, %{{.*}} : (tensor<3x1x2xf32>, tensor<?xi64>) -> tensor<?x1x?xf32>
func.func @reduce_runtime_axes_rank(%x: tensor<3x2x2xf32>, %a: tensor<1xi64>, %b: tensor<?xi64>, %y: tensor<3x1x2xf32>) -> (tensor<3x2xf32>, tensor<*xf32>) {
  %s = onnx.ReduceSum %x, %a {keepdims = 0 : i64} : (tensor<3x2x2xf32>, tensor<1xi64>) -> tensor<*xf32>
  %r = onnx.Sqrt %s : (tensor<*xf32>) -> tensor<*xf32>
  %c = onnx.CastLike %r, %x : (tensor<*xf32>, tensor<3x2x2xf32>) -> tensor<3x2xf32>
  %m = onnx.ReduceMax %y, %b : (tensor<3x1x2xf32>, tensor<?xi64>) -> tensor<*xf32>
  return %c, %m : tensor<3x2xf32>, tensor<*xf32>
}

// -----

// The pads `torch.stft` exports: a 2-D table reversed by a Slice of step -1,
// transposed and flattened, fold to one constant; the padded length then
// gives the Conv its static result, and the LSTM after it its sizes.
// CHECK-LABEL: func.func @reversed_pads_conv_lstm
// CHECK-NOT: onnx.Slice
// CHECK-NOT: onnx.Transpose
// CHECK: %[[P:.*]] = onnx.Constant {value = dense<[0, 128, 0, 128]> : tensor<4xi64>}
// CHECK: onnx.Pad %{{.*}}, %[[P]], %{{.*}} {mode = "reflect"} : (tensor<4x576xf32>, tensor<4xi64>, none) -> tensor<4x832xf32>
// CHECK: onnx.Conv {{.*}} -> tensor<4x8x5xf32>
// CHECK: onnx.MaxPool {{.*}} -> (tensor<4x8x3xf32>, none)
// CHECK: onnx.Transpose {{.*}} -> tensor<3x4x8xf32>
// CHECK: onnx.LSTM {{.*}} -> (tensor<3x1x4x16xf32>, tensor<1x4x16xf32>, none)
func.func @reversed_pads_conv_lstm(%x: tensor<4x576xf32>, %w: tensor<8x1x256xf32>, %lw: tensor<1x64x8xf32>, %lr: tensor<1x64x16xf32>) -> (tensor<?x?x?x?xf32>, tensor<?x?x?xf32>) {
  %none = onnx.NoValue
  %table = onnx.Constant {value = dense<[[128, 128], [0, 0]]> : tensor<2x2xi64>} : tensor<2x2xi64>
  %m1 = onnx.Constant {value = dense<-1> : tensor<1xi64>} : tensor<1xi64>
  %min = onnx.Constant {value = dense<-9223372036854775807> : tensor<1xi64>} : tensor<1xi64>
  %zero = onnx.Constant {value = dense<0> : tensor<1xi64>} : tensor<1xi64>
  %one = onnx.Constant {value = dense<1> : tensor<1xi64>} : tensor<1xi64>
  %rev = onnx.Slice %table, %m1, %min, %zero, %m1 : (tensor<2x2xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x2xi64>
  %t = onnx.Transpose %rev {perm = array<i64: 1, 0>} : (tensor<2x2xi64>) -> tensor<2x2xi64>
  %pads = onnx.Reshape %t, %m1 : (tensor<2x2xi64>, tensor<1xi64>) -> tensor<4xi64>
  %p = onnx.Pad %x, %pads, %none {mode = "reflect"} : (tensor<4x576xf32>, tensor<4xi64>, none) -> tensor<?x?xf32>
  %u = onnx.Unsqueeze %p, %one : (tensor<?x?xf32>, tensor<1xi64>) -> tensor<?x1x?xf32>
  %c = onnx.Conv %u, %w, %none {kernel_shape = array<i64: 256>, strides = array<i64: 128>} : (tensor<?x1x?xf32>, tensor<8x1x256xf32>, none) -> tensor<?x8x?xf32>
  %mp, %idx = onnx.MaxPool %c {kernel_shape = array<i64: 2>, strides = array<i64: 2>, ceil_mode = 1 : i64} : (tensor<?x8x?xf32>) -> (tensor<?x8x?xf32>, none)
  %seq = onnx.Transpose %mp {perm = array<i64: 2, 0, 1>} : (tensor<?x8x?xf32>) -> tensor<?x?x8xf32>
  %y, %yh, %yc = onnx.LSTM %seq, %lw, %lr, %none, %none, %none, %none, %none {hidden_size = 16 : i64} : (tensor<?x?x8xf32>, tensor<1x64x8xf32>, tensor<1x64x16xf32>, none, none, none, none, none) -> (tensor<?x?x?x?xf32>, tensor<?x?x?xf32>, none)
  return %y, %yh : tensor<?x?x?x?xf32>, tensor<?x?x?xf32>
}

// -----

// Normalizations keep their input's shape; global pooling keeps batch and
// channels.
// CHECK-LABEL: func.func @normalization_pool_types
// CHECK: onnx.BatchNormalization {{.*}} -> (tensor<1x4x6x6xf32>, none, none)
// CHECK: onnx.GlobalAveragePool {{.*}} -> tensor<1x4x1x1xf32>
func.func @normalization_pool_types(%x: tensor<1x4x6x6xf32>, %s: tensor<4xf32>) -> tensor<*xf32> {
  %y, %m, %v = onnx.BatchNormalization %x, %s, %s, %s, %s : (tensor<1x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<*xf32>, none, none)
  %g = onnx.GlobalAveragePool %y : (tensor<*xf32>) -> tensor<*xf32>
  return %g : tensor<*xf32>
}

// -----

// A branch that the refined shapes make invalid fails when taken: a failed
// check naming the node, then empty results; the If takes the other
// branch's types.
// CHECK-LABEL: func.func @invalid_branch
// CHECK: %[[FALSE:.*]] = arith.constant false
// CHECK: onnx.If %{{.*}} : (tensor<i1>) -> tensor<2x3xf32> {
// CHECK: onnx.MatMul %{{.*}} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
// CHECK: } else {
// CHECK-NEXT: cf.assert %[[FALSE]], "node 'branch': branch 'else_branch' cannot run with these input shapes: 'onnx.MatMul' op contraction sizes differ: 2 vs 4"
// CHECK-NEXT: %[[EMPTY:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK-NEXT: onnx.Yield %[[EMPTY]]
func.func @invalid_branch(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>, %c: tensor<i1>) -> tensor<*xf32> {
  %y = onnx.If %c : (tensor<i1>) -> tensor<*xf32> {
    %m = onnx.MatMul %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<*xf32>
    onnx.Yield %m : tensor<*xf32>
  } else {
    %t = onnx.Transpose %x {perm = array<i64: 1, 0>} : (tensor<2x4xf32>) -> tensor<*xf32>
    %m = onnx.MatMul %t, %w : (tensor<*xf32>, tensor<4x3xf32>) -> tensor<*xf32>
    onnx.Yield %m : tensor<*xf32>
  } loc("branch")
  return %y : tensor<*xf32>
}

// -----

// tf2onnx's element count of a weight's trailing dims (ReduceProd of a
// constant) folds; the Reshape, the Gemm after it and an Einsum get static
// types.
// CHECK-LABEL: func.func @gemm_einsum_types
// CHECK-NOT: onnx.ReduceProd
// CHECK-DAG: onnx.Constant {value = dense<[-1, 128]> : tensor<2xi64>}
// CHECK-DAG: onnx.Constant {value = dense<{{\[\[}}3, 5]]> : tensor<1x2xi64>}
// CHECK-DAG: onnx.Constant {value = dense<24> : tensor<i64>}
// CHECK: onnx.Reshape {{.*}} -> tensor<4x128xf32>
// CHECK: onnx.Gemm {{.*}} -> tensor<3x4xf32>
// CHECK: onnx.Einsum {{.*}} -> tensor<3x4x2xf32>
func.func @gemm_einsum_types(%a: tensor<3x128xf32>, %w: tensor<4x8x16xf32>, %e: tensor<2x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xi64>, tensor<*xi64>) {
  %none = onnx.NoValue
  %m1 = onnx.Constant {value = dense<-1> : tensor<1xi64>} : tensor<1xi64>
  %trailing = onnx.Constant {value = dense<[8, 16]> : tensor<2xi64>} : tensor<2xi64>
  %count = onnx.ReduceProd %trailing : (tensor<2xi64>) -> tensor<1xi64>
  %shape = onnx.Concat %m1, %count {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %b = onnx.Reshape %w, %shape : (tensor<4x8x16xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %g = onnx.Gemm %a, %b, %none {transB = 1 : i64} : (tensor<3x128xf32>, tensor<?x?xf32>, none) -> tensor<*xf32>
  %s = onnx.Einsum %g, %e {equation = "ij,kj->ijk"} : (tensor<*xf32>, tensor<2x4xf32>) -> tensor<*xf32>
  %table = onnx.Constant {value = dense<[[1, 2], [3, 5]]> : tensor<2x2xi64>} : tensor<2x2xi64>
  %rows = onnx.ReduceMax %table {axes = array<i64: 0>} : (tensor<2x2xi64>) -> tensor<*xi64>
  %zero = onnx.Constant {value = dense<0> : tensor<1xi64>} : tensor<1xi64>
  %all = onnx.ReduceSum %trailing, %zero {keepdims = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<*xi64>
  return %g, %s, %rows, %all : tensor<*xf32>, tensor<*xf32>, tensor<*xi64>, tensor<*xi64>
}

// -----

// An unranked operand of a same-shape op (a Loop output read by Softmax)
// takes the op's result type.
// CHECK-LABEL: func.func @unranked_operand
// CHECK: onnx.Relu %{{.*}} : (tensor<*xf32>) -> tensor<2x?xf32>
// CHECK: onnx.Softmax %{{.*}} : (tensor<2x?xf32>) -> tensor<2x?xf32>
func.func @unranked_operand(%x: tensor<*xf32>) -> tensor<2x?xf32> {
  %r = onnx.Relu %x : (tensor<*xf32>) -> tensor<*xf32>
  %s = onnx.Softmax %r : (tensor<*xf32>) -> tensor<2x?xf32>
  return %s : tensor<2x?xf32>
}

// -----

// A graph output declared in another rank than its Reshape computes takes
// the computed type, in the function's type too, with a warning (ONNX
// Runtime warns and returns the computed tensor).
// CHECK-LABEL: func.func @declared_output_rank
// CHECK-SAME: -> tensor<2x1x6xf32>
// CHECK: onnx.Reshape {{.*}} -> tensor<2x1x6xf32>
// WARN: warning: the graph output is declared as 'tensor<1x?xf32>' but computed as 'tensor<2x1x6xf32>'; the computed type is used, as ONNX Runtime does
func.func @declared_output_rank(%x: tensor<2x6xf32>) -> tensor<1x?xf32> {
  %shape = onnx.Constant {value = dense<[2, 1, -1]> : tensor<3xi64>} : tensor<3xi64>
  %y = onnx.Reshape %x, %shape : (tensor<2x6xf32>, tensor<3xi64>) -> tensor<1x?xf32>
  return %y : tensor<1x?xf32>
}
