"""Writes models that order uint8 values, with an input holding values on
both sides of 128 (which a signed 8-bit comparison would misorder) and
ONNX Runtime's outputs: <name>.onnx, <name>_x.pb, <name>_y<k>.pb."""
import os
import sys

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(9)
U8, I64 = TensorProto.UINT8, TensorProto.INT64
CASES = {
    "reducemax": ((3, 7), [helper.make_node("ReduceMax", ["x"], ["y"], keepdims=0)],
                  [("y", U8, 0)], 18),
    "reducemin": ((3, 7), [helper.make_node("ReduceMin", ["x", "axes"], ["y"])],
                  [("y", U8, 2)], 18),
    "argmax": ((3, 7), [helper.make_node("ArgMax", ["x"], ["y"], axis=1)],
               [("y", I64, 2)], 18),
    "argmin": ((3, 7), [helper.make_node("ArgMin", ["x"], ["y"], axis=0, keepdims=0)],
               [("y", I64, 1)], 18),
    "maxpool": ((1, 2, 5, 6),
                [helper.make_node("MaxPool", ["x"], ["y", "i"], kernel_shape=[3, 3],
                                  pads=[1, 1, 1, 1], strides=[2, 2])],
                [("y", U8, 4), ("i", I64, 4)], 12),
}
for name, (shape, nodes, outputs, opset) in CASES.items():
    x = rng.integers(0, 255, shape, dtype=np.uint8, endpoint=True)
    x.flat[:4] = [0, 127, 128, 255]
    initializers = [numpy_helper.from_array(np.array([1], np.int64), "axes")]
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", U8, list(shape))],
        [helper.make_tensor_value_info(o, t, [None] * rank) for o, t, rank in outputs],
        initializers if name == "reducemin" else [])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    path = os.path.join(out, f"{name}.onnx")
    onnx.save(model, path)
    results = onnxruntime.InferenceSession(path).run(None, {"x": x})
    for label, value in [("x", x)] + [(f"y{k}", v) for k, v in enumerate(results)]:
        with open(os.path.join(out, f"{name}_{label}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(value).SerializeToString())
