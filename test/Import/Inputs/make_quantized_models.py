#!/usr/bin/env python3
"""Models of ONNX's integer operators, with inputs and expected outputs, for
test/Import/quantized-expansion.test. Usage: make_quantized_models.py OUT

quantized.onnx: what ONNX Runtime's quantizer writes (DynamicQuantizeLinear
into MatMulInteger with per-column weight zero points, QLinearMatMul with
per-column scales, QLinearConv with per-channel scales, padding, strides and
an int32 bias, ConvInteger with groups); expected outputs from ONNX Runtime.

per-row.onnx: the forms ONNX allows and neither ONNX Runtime nor ONNX's
reference evaluator runs (per-row zero points and scales of A, per-channel
ConvInteger zero points); expected outputs from the operators' formulas in
numpy.

contrib.onnx: ONNX Runtime's com.microsoft quantized operators and
FusedMatMul; expected outputs from ONNX Runtime."""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)


def const(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


def save(model, name, feeds, expected):
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(out, f"{name}.onnx"))
    for index, value in enumerate(feeds.values()):
        np.save(os.path.join(out, f"{name}_input_{index}.npy"), value)
    for index, value in enumerate(expected):
        np.save(os.path.join(out, f"{name}_expected_{index}.npy"), value)


# --- what ONNX Runtime's quantizer writes ----------------------------------
nodes = [
    helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
    helper.make_node("MatMulInteger", ["xq", "w1", "xz", "w1_zp"], ["acc1"],
                     name="dynamic_matmul"),
    helper.make_node("Cast", ["acc1"], ["acc1f"], to=TensorProto.FLOAT),
    helper.make_node("Mul", ["xs", "w1_scale"], ["s1"]),
    helper.make_node("Mul", ["acc1f", "s1"], ["y1"]),
    helper.make_node("QuantizeLinear", ["x", "a_scale", "a_zp"], ["xq2"]),
    helper.make_node("QLinearMatMul", ["xq2", "a_scale", "a_zp", "w2", "w2_scale",
                                       "w2_zp", "y2_scale", "y2_zp"], ["y2q"],
                     name="qlinear_matmul"),
    helper.make_node("DequantizeLinear", ["y2q", "y2_scale", "y2_zp"], ["y2"]),
    helper.make_node("QuantizeLinear", ["img", "a_scale", "a_zp"], ["imgq"]),
    helper.make_node("QLinearConv", ["imgq", "a_scale", "a_zp", "k", "k_scale", "k_zp",
                                     "y3_scale", "y3_zp", "k_bias"], ["y3q"],
                     name="qlinear_conv", pads=[1, 1, 1, 1], strides=[2, 1]),
    helper.make_node("DequantizeLinear", ["y3q", "y3_scale", "y3_zp"], ["y3"]),
    helper.make_node("ConvInteger", ["imgq", "g", "a_zp", "g_zp"], ["y4"],
                     name="grouped_conv_integer", group=2, pads=[0, 1, 0, 1]),
]
inits = [
    const("w1", rng.integers(-128, 128, (8, 5)).astype(np.int8)),
    const("w1_zp", rng.integers(-3, 4, 5).astype(np.int8)),
    const("w1_scale", np.float32(0.02)),
    const("a_scale", np.float32(0.05)), const("a_zp", np.uint8(128)),
    const("w2", rng.integers(0, 256, (8, 4)).astype(np.uint8)),
    const("w2_scale", (rng.random(4) * 0.02 + 0.01).astype(np.float32)),
    const("w2_zp", rng.integers(120, 136, 4).astype(np.uint8)),
    const("y2_scale", np.float32(0.4)), const("y2_zp", np.uint8(120)),
    const("k", rng.integers(-128, 128, (4, 2, 3, 3)).astype(np.int8)),
    const("k_scale", (rng.random(4) * 0.01 + 0.005).astype(np.float32)),
    const("k_zp", np.zeros(4, np.int8)),
    const("y3_scale", np.float32(0.5)), const("y3_zp", np.uint8(100)),
    const("k_bias", rng.integers(-2000, 2000, 4).astype(np.int32)),
    const("g", rng.integers(0, 256, (4, 1, 2, 2)).astype(np.uint8)),
    const("g_zp", np.uint8(128)),
]
graph = helper.make_graph(
    nodes, "quantized",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 6, 8]),
     helper.make_tensor_value_info("img", TensorProto.FLOAT, [1, 2, 7, 6])],
    [helper.make_tensor_value_info("y1", TensorProto.FLOAT, [2, 6, 5]),
     helper.make_tensor_value_info("y2", TensorProto.FLOAT, [2, 6, 4]),
     helper.make_tensor_value_info("y3", TensorProto.FLOAT, [1, 4, 4, 6]),
     helper.make_tensor_value_info("y4", TensorProto.INT32, [1, 4, 6, 7])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
feeds = {"x": rng.standard_normal((2, 6, 8)).astype(np.float32) * 3,
         "img": rng.standard_normal((1, 2, 7, 6)).astype(np.float32) * 3}
session = ort.InferenceSession(model.SerializeToString(),
                               providers=["CPUExecutionProvider"])
save(model, "quantized", feeds, session.run(None, feeds))

# --- forms ONNX allows beyond ONNX Runtime's kernels -----------------------
nodes = [
    helper.make_node("MatMulInteger", ["a", "b", "a_zp", "b_zp"], ["y1"],
                     name="per_row_zero_points"),
    helper.make_node("QLinearMatMul", ["a", "a_scale", "a_zp", "b", "b_scale", "b_zp",
                                       "y_scale", "y_zp"], ["y2"],
                     name="per_row_scales"),
    helper.make_node("ConvInteger", ["img", "k", "img_zp", "k_zp"], ["y3"],
                     name="per_channel_zero_points", pads=[1, 0, 1, 0]),
]
inits = [
    const("b", rng.integers(0, 256, (5, 3)).astype(np.uint8)),
    const("a_zp", rng.integers(100, 150, 4).astype(np.uint8)),
    const("b_zp", rng.integers(100, 150, 3).astype(np.uint8)),
    const("a_scale", (rng.random(4) * 0.02 + 0.01).astype(np.float32)),
    const("b_scale", (rng.random(3) * 0.02 + 0.01).astype(np.float32)),
    const("y_scale", np.float32(0.3)), const("y_zp", np.uint8(128)),
    const("k", rng.integers(0, 256, (3, 1, 2, 2)).astype(np.uint8)),
    const("img_zp", np.uint8(7)),
    const("k_zp", rng.integers(100, 150, 3).astype(np.uint8)),
]
graph = helper.make_graph(
    nodes, "per_row",
    [helper.make_tensor_value_info("a", TensorProto.UINT8, [4, 5]),
     helper.make_tensor_value_info("img", TensorProto.UINT8, [1, 1, 4, 4])],
    [helper.make_tensor_value_info("y1", TensorProto.INT32, [4, 3]),
     helper.make_tensor_value_info("y2", TensorProto.UINT8, [4, 3]),
     helper.make_tensor_value_info("y3", TensorProto.INT32, [1, 3, 5, 3])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)])
model.ir_version = 5
feeds = {"a": rng.integers(0, 256, (4, 5)).astype(np.uint8),
         "img": rng.integers(0, 256, (1, 1, 4, 4)).astype(np.uint8)}
values = {t.name: numpy_helper.to_array(t) for t in inits}
a = feeds["a"].astype(np.int32) - values["a_zp"].astype(np.int32)[:, None]
product = a @ (values["b"].astype(np.int32) - values["b_zp"].astype(np.int32))
multiplier = values["a_scale"][:, None] * values["b_scale"] / values["y_scale"]
requantized = np.clip(np.rint(product * multiplier) + values["y_zp"], 0, 255)
image = np.pad(feeds["img"].astype(np.int32) - values["img_zp"], ((0, 0), (0, 0), (1, 1), (0, 0)))
kernel = values["k"].astype(np.int32) - values["k_zp"].astype(np.int32)[:, None, None, None]
conv = np.zeros((1, 3, 5, 3), np.int32)
for m in range(3):
    for i in range(5):
        for j in range(3):
            conv[0, m, i, j] = np.sum(image[0, :, i:i + 2, j:j + 2] * kernel[m])
save(model, "per-row", feeds, [product.astype(np.int32), requantized.astype(np.uint8), conv])

# --- ONNX Runtime's com.microsoft quantized operators -----------------------
ms = "com.microsoft"
nodes = [
    helper.make_node("QuantizeLinear", ["img", "s", "z"], ["q0"]),
    helper.make_node("QLinearSigmoid", ["q0", "s", "z", "s1", "z1"], ["q1"],
                     domain=ms, name="sigmoid"),
    helper.make_node("QLinearLeakyRelu", ["q0", "s", "z", "s", "z"], ["q2"],
                     domain=ms, name="leaky_relu", alpha=0.1),
    helper.make_node("QLinearAdd", ["q1", "s1", "z1", "q2", "s", "z", "s2", "z2"], ["q3"],
                     domain=ms, name="add"),
    helper.make_node("QLinearMul", ["q3", "s2", "z2", "q2", "s", "z", "s3", "z3"], ["q4"],
                     domain=ms, name="mul"),
    helper.make_node("QLinearConcat", ["s2", "z2", "q3", "s2", "z2", "q4", "s3", "z3"],
                     ["q5"], domain=ms, name="concat", axis=1),
    helper.make_node("QLinearAveragePool", ["q5", "s2", "z2", "s2", "z2"], ["q6"],
                     domain=ms, name="average_pool", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("QLinearGlobalAveragePool", ["q6", "s2", "z2", "s3", "z3"], ["q7"],
                     domain=ms, name="global_average_pool", channels_last=0),
    helper.make_node("Flatten", ["q7"], ["q8"]),
    helper.make_node("QGemm", ["q8", "s3", "z3", "gw", "gw_scale", "gw_zp", "gb",
                               "s4", "z4"], ["q9"], domain=ms, name="gemm", transB=1),
    helper.make_node("DequantizeLinear", ["q9", "s4", "z4"], ["y1"]),
    helper.make_node("QGemm", ["q8", "s3", "z3", "gw", "gw_scale", "gw_zp"], ["y2"],
                     domain=ms, name="gemm_float", transB=1, alpha=0.5),
    helper.make_node("DynamicQuantizeMatMul", ["m", "mw", "mw_scale", "mw_zp", "mb"], ["y3"],
                     domain=ms, name="dynamic_quantize_matmul"),
    helper.make_node("DynamicQuantizeLinear", ["m"], ["mq", "ms", "mz"]),
    helper.make_node("MatMulIntegerToFloat", ["mq", "mw", "ms", "mw_scale", "mz", "mw_zp",
                                              "mb"], ["y4"], domain=ms,
                     name="matmul_integer_to_float"),
    helper.make_node("FusedMatMul", ["m", "m2"], ["y5"], domain=ms, name="fused_matmul",
                     transB=1, alpha=0.5),
]
inits = [
    const("s", np.float32(0.03)), const("z", np.uint8(128)),
    const("s1", np.float32(1 / 255)), const("z1", np.uint8(0)),
    const("s2", np.float32(0.02)), const("z2", np.uint8(100)),
    const("s3", np.float32(0.015)), const("z3", np.uint8(90)),
    const("s4", np.float32(0.05)), const("z4", np.uint8(128)),
    const("gw", rng.integers(-128, 128, (5, 8)).astype(np.int8)),
    const("gw_scale", (rng.random(5) * 0.01 + 0.005).astype(np.float32)),
    const("gw_zp", np.zeros(5, np.int8)),
    const("gb", rng.integers(-500, 500, 5).astype(np.int32)),
    const("mw", rng.integers(-128, 128, (8, 3)).astype(np.int8)),
    const("mw_scale", (rng.random(3) * 0.01 + 0.005).astype(np.float32)),
    const("mw_zp", np.zeros(3, np.int8)),
    const("mb", rng.standard_normal(3).astype(np.float32)),
]
graph = helper.make_graph(
    nodes, "contrib",
    [helper.make_tensor_value_info("img", TensorProto.FLOAT, [1, 4, 6, 6]),
     helper.make_tensor_value_info("m", TensorProto.FLOAT, [2, 5, 8]),
     helper.make_tensor_value_info("m2", TensorProto.FLOAT, [2, 6, 8])],
    [helper.make_tensor_value_info("y1", TensorProto.FLOAT, [1, 5]),
     helper.make_tensor_value_info("y2", TensorProto.FLOAT, [1, 5]),
     helper.make_tensor_value_info("y3", TensorProto.FLOAT, [2, 5, 3]),
     helper.make_tensor_value_info("y4", TensorProto.FLOAT, [2, 5, 3]),
     helper.make_tensor_value_info("y5", TensorProto.FLOAT, [2, 5, 6])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                helper.make_opsetid(ms, 1)])
model.ir_version = 8
feeds = {"img": rng.standard_normal((1, 4, 6, 6)).astype(np.float32) * 2,
         "m": rng.standard_normal((2, 5, 8)).astype(np.float32),
         "m2": rng.standard_normal((2, 6, 8)).astype(np.float32)}
session = ort.InferenceSession(model.SerializeToString(),
                               providers=["CPUExecutionProvider"])
onnx.save(model, os.path.join(out, "contrib.onnx"))
for index, value in enumerate(feeds.values()):
    np.save(os.path.join(out, f"contrib_input_{index}.npy"), value)
for index, value in enumerate(session.run(None, feeds)):
    np.save(os.path.join(out, f"contrib_expected_{index}.npy"), value)
