#!/usr/bin/env python3
"""DFT and STFT models with inputs and float64 numpy results, for
test/Runner/spectral.test. Usage: make_spectral_models.py OUT

dft.onnx (opset 20, constant axes): a complex forward transform padded to
16 points, an inverse one cut to 8, a one-sided real transform and the
inverse of a half spectrum (irfft).

stft.onnx (opset 17): a Whisper-style log-mel front end. A real [batch,
length] signal (as ONNX Runtime accepts it), a 400-point Hann window every
160 samples with `onesided` left at its default, and a mel matrix after it
(ONNX's own shape inference misreads that default)."""

import os
import sys

import numpy as np
import onnx
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
        np.save(os.path.join(out, f"{name}_expected_{index}.npy"),
                value.astype(np.float32))


def pack(z):
    return np.stack([z.real, z.imag], -1)


# --- DFT ----------------------------------------------------------------------
x = rng.standard_normal((2, 12, 2)).astype(np.float32)
r = rng.standard_normal((3, 10, 1)).astype(np.float32)
h = rng.standard_normal((3, 6, 2)).astype(np.float32)
nodes = [
    helper.make_node("DFT", ["x", "n16", "axis1"], ["y1"], name="padded"),
    helper.make_node("DFT", ["x", "n8", "axis1"], ["y2"], name="cut_inverse",
                     inverse=1),
    helper.make_node("DFT", ["r", "", "axis_m2"], ["y3"], name="rfft", onesided=1),
    helper.make_node("DFT", ["h", "n10", "axis1"], ["y4"], name="irfft",
                     inverse=1, onesided=1),
]
inits = [const("n16", np.int64(16)), const("n8", np.int64(8)),
         const("n10", np.int64(10)), const("axis1", np.int64(1)),
         const("axis_m2", np.int64(-2))]
graph = helper.make_graph(
    nodes, "dft",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 12, 2]),
     helper.make_tensor_value_info("r", TensorProto.FLOAT, [3, 10, 1]),
     helper.make_tensor_value_info("h", TensorProto.FLOAT, [3, 6, 2])],
    [helper.make_tensor_value_info("y1", TensorProto.FLOAT, [2, 16, 2]),
     helper.make_tensor_value_info("y2", TensorProto.FLOAT, [2, 8, 2]),
     helper.make_tensor_value_info("y3", TensorProto.FLOAT, [3, 6, 2]),
     helper.make_tensor_value_info("y4", TensorProto.FLOAT, [3, 10, 1])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
complex_x = x[..., 0].astype(np.float64) + 1j * x[..., 1]
half = h[..., 0].astype(np.float64) + 1j * h[..., 1]
save(model, "dft", {"x": x, "r": r, "h": h},
     [pack(np.fft.fft(complex_x, n=16, axis=1)),
      pack(np.fft.ifft(complex_x, n=8, axis=1)),
      pack(np.fft.rfft(r[..., 0].astype(np.float64), axis=1)),
      np.fft.irfft(half, n=10, axis=1)[..., None]])

# --- STFT ---------------------------------------------------------------------
length, frame, step, mels = 1000, 400, 160, 20
window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame) / frame)).astype(np.float32)
mel = np.abs(rng.standard_normal((frame // 2 + 1, mels))).astype(np.float32)
frames = (length - frame) // step + 1
nodes = [
    helper.make_node("STFT", ["signal", "step", "window"], ["spectrum"], name="stft"),
    helper.make_node("ReduceSumSquare", ["spectrum"], ["power"], axes=[-1], keepdims=0),
    helper.make_node("MatMul", ["power", "mel"], ["mel_power"]),
    helper.make_node("Log", ["mel_power"], ["features"]),
]
inits = [const("step", np.int64(step)), const("window", window), const("mel", mel)]
graph = helper.make_graph(
    nodes, "stft",
    [helper.make_tensor_value_info("signal", TensorProto.FLOAT, ["batch", "length"])],
    [helper.make_tensor_value_info("features", TensorProto.FLOAT,
                                   ["batch", "frames", mels])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
signal = (rng.standard_normal((2, length)) * 0.1).astype(np.float32)
framed = np.stack([signal[:, f * step:f * step + frame].astype(np.float64) * window
                   for f in range(frames)], 1)
power = np.abs(np.fft.rfft(framed, axis=-1)) ** 2
save(model, "stft", {"signal": signal}, [np.log(power @ mel)])
