"""Compiles each given corpus model once with its symbolic dimensions
(lowrank-opt --emit=obj without pins, and lowrank-run --symbolic-dims) and
runs it at every given batch size against ONNX Runtime. Prints one line per
model and size; exits non-zero if any differs or fails."""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnxruntime
import onnx
from onnx import numpy_helper

parser = argparse.ArgumentParser()
parser.add_argument("--lowrank-opt", required=True)
parser.add_argument("--lowrank-run", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--sizes", default="1,3")
parser.add_argument("models", nargs="+")
args = parser.parse_args()
os.makedirs(args.work, exist_ok=True)


def make_input(info, size, rng):
    """The corpus check's conventions: ids in [0, 100), masks all ones,
    token type ids zeros, floats standard normal."""
    shape = [d if isinstance(d, int) else size for d in info.shape]
    name = info.name.lower()
    if info.type in ("tensor(float)", "tensor(float16)"):
        dtype = np.float32 if info.type == "tensor(float)" else np.float16
        if "mask" in name:
            return np.ones(shape, dtype=dtype)
        return rng.standard_normal(shape).astype(dtype)
    if info.type in ("tensor(int64)", "tensor(int32)"):
        dtype = np.int64 if info.type == "tensor(int64)" else np.int32
        if "mask" in name:
            return np.ones(shape, dtype=dtype)
        if "token_type" in name or "segment" in name:
            return np.zeros(shape, dtype=dtype)
        return rng.integers(0, 100, size=shape).astype(dtype)
    raise SystemExit(f"{info.name}: input type {info.type} not generated")


def computes_in_float16(model):
    """Whether the model's weights are float16."""
    graph = onnx.load(model, load_external_data=False).graph
    return any(init.data_type == onnx.TensorProto.FLOAT16
               for init in graph.initializer)


def save(array, name, path):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


failures = 0
for model in args.models:
    name = os.path.basename(model)
    obj = os.path.join(args.work, name + ".o")
    compiled = subprocess.run([args.lowrank_opt, model, "--emit=obj", "-o", obj],
                              capture_output=True, text=True)
    if compiled.returncode != 0:
        print(f"FAIL {name} object: {compiled.stderr.strip()}")
        failures += 1
        continue
    session = onnxruntime.InferenceSession(model)
    for size in (int(s) for s in args.sizes.split(",")):
        rng = np.random.default_rng(size)
        command = [args.lowrank_run, model, "--symbolic-dims"]
        feeds = {}
        for i, info in enumerate(session.get_inputs()):
            feeds[info.name] = make_input(info, size, rng)
            path = os.path.join(args.work, f"{name}.in{i}.{size}.pb")
            save(feeds[info.name], info.name, path)
            command += ["--input", path]
        for i, output in enumerate(session.run(None, feeds)):
            path = os.path.join(args.work, f"{name}.out{i}.{size}.pb")
            save(output, f"output_{i}", path)
            command += ["--expect", path]
        if computes_in_float16(model):
            # ONNX Runtime computes a float16 model in float16 (the corpus
            # check's tolerance); this project accumulates in float32.
            command += ["--rtol=1e-2", "--atol=1e-2"]
        result = subprocess.run(command, capture_output=True, text=True)
        status = "ok" if result.returncode == 0 else "FAIL"
        failures += result.returncode != 0
        detail = (result.stdout + result.stderr).strip().replace("\n", "; ")
        print(f"{status} {name} batch {size}: {detail}")
sys.exit(1 if failures else 0)
