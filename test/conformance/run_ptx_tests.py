#!/usr/bin/env python3
"""Compiles the ONNX node tests and the example models to PTX and checks
that ptxas accepts the result.

For every test the CPU path passes (expected_pass.txt) and for the example
models (plain and compressed), `lowrank-opt model --emit=ptx` runs once per
target (sm_80 with PTX 7.0, sm_90 with PTX 8.0), input shapes pinned to the
test's input tensors as lowrank-run pins them, and `ptxas -arch=<target>`
must accept the PTX. Tests listed in expected_ptx_failures.txt (with the
reason) are expected to fail; any other failure is a regression (exit 1).
Prints the totals per target.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
import time

import onnx

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPT_DIR)
from run_node_tests import default_testdata  # noqa: E402

SRC_ROOT = os.path.join(SCRIPT_DIR, "..", "..")
DEFAULT_PASS_LIST = os.path.join(SCRIPT_DIR, "expected_pass.txt")
DEFAULT_FAIL_LIST = os.path.join(SCRIPT_DIR, "expected_ptx_failures.txt")
DEFAULT_EXAMPLE = os.path.join(SRC_ROOT, "examples", "transformer_block.onnx")
TARGETS = [("sm_80", 70), ("sm_90", 80)]
COMPRESSION = "rank-ratio=0.25"

FAIL_LIST_HEADER = """\
# Node tests that the CPU path passes but that do not compile to PTX
# accepted by ptxas, with the first error. Regenerate with
#   run_ptx_tests.py --update
"""


def read_names(path):
    names = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    names.append(line)
    return names


def pinned_shapes(test_dir):
    """--onnx-input-shape for the graph inputs, from the test's tensors."""
    model = onnx.load(os.path.join(test_dir, "model.onnx"),
                      load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in initializers]
    data_dir = os.path.join(test_dir, "test_data_set_0")
    pins = []
    for index, name in enumerate(names):
        path = os.path.join(data_dir, "input_%d.pb" % index)
        if not os.path.exists(path):
            continue
        tensor = onnx.TensorProto()
        with open(path, "rb") as f:
            tensor.ParseFromString(f.read())
        if "," in name or ":" in name:
            continue
        pins.append("%s:%s" % (name, "x".join(str(d) for d in tensor.dims)))
    return ["--onnx-input-shape=" + ",".join(pins)] if pins else []


def first_error(output):
    """The first error line, without the model's path (the lists written
    by --update name the test already)."""
    lines = output.splitlines()
    chosen = next((l for l in lines if "error" in l.lower()), None)
    if chosen is None:
        chosen = next((l for l in lines if l.strip()), "no output")
    chosen = re.sub(r"^\S*model\.onnx: error: ", "", chosen.strip())
    return chosen[:200]


def compile_and_check(args, workdir, label, model, extra_flags):
    """Returns {target: (ok, message)} for one model."""
    results = {}
    for chip, ptx in TARGETS:
        output = os.path.join(workdir, "%s.%s.ptx" % (label, chip))
        command = [args.lowrank_opt, model, "--emit=ptx",
                   "--gpu-chip=" + chip, "--gpu-ptx=%d" % ptx,
                   "-o", output] + extra_flags
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    errors="replace", timeout=args.timeout)
        except subprocess.TimeoutExpired:
            results[chip] = (False, "lowrank-opt timed out")
            continue
        if result.returncode != 0:
            message = first_error(result.stderr + result.stdout)
            if result.returncode < 0:
                message = "crashed (signal %d): %s" % (-result.returncode,
                                                       message)
            results[chip] = (False, "lowrank-opt: " + message)
            continue
        check = subprocess.run([args.ptxas, "-arch=" + chip, output,
                                "-o", os.devnull],
                               capture_output=True, text=True,
                               errors="replace")
        os.remove(output)
        if check.returncode != 0:
            results[chip] = (False, "ptxas: " + first_error(check.stderr))
        else:
            results[chip] = (True, "")
    return results


def run_node_test(args, workdir, name):
    test_dir = os.path.join(args.testdata, name)
    if not os.path.isfile(os.path.join(test_dir, "model.onnx")):
        return {chip: (False, "test data not found") for chip, _ in TARGETS}
    return compile_and_check(args, workdir, name,
                             os.path.join(test_dir, "model.onnx"),
                             pinned_shapes(test_dir))


def run_examples(args, workdir):
    """The example model, plain and compressed."""
    results = {}
    if not os.path.exists(args.example):
        return results
    results["example: transformer_block"] = compile_and_check(
        args, workdir, "transformer_block", args.example, [])
    compressed = os.path.join(workdir, "transformer_block_compressed.mlir")
    result = subprocess.run(
        [args.lowrank_opt, args.example,
         "--lowrank-compress=" + COMPRESSION, "-o", compressed],
        capture_output=True, text=True, errors="replace")
    label = "example: transformer_block compressed (%s)" % COMPRESSION
    if result.returncode != 0:
        results[label] = {chip: (False, "compression: " + first_error(
            result.stderr)) for chip, _ in TARGETS}
    else:
        results[label] = compile_and_check(
            args, workdir, "transformer_block_compressed", compressed, [])
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lowrank-opt", default=os.path.join(
        SRC_ROOT, "build", "bin", "lowrank-opt"))
    parser.add_argument("--ptxas", default="/usr/local/cuda/bin/ptxas")
    parser.add_argument("--testdata", default=None)
    parser.add_argument("--pass-list", default=DEFAULT_PASS_LIST,
                        help="node tests the CPU path passes")
    parser.add_argument("--fail-list", default=DEFAULT_FAIL_LIST,
                        help="node tests expected not to compile to PTX")
    parser.add_argument("--example", default=DEFAULT_EXAMPLE)
    parser.add_argument("--jobs", "-j", type=int,
                        default=max(2, os.cpu_count() or 2))
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--filter", default=None,
                        help="only node tests whose name matches this regex")
    parser.add_argument("--update", action="store_true",
                        help="rewrite the failure list from this run")
    args = parser.parse_args()
    if args.testdata is None:
        args.testdata = default_testdata()

    for tool in (args.lowrank_opt, args.ptxas):
        if not os.access(tool, os.X_OK):
            print("%s: error: not found or not executable" % tool,
                  file=sys.stderr)
            return 2

    selected = re.compile(args.filter).search if args.filter else (
        lambda name: True)
    names = [n for n in read_names(args.pass_list) if selected(n)]
    expected_failures = set(read_names(args.fail_list))
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="lowrank-ptx-") as workdir:
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            futures = {pool.submit(run_node_test, args, workdir, name): name
                       for name in names}
            results = {futures[f]: f.result()
                       for f in concurrent.futures.as_completed(futures)}
        examples = run_examples(args, workdir) if not args.filter else {}

    regressions = 0
    for name in sorted(names):
        failures = [(chip, message) for chip, (ok, message)
                    in sorted(results[name].items()) if not ok]
        if failures and name not in expected_failures:
            regressions += 1
            for chip, message in failures:
                print("FAIL %s [%s]: %s" % (name, chip, message))
        elif not failures and name in expected_failures:
            print("now passes (remove from the failure list): %s" % name)
    for label, per_target in examples.items():
        for chip, (ok, message) in sorted(per_target.items()):
            print("%s [%s]: %s" % (label, chip, "ok" if ok else
                                   "FAIL " + message))
            if not ok:
                regressions += 1

    if args.update:
        with open(args.fail_list, "w") as f:
            f.write(FAIL_LIST_HEADER)
            for name in sorted(names):
                failures = [m for _, (ok, m) in sorted(results[name].items())
                            if not ok]
                if failures:
                    f.write("%s  # %s\n" % (name, failures[0]))
        print("updated %s" % args.fail_list)

    for chip, ptx in TARGETS:
        accepted = sum(1 for name in names if results[name][chip][0])
        print("ptx %s (PTX %d.%d): %d of %d node tests accepted by ptxas"
              % (chip, ptx // 10, ptx % 10, accepted, len(names)))
    print("ptx: %d regressions, %d expected failures, %.0f s"
          % (regressions, len([n for n in names if n in expected_failures]),
             time.time() - start))
    return 1 if regressions and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
