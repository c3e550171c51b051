#!/usr/bin/env python3
"""Relative output error ||Y - Y_ref|| / ||Y_ref|| of MODEL against
REFERENCE over the .npy inputs of DIR (graph input 'x'), in ONNX Runtime.
Usage: output_error.py REFERENCE MODEL DIR"""

import glob
import sys

import numpy as np
import onnxruntime as ort

reference, model, folder = sys.argv[1:4]
inputs = [np.load(path) for path in sorted(glob.glob(f"{folder}/*.npy"))]
expected = ort.InferenceSession(reference, providers=["CPUExecutionProvider"])
actual = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
a = np.concatenate([expected.run(None, {"x": x})[0] for x in inputs])
b = np.concatenate([actual.run(None, {"x": x})[0] for x in inputs])
print(f"{np.linalg.norm(a - b) / np.linalg.norm(a):.6f}")
