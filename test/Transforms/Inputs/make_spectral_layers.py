"""Prints an onnx-dialect function with two 32 x 32 linear layers of known
singular values: 'fast' with s_i = 2^-i and 'slow' with s_i = (i+1)^-0.25.
With --shared both read the same input and 'slow' is scaled by 0.01: a
shared-input group whose small member carries 1e-4 of its energy."""

import sys

import numpy as np

N = 32
rng = np.random.default_rng(0)


def weight(spectrum):
    u, _ = np.linalg.qr(rng.standard_normal((N, N)))
    v, _ = np.linalg.qr(rng.standard_normal((N, N)))
    w = (u * spectrum) @ v.T
    rows = ", ".join("[" + ", ".join(f"{x:.9e}" for x in row) + "]" for row in w)
    return f"dense<[{rows}]> : tensor<{N}x{N}xf32>"


fast = weight(2.0 ** -np.arange(N))
shared = "--shared" in sys.argv[1:]
slow = weight((np.arange(N) + 1.0) ** -0.25 * (0.01 if shared else 1.0))
second = "%x" if shared else "%y"
print(f"""func.func @layers(%x: tensor<4x{N}xf32>, %y: tensor<4x{N}xf32>) -> tensor<4x{N}xf32> {{
  %wf = onnx.Constant {{value = {fast}}} : tensor<{N}x{N}xf32>
  %ws = onnx.Constant {{value = {slow}}} : tensor<{N}x{N}xf32>
  %f = onnx.MatMul %x, %wf : (tensor<4x{N}xf32>, tensor<{N}x{N}xf32>) -> tensor<4x{N}xf32> loc("fast")
  %s = onnx.MatMul {second}, %ws : (tensor<4x{N}xf32>, tensor<{N}x{N}xf32>) -> tensor<4x{N}xf32> loc("slow")
  %sum = onnx.Add %f, %s : (tensor<4x{N}xf32>, tensor<4x{N}xf32>) -> tensor<4x{N}xf32>
  %out = onnx.Add %sum, %x : (tensor<4x{N}xf32>, tensor<4x{N}xf32>) -> tensor<4x{N}xf32>
  return %out : tensor<4x{N}xf32>
}}""")
