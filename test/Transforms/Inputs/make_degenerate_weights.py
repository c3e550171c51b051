"""Writes models with degenerate weights for lowrank-factorize-degenerate.mlir
into the directory given as the first argument:

  degenerate.mlir  an all-zero 32x48 weight and a rank-2 32x48 weight
                   (each MatMul followed by a Relu, so neither is a head)
  inf.mlir         a weight holding +inf
  x.npy            a 4x32 input for lowrank-run
"""

import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def literal(a):
    if a.ndim == 0:
        return repr(float(a)).replace("inf", "0x7F800000")
    return "[" + ", ".join(literal(x) for x in a) + "]"


# Rank 2 with small integer entries: printed and parsed exactly.
u = np.stack([np.arange(32) % 5 - 2, np.arange(32) % 3 - 1], axis=1).astype(np.float32)
v = np.stack([np.arange(48) % 7 - 3, np.arange(48) % 4 - 1.5], axis=0).astype(np.float32)
rank2 = u @ v
assert np.linalg.matrix_rank(rank2) == 2

layer = """  %w{i} = onnx.Constant {{value = dense<{value}> : tensor<32x48xf32>}} : tensor<32x48xf32>
  %y{i} = onnx.MatMul %x, %w{i} : (tensor<4x32xf32>, tensor<32x48xf32>) -> tensor<4x48xf32> loc("{name}")
  %r{i} = onnx.Relu %y{i} : (tensor<4x48xf32>) -> tensor<4x48xf32>
"""
with open(os.path.join(out, "degenerate.mlir"), "w") as f:
    f.write("func.func @main_graph(%x: tensor<4x32xf32>) -> (tensor<4x48xf32>, tensor<4x48xf32>) {\n")
    f.write(layer.format(i=0, value="0.0", name="zero_layer"))
    f.write(layer.format(i=1, value=literal(rank2), name="rank2_layer"))
    f.write("  return %r0, %r1 : tensor<4x48xf32>, tensor<4x48xf32>\n}\n")

with_inf = rank2.copy()
with_inf[3, 5] = np.inf
with open(os.path.join(out, "inf.mlir"), "w") as f:
    f.write("func.func @main_graph(%x: tensor<4x32xf32>) -> tensor<4x48xf32> {\n")
    f.write(layer.format(i=0, value=literal(with_inf), name="inf_layer"))
    f.write("  return %r0 : tensor<4x48xf32>\n}\n")

np.save(os.path.join(out, "x.npy"),
        np.random.default_rng(0).standard_normal((4, 32)).astype(np.float32))
