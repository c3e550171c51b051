"""Relative output error of compressed models against the original on
held-out inputs from correlated_inputs.py (a seed the calibration did not
use): ||y' - y|| / ||y - x|| over all runs, the error relative to what the
block adds to its residual input (without the residual it would be hidden
by x). Prints `<label> error=<e>` per model; with --expect-lower, fails
unless each model's error is below the previous model's."""

import argparse
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import correlated_inputs  # noqa: E402


def outputs(path, feeds):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return [session.run(None, feed)[0] for feed in feeds]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True)
    parser.add_argument("--runs", type=int, default=64)
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--expect-lower", action="store_true")
    parser.add_argument("models", nargs="+", help="LABEL=PATH")
    args = parser.parse_args()

    model = onnx.load(args.reference)
    feeds = correlated_inputs.feeds(model, args.runs, args.seed)
    reference = outputs(args.reference, feeds)
    added = np.sqrt(sum(np.sum((y - f[model.graph.input[0].name]) ** 2)
                        for y, f in zip(reference, feeds)))
    errors = []
    for entry in args.models:
        label, path = entry.split("=", 1)
        onnx.checker.check_model(onnx.load(path), full_check=True)
        got = outputs(path, feeds)
        error = np.sqrt(sum(np.sum((g - y) ** 2)
                            for g, y in zip(got, reference))) / added
        print(f"{label} error={error:.4f}")
        errors.append(error)
    if args.expect_lower and any(b >= a for a, b in zip(errors, errors[1:])):
        sys.exit(f"error: the errors do not decrease: {errors}")


if __name__ == "__main__":
    main()
