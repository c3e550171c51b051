#!/usr/bin/env python3
"""A model of ONNX Runtime's fused com.microsoft operators (EmbedLayerNorm,
Attention with a key-length mask and causal masking, SkipLayerNormalization
with the residual output, FastGelu, BiasGelu, QuickGelu,
SkipSimplifiedLayerNormalization), with inputs and ONNX Runtime's outputs,
for test/Import/contrib-expansion.test. Usage: make_contrib_models.py OUT"""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
B, S, H, N, V = 2, 5, 8, 2, 11


def init(name, *shape):
    return numpy_helper.from_array(
        (rng.standard_normal(shape) * 0.5).astype(np.float32), name)


ms = "com.microsoft"
nodes = [
    helper.make_node("EmbedLayerNormalization",
                     ["ids", "segments", "word", "pos", "seg", "gamma", "beta",
                      "mask"], ["emb", "mask_index"], domain=ms, name="embed",
                     epsilon=1e-5),
    helper.make_node("Attention", ["emb", "qkv_w", "qkv_b", "mask_index"],
                     ["att"], domain=ms, name="attention", num_heads=N),
    helper.make_node("Attention", ["att", "qkv_w", "qkv_b"], ["causal"],
                     domain=ms, name="causal_attention", num_heads=N,
                     unidirectional=1),
    helper.make_node("SkipLayerNormalization",
                     ["causal", "emb", "gamma", "beta", "bias"],
                     ["ln", "", "", "residual"], domain=ms, name="skip_ln",
                     epsilon=1e-5),
    helper.make_node("FastGelu", ["ln", "bias"], ["fast"], domain=ms,
                     name="fast_gelu"),
    helper.make_node("BiasGelu", ["fast", "bias"], ["biased"], domain=ms,
                     name="bias_gelu"),
    helper.make_node("QuickGelu", ["biased"], ["quick"], domain=ms,
                     name="quick_gelu"),
    helper.make_node("SkipSimplifiedLayerNormalization",
                     ["quick", "residual", "gamma"], ["y"], domain=ms,
                     name="rms", epsilon=1e-5),
]
inits = [init("word", V, H), init("pos", S, H), init("seg", 2, H),
         init("gamma", H), init("beta", H), init("qkv_w", H, 3 * H),
         init("qkv_b", 3 * H), init("bias", H)]
graph = helper.make_graph(
    nodes, "contrib",
    [helper.make_tensor_value_info("ids", TensorProto.INT32, [B, S]),
     helper.make_tensor_value_info("segments", TensorProto.INT32, [B, S]),
     helper.make_tensor_value_info("mask", TensorProto.INT32, [B, S])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [B, S, H])], inits)
model = helper.make_model(graph, opset_imports=[
    helper.make_opsetid("", 17), helper.make_opsetid(ms, 1)])
onnx.save(model, os.path.join(out, "contrib.onnx"))

feeds = {
    "ids": rng.integers(0, V, (B, S)).astype(np.int32),
    "segments": rng.integers(0, 2, (B, S)).astype(np.int32),
    # Right-padded rows: the second has 3 real tokens.
    "mask": np.array([[1] * S, [1, 1, 1, 0, 0]], dtype=np.int32),
}
session = ort.InferenceSession(os.path.join(out, "contrib.onnx"),
                               providers=["CPUExecutionProvider"])
(y,) = session.run(None, feeds)
for i, name in enumerate(["ids", "segments", "mask"]):
    np.save(os.path.join(out, f"input_{i}.npy"), feeds[name])
np.save(os.path.join(out, "expected.npy"), y)
