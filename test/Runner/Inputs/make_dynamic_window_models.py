#!/usr/bin/env python3
"""A model of convolutions and pools over images and signals of any size,
with inputs at two sizes and ONNX Runtime's outputs, for
test/Runner/dynamic-windows.test. Usage: make_dynamic_window_models.py OUT

Conv with explicit asymmetric pads and strides, with a bias; a depthwise
Conv with dilations; Conv with SAME_UPPER padding at stride 1; MaxPool and
AveragePool (padding counted) with strides; GlobalAveragePool and
GlobalMaxPool; and a Conv1d over a signal of any length, padded by
reflection first."""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)


def weight(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


nodes = [
    helper.make_node("Conv", ["x", "w", "b"], ["c1"], pads=[1, 2, 1, 0], strides=[2, 1]),
    helper.make_node("Conv", ["c1", "g"], ["c2"], group=8, pads=[1, 1, 1, 1],
                     dilations=[2, 1]),
    helper.make_node("Conv", ["c2", "s"], ["c3"], auto_pad="SAME_UPPER"),
    helper.make_node("MaxPool", ["c3"], ["p1"], kernel_shape=[3, 2], strides=[2, 1],
                     pads=[1, 0, 1, 1]),
    helper.make_node("AveragePool", ["p1"], ["p2"], kernel_shape=[2, 2],
                     pads=[1, 1, 0, 0], count_include_pad=1),
    helper.make_node("GlobalAveragePool", ["p2"], ["mean"]),
    helper.make_node("GlobalMaxPool", ["p2"], ["max"]),
    helper.make_node("Pad", ["signal", "signal_pads"], ["padded"], mode="reflect"),
    helper.make_node("Conv", ["padded", "w1"], ["y"], pads=[2, 2], strides=[3]),
]
inits = [weight("w", 8, 3, 3, 3), weight("b", 8), weight("g", 8, 1, 3, 3),
         weight("s", 8, 8, 2, 2), weight("w1", 4, 2, 5),
         numpy_helper.from_array(np.array([0, 0, 3, 0, 0, 2], np.int64), "signal_pads")]
graph = helper.make_graph(
    nodes, "dynamic_windows",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"]),
     helper.make_tensor_value_info("signal", TensorProto.FLOAT, ["N", 2, "L"])],
    [helper.make_tensor_value_info("p2", TensorProto.FLOAT, ["N", 8, "H2", "W2"]),
     helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["N", 8, 1, 1]),
     helper.make_tensor_value_info("max", TensorProto.FLOAT, ["N", 8, 1, 1]),
     helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, "L2"])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model, full_check=True)
onnx.save(model, os.path.join(out, "windows.onnx"))
session = ort.InferenceSession(model.SerializeToString(),
                               providers=["CPUExecutionProvider"])
for label, (n, h, w, length) in (("small", (1, 9, 7, 20)), ("large", (2, 16, 11, 33))):
    feeds = {"x": rng.standard_normal((n, 3, h, w)).astype(np.float32),
             "signal": rng.standard_normal((n, 2, length)).astype(np.float32)}
    for index, value in enumerate(feeds.values()):
        np.save(os.path.join(out, f"{label}_input_{index}.npy"), value)
    for index, value in enumerate(session.run(None, feeds)):
        np.save(os.path.join(out, f"{label}_expected_{index}.npy"), value)
