"""Captures calibration statistics (.lrstats) of an ONNX model's linear
layers with ONNX Runtime: the activation input of every MatMul and Gemm
whose weight is an initializer becomes a graph output, the model runs on
inputs from correlated_inputs.py, and X^T X, the mean and the sample count
of each input's rows are accumulated in float64."""

import argparse
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "Transforms", "Inputs"))
import correlated_inputs  # noqa: E402
import lrstats  # noqa: E402


def linear_layers(model):
    """(name, op, input tensor) of the linear ops with constant weights;
    unnamed nodes are called <op_type>_<index>, as lowrank-opt names them."""
    weights = {init.name for init in model.graph.initializer}
    layers = []
    for index, node in enumerate(model.graph.node):
        name = node.name or f"{node.op_type}_{index}"
        if node.op_type == "MatMul" and node.input[1] in weights:
            layers.append((name, "MatMul", node.input[0], False))
        elif node.op_type == "Gemm" and node.input[1] in weights:
            trans_a = any(a.name == "transA" and a.i for a in node.attribute)
            layers.append((name, "Gemm", node.input[0], trans_a))
    return layers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=256)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    model = onnx.load(args.model)
    layers = linear_layers(model)
    tensors = sorted({tensor for _, _, tensor, _ in layers})
    existing = {out.name for out in model.graph.output}
    for tensor in tensors:
        if tensor not in existing:
            model.graph.output.append(onnx.ValueInfoProto(name=tensor))
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])

    gram, total, count = {}, {}, {}
    for feed in correlated_inputs.feeds(model, args.runs, args.seed):
        values = dict(zip(tensors, session.run(tensors, feed)))
        for name, _, tensor, trans_a in layers:
            x = values[tensor].astype(np.float64)
            x = x.T if trans_a else x.reshape(-1, x.shape[-1])
            gram[name] = gram.get(name, 0) + x.T @ x
            total[name] = total.get(name, 0) + x.sum(axis=0)
            count[name] = count.get(name, 0) + x.shape[0]

    entries = [{"name": name, "op": op, "input": tensor,
                "dim": gram[name].shape[0], "samples": count[name],
                "mean": total[name] / count[name], "gram": gram[name]}
               for name, op, tensor, _ in layers]
    lrstats.write(args.out, entries, os.path.basename(args.model))
    print(f"captured {len(entries)} layers, "
          f"{min(count.values())}-{max(count.values())} samples")


if __name__ == "__main__":
    main()
