"""Compresses an ONNX model with lowrank-opt at several settings and compares
ONNX Runtime's outputs of the original and each compressed model.

Prints one line per setting: `<options> params=<kept fraction> error=<relative
output error>`, the errors in the order given, for FileCheck."""

import argparse
import json
import pathlib
import subprocess
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime as ort


def run(model, feeds):
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lowrank-opt", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--lowrank-run",
                        help="also run each compressed model with this JIT "
                             "runner and check it against ONNX Runtime")
    parser.add_argument("--expect-decreasing", action="store_true",
                        help="fail unless each setting's error is below the previous one's")
    parser.add_argument("--max-last-error", type=float,
                        help="fail unless the last setting's error is at most this")
    parser.add_argument("settings", nargs="+", help="lowrank-compress options")
    args = parser.parse_args()

    work = pathlib.Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    model = onnx.load(args.model)
    rng = np.random.default_rng(0)
    feeds = {}
    for inp in model.graph.input:
        shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
        feeds[inp.name] = rng.standard_normal(shape).astype(np.float32)
    reference = run(args.model, feeds)

    errors = []
    for i, setting in enumerate(args.settings):
        out = work / f"compressed_{i}.onnx"
        report = work / f"report_{i}.json"
        subprocess.run([args.lowrank_opt, args.model,
                        f"--lowrank-compress={setting}", "--emit=onnx",
                        "-o", str(out), f"--lowrank-report={report}"],
                       check=True)
        onnx.checker.check_model(onnx.load(str(out)), full_check=True)
        outputs = run(out, feeds)
        if args.lowrank_run:
            run_args = [args.lowrank_run, str(out)]
            for j, (name, value) in enumerate(feeds.items()):
                onnx.save_tensor(onnx.numpy_helper.from_array(value, name),
                                 str(work / f"input_{i}_{j}.pb"))
                run_args += ["--input", str(work / f"input_{i}_{j}.pb")]
            for j, value in enumerate(outputs):
                onnx.save_tensor(onnx.numpy_helper.from_array(value),
                                 str(work / f"expected_{i}_{j}.pb"))
                run_args += ["--expect", str(work / f"expected_{i}_{j}.pb")]
            subprocess.run(run_args, check=True, stdout=subprocess.DEVNULL)
        error = max(np.linalg.norm(o - r) / np.linalg.norm(r)
                    for o, r in zip(outputs, reference))
        totals = json.loads(report.read_text())["totals"]
        print(f"{setting} params={totals['param_ratio']:.3f} error={error:.3e}")
        sys.stdout.flush()
        errors.append(error)

    if args.expect_decreasing and any(b >= a for a, b in zip(errors, errors[1:])):
        sys.exit(f"error: the output error does not decrease: {errors}")
    if args.max_last_error is not None and errors[-1] > args.max_last_error:
        sys.exit(f"error: last error {errors[-1]:.3e} > {args.max_last_error:.1e}")


if __name__ == "__main__":
    main()
