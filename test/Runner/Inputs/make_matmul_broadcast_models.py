"""Writes two MatMul models whose batch sizes are symbolic and broadcast
at run time, with inputs and ONNX Runtime's outputs as TensorProtos:

- beside_static.onnx: x [b, 2, 5] times a constant w [6, 5, 3]; for b in
  1 and 6, x_<b>.pb and y_<b>.pb; x_4.pb (4 neither matches 6 nor is 1).
- both_symbolic.onnx: p [b, 1, 2, 5] times q [c, 3, 5, 4]; for each BxC of
  1x4, 4x1, 4x4 and 1x1: p_<BxC>.pb, q_<BxC>.pb and z_<BxC>.pb; p_2x4.pb
  and q_2x4.pb (2 and 4 do not broadcast)."""
import os
import sys

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)


def save(name, value):
    with open(os.path.join(out, f"{name}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(value).SerializeToString())


def write_model(name, graph):
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    path = os.path.join(out, name)
    onnx.save(model, path)
    return onnxruntime.InferenceSession(path)


w = rng.standard_normal((6, 5, 3)).astype(np.float32)
session = write_model("beside_static.onnx", helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"], name="product")],
    "beside_static",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 2, 5])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [6, 2, 3])],
    [numpy_helper.from_array(w, "w")]))
for b in (1, 6, 4):
    x = rng.standard_normal((b, 2, 5)).astype(np.float32)
    save(f"x_{b}", x)
    if b != 4:
        save(f"y_{b}", session.run(None, {"x": x})[0])

session = write_model("both_symbolic.onnx", helper.make_graph(
    [helper.make_node("MatMul", ["p", "q"], ["z"], name="scores")],
    "both_symbolic",
    [helper.make_tensor_value_info("p", TensorProto.FLOAT, ["b", 1, 2, 5]),
     helper.make_tensor_value_info("q", TensorProto.FLOAT, ["c", 3, 5, 4])],
    [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["n", 3, 2, 4])],
    []))
for b, c in ((1, 4), (4, 1), (4, 4), (1, 1), (2, 4)):
    p = rng.standard_normal((b, 1, 2, 5)).astype(np.float32)
    q = rng.standard_normal((c, 3, 5, 4)).astype(np.float32)
    save(f"p_{b}x{c}", p)
    save(f"q_{b}x{c}", q)
    if (b, c) != (2, 4):
        save(f"z_{b}x{c}", session.run(None, {"p": p, "q": q})[0])
