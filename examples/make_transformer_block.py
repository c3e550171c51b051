"""Writes examples/transformer_block.onnx: one pre-norm transformer encoder
block (multi-head self-attention and a GELU feed-forward network) with
seeded random weights, the example model of the README.

Shapes: input x is [batch=1, seq=16, hidden=64]; 4 heads of 16; FFN 256.
The Q/K/V projections read the same LayerNorm output, as do real models, so
they form one shared-bottleneck group for the compressor.
"""

import argparse
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BATCH, SEQ, HIDDEN, HEADS, FFN = 1, 16, 64, 4, 256
HEAD_DIM = HIDDEN // HEADS


def build(seed: int) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    inits = []

    def weight(name, *shape, scale=None):
        scale = scale if scale is not None else 1.0 / np.sqrt(shape[0])
        # A decaying spectrum, as trained weights have, so that low rank
        # approximations are meaningful.
        w = rng.standard_normal(shape).astype(np.float32) * scale
        if len(shape) == 2:
            u, s, vt = np.linalg.svd(w, full_matrices=False)
            s = s * np.exp(-np.arange(len(s)) / (len(s) / 4))
            w = (u * s) @ vt * (np.sqrt(min(shape)) / np.linalg.norm(s))
        inits.append(numpy_helper.from_array(w.astype(np.float32), name))
        return name

    def const(name, values, dtype=np.int64):
        inits.append(numpy_helper.from_array(np.array(values, dtype=dtype), name))
        return name

    nodes = []

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    ln1_g = weight("ln1.weight", HIDDEN, scale=1.0)
    ln1_b = weight("ln1.bias", HIDDEN, scale=0.1)
    x = "x"
    h = node("LayerNormalization", [x, ln1_g, ln1_b], "ln1", axis=-1, epsilon=1e-5)

    heads_shape = const("heads_shape", [BATCH, SEQ, HEADS, HEAD_DIM])
    merged_shape = const("merged_shape", [BATCH, SEQ, HIDDEN])
    projected = {}
    for p in ("q", "k", "v"):
        mm = node("MatMul", [h, weight(f"attn.{p}.weight", HIDDEN, HIDDEN)], f"attn.{p}")
        add = node("Add", [mm, weight(f"attn.{p}.bias", HIDDEN, scale=0.1)], f"attn.{p}.add")
        r = node("Reshape", [add, heads_shape], f"attn.{p}.split_heads")
        perm = [0, 2, 3, 1] if p == "k" else [0, 2, 1, 3]
        projected[p] = node("Transpose", [r], f"attn.{p}.transpose", perm=perm)
    scores = node("MatMul", [projected["q"], projected["k"]], "attn.scores")
    scale = const("attn.scale", np.float32(1.0 / np.sqrt(HEAD_DIM)), np.float32)
    scaled = node("Mul", [scores, scale], "attn.scaled")
    probs = node("Softmax", [scaled], "attn.softmax", axis=-1)
    ctx = node("MatMul", [probs, projected["v"]], "attn.context")
    ctx_t = node("Transpose", [ctx], "attn.context.transpose", perm=[0, 2, 1, 3])
    ctx_m = node("Reshape", [ctx_t, merged_shape], "attn.merge_heads")
    o = node("MatMul", [ctx_m, weight("attn.o.weight", HIDDEN, HIDDEN)], "attn.o")
    o_b = node("Add", [o, weight("attn.o.bias", HIDDEN, scale=0.1)], "attn.o.add")
    res1 = node("Add", [x, o_b], "residual1")

    ln2 = node("LayerNormalization",
               [res1, weight("ln2.weight", HIDDEN, scale=1.0),
                weight("ln2.bias", HIDDEN, scale=0.1)],
               "ln2", axis=-1, epsilon=1e-5)
    up = node("MatMul", [ln2, weight("ffn.up.weight", HIDDEN, FFN)], "ffn.up")
    up_b = node("Add", [up, weight("ffn.up.bias", FFN, scale=0.1)], "ffn.up.add")
    # GELU(x) = 0.5 x (1 + erf(x / sqrt 2)), as exporters write it.
    div = node("Div", [up_b, const("sqrt2", np.float32(np.sqrt(2.0)), np.float32)], "gelu.div")
    erf = node("Erf", [div], "gelu.erf")
    one_p = node("Add", [erf, const("one", np.float32(1.0), np.float32)], "gelu.add")
    mul = node("Mul", [up_b, one_p], "gelu.mul")
    gelu = node("Mul", [mul, const("half", np.float32(0.5), np.float32)], "gelu")
    down = node("MatMul", [gelu, weight("ffn.down.weight", FFN, HIDDEN)], "ffn.down")
    down_b = node("Add", [down, weight("ffn.down.bias", HIDDEN, scale=0.1)], "ffn.down.add")
    nodes.append(helper.make_node("Add", [res1, down_b], ["y"], name="residual2"))

    graph = helper.make_graph(
        nodes, "transformer_block",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [BATCH, SEQ, HIDDEN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [BATCH, SEQ, HIDDEN])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="lowrank-opt examples")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    here = pathlib.Path(__file__).resolve().parent
    parser.add_argument("-o", "--output", default=str(here / "transformer_block.onnx"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    onnx.save(build(args.seed), args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
