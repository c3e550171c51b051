"""Writes a model selecting with NonZero (a boolean mask's positions, then
GatherND, as `x[x > 0.5]` exports), its input and ONNX Runtime's outputs
into the directory given as the first argument."""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
vi = helper.make_tensor_value_info
graph = helper.make_graph(
    [helper.make_node("Greater", ["x", "half"], ["mask"], name="mask"),
     helper.make_node("NonZero", ["mask"], ["positions"], name="where"),
     helper.make_node("Transpose", ["positions"], ["rows"], name="rows",
                      perm=[1, 0]),
     helper.make_node("GatherND", ["x", "rows"], ["selected"], name="select"),
     helper.make_node("NonZero", ["x"], ["nonzero"], name="nonzero")],
    "nonzero",
    [vi("x", TensorProto.FLOAT, ["a", "b"])],
    [vi("selected", TensorProto.FLOAT, ["n"]),
     vi("nonzero", TensorProto.INT64, [2, "m"])],
    initializer=[numpy_helper.from_array(np.array(0.5, np.float32), "half")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
path = os.path.join(out, "nonzero.onnx")
onnx.save(model, path)

# A zero, a negative zero and a NaN (which is not zero).
x = np.random.default_rng(0).uniform(0, 1, (3, 5)).astype(np.float32)
x[1, 2] = 0
x[2, 4] = -0.0
x[0, 0] = np.nan
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "zeros.npy"), np.zeros((2, 3), np.float32))
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
for name, feed in (("x", x), ("zeros", np.zeros((2, 3), np.float32))):
    for output, value in zip(("selected", "nonzero"),
                             session.run(None, {"x": feed})):
        np.save(os.path.join(out, f"{name}_{output}.npy"), value)
