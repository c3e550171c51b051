"""Writes a MiniLM-sized transformer encoder as ONNX, with seeded synthetic
weights: `layers` post-norm encoder layers (multi-head self-attention and a
GELU feed-forward network, as BERT/MiniLM exporters write them) over an
input x of shape [batch, seq, hidden]. Embeddings are left out: the
benchmark measures the layers. Weights have a decaying spectrum, as trained
weights do, so that low-rank factorization is meaningful.

Defaults: 6 layers, hidden 384, 12 heads, FFN 1536, seq 128, batch 1.
"""

import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(layers=6, hidden=384, heads=12, ffn=1536, seq=128, batch=1, seed=0,
          check=True):
    rng = np.random.default_rng(seed)
    head_dim = hidden // heads
    inits, nodes = [], []

    def weight(name, *shape, scale=None):
        scale = scale if scale is not None else 1.0 / np.sqrt(shape[0])
        w = rng.standard_normal(shape).astype(np.float32) * scale
        if len(shape) == 2:
            u, s, vt = np.linalg.svd(w, full_matrices=False)
            s = s * np.exp(-np.arange(len(s)) / (len(s) / 4))
            w = (u * s) @ vt * (np.sqrt(min(shape)) / np.linalg.norm(s))
        inits.append(numpy_helper.from_array(w.astype(np.float32), name))
        return name

    def const(name, values, dtype):
        inits.append(numpy_helper.from_array(np.array(values, dtype=dtype), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    heads_shape = const("heads_shape", [batch, seq, heads, head_dim], np.int64)
    merged_shape = const("merged_shape", [batch, seq, hidden], np.int64)
    scale = const("attn_scale", np.float32(1.0 / np.sqrt(head_dim)), np.float32)
    sqrt2 = const("sqrt2", np.float32(np.sqrt(2.0)), np.float32)
    one = const("one", np.float32(1.0), np.float32)
    half = const("half", np.float32(0.5), np.float32)

    x = "x"
    for l in range(layers):
        p = f"layer{l}"
        projected = {}
        for t in ("q", "k", "v"):
            mm = node("MatMul", [x, weight(f"{p}.attn.{t}.weight", hidden, hidden)],
                      f"{p}.attn.{t}")
            add = node("Add", [mm, weight(f"{p}.attn.{t}.bias", hidden, scale=0.1)],
                       f"{p}.attn.{t}.add")
            r = node("Reshape", [add, heads_shape], f"{p}.attn.{t}.split_heads")
            perm = [0, 2, 3, 1] if t == "k" else [0, 2, 1, 3]
            projected[t] = node("Transpose", [r], f"{p}.attn.{t}.transpose", perm=perm)
        scores = node("MatMul", [projected["q"], projected["k"]], f"{p}.attn.scores")
        scaled = node("Mul", [scores, scale], f"{p}.attn.scaled")
        probs = node("Softmax", [scaled], f"{p}.attn.softmax", axis=-1)
        ctx = node("MatMul", [probs, projected["v"]], f"{p}.attn.context")
        ctx_t = node("Transpose", [ctx], f"{p}.attn.context.transpose", perm=[0, 2, 1, 3])
        ctx_m = node("Reshape", [ctx_t, merged_shape], f"{p}.attn.merge_heads")
        o = node("MatMul", [ctx_m, weight(f"{p}.attn.o.weight", hidden, hidden)], f"{p}.attn.o")
        o_b = node("Add", [o, weight(f"{p}.attn.o.bias", hidden, scale=0.1)], f"{p}.attn.o.add")
        res1 = node("Add", [x, o_b], f"{p}.residual1")
        ln1 = node("LayerNormalization",
                   [res1, weight(f"{p}.ln1.weight", hidden, scale=1.0),
                    weight(f"{p}.ln1.bias", hidden, scale=0.1)],
                   f"{p}.ln1", axis=-1, epsilon=1e-12)
        up = node("MatMul", [ln1, weight(f"{p}.ffn.up.weight", hidden, ffn)], f"{p}.ffn.up")
        up_b = node("Add", [up, weight(f"{p}.ffn.up.bias", ffn, scale=0.1)], f"{p}.ffn.up.add")
        div = node("Div", [up_b, sqrt2], f"{p}.gelu.div")
        erf = node("Erf", [div], f"{p}.gelu.erf")
        one_p = node("Add", [erf, one], f"{p}.gelu.add")
        mul = node("Mul", [up_b, one_p], f"{p}.gelu.mul")
        gelu = node("Mul", [mul, half], f"{p}.gelu")
        down = node("MatMul", [gelu, weight(f"{p}.ffn.down.weight", ffn, hidden)],
                    f"{p}.ffn.down")
        down_b = node("Add", [down, weight(f"{p}.ffn.down.bias", hidden, scale=0.1)],
                      f"{p}.ffn.down.add")
        res2 = node("Add", [ln1, down_b], f"{p}.residual2")
        x = node("LayerNormalization",
                 [res2, weight(f"{p}.ln2.weight", hidden, scale=1.0),
                  weight(f"{p}.ln2.bias", hidden, scale=0.1)],
                 f"{p}.ln2", axis=-1, epsilon=1e-12)
    nodes.append(helper.make_node("Identity", [x], ["y"], name="output"))

    graph = helper.make_graph(
        nodes, "encoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, seq, hidden])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, seq, hidden])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="lowrank-opt benchmarks")
    model.ir_version = 8
    if check:
        onnx.checker.check_model(model, full_check=True)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--hidden", type=int, default=384)
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--ffn", type=int, default=1536)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model = build(args.layers, args.hidden, args.heads, args.ffn, args.seq,
                  args.batch, args.seed)
    onnx.save(model, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
