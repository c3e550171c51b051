#!/usr/bin/env python3
"""Models of operators that ONNX defines as functions (Gelu at opset 20,
Mish, a CastLike inside Gelu's body), for test/Import/function-expansion.test.
Usage: make_function_models.py OUT_DIR"""

import os
import sys

import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
f32 = TensorProto.FLOAT

nodes = [
    helper.make_node("Gelu", ["x"], ["g"], name="gelu", approximate="tanh"),
    helper.make_node("Mish", ["g"], ["y"], name="mish"),
]
graph = helper.make_graph(
    nodes, "functions", [helper.make_tensor_value_info("x", f32, [2, 3])],
    [helper.make_tensor_value_info("y", f32, [2, 3])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
onnx.checker.check_model(model, full_check=True)
onnx.save(model, os.path.join(out, "gelu_mish.onnx"))

# A Reshape target stored in int64_data (not raw bytes) beside an operator
# expanded into its function (Mish): expansion leaves the target intact.
target = helper.make_tensor("target", TensorProto.INT64, [2], [3, 2])
assert not target.raw_data
graph = helper.make_graph(
    [helper.make_node("Mish", ["x"], ["m"], name="mish"),
     helper.make_node("Reshape", ["m", "target"], ["y"], name="reshape")],
    "typed_fields", [helper.make_tensor_value_info("x", f32, [2, 3])],
    [helper.make_tensor_value_info("y", f32, [3, 2])], initializer=[target])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
onnx.checker.check_model(model, full_check=True)
onnx.save(model, os.path.join(out, "typed_fields.onnx"))
