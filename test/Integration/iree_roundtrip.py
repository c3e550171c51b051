"""Compresses an ONNX model, writes it as linalg on tensors with
`lowrank-opt --emit=linalg`, compiles that with iree-compile (llvm-cpu),
runs it with iree-run-module, and compares with ONNX Runtime running the
compressed model exported with `--emit=onnx`. Prints the relative error."""

import argparse
import pathlib
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lowrank-opt", required=True)
    parser.add_argument("--iree-bin", required=True, help="folder with iree-compile")
    parser.add_argument("--model", required=True)
    parser.add_argument("--compress", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()

    work = pathlib.Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    iree = pathlib.Path(args.iree_bin)
    compressed_onnx = work / "compressed.onnx"
    linalg = work / "compressed_linalg.mlir"
    vmfb = work / "compressed.vmfb"
    common = [args.lowrank_opt, args.model, f"--lowrank-compress={args.compress}"]
    subprocess.run(common + ["--emit=onnx", "-o", str(compressed_onnx)], check=True)
    subprocess.run(common + ["--emit=linalg", "-o", str(linalg)], check=True)
    subprocess.run([str(iree / "iree-compile"), str(linalg),
                    "--iree-hal-target-device=local",
                    "--iree-hal-local-target-device-backends=llvm-cpu",
                    "--iree-llvmcpu-target-cpu=host", "-o", str(vmfb)], check=True)

    model = onnx.load(str(compressed_onnx))
    rng = np.random.default_rng(0)
    feeds, run_args = {}, []
    for i, inp in enumerate(model.graph.input):
        shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
        feeds[inp.name] = rng.standard_normal(shape).astype(np.float32)
        np.save(work / f"input_{i}.npy", feeds[inp.name])
        run_args.append(f"--input=@{work / f'input_{i}.npy'}")
    outputs = [work / f"output_{i}.npy" for i in range(len(model.graph.output))]
    subprocess.run([str(iree / "iree-run-module"), f"--module={vmfb}",
                    "--device=local-task", "--function=main_graph"] + run_args +
                   [f"--output=@{o}" for o in outputs], check=True,
                   stdout=subprocess.DEVNULL)
    reference = ort.InferenceSession(str(compressed_onnx),
                                     providers=["CPUExecutionProvider"]).run(None, feeds)
    worst = 0.0
    for path, ref in zip(outputs, reference):
        got = np.load(path)
        worst = max(worst, float(np.linalg.norm(got - ref) / np.linalg.norm(ref)))
    print(f"iree vs onnxruntime: relative error {worst:.2e}")
    if not worst <= args.tolerance:
        sys.exit(f"error: relative error {worst:.2e} above {args.tolerance:.0e}")


if __name__ == "__main__":
    main()
