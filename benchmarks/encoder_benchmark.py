"""Encoder latency: lowrank-opt's compiled code against ONNX Runtime, and
compressed against dense.

For each sequence length (default 128 and 1), writes the MiniLM-sized
encoder of make_encoder.py, compresses it with `lowrank-opt
--lowrank-compress='param-ratio=P'` for each ratio, compiles every variant
with `--emit=obj`, links it with liblowrank_cpu_runtime.a into a shared
library and calls `_mlir_ciface_main_graph` through ctypes. ONNX Runtime
(CPU provider, intra_op_num_threads = threads) runs the same ONNX files.
Latencies are the best of several rounds, the engines alternating, so that
load from other processes affects them alike. Prints a table per sequence
length: latency, speedup over the dense compiled model, the ideal speedup
(FLOP ratio for M = batch x seq >= 128, weight-byte ratio for smaller M)
and their quotient, and the largest difference from ONNX Runtime's output.
"""

import argparse
import ctypes
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_encoder  # noqa: E402


class MemRef3(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * 3),
                ("strides", ctypes.c_int64 * 3)]


def descriptor(array):
    pointer = array.ctypes.data
    strides = [s // array.itemsize for s in array.strides]
    return MemRef3(pointer, pointer, 0, (ctypes.c_int64 * 3)(*array.shape),
                   (ctypes.c_int64 * 3)(*strides))


class Compiled:
    """A compiled model loaded as a shared library."""

    def __init__(self, library, shape, threads):
        self.lib = ctypes.CDLL(str(library))
        self.lib.lowrank_cpu_set_num_threads(threads)
        self.entry = self.lib._mlir_ciface_main_graph
        self.entry.restype = ctypes.c_int32
        self.out = np.empty(shape, np.float32)

    def __call__(self, x):
        xd, yd = descriptor(x), descriptor(self.out)
        if self.entry(ctypes.byref(xd), ctypes.byref(yd)) != 0:
            raise RuntimeError("the compiled encoder returned an error status")
        return self.out


def model_costs(path, m):
    """(FLOPs of the matmuls, bytes of the weights) of an ONNX model whose
    activations have m rows."""
    model = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    flops, attention = 0, 0
    for node in model.graph.node:
        if node.op_type != "MatMul":
            continue
        w = inits.get(node.input[1])
        if w is not None and w.ndim == 2:
            flops += 2 * m * w.shape[0] * w.shape[1]
        else:
            attention += 1
    weight_bytes = sum(v.size * v.itemsize for v in inits.values())
    return flops, attention, weight_bytes


def best_time(fn, rounds, min_seconds=0.3):
    best, total, n = float("inf"), 0.0, 0
    while n < rounds or total < min_seconds:
        start = time.perf_counter()
        fn()
        t = time.perf_counter() - start
        best, total, n = min(best, t), total + t, n + 1
    return best


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", default=str(root / "build"))
    parser.add_argument("--workdir", default="/tmp/lowrank-encoder-benchmark")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seqs", default="128,1")
    parser.add_argument("--ratios", default="0.8,0.6,0.4")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--cc", default="/usr/lib/llvm-22/bin/clang")
    args = parser.parse_args()

    build = pathlib.Path(args.build)
    opt = build / "bin" / "lowrank-opt"
    runtime = build / "lib" / "liblowrank_cpu_runtime.a"
    work = pathlib.Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    hidden, heads = 384, 12
    print(f"threads: {args.threads}; best of >= {args.rounds} rounds; "
          f"onnxruntime {ort.__version__}")

    for seq in [int(s) for s in args.seqs.split(",")]:
        dense = work / f"encoder_s{seq}.onnx"
        onnx.save(make_encoder.build(layers=args.layers, seq=seq), str(dense))
        variants = [("dense", 1.0, dense)]
        for ratio in [float(r) for r in args.ratios.split(",")]:
            small = work / f"encoder_s{seq}_p{ratio}.onnx"
            run([str(opt), str(dense), f"--lowrank-compress=param-ratio={ratio}",
                 "--emit=onnx", "-o", str(small)])
            variants.append((f"{round((1 - ratio) * 100)}% fewer", ratio, small))

        x = np.random.default_rng(1).standard_normal((1, seq, hidden)).astype(np.float32)
        engines = []
        for name, ratio, path in variants:
            obj, lib = path.with_suffix(".o"), path.with_suffix(".so")
            run([str(opt), str(path), "--emit=obj", "-o", str(obj)])
            run([args.cc, "-shared", "-o", str(lib), str(obj), str(runtime),
                 "-lstdc++", "-lm", "-lpthread"])
            compiled = Compiled(lib, (1, seq, hidden), args.threads)
            options = ort.SessionOptions()
            options.intra_op_num_threads = args.threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(str(path), options,
                                           providers=["CPUExecutionProvider"])
            expected = session.run(None, {"x": x})[0]
            diff = float(np.max(np.abs(compiled(x) - expected)))
            engines.append((compiled, session, diff))

        # Rounds go over every variant and both engines in turn, so that
        # load from other processes spreads over all of them.
        ours = [float("inf")] * len(variants)
        theirs = [float("inf")] * len(variants)
        for _ in range(args.rounds):
            for i, (compiled, session, _) in enumerate(engines):
                ours[i] = min(ours[i], best_time(lambda: compiled(x), 3, 0.05))
                theirs[i] = min(theirs[i], best_time(
                    lambda: session.run(None, {"x": x}), 3, 0.05))
        rows = []
        for i, (name, ratio, path) in enumerate(variants):
            flops, attention_matmuls, weight_bytes = model_costs(path, seq)
            # The attention products (QK^T, PV) are the same in every variant.
            flops += attention_matmuls // 2 * 2 * 2 * seq * seq * hidden
            rows.append((name, ours[i], theirs[i], flops, weight_bytes,
                         engines[i][2]))

        _, dense_ours, _, dense_flops, dense_bytes, _ = rows[0]
        bound = "FLOP" if seq >= 128 else "weight-byte"
        print(f"\nM = batch x seq = {seq} (ideal: {bound} ratio)")
        print(f"{'model':>10} {'lowrank ms':>10} {'ORT ms':>8} {'ORT/ours':>8} "
              f"{'GFLOP':>7} {'MB':>6} {'speedup':>7} {'ideal':>6} {'realized':>8} "
              f"{'max|diff|':>9}")
        for name, ours, theirs, flops, weight_bytes, diff in rows:
            ideal = (dense_flops / flops) if seq >= 128 else (dense_bytes / weight_bytes)
            speedup = dense_ours / ours
            print(f"{name:>10} {ours * 1e3:10.3f} {theirs * 1e3:8.3f} {theirs / ours:8.2f} "
                  f"{flops * 1e-9:7.3f} {weight_bytes / 1e6:6.1f} {speedup:7.2f} "
                  f"{ideal:6.2f} {speedup / ideal:8.2f} {diff:9.1e}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
