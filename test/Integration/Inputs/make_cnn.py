"""Writes a small CNN of 3x3 convolutions (with stride, padding, dilation
and bias) as an ONNX model, with weights of decaying multilinear spectra
plus noise, so that Tucker-2 errors shrink with the ranks."""

import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv_weight(rng, c_out, c_in, k=3):
    # A core of full size mixed by channel factors with decaying scales.
    core = rng.standard_normal((c_out, c_in, k, k))
    scale_out = 0.85 ** np.arange(c_out)
    scale_in = 0.85 ** np.arange(c_in)
    core *= scale_out[:, None, None, None] * scale_in[None, :, None, None]
    u_out = np.linalg.qr(rng.standard_normal((c_out, c_out)))[0]
    u_in = np.linalg.qr(rng.standard_normal((c_in, c_in)))[0]
    w = np.einsum("abhw,oa,ib->oihw", core, u_out, u_in)
    return (w / np.sqrt(c_in * k * k) * 4).astype(np.float32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    layers = [  # name, c_in, c_out, attributes
        ("conv1", 16, 32, dict(pads=[1, 1, 1, 1])),
        ("conv2", 32, 32, dict(pads=[1, 1, 1, 1], strides=[2, 2])),
        ("conv3", 32, 24, dict(pads=[2, 2, 2, 2], dilations=[2, 2])),
    ]
    nodes, inits = [], []
    x = "x"
    for i, (name, c_in, c_out, attrs) in enumerate(layers):
        inits.append(numpy_helper.from_array(conv_weight(rng, c_out, c_in), f"{name}.w"))
        inits.append(numpy_helper.from_array(
            rng.standard_normal(c_out).astype(np.float32) * 0.1, f"{name}.b"))
        y = f"{name}.out"
        nodes.append(helper.make_node("Conv", [x, f"{name}.w", f"{name}.b"], [y],
                                      name=name, kernel_shape=[3, 3], **attrs))
        x = y
        if i + 1 < len(layers):
            nodes.append(helper.make_node("Relu", [x], [f"{name}.relu"], name=f"{name}.relu"))
            x = f"{name}.relu"
    graph = helper.make_graph(
        nodes, "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 12, 12])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 24, 6, 6])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, args.out)


if __name__ == "__main__":
    main()
