"""Writes mlp.onnx, an MLP over [batch, sequence, 16] with both leading
dimensions symbolic, and for each size given as BxS: x_BxS.bin (the input),
y_BxS.bin (ONNX Runtime's output) as raw little-endian float32, and
x_BxS.pb / y_BxS.pb as TensorProtos."""
import os
import sys

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)


def weight(name, *shape):
    return numpy_helper.from_array(
        (rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32), name)


nodes = [
    helper.make_node("MatMul", ["x", "w1"], ["h"]),
    helper.make_node("Add", ["h", "b1"], ["hb"]),
    helper.make_node("Relu", ["hb"], ["r"]),
    helper.make_node("MatMul", ["r", "w2"], ["logits"]),
    helper.make_node("Softmax", ["logits"], ["y"], axis=-1),
]
graph = helper.make_graph(
    nodes, "mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                   ["batch", "sequence", 16])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                   ["batch", "sequence", 8])],
    [weight("w1", 16, 32), weight("b1", 32), weight("w2", 32, 8)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
path = os.path.join(out, "mlp.onnx")
onnx.save(model, path)

session = onnxruntime.InferenceSession(path)
for size in sys.argv[2:]:
    batch, sequence = (int(v) for v in size.split("x"))
    x = rng.standard_normal((batch, sequence, 16)).astype(np.float32)
    (y,) = session.run(None, {"x": x})
    for name, value in (("x", x), ("y", y)):
        value.astype("<f4").tofile(os.path.join(out, f"{name}_{size}.bin"))
        with open(os.path.join(out, f"{name}_{size}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(value, name).SerializeToString())
