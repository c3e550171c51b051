"""Writes a one-MatMul ONNX model whose weight has the given shape (default
2048x4096 float32, 32 MiB): large enough that writing an output takes a
noticeable time, for the interrupted-run tests."""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

path = sys.argv[1]
rows, cols = (int(d) for d in (sys.argv[2] if len(sys.argv) > 2 else "2048x4096").split("x"))
w = numpy_helper.from_array(
    np.random.default_rng(0).standard_normal((rows, cols), dtype=np.float32), "fc.weight")
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "fc.weight"], ["y"], name="fc")], "large",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, rows])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, cols])], [w])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.save(model, path)
