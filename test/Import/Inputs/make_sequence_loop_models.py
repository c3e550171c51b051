#!/usr/bin/env python3
"""A model whose Loop builds a list, as TorchScript exports a scripted loop
that appends to one: SequenceEmpty, SequenceInsert at the end of each
iteration, ConcatFromSequence after the loop (three ways: along an existing
axis, along a new middle axis, along the last axis). With inputs of 3 and 40 rows and ONNX
Runtime's outputs, for test/Import/sequence-loops.test. Also scan.onnx, a
Scan over a symbolic number of steps of a symbolic batch, whose outputs
stack along axis 1 and, in reverse, along axis 0.
Usage: make_sequence_loop_models.py OUT"""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

float_seq = helper.make_tensor_sequence_value_info("s_in", TensorProto.FLOAT, [4, 5])
body = helper.make_graph(
    [
        helper.make_node("Gather", ["x", "i"], ["row"], axis=0),
        helper.make_node("Cast", ["i"], ["i_float"], to=TensorProto.FLOAT),
        helper.make_node("Add", ["i_float", "one"], ["scale"]),
        helper.make_node("Mul", ["row", "scale"], ["scaled"]),
        helper.make_node("Add", ["scaled", "acc_in"], ["acc_out"]),
        helper.make_node("SequenceInsert", ["s_in", "acc_out"], ["s_out"]),
        helper.make_node("Identity", ["cond_in"], ["cond_out"]),
    ],
    "body",
    [helper.make_tensor_value_info("i", TensorProto.INT64, []),
     helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
     helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [4, 5]),
     float_seq],
    [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
     helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [4, 5]),
     helper.make_tensor_sequence_value_info("s_out", TensorProto.FLOAT, [4, 5])],
)
graph = helper.make_graph(
    [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["steps"], axis=0),
        helper.make_node("Gather", ["x", "zero"], ["first"], axis=0),
        helper.make_node("Mul", ["first", "zero_float"], ["acc0"]),
        helper.make_node("SequenceEmpty", [], ["s0"], dtype=TensorProto.FLOAT),
        helper.make_node("Loop", ["steps", "true", "acc0", "s0"],
                         ["acc", "seq"], body=body, name="appending_loop"),
        helper.make_node("ConcatFromSequence", ["seq"], ["rows"], axis=0),
        helper.make_node("ConcatFromSequence", ["seq"], ["stacked"], axis=1,
                         new_axis=1),
        helper.make_node("ConcatFromSequence", ["seq"], ["columns"], axis=-1),
    ],
    "sequence_loop",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4, 5])],
    [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
     for name, shape in (("acc", [4, 5]), ("rows", ["r", 5]),
                         ("stacked", [4, "n", 5]), ("columns", [4, "c"]))],
    [numpy_helper.from_array(np.array(0, np.int64), "zero"),
     numpy_helper.from_array(np.array(0.0, np.float32), "zero_float"),
     numpy_helper.from_array(np.array(1.0, np.float32), "one"),
     numpy_helper.from_array(np.array(True), "true")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model, full_check=True)
path = os.path.join(out, "sequence-loop.onnx")
onnx.save(model, path)

# 3 iterations, and 40 (the stacks of a symbolic-size compile grow twice).
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
for steps, suffix in ((3, ""), (40, "_long")):
    x = np.random.default_rng(steps).standard_normal((steps, 4, 5))
    x = x.astype(np.float32)
    np.save(os.path.join(out, f"input{suffix}_0.npy"), x)
    for index, value in enumerate(session.run(None, {"x": x})):
        np.save(os.path.join(out, f"expected{suffix}_{index}.npy"), value)

# A Scan over the second axis of a [batch, steps, 5] input, both sizes
# symbolic: running sums (scan output on axis 1) and the rows reversed
# (a reverse scan output on axis 0).
scan_body = helper.make_graph(
    [helper.make_node("Add", ["sum_in", "row"], ["sum_out"]),
     helper.make_node("Identity", ["sum_out"], ["running"]),
     helper.make_node("Identity", ["row"], ["row_out"])],
    "scan_body",
    [helper.make_tensor_value_info("sum_in", TensorProto.FLOAT, ["b", 5]),
     helper.make_tensor_value_info("row", TensorProto.FLOAT, ["b", 5])],
    [helper.make_tensor_value_info("sum_out", TensorProto.FLOAT, ["b", 5]),
     helper.make_tensor_value_info("running", TensorProto.FLOAT, ["b", 5]),
     helper.make_tensor_value_info("row_out", TensorProto.FLOAT, ["b", 5])],
)
scan_graph = helper.make_graph(
    [helper.make_node("ReduceSum", ["x", "axis1"], ["zeros_like"], keepdims=0),
     helper.make_node("Mul", ["zeros_like", "zero_float"], ["sum0"]),
     helper.make_node("Scan", ["sum0", "x"], ["total", "running", "reversed"],
                      body=scan_body, num_scan_inputs=1,
                      scan_input_axes=[1], scan_output_axes=[1, 0],
                      scan_output_directions=[0, 1], name="running_sums")],
    "scan",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "t", 5])],
    [helper.make_tensor_value_info("total", TensorProto.FLOAT, ["b", 5]),
     helper.make_tensor_value_info("running", TensorProto.FLOAT, ["b", "t", 5]),
     helper.make_tensor_value_info("reversed", TensorProto.FLOAT, ["t", "b", 5])],
    [numpy_helper.from_array(np.array([1], np.int64), "axis1"),
     numpy_helper.from_array(np.array(0.0, np.float32), "zero_float")],
)
scan_model = helper.make_model(scan_graph,
                               opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(scan_model, full_check=True)
scan_path = os.path.join(out, "scan.onnx")
onnx.save(scan_model, scan_path)
x = np.random.default_rng(1).standard_normal((3, 37, 5)).astype(np.float32)
np.save(os.path.join(out, "scan_input_0.npy"), x)
session = ort.InferenceSession(scan_path, providers=["CPUExecutionProvider"])
for index, value in enumerate(session.run(None, {"x": x})):
    np.save(os.path.join(out, f"scan_expected_{index}.npy"), value)
