#!/usr/bin/env python3
"""Runs the ONNX backend node tests through lowrank-run.

Every test directory under the node test data holds `model.onnx` and
`test_data_set_0/{input_*.pb,output_*.pb}`. Each test passes when
`lowrank-run model.onnx --input ... --expect ...` exits 0 within the
timeout. The result is compared with `expected_pass.txt` next to this
script: a listed test that fails is a regression (exit code 1); unlisted
tests that pass are reported so that the list can grow (`--update`).
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LIST = os.path.join(SCRIPT_DIR, "expected_pass.txt")
DEFAULT_RUNNER = os.path.join(SCRIPT_DIR, "..", "..", "build", "bin",
                              "lowrank-run")
def default_testdata():
    """The node tests scripts/setup.sh wrote for this Python's onnx."""
    import onnx
    prefix = subprocess.run(
        ["bash", os.path.join(SCRIPT_DIR, "..", "..", "scripts",
                              "deps-prefix.sh")],
        capture_output=True, text=True).stdout.strip()
    return os.path.join(prefix, "onnx-" + onnx.__version__, "testdata",
                        "node")

LIST_HEADER = """\
# ONNX backend node tests that lowrank-run passes (model.onnx with
# test_data_set_0, default tolerances). A listed test that fails makes
# check-lowrank-conformance fail. Regenerate with
#   run_node_tests.py --update
"""


def read_list(path):
    names = []
    if not os.path.exists(path):
        return names
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    return names


def write_list(path, names):
    with open(path, "w") as f:
        f.write(LIST_HEADER)
        for name in sorted(set(names)):
            f.write(name + "\n")


def numbered_files(directory, prefix):
    """input_0.pb, input_1.pb, ..., input_10.pb in numeric order."""
    pattern = re.compile(re.escape(prefix) + r"_(\d+)\.pb$")
    found = []
    for entry in os.listdir(directory):
        match = pattern.match(entry)
        if match:
            found.append((int(match.group(1)), os.path.join(directory, entry)))
    return [path for _, path in sorted(found)]


def first_error_line(stdout, stderr, test_dir):
    lines = stderr.splitlines() + stdout.splitlines()
    chosen = next((l for l in lines if "error:" in l), None)
    if chosen is None:
        chosen = next((l for l in lines if "MISMATCH" in l), None)
    if chosen is None:
        chosen = next((l for l in lines if l.strip()), "no output")
    return chosen.replace(test_dir + os.sep, "").strip()


def run_test(runner, testdata, name, timeout, runner_args=()):
    """Returns (passed, first error line)."""
    test_dir = os.path.join(testdata, name)
    data_dir = os.path.join(test_dir, "test_data_set_0")
    model = os.path.join(test_dir, "model.onnx")
    if not os.path.isfile(model) or not os.path.isdir(data_dir):
        return False, "test data not found"
    command = [runner, model] + list(runner_args)
    for path in numbered_files(data_dir, "input"):
        command += ["--input", path]
    for path in numbered_files(data_dir, "output"):
        command += ["--expect", path]
    try:
        result = subprocess.run(command, capture_output=True, text=True,
                                errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "timed out after %g s" % timeout
    if result.returncode == 0:
        return True, ""
    message = first_error_line(result.stdout, result.stderr, test_dir)
    if result.returncode < 0:
        message = "crashed (signal %d): %s" % (-result.returncode, message)
    return False, message


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lowrank-run", default=DEFAULT_RUNNER,
                        help="the lowrank-run binary")
    parser.add_argument("--testdata", default=None,
                        help="directory holding the node test directories")
    parser.add_argument("--list", default=DEFAULT_LIST,
                        help="the list of tests expected to pass")
    parser.add_argument("--jobs", "-j", type=int, default=2,
                        help="tests run in parallel (default 2)")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds per test (default 60)")
    parser.add_argument("--filter", default=None,
                        help="only run tests whose name matches this regex")
    parser.add_argument("--runner-arg", action="append", default=[],
                        help="an extra lowrank-run argument (repeatable), "
                             "e.g. --runner-arg=--device=cuda")
    parser.add_argument("--update", action="store_true",
                        help="rewrite the list with every passing test")
    parser.add_argument("--failures", metavar="FILE",
                        help="write every failing test, listed or not, with "
                        "its first error line")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="name the unlisted tests that pass")
    args = parser.parse_args()
    if args.testdata is None:
        args.testdata = default_testdata()

    if not os.access(args.lowrank_run, os.X_OK):
        print("%s: error: lowrank-run not found or not executable"
              % args.lowrank_run, file=sys.stderr)
        return 2
    if not os.path.isdir(args.testdata):
        print("%s: error: node test data not found" % args.testdata,
              file=sys.stderr)
        return 2

    selected = re.compile(args.filter).search if args.filter else (
        lambda name: True)
    available = sorted(
        entry for entry in os.listdir(args.testdata)
        if os.path.isdir(os.path.join(args.testdata, entry)))
    listed = read_list(args.list)
    listed_set = set(listed)
    # Listed tests missing from the data still run, and fail, so that a
    # renamed or removed test does not silently drop out of the check.
    names = sorted(name for name in set(available) | listed_set
                   if selected(name))

    results = {}
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futures = {
            pool.submit(run_test, args.lowrank_run, args.testdata, name,
                        args.timeout, args.runner_arg): name
            for name in names
        }
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()

    passed = failed = 0
    for name in names:
        if name not in listed_set:
            continue
        ok, message = results[name]
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s: %s" % (name, message))

    unlisted = [name for name in names if name not in listed_set]
    unlisted_passing = [name for name in unlisted if results[name][0]]
    print("not listed: %d (%d of them pass)"
          % (len(unlisted), len(unlisted_passing)))
    if args.verbose:
        for name in unlisted_passing:
            print("  passes, not listed: %s" % name)
    if args.failures:
        with open(args.failures, "w") as out:
            for name in names:
                if not results[name][0]:
                    out.write("%s: %s\n" % (name, results[name][1]))

    if args.update:
        kept = [name for name in listed if not selected(name)]
        now_passing = [name for name in names if results[name][0]]
        write_list(args.list, kept + now_passing)
        print("updated %s: %d tests" % (args.list,
                                         len(set(kept + now_passing))))

    print("conformance: %d passed, %d failed" % (passed, failed))
    return 1 if failed and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
