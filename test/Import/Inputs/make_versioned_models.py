#!/usr/bin/env python3
"""Models of old and new opsets, other domains and subgraphs, for the
versioned import and export tests (test/Import/opset-versions.test,
test/Export/patch-export.test). Usage: make_versioned_models.py OUT_DIR"""

import os
import sys

import numpy as np
import onnxruntime as ort
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
f32 = TensorProto.FLOAT
rng = np.random.default_rng(0)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def save(name, nodes, inputs, outputs, inits=(), opsets=(("", 17),),
         ir_version=None, functions=(), **model_fields):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
        functions=list(functions), **model_fields)
    if ir_version is not None:
        model.ir_version = ir_version
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, name + ".onnx"))


# Opset 9: Slice, Squeeze with attributes; Softmax-1 on the last axis.
save("opset9",
     [helper.make_node("Slice", ["x"], ["s"], name="slice", starts=[0],
                       ends=[2], axes=[1]),
      helper.make_node("Unsqueeze", ["s"], ["u"], name="unsq", axes=[0]),
      helper.make_node("Squeeze", ["u"], ["q"], name="sq", axes=[0]),
      helper.make_node("Softmax", ["q"], ["y"], name="softmax", axis=1)],
     [vi("x", f32, [3, 4])], [vi("y", f32, [3, 2])], opsets=[("", 9)],
     ir_version=4)

# Opset 11: Softmax and LogSoftmax over a non-last axis normalize over the
# input flattened to 2-D there; Hardmax so is not modelled, opaque. The
# input and ONNX Runtime's outputs are written beside the model.
save("opset11_softmax_flatten",
     [helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=1),
      helper.make_node("LogSoftmax", ["x"], ["z"], name="logsoftmax",
                       axis=-3)],
     [vi("x", f32, [2, 3, 4])], [vi("y", f32, [2, 3, 4]),
                                 vi("z", f32, [2, 3, 4])],
     opsets=[("", 11)], ir_version=6)
# The same after a Reshape to a shape read at run time, whose rank is not
# known on import: the form is chosen then, the axes once the rank is known.
save("opset11_softmax_unranked",
     [helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape"),
      helper.make_node("Softmax", ["r"], ["y"], name="softmax", axis=1),
      helper.make_node("LogSoftmax", ["r"], ["z"], name="logsoftmax",
                       axis=-3)],
     [vi("x", f32, [2, 3, 4]), vi("shape", TensorProto.INT64, ["n"])],
     [vi("y", f32, ["a", "b", "c"]), vi("z", f32, ["a", "b", "c"])],
     opsets=[("", 11)], ir_version=6)
np.save(os.path.join(out, "softmax_shape.npy"), np.array([2, 3, 4], np.int64))
x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
np.save(os.path.join(out, "softmax_x.npy"), x)
session = ort.InferenceSession(os.path.join(out, "opset11_softmax_flatten.onnx"),
                               providers=["CPUExecutionProvider"])
for name, value in zip(["y", "z"], session.run(None, {"x": x})):
    np.save(os.path.join(out, f"softmax_{name}.npy"), value)
save("opset11_hardmax_flatten",
     [helper.make_node("Hardmax", ["x"], ["y"], name="hardmax", axis=1)],
     [vi("x", f32, [2, 3, 4])], [vi("y", f32, [2, 3, 4])],
     opsets=[("", 11)], ir_version=6)

# Opset 18: ReduceMean's axes as a constant input, Split into uneven parts.
save("opset18",
     [helper.make_node("ReduceMean", ["x", "axes"], ["m"], name="mean",
                       keepdims=1),
      helper.make_node("Split", ["x"], ["a", "b", "c"], name="split", axis=1,
                       num_outputs=3)],
     [vi("x", f32, [2, 7])],
     [vi("m", f32, [2, 1]), vi("a", f32, [2, 3]), vi("b", f32, [2, 3]),
      vi("c", f32, [2, 1])],
     [init("axes", np.array([1], np.int64))], opsets=[("", 18)])

# Opset 18: axes and pads given as graph inputs stay operands; empty axes
# with noop_with_empty_axes stay an empty operand.
i64 = TensorProto.INT64
save("opset18_runtime_axes",
     [helper.make_node("ReduceMax", ["x", "axes"], ["m"], name="max",
                       keepdims=0),
      helper.make_node("ReduceL2", ["x"], ["same"], name="noop",
                       noop_with_empty_axes=1),
      helper.make_node("Pad", ["x", "pads", "", "axes"], ["p"], name="pad")],
     [vi("x", f32, [2, 2]), vi("axes", i64, [1]), vi("pads", i64, [2])],
     [vi("m", f32, [2]), vi("same", f32, [2, 2]), vi("p", f32, [2, 3])],
     opsets=[("", 18)])

# A model-local function, an unused domain and a custom-domain node that
# shape inference cannot type, in the middle of a linear model.
weight = rng.standard_normal((64, 48)).astype(np.float32)
scale = helper.make_function(
    "local.fns", "ScaleAdd", ["v", "s"], ["w"],
    [helper.make_node("Mul", ["v", "s"], ["t"]),
     helper.make_node("Add", ["t", "s"], ["w"])],
    [helper.make_opsetid("", 17)])
save("functions_and_custom",
     [helper.make_node("MatMul", ["x", "W"], ["h"], name="fc"),
      helper.make_node("ScaleAdd", ["h", "two"], ["g"], name="scale",
                       domain="local.fns"),
      helper.make_node("FancyGelu", ["g"], ["y"], name="custom",
                       domain="com.example", approximate="tanh")],
     [vi("x", f32, ["batch", 64])], [vi("y", f32, ["batch", 48])],
     [init("W", weight), init("two", np.array(2.0, np.float32))],
     opsets=[("", 17), ("local.fns", 1), ("com.example", 1),
             ("ai.onnx.training", 1)],
     functions=[scale])

# Control flow: an If whose branches read values of the enclosing graph,
# between two compressible layers; a doc string and metadata to keep.
w1 = rng.standard_normal((32, 96)).astype(np.float32)
w2 = rng.standard_normal((96, 32)).astype(np.float32)
then_graph = helper.make_graph(
    [helper.make_node("Relu", ["h"], ["t"], name="then_relu")], "then", [],
    [vi("t", f32, [None, 96])])
else_graph = helper.make_graph(
    [helper.make_node("Neg", ["h"], ["e"], name="else_neg")], "else", [],
    [vi("e", f32, [None, 96])])
if_node = helper.make_node("If", ["flag"], ["r"], name="branch",
                           then_branch=then_graph, else_branch=else_graph)
if_node.doc_string = "chooses an activation"
save("control_flow",
     [helper.make_node("MatMul", ["x", "W1"], ["h"], name="up"),
      if_node,
      helper.make_node("MatMul", ["r", "W2"], ["logits"], name="down")],
     [vi("x", f32, ["n", 32]), vi("flag", TensorProto.BOOL, [])],
     [vi("logits", f32, ["n", 32])],
     [init("W1", w1), init("W2", w2)], opsets=[("", 17)],
     producer_name="a-test-exporter", doc_string="a model with control flow")
m = onnx.load(os.path.join(out, "control_flow.onnx"))
helper.set_model_props(m, {"author": "tests", "license": "none"})
onnx.save(m, os.path.join(out, "control_flow.onnx"))

# A weight behind an identity Transpose (perm [0, 1]) and one behind a real
# one (perm [1, 0]): only the second is transposed.
save("transposed_weights",
     [helper.make_node("Transpose", ["W1"], ["W1t"], name="keep", perm=[0, 1]),
      helper.make_node("MatMul", ["x", "W1t"], ["h"], name="fc1"),
      helper.make_node("Transpose", ["W2"], ["W2t"], name="swap", perm=[1, 0]),
      helper.make_node("MatMul", ["h", "W2t"], ["h2"], name="fc2"),
      helper.make_node("Relu", ["h2"], ["y"], name="act")],
     [vi("x", f32, [3, 8])], [vi("y", f32, [3, 8])],
     [init("W1", rng.standard_normal((8, 12)).astype(np.float32)),
      init("W2", rng.standard_normal((8, 12)).astype(np.float32))])

# Upsample (opset 7: scales an attribute; 9: an input) and Resize-10 are
# Resize with asymmetric coordinates and ONNX Runtime's rounding of their
# time. Each model's input and ONNX Runtime's output are written beside it.
image = rng.standard_normal((1, 2, 3, 4)).astype(np.float32)
np.save(os.path.join(out, "image.npy"), image)
resize_models = {
    "upsample7_nearest": (
        [helper.make_node("Upsample", ["x"], ["y"], name="up", mode="nearest",
                          scales=[1.0, 1.0, 2.0, 1.5])], [], 7),
    "upsample7_bilinear": (
        [helper.make_node("Upsample", ["x"], ["y"], name="up", mode="linear",
                          scales=[1.0, 1.0, 2.0, 2.5])], [], 7),
    "upsample9_nearest": (
        [helper.make_node("Upsample", ["x", "scales"], ["y"], name="up")],
        [init("scales", np.array([1, 1, 3, 2], np.float32))], 9),
    "resize10_down_nearest": (
        [helper.make_node("Resize", ["x", "scales"], ["y"], name="down")],
        [init("scales", np.array([1, 1, 0.5, 0.6], np.float32))], 10),
    "resize10_linear": (
        [helper.make_node("Resize", ["x", "scales"], ["y"], name="up",
                          mode="linear")],
        [init("scales", np.array([1, 1, 1.5, 0.75], np.float32))], 10),
}
# TopK-1: k is an attribute.
resize_models["topk1"] = (
    [helper.make_node("TopK", ["x"], ["y", "i"], name="top", k=2, axis=3)],
    [], 9)
for name, (nodes, inits, opset) in resize_models.items():
    outputs = [vi("y", f32, ["n", "c", "h", "w"])]
    if name == "topk1":
        outputs.append(vi("i", TensorProto.INT64, ["n", "c", "h", "w"]))
    save(name, nodes, [vi("x", f32, [1, 2, 3, 4])], outputs,
         inits, opsets=[("", opset)], ir_version=4 if opset < 10 else 5)
    session = ort.InferenceSession(os.path.join(out, name + ".onnx"),
                                   providers=["CPUExecutionProvider"])
    for output, value in zip("yi", session.run(None, {"x": image})):
        np.save(os.path.join(out, f"{name}_{output}.npy"), value)

# A grid of Range(3)[:, None] + Range(4): valid (ONNX Runtime runs it), but
# ONNX's data propagation reads both as vectors and reports a broadcast of
# 3 against 4. The importer infers such a model again without it.
i64 = TensorProto.INT64
save("data_propagation_grid",
     [helper.make_node("Range", ["zero", "three", "one"], ["rows"], name="rows"),
      helper.make_node("Unsqueeze", ["rows", "axis"], ["column"], name="col"),
      helper.make_node("Range", ["zero", "four", "one"], ["cols"], name="cols"),
      helper.make_node("Add", ["column", "cols"], ["grid"], name="grid"),
      helper.make_node("Cast", ["grid"], ["g"], name="cast", to=f32),
      helper.make_node("Mul", ["g", "x"], ["y"], name="scale")],
     [vi("x", f32, [1])], [vi("y", f32, [3, 4])],
     [init(name, np.array(value, np.int64)) for name, value in
      (("zero", 0), ("three", 3), ("four", 4), ("one", 1), ("axis", [1]))])
scale = np.array([0.5], np.float32)
np.save(os.path.join(out, "grid_x.npy"), scale)
session = ort.InferenceSession(os.path.join(out, "data_propagation_grid.onnx"),
                               providers=["CPUExecutionProvider"])
np.save(os.path.join(out, "grid_y.npy"), session.run(None, {"x": scale})[0])
