#!/usr/bin/env python3
"""Runs MODEL in ONNX Runtime on the .npy INPUTs and compares each output
with the output_<i>.pb lowrank-run wrote into DIR: tensors within 1e-5 of
the output's scale (NaN where ONNX Runtime has NaN), string tensors equal,
sequences of maps with the same keys and values. Prints one line per output.
Usage: compare_with_onnxruntime.py MODEL DIR INPUT..."""

import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

model, folder, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
feeds = {i.name: np.load(path) for i, path in zip(session.get_inputs(), inputs)}
names = [o.name for o in session.get_outputs()]
failed = False


def close(expected, actual):
    expected = np.asarray(expected, np.float64)
    actual = np.asarray(actual, np.float64)
    if expected.shape != actual.shape:
        return False, f"shape {actual.shape} != {expected.shape}"
    if not np.array_equal(np.isnan(expected), np.isnan(actual)):
        return False, "NaN in other places"
    finite = ~np.isnan(expected)
    scale = max(np.abs(expected[finite]).max(initial=0.0), 1e-30)
    error = np.abs(expected[finite] - actual[finite]).max(initial=0.0) / scale
    return error <= 1e-5, f"{error:.1e}"


for index, (name, reference) in enumerate(zip(names, session.run(None, feeds))):
    data = open(f"{folder}/output_{index}.pb", "rb").read()
    if isinstance(reference, list):
        sequence = onnx.SequenceProto()
        sequence.ParseFromString(data)
        maps = numpy_helper.to_list(sequence)
        keys = list(reference[0])
        ok = len(maps) == len(reference) and all(list(m) == keys for m in maps)
        ok, detail = close([[r[k] for k in keys] for r in reference],
                           [[m[k] for k in keys] for m in maps]) if ok else (False, "keys")
        text = f"{len(maps)} maps {detail}"
    else:
        tensor = onnx.TensorProto()
        tensor.ParseFromString(data)
        actual = numpy_helper.to_array(tensor)
        if reference.dtype == object:
            actual = np.array([v.decode() if isinstance(v, bytes) else v
                               for v in actual.flat], object).reshape(actual.shape)
            ok = actual.shape == reference.shape and (actual == reference).all()
            text = f"strings {list(actual.flat)}"
        elif np.issubdtype(reference.dtype, np.floating):
            ok, detail = close(reference, actual)
            text = f"{reference.dtype}{list(reference.shape)} {detail}"
        else:
            ok = actual.shape == reference.shape and (actual == reference).all()
            text = f"{reference.dtype} {actual.flatten().tolist()}"
    failed |= not ok
    print(f"{name}: {'ok' if ok else 'DIFFERS'} {text}")
sys.exit(1 if failed else 0)
