"""Compresses an ONNX model with lowrank-opt at several settings (typically
Q + L R ones), runs original and compressed models in ONNX Runtime on the
same random inputs, and prints one line per setting for FileCheck:

  <options> bits=<bits per original parameter> error=<relative output error> cosine=<mean cosine>

The cosine is the mean over output rows (last axis) of cos(original,
compressed). With --lowrank-run, each compressed model is also compiled
and run by lowrank-run and checked against ONNX Runtime."""

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
    # ORT's extended optimizations fuse DequantizeLinear -> MatMul into an
    # integer matmul that also quantizes the activations; basic ones keep
    # the float semantics the compressed model defines.
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    session = ort.InferenceSession(str(model), options,
                                   providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def mean_cosine(a, b):
    a = a.reshape(-1, a.shape[-1]).astype(np.float64)
    b = b.reshape(-1, b.shape[-1]).astype(np.float64)
    dots = (a * b).sum(axis=1)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return float(np.mean(dots / np.maximum(norms, 1e-30)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lowrank-opt", required=True)
    parser.add_argument("--lowrank-run")
    parser.add_argument("--model", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--max-error", type=float,
                        help="fail when a setting's relative error exceeds this")
    parser.add_argument("--min-cosine", type=float,
                        help="fail when a setting's mean cosine is below this")
    parser.add_argument("--expect-decreasing", action="store_true")
    parser.add_argument("settings", nargs="+")
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

    failures = []
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
        error = max(float(np.linalg.norm(o - r) / np.linalg.norm(r))
                    for o, r in zip(outputs, reference))
        cosine = min(mean_cosine(o, r) for o, r in zip(outputs, reference))
        totals = json.loads(report.read_text())["totals"]
        # Without quantized layers the report has no bits: float32 parameters.
        bits = totals.get("bits_per_param", 32 * totals["param_ratio"])
        print(f"{setting} bits={bits:.2f} "
              f"params={totals['param_ratio']:.3f} error={error:.3e} "
              f"cosine={cosine:.5f}")
        sys.stdout.flush()
        errors.append(error)
        if args.max_error is not None and error > args.max_error:
            failures.append(f"{setting}: error {error:.3e} > {args.max_error}")
        if args.min_cosine is not None and cosine < args.min_cosine:
            failures.append(f"{setting}: cosine {cosine:.5f} < {args.min_cosine}")

    if args.expect_decreasing and any(b >= a for a, b in zip(errors, errors[1:])):
        failures.append(f"the output error does not decrease: {errors}")
    if failures:
        sys.exit("error: " + "; ".join(failures))


if __name__ == "__main__":
    main()
