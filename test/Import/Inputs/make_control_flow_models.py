"""Writes the ONNX models with If, Loop and Scan nodes that the control-flow
import test reads into the directory given as the first argument."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

f32 = TensorProto.FLOAT
i64 = TensorProto.INT64
vi = helper.make_tensor_value_info


def save(name, nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(out, name + ".onnx"))


# If whose branches read a value of the enclosing graph.
then_graph = helper.make_graph(
    [helper.make_node("Relu", ["h"], ["t"], name="then_relu")], "then", [],
    [vi("t", f32, [4, 8])])
else_graph = helper.make_graph(
    [helper.make_node("Neg", ["h"], ["e"], name="else_neg")], "else", [],
    [vi("e", f32, [4, 8])])
save("if",
     [helper.make_node("Abs", ["x"], ["h"], name="abs"),
      helper.make_node("If", ["flag"], ["y"], name="branch",
                       then_branch=then_graph, else_branch=else_graph)],
     [vi("x", f32, [4, 8]), vi("flag", TensorProto.BOOL, [])],
     [vi("y", f32, [4, 8])])

# If whose else branch multiplies the transposed input by a 4 x 3 weight
# after an inner If that squeezes a last dim of 1 (the rank is known only
# once the shapes are): it runs only when the input has 4 rows, as in ONNX
# Runtime.
ones = numpy_helper.from_array(np.ones((4, 3), np.float32), "w")
last = numpy_helper.from_array(np.array([-1], np.int64), "last")
one = numpy_helper.from_array(np.array([1], np.int64), "one")
squeeze_graph = helper.make_graph(
    [helper.make_node("Squeeze", ["h", "last"], ["q"], name="squeeze_last")],
    "squeeze", [], [vi("q", f32, None)])
keep_graph = helper.make_graph(
    [helper.make_node("Identity", ["h"], ["k"], name="keep_rank")],
    "keep", [], [vi("k", f32, None)])
then_graph = helper.make_graph(
    [helper.make_node("MatMul", ["h", "w"], ["t"], name="then_matmul")],
    "then", [], [vi("t", f32, [None, 3])])
else_graph = helper.make_graph(
    [helper.make_node("Shape", ["h"], ["s"], name="shape"),
     helper.make_node("Gather", ["s", "last"], ["d"], name="last_dim"),
     helper.make_node("Equal", ["d", "one"], ["is_one"], name="is_one"),
     helper.make_node("Squeeze", ["is_one"], ["c"], name="cond"),
     helper.make_node("If", ["c"], ["r"], name="squeeze_if_one",
                      then_branch=squeeze_graph, else_branch=keep_graph),
     helper.make_node("Transpose", ["r"], ["rt"], name="else_transpose"),
     helper.make_node("MatMul", ["rt", "w"], ["e"], name="else_matmul")],
    "else", [], [vi("e", f32, [None, 3])])
save("if_shapes",
     [helper.make_node("Abs", ["x"], ["h"], name="abs"),
      helper.make_node("If", ["flag"], ["y"], name="branch",
                       then_branch=then_graph, else_branch=else_graph)],
     [vi("x", f32, ["n", "m"]), vi("flag", TensorProto.BOOL, [])],
     [vi("y", f32, [None, 3])], [ones, last, one])

# Loop with a trip count, a condition, one carried value and one scan
# output; the body reads the iteration number and an outer value.
body = helper.make_graph(
    [helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep"),
     helper.make_node("Cast", ["i"], ["fi"], name="to_float", to=f32),
     helper.make_node("Add", ["acc", "fi"], ["a1"], name="add_i"),
     helper.make_node("Add", ["a1", "step"], ["acc_out"], name="add_step"),
     helper.make_node("Identity", ["acc_out"], ["scan"], name="emit")],
    "body",
    [vi("i", i64, []), vi("cond_in", TensorProto.BOOL, []), vi("acc", f32, [None])],
    [vi("cond_out", TensorProto.BOOL, []), vi("acc_out", f32, [None]),
     vi("scan", f32, [None])])
save("loop",
     [helper.make_node("Loop", ["m", "c", "a0"], ["a", "s"], name="loop", body=body)],
     [vi("m", i64, []), vi("c", TensorProto.BOOL, []), vi("a0", f32, [3])],
     [vi("a", f32, [3]), vi("s", f32, [4, 3])],
     [numpy_helper.from_array(np.ones(3, np.float32), "step")])

# Loop carrying a sequence: stays opaque.
seq_body = helper.make_graph(
    [helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep"),
     helper.make_node("SequenceInsert", ["seq", "x"], ["seq_out"], name="push")],
    "seq_body",
    [vi("i", i64, []), vi("cond_in", TensorProto.BOOL, []),
     helper.make_tensor_sequence_value_info("seq", f32, None)],
    [vi("cond_out", TensorProto.BOOL, []),
     helper.make_tensor_sequence_value_info("seq_out", f32, None)])
save("loop_sequence",
     [helper.make_node("SequenceEmpty", [], ["empty"], name="empty", dtype=f32),
      helper.make_node("Loop", ["m", "", "empty"], ["seq"], name="collect",
                       body=seq_body),
      helper.make_node("ConcatFromSequence", ["seq"], ["y"], name="stack",
                       axis=0, new_axis=1)],
     [vi("m", i64, []), vi("x", f32, [2])], [vi("y", f32, [None, 2])])

# Scan summing the rows of x, scanning columns backwards.
scan_body = helper.make_graph(
    [helper.make_node("Add", ["sum_in", "col"], ["sum_out"], name="acc"),
     helper.make_node("Identity", ["sum_out"], ["scan_out"], name="emit")],
    "scan_body", [vi("sum_in", f32, [2]), vi("col", f32, [2])],
    [vi("sum_out", f32, [2]), vi("scan_out", f32, [2])])
save("scan",
     [helper.make_node("Scan", ["init", "x"], ["y", "z"], name="scan",
                       body=scan_body, num_scan_inputs=1, scan_input_axes=[1],
                       scan_input_directions=[1])],
     [vi("init", f32, [2]), vi("x", f32, [2, 3])],
     [vi("y", f32, [2]), vi("z", f32, [3, 2])])
