"""Writes the models of the scale benchmark (docs/Robustness.md, "Scale")
with onnx.helper, so that no large file is kept in the repository:

  chain N        N nodes in one sequence: MatMul (a constant weight with a
                 decaying spectrum), Add (a bias), Relu, repeated
  concat N       one Concat of N graph inputs [1, 4], read by a MatMul
  transformer N  N post-norm encoder layers of a small hidden size
                 (benchmarks/make_encoder.py)
  matmul N       one MatMul by a N x (2 N) weight of rank 64 plus noise
                 (N = 8192: a 512 MiB weight)

Usage: make_scale_models.py KIND N -o OUT.onnx [--hidden H] [--seed S]
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def decaying_weight(rng, rows, cols):
    """A weight whose singular values decay like exp(-i / (min / 4)), as
    trained weights do, so that factoring it is meaningful."""
    k = min(rows, cols)
    u, _ = np.linalg.qr(rng.standard_normal((rows, k)))
    v, _ = np.linalg.qr(rng.standard_normal((cols, k)))
    s = np.exp(-np.arange(k) / (k / 4))
    return ((u * s) @ v.T).astype(np.float32)


def make_model(graph, opset=17):
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="lowrank-opt scale benchmark")
    model.ir_version = 8
    return model


def build_chain(nodes, hidden=32, seed=0):
    """`nodes` nodes cycling MatMul, Add, Relu over x: [1, hidden]."""
    rng = np.random.default_rng(seed)
    inits, graph_nodes = [], []
    x = "x"
    for i in range(nodes):
        kind = ("MatMul", "Add", "Relu")[i % 3]
        name = f"n{i}"
        if kind == "MatMul":
            w = numpy_helper.from_array(decaying_weight(rng, hidden, hidden),
                                        f"{name}.weight")
            inits.append(w)
            inputs = [x, w.name]
        elif kind == "Add":
            b = numpy_helper.from_array(
                (0.1 * rng.standard_normal(hidden)).astype(np.float32),
                f"{name}.bias")
            inits.append(b)
            inputs = [x, b.name]
        else:
            inputs = [x]
        graph_nodes.append(helper.make_node(kind, inputs, [name], name=name))
        x = name
    graph = helper.make_graph(
        graph_nodes, "chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, hidden])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, hidden])],
        initializer=inits)
    return make_model(graph)


def build_concat(inputs, width=4, hidden=32, seed=0):
    """One Concat of `inputs` graph inputs [1, width] along axis 1, then a
    MatMul by a (inputs * width) x hidden weight."""
    rng = np.random.default_rng(seed)
    names = [f"x{i}" for i in range(inputs)]
    weight = numpy_helper.from_array(
        decaying_weight(rng, inputs * width, hidden), "proj.weight")
    graph = helper.make_graph(
        [helper.make_node("Concat", names, ["cat"], name="cat", axis=1),
         helper.make_node("MatMul", ["cat", "proj.weight"], ["y"],
                          name="proj")],
        "concat",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, width])
         for n in names],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, hidden])],
        initializer=[weight])
    return make_model(graph)


def build_matmul(rows, seed=0):
    """x: [1, rows] times a rows x (2 rows) weight: rank 64 plus noise,
    generated in float32 without a factorization of the whole matrix."""
    rng = np.random.default_rng(seed)
    cols = 2 * rows
    u = rng.standard_normal((rows, 64), dtype=np.float32)
    v = rng.standard_normal((64, cols), dtype=np.float32)
    w = u @ v
    w += 0.01 * rng.standard_normal((rows, cols), dtype=np.float32)
    weight = numpy_helper.from_array(w, "proj.weight")
    del w
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "proj.weight"], ["y"], name="proj")],
        "matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, rows])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, cols])],
        initializer=[weight])
    return make_model(graph)


def build_transformer(layers, hidden=64, seed=0):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    import make_encoder
    return make_encoder.build(layers=layers, hidden=hidden, heads=4,
                              ffn=4 * hidden, seq=16, batch=1, seed=seed,
                              check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("kind", choices=["chain", "concat", "transformer", "matmul"])
    parser.add_argument("size", type=int,
                        help="nodes (chain), inputs (concat), layers "
                        "(transformer) or rows (matmul)")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--hidden", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.kind == "chain":
        model = build_chain(args.size, args.hidden or 32, args.seed)
    elif args.kind == "concat":
        model = build_concat(args.size, hidden=args.hidden or 32,
                             seed=args.seed)
    elif args.kind == "matmul":
        model = build_matmul(args.size, args.seed)
    else:
        model = build_transformer(args.size, args.hidden or 64, args.seed)
    onnx.save(model, args.output)


if __name__ == "__main__":
    main()
