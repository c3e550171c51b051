"""Writes calibration statistics files (.lrstats, docs/CalibrationFormat.md)."""

import json
import struct

import numpy as np

MAGIC = b"LRSTATS\x00"


def _align(n):
    return (n + 63) // 64 * 64


def layer_from_inputs(name, x, op="MatMul", input_name="x"):
    """The statistics of a layer whose input rows are the rows of `x`."""
    x = np.asarray(x, dtype=np.float64).reshape(-1, np.shape(x)[-1])
    return {"name": name, "op": op, "input": input_name, "dim": x.shape[1],
            "samples": x.shape[0], "mean": x.mean(axis=0), "gram": x.T @ x}


def encode(layers, model="", version=1, dtype="float64"):
    """The file's bytes; each layer is a dict as layer_from_inputs returns,
    whose "mean"/"gram" entries are arrays (header fields may be overridden
    by "header" dicts merged into the entry)."""
    entries, blobs, offset = [], [], 0
    for layer in layers:
        entry = {k: layer[k] for k in ("name", "op", "input", "dim", "samples")}
        for key in ("mean", "gram"):
            values = np.ascontiguousarray(layer[key], dtype="<f8").ravel()
            entry[key] = {"offset": offset, "count": int(values.size)}
            blobs.append((offset, values.tobytes()))
            offset = _align(offset + values.nbytes)
        entry.update(layer.get("header", {}))
        entries.append(entry)
    header = json.dumps({"format": "lowrank-calibration", "version": version,
                         "model": model, "dtype": dtype, "layers": entries})
    header = header.encode()
    header += b" " * (_align(16 + len(header)) - 16 - len(header))
    data = bytearray(offset)
    for at, blob in blobs:
        data[at:at + len(blob)] = blob
    return MAGIC + struct.pack("<Q", len(header)) + header + bytes(data)


def write(path, layers, model="", **kwargs):
    with open(path, "wb") as f:
        f.write(encode(layers, model, **kwargs))
