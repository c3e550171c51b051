// RUN: lowrank-opt %s --lowrank-convert-onnx-to-linalg --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @constant
// CHECK: %[[C:.*]] = arith.constant dense<[3, 2]> : tensor<2xi64>
// CHECK: return %[[C]]
func.func @constant() -> tensor<2xi64> {
  %c = onnx.Constant {value = dense<[3, 2]> : tensor<2xi64>} : tensor<2xi64>
  return %c : tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @identity_dropout
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3xi1>
// CHECK: %[[T:.*]] = arith.constant true
// CHECK: %[[M:.*]] = linalg.fill ins(%[[T]] : i1) outs(%[[E]] : tensor<2x3xi1>)
// CHECK: return %[[X]], %[[M]]
func.func @identity_dropout(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi1>) {
  %n = onnx.NoValue
  %i = onnx.Identity %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %y, %m = onnx.Dropout %i, %n, %n : (tensor<2x3xf32>, none, none) -> (tensor<2x3xf32>, tensor<2x3xi1>)
  return %y, %m : tensor<2x3xf32>, tensor<2x3xi1>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<3x4x2xf32>) permutation = [1, 2, 0]
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x3x2xf32>) permutation = [2, 1, 0]
func.func @transpose(%x: tensor<2x3x4xf32>) -> (tensor<3x4x2xf32>, tensor<4x3x2xf32>) {
  %0 = onnx.Transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = onnx.Transpose %x : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  return %0, %1 : tensor<3x4x2xf32>, tensor<4x3x2xf32>
}

// -----

// A regrouping is one collapse or expand; 2x3x4 -> 4x6 is not, so it goes
// through 1-D. A runtime shape operand is fine: the result type decides.
// CHECK-LABEL: func.func @reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>
// CHECK: %[[A:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: %[[B:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
// CHECK: %[[C:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1], [2, 3]] output_shape [2, 3, 2, 2]
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @reshape(%x: tensor<2x3x4xf32>, %s: tensor<2xi64>) -> (tensor<6x4xf32>, tensor<4x6xf32>, tensor<2x3x2x2xf32>) {
  %c = onnx.Constant {value = dense<[6, 4]> : tensor<2xi64>} : tensor<2xi64>
  %0 = onnx.Reshape %x, %c : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %1 = onnx.Reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  %c4 = onnx.Constant {value = dense<[2, 3, 2, 2]> : tensor<4xi64>} : tensor<4xi64>
  %2 = onnx.Reshape %x, %c4 : (tensor<2x3x4xf32>, tensor<4xi64>) -> tensor<2x3x2x2xf32>
  return %0, %1, %2 : tensor<6x4xf32>, tensor<4x6xf32>, tensor<2x3x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @squeeze_unsqueeze_flatten
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<2x1x4xf32> into tensor<2x4xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3]] output_shape [1, 2, 1, 4]
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2]] : tensor<2x1x4xf32> into tensor<8xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [1, 8] : tensor<8xf32> into tensor<1x8xf32>
func.func @squeeze_unsqueeze_flatten(%x: tensor<2x1x4xf32>) -> (tensor<2x4xf32>, tensor<1x2x1x4xf32>, tensor<1x8xf32>) {
  %a = onnx.Constant {value = dense<[1]> : tensor<1xi64>} : tensor<1xi64>
  %0 = onnx.Squeeze %x, %a : (tensor<2x1x4xf32>, tensor<1xi64>) -> tensor<2x4xf32>
  %b = onnx.Constant {value = dense<[0]> : tensor<1xi64>} : tensor<1xi64>
  %1 = onnx.Unsqueeze %x, %b : (tensor<2x1x4xf32>, tensor<1xi64>) -> tensor<1x2x1x4xf32>
  %2 = onnx.Flatten %x {axis = 0 : i64} : (tensor<2x1x4xf32>) -> tensor<1x8xf32>
  return %0, %1, %2 : tensor<2x4xf32>, tensor<1x2x1x4xf32>, tensor<1x8xf32>
}

// -----

// CHECK-LABEL: func.func @concat_split
// CHECK: %[[C:.*]] = tensor.concat dim(1) %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
// CHECK: %[[A:.*]] = tensor.extract_slice %[[C]][0, 0] [2, 2] [1, 1]
// CHECK: %[[B:.*]] = tensor.extract_slice %[[C]][0, 2] [2, 6] [1, 1]
// CHECK: return %[[C]], %[[A]], %[[B]]
func.func @concat_split(%x: tensor<2x3xf32>, %y: tensor<2x5xf32>) -> (tensor<2x8xf32>, tensor<2x2xf32>, tensor<2x6xf32>) {
  %0 = onnx.Concat %x, %y {axis = -1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  %s = onnx.Constant {value = dense<[2, 6]> : tensor<2xi64>} : tensor<2xi64>
  %1, %2 = onnx.Split %0, %s {axis = 1 : i64} : (tensor<2x8xf32>, tensor<2xi64>) -> (tensor<2x2xf32>, tensor<2x6xf32>)
  return %0, %1, %2 : tensor<2x8xf32>, tensor<2x2xf32>, tensor<2x6xf32>
}

// -----

// Ends past the dim clamp; a negative step reads d1 * -4 + 9.
// CHECK-DAG: #[[$REV:.*]] = affine_map<(d0, d1, d2) -> (d0, d1 * -4 + 9, d2)>
// CHECK-LABEL: func.func @slice
// CHECK: %[[A:.*]] = tensor.extract_slice %{{.*}}[0, 1, 0] [3, 3, 5] [1, 4, 1] : tensor<20x10x5xf32> to tensor<3x3x5xf32>
// CHECK: %[[B:.*]] = linalg.generic {indexing_maps = [#[[$REV]], #{{.*}}]
// CHECK-SAME: outs(%{{.*}} : tensor<20x3x5xf32>)
// CHECK: return %[[A]], %[[B]]
func.func @slice(%x: tensor<20x10x5xf32>) -> (tensor<3x3x5xf32>, tensor<20x3x5xf32>) {
  %st = onnx.Constant {value = dense<[0, 1]> : tensor<2xi64>} : tensor<2xi64>
  %en = onnx.Constant {value = dense<[3, 1000]> : tensor<2xi64>} : tensor<2xi64>
  %ax = onnx.Constant {value = dense<[0, -2]> : tensor<2xi64>} : tensor<2xi64>
  %sp = onnx.Constant {value = dense<[1, 4]> : tensor<2xi64>} : tensor<2xi64>
  %0 = onnx.Slice %x, %st, %en, %ax, %sp : (tensor<20x10x5xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<3x3x5xf32>
  %s1 = onnx.Constant {value = dense<[-1]> : tensor<1xi64>} : tensor<1xi64>
  %e1 = onnx.Constant {value = dense<[-1000]> : tensor<1xi64>} : tensor<1xi64>
  %a1 = onnx.Constant {value = dense<[1]> : tensor<1xi64>} : tensor<1xi64>
  %p1 = onnx.Constant {value = dense<[-4]> : tensor<1xi64>} : tensor<1xi64>
  %1 = onnx.Slice %x, %s1, %e1, %a1, %p1 : (tensor<20x10x5xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<20x3x5xf32>
  return %0, %1 : tensor<3x3x5xf32>, tensor<20x3x5xf32>
}

// -----

// A negative step beside a positive one: the positive axis is cut first
// (read at d1 * 1 + 0 in the generic, its extent would be taken from both
// the input's 5 and the output's 3), then the reversed axis is read at
// d0 * -1 + 3.
// CHECK-DAG: #[[$BACK:.*]] = affine_map<(d0, d1) -> (-d0 + 3, d1)>
// CHECK-LABEL: func.func @slice_reverse_and_cut
// CHECK-SAME: (%[[X:.*]]: tensor<4x5xf32>)
// CHECK: %[[CUT:.*]] = tensor.extract_slice %[[X]][0, 0] [4, 3] [1, 1] : tensor<4x5xf32> to tensor<4x3xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$BACK]], #{{.*}}]
// CHECK-SAME: ins(%[[CUT]] : tensor<4x3xf32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK: return %[[Y]]
func.func @slice_reverse_and_cut(%x: tensor<4x5xf32>) -> tensor<4x3xf32> {
  %st = onnx.Constant {value = dense<[3, 0]> : tensor<2xi64>} : tensor<2xi64>
  %en = onnx.Constant {value = dense<[-10, 3]> : tensor<2xi64>} : tensor<2xi64>
  %ax = onnx.Constant {value = dense<[0, 1]> : tensor<2xi64>} : tensor<2xi64>
  %sp = onnx.Constant {value = dense<[-1, 1]> : tensor<2xi64>} : tensor<2xi64>
  %0 = onnx.Slice %x, %st, %en, %ax, %sp : (tensor<4x5xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Runtime starts: wrapped, clamped, and used as a dynamic offset.
// CHECK-LABEL: func.func @slice_runtime
// CHECK-SAME: (%[[X:.*]]: tensor<20x10xf32>, %[[ST:[^:]*]]: tensor<1xi64>
// CHECK: %[[S:.*]] = tensor.extract %[[ST]]
// CHECK: %[[I:.*]] = arith.index_cast %[[S]] : i64 to index
// CHECK: arith.select
// CHECK: arith.maxsi
// CHECK: %[[OFF:.*]] = arith.minsi
// CHECK: tensor.extract_slice %[[X]][0, %[[OFF]]] [20, 4] [1, 1]
func.func @slice_runtime(%x: tensor<20x10xf32>, %st: tensor<1xi64>, %en: tensor<1xi64>) -> tensor<20x4xf32> {
  %n = onnx.NoValue
  %a = onnx.Constant {value = dense<[1]> : tensor<1xi64>} : tensor<1xi64>
  %0 = onnx.Slice %x, %st, %en, %a, %n : (tensor<20x10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<20x4xf32>
  return %0 : tensor<20x4xf32>
}

// -----

// An empty slice reads nothing: an empty tensor, whatever the step (the
// verifier would check a reversed read of an empty range as if it ran
// once, past the input).
// CHECK-LABEL: func.func @slice_empty_at_end
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<0xi64>
// CHECK-NOT: tensor.extract_slice
// CHECK: return %[[EMPTY]]
func.func @slice_empty_at_end(%x: tensor<3xi64>) -> tensor<0xi64> {
  %st = onnx.Constant {value = dense<[3]> : tensor<1xi64>} : tensor<1xi64>
  %en = onnx.Constant {value = dense<[9223372036854775807]> : tensor<1xi64>} : tensor<1xi64>
  %n = onnx.NoValue
  %0 = onnx.Slice %x, %st, %en, %n, %n : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<0xi64>
  return %0 : tensor<0xi64>
}

// -----

// A negative step over a size known only at run time (a reversed prefix of
// a signal): the result size is computed from the clamped bounds, and a
// generic reads data[offset + step * i].
// CHECK-LABEL: func.func @slice_symbolic_reverse
// CHECK-SAME: (%[[X:.*]]: tensor<?x?xf32>)
// CHECK: %[[SIZE:.*]] = arith.ceildivsi %{{.*}}, %{{.*}} : index
// CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}, %[[SIZE]]) : tensor<?x?xf32>
// CHECK: linalg.generic {{.*}} outs(%[[INIT]] : tensor<?x?xf32>)
// CHECK: arith.muli
// CHECK: tensor.extract %[[X]]
func.func @slice_symbolic_reverse(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %st = onnx.Constant {value = dense<[119]> : tensor<1xi64>} : tensor<1xi64>
  %en = onnx.Constant {value = dense<[-9223372036854775808]> : tensor<1xi64>} : tensor<1xi64>
  %a = onnx.Constant {value = dense<[1]> : tensor<1xi64>} : tensor<1xi64>
  %p = onnx.Constant {value = dense<[-1]> : tensor<1xi64>} : tensor<1xi64>
  %0 = onnx.Slice %x, %st, %en, %a, %p : (tensor<?x?xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// CHECK-DAG: #[[$IDX:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-LABEL: func.func @gather
// CHECK-SAME: (%[[X:.*]]: tensor<5x4x3xf32>
// The indices are checked first: all in [-4, 4).
// CHECK: %[[ALL:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK-SAME: ins(%{{.*}} : tensor<2x2xi64>) outs(%{{.*}} : tensor<i1>)
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: %[[OK:.*]] = tensor.extract %[[ALL]][] : tensor<i1>
// CHECK: cf.assert %[[OK]], "Gather index out of range for axis 1 of size 4"
// CHECK: linalg.generic {indexing_maps = [#[[$IDX]], #{{.*}}]
// CHECK: %[[I:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[I]]
// CHECK: %[[WR:.*]] = arith.select %[[NEG]]
// Clamped as well, for targets that drop the checks.
// CHECK: %[[LO:.*]] = arith.maxsi %[[WR]]
// CHECK: %[[W:.*]] = arith.minsi %[[LO]]
// CHECK: %[[D0:.*]] = linalg.index 0
// CHECK: %[[D3:.*]] = linalg.index 3
// CHECK: tensor.extract %[[X]][%[[D0]], %[[W]], %[[D3]]]
func.func @gather(%x: tensor<5x4x3xf32>, %i: tensor<2x2xi64>) -> tensor<5x2x2x3xf32> {
  %0 = onnx.Gather %x, %i {axis = 1 : i64} : (tensor<5x4x3xf32>, tensor<2x2xi64>) -> tensor<5x2x2x3xf32>
  return %0 : tensor<5x2x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @shape_and_constant_of_shape
// CHECK-DAG: %[[S:.*]] = arith.constant dense<1> : tensor<1xi64>
// CHECK-DAG: %[[V:.*]] = arith.constant 7 : i32
// CHECK: %[[F:.*]] = linalg.fill ins(%[[V]] : i32) outs(%{{.*}} : tensor<2x3xi32>)
// CHECK: return %[[S]], %[[F]]
func.func @shape_and_constant_of_shape(%x: tensor<3x1xf32>, %s: tensor<2xi64>) -> (tensor<1xi64>, tensor<2x3xi32>) {
  %0 = onnx.Shape %x {start = 1 : i64} : (tensor<3x1xf32>) -> tensor<1xi64>
  %1 = onnx.ConstantOfShape %s {value = dense<7> : tensor<1xi32>} : (tensor<2xi64>) -> tensor<2x3xi32>
  return %0, %1 : tensor<1xi64>, tensor<2x3xi32>
}

// -----

// CHECK-DAG: #[[$BCAST:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-DAG: #[[$TILE:.*]] = affine_map<(d0, d1) -> (d0 mod 3, 0)>
// CHECK-LABEL: func.func @expand_tile
// CHECK: linalg.generic {indexing_maps = [#[[$BCAST]], #{{.*}}]{{.*}} outs(%{{.*}} : tensor<2x3x6xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$TILE]], #{{.*}}]{{.*}} outs(%{{.*}} : tensor<6x2xf32>)
func.func @expand_tile(%x: tensor<3x1xf32>, %r: tensor<2xi64>) -> (tensor<2x3x6xf32>, tensor<6x2xf32>) {
  %c = onnx.Constant {value = dense<[2, 1, 6]> : tensor<3xi64>} : tensor<3xi64>
  %0 = onnx.Expand %x, %c : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<2x3x6xf32>
  %1 = onnx.Tile %x, %r : (tensor<3x1xf32>, tensor<2xi64>) -> tensor<6x2xf32>
  return %0, %1 : tensor<2x3x6xf32>, tensor<6x2xf32>
}

// -----

// Shape of symbolic sizes: tensor.dim for those, constants for the others.
// CHECK-LABEL: func.func @shape_symbolic
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x16xf32>)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : i64
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[D1:.*]] = tensor.dim %[[X]], %c1
// CHECK-DAG: %[[I0:.*]] = arith.index_cast %[[D0]] : index to i64
// CHECK-DAG: %[[I1:.*]] = arith.index_cast %[[D1]] : index to i64
// CHECK: tensor.from_elements %[[I0]], %[[I1]], %[[C16]] : tensor<3xi64>
func.func @shape_symbolic(%x: tensor<?x?x16xf32>) -> tensor<3xi64> {
  %0 = onnx.Shape %x : (tensor<?x?x16xf32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// Flatten and Unsqueeze of symbolic sizes: sizes from the input's, then
// tensor.reshape.
// CHECK-LABEL: func.func @flatten_unsqueeze_symbolic
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x5xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[F:.*]] = tensor.from_elements %[[N]], %c20 : tensor<2xindex>
// CHECK: %[[FLAT:.*]] = tensor.reshape %[[X]](%[[F]]) : (tensor<?x4x5xf32>, tensor<2xindex>) -> tensor<?x20xf32>
// CHECK: tensor.from_elements %c1, %{{.*}}, %c20{{.*}} : tensor<3xindex>
// CHECK: tensor.reshape %[[FLAT]]
func.func @flatten_unsqueeze_symbolic(%x: tensor<?x4x5xf32>) -> tensor<1x?x20xf32> {
  %axes = onnx.Constant {value = dense<0> : tensor<1xi64>} : tensor<1xi64>
  %0 = onnx.Flatten %x {axis = 1 : i64} : (tensor<?x4x5xf32>) -> tensor<?x20xf32>
  %1 = onnx.Unsqueeze %0, %axes : (tensor<?x20xf32>, tensor<1xi64>) -> tensor<1x?x20xf32>
  return %1 : tensor<1x?x20xf32>
}

// -----

// Reshape to a run-time shape: 0 copies the input's size, -1 is inferred,
// and the element counts are checked to agree.
// CHECK-LABEL: func.func @reshape_runtime_shape
// CHECK: tensor.extract
// CHECK: arith.divsi
// CHECK: cf.assert %{{.*}}, "Reshape to a shape of another element count"
// CHECK: tensor.reshape {{.*}} -> tensor<?x?xf32>
func.func @reshape_runtime_shape(%x: tensor<?x6xf32>, %shape: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Reshape %x, %shape : (tensor<?x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Expand to a run-time shape: where it says 1 the input's size stays,
// elsewhere the shape's size; the input's symbolic size is checked to equal
// the result's.
// CHECK-LABEL: func.func @expand_runtime_shape
// CHECK: tensor.extract
// CHECK: cf.assert %{{.*}}, "Expand to a shape that does not broadcast the input
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?x?x8xf32>)
func.func @expand_runtime_shape(%x: tensor<?x1x8xf32>, %shape: tensor<3xi64>) -> tensor<?x?x8xf32> {
  %0 = onnx.Expand %x, %shape : (tensor<?x1x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// An input empty along the axis adds nothing to a Concat (tensor.concat
// would insert it at the end of the axis).
// CHECK-LABEL: func.func @concat_empty_input
// CHECK-NOT: tensor.concat
// CHECK: return %arg0
func.func @concat_empty_input(%x: tensor<2x8xf32>, %e: tensor<2x0xf32>) -> tensor<2x8xf32> {
  %c = onnx.Concat %x, %e {axis = -1 : i64} : (tensor<2x8xf32>, tensor<2x0xf32>) -> tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

// Repeats read at run time (a Loop body's): each size is the input's times
// its repeat, checked not negative; elements read the input modulo its size.
// CHECK-LABEL: func.func @tile_runtime_repeats
// CHECK: %[[R0:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<2xi64>
// CHECK: cf.assert %{{.*}}, "Tile repeats must not be negative"
// CHECK: %[[EMPTY:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK-SAME: outs(%[[EMPTY]] : tensor<?x?xf32>)
// CHECK: arith.remui
// CHECK: tensor.extract %arg0
func.func @tile_runtime_repeats(%x: tensor<?x3xf32>, %r: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Tile %x, %r : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
