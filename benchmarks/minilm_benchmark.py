"""Latency of the real all-MiniLM-L6-v2: lowrank-opt's compiled code against
ONNX Runtime, dense and compressed.

The model comes from `lowrank-minilm convert` (weights from the pip package
that setup installs) unless --model names a converted file. Each variant
(dense, and `--lowrank-compress='param-ratio=P'` for each ratio) is
compiled with its input shapes pinned to batch 1 x --seq tokens, linked with
liblowrank_cpu_runtime.a into a shared library and called through ctypes
with random token ids and a full attention mask; ONNX Runtime (CPU provider,
intra_op_num_threads = threads, default optimizations) runs the same ONNX
file. Prints the best latency of each, alternating engines, and the largest
difference between their last_hidden_state outputs.
"""

import argparse
import ctypes
import pathlib
import subprocess
import sys

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from encoder_benchmark import best_time, run  # noqa: E402


def descriptor(array):
    """An MLIR strided memref descriptor of `array` (its rank's own type)."""
    rank = array.ndim

    class MemRef(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p),
                    ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64),
                    ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]

    pointer = array.ctypes.data
    strides = [s // array.itemsize for s in array.strides]
    return MemRef(pointer, pointer, 0, (ctypes.c_int64 * rank)(*array.shape),
                  (ctypes.c_int64 * rank)(*strides))


class Compiled:
    """A compiled MiniLM: inputs input_ids and attention_mask, outputs
    sentence_embedding and last_hidden_state."""

    def __init__(self, library, seq, threads):
        self.lib = ctypes.CDLL(str(library))
        self.lib.lowrank_cpu_set_num_threads(threads)
        self.entry = self.lib._mlir_ciface_main_graph
        self.entry.restype = ctypes.c_int32
        self.embedding = np.empty((1, 384), np.float32)
        self.hidden = np.empty((1, seq, 384), np.float32)

    def __call__(self, ids, mask):
        args = [descriptor(a) for a in (ids, mask, self.embedding,
                                         self.hidden)]
        if self.entry(*[ctypes.byref(a) for a in args]) != 0:
            raise RuntimeError("the compiled model returned an error status")
        return self.hidden


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", default=str(root / "build"))
    parser.add_argument("--workdir", default="/tmp/lowrank-minilm-benchmark")
    parser.add_argument("--model", help="a converted model (default: convert)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--ratios", default="0.8,0.6")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cc", default="/usr/lib/llvm-22/bin/clang")
    args = parser.parse_args()

    build = pathlib.Path(args.build)
    opt = build / "bin" / "lowrank-opt"
    runtime = build / "lib" / "liblowrank_cpu_runtime.a"
    work = pathlib.Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    dense = pathlib.Path(args.model) if args.model else work / "minilm.onnx"
    if not args.model:
        minilm = pathlib.Path(sys.executable).parent / "lowrank-minilm"
        run([str(minilm), "convert", "-o", str(dense)])
    print(f"all-MiniLM-L6-v2, batch 1 x {args.seq} tokens; threads: "
          f"{args.threads}; best of >= {args.rounds} rounds; onnxruntime "
          f"{ort.__version__}")

    variants = [("dense", dense)]
    for ratio in [float(r) for r in args.ratios.split(",")]:
        small = work / f"minilm_p{ratio}.onnx"
        run([str(opt), str(dense), f"--lowrank-compress=param-ratio={ratio}",
             "--emit=onnx", "-o", str(small)])
        variants.append((f"{round((1 - ratio) * 100)}% fewer", small))

    rng = np.random.default_rng(1)
    ids = rng.integers(1000, 30000, (1, args.seq)).astype(np.int64)
    mask = np.ones((1, args.seq), np.int64)
    shapes = f"input_ids:1x{args.seq},attention_mask:1x{args.seq}"
    rows = []
    for name, path in variants:
        obj, lib = work / f"{path.stem}.o", work / f"{path.stem}.so"
        run([str(opt), str(path), f"--onnx-input-shape={shapes}",
             "--emit=obj", "-o", str(obj)])
        run([args.cc, "-shared", "-o", str(lib), str(obj), str(runtime),
             "-lstdc++", "-lm", "-lpthread"])
        compiled = Compiled(lib, args.seq, args.threads)
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(path), options,
                                       providers=["CPUExecutionProvider"])
        feeds = {"input_ids": ids, "attention_mask": mask}
        expected = session.run(["last_hidden_state"], feeds)[0]
        diff = float(np.max(np.abs(compiled(ids, mask) - expected)))
        ours = theirs = float("inf")
        for _ in range(args.rounds):
            ours = min(ours, best_time(lambda: compiled(ids, mask), 3, 0.05))
            theirs = min(theirs, best_time(lambda: session.run(None, feeds),
                                           3, 0.05))
        rows.append((name, ours, theirs, diff))

    print(f"{'model':>10} {'lowrank ms':>10} {'ORT ms':>8} {'ORT/ours':>8} "
          f"{'speedup':>7} {'max|diff|':>9}")
    for name, ours, theirs, diff in rows:
        print(f"{name:>10} {ours * 1e3:10.3f} {theirs * 1e3:8.3f} "
              f"{theirs / ours:8.2f} {rows[0][1] / ours:7.2f} {diff:9.1e}")


if __name__ == "__main__":
    main()
