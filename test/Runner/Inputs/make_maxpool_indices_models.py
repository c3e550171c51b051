"""Writes MaxPool models with the Indices output and, for each, an input
x_<name>.pb (values rounded so that windows hold ties) and ONNX Runtime's
outputs y_<name>.pb and i_<name>.pb: 1-D, 2-D and 3-D windows, padding,
strides, dilations, ceil_mode, SAME padding, storage_order 1, int8."""
import os
import sys

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)
CASES = {
    "strided": ((2, 3, 6, 7), np.float32, dict(kernel_shape=[2, 2], strides=[2, 2])),
    "padded": ((2, 3, 6, 7), np.float32,
               dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])),
    "columns": ((1, 2, 6, 7), np.float32,
                dict(kernel_shape=[3, 2], pads=[1, 0, 1, 1], strides=[2, 1],
                     storage_order=1)),
    "ceil": ((1, 2, 7, 7), np.float32,
             dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1,
                  dilations=[2, 1])),
    "line": ((2, 2, 9), np.float32, dict(kernel_shape=[3], strides=[2], pads=[1, 1])),
    "volume": ((1, 2, 4, 5, 6), np.float32,
               dict(kernel_shape=[2, 2, 3], strides=[2, 2, 2], storage_order=1)),
    "same": ((1, 2, 5, 5), np.int8, dict(kernel_shape=[3, 3], auto_pad="SAME_UPPER")),
}
for name, (shape, dtype, attrs) in CASES.items():
    x = np.round(rng.standard_normal(shape) * 2).astype(dtype)
    element = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    graph = helper.make_graph(
        [helper.make_node("MaxPool", ["x"], ["y", "i"], name="pool", **attrs)],
        name,
        [helper.make_tensor_value_info("x", element, list(shape))],
        [helper.make_tensor_value_info("y", element, [None] * len(shape)),
         helper.make_tensor_value_info("i", TensorProto.INT64, [None] * len(shape))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    onnx.checker.check_model(model)
    path = os.path.join(out, f"{name}.onnx")
    onnx.save(model, path)
    y, i = onnxruntime.InferenceSession(path).run(None, {"x": x})
    for prefix, value in (("x", x), ("y", y), ("i", i)):
        with open(os.path.join(out, f"{prefix}_{name}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(value).SerializeToString())
