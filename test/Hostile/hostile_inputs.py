"""The corpus of hostile inputs (docs/Robustness.md): one crafted input per
class of attack, each run through the tool it targets, with what must
happen. A case passes when the tool ends with its expected one-line error
(exit 1, no signal) or, for cases that must work, exits 0 with outputs
equal to ONNX Runtime's; and in every case the inputs are unchanged and no
file appears outside the case's output folder.

usage: hostile_inputs.py --bin BUILD/bin --work DIR [--only NAME...]
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INFO = helper.make_tensor_value_info


def make_model(nodes, inputs, outputs, initializers=(), opset=17,
               opsets=None):
    graph = helper.make_graph(nodes, "hostile", inputs, outputs,
                              initializer=list(initializers))
    model = helper.make_model(
        graph, opset_imports=opsets or [helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def gather_model():
    return make_model(
        [helper.make_node("Gather", ["data", "indices"], ["y"], axis=0,
                          name="embed")],
        [INFO("data", TensorProto.FLOAT, [5, 4]),
         INFO("indices", TensorProto.INT64, [3])],
        [INFO("y", TensorProto.FLOAT, [3, 4])])


def divide_model(op):
    return make_model(
        [helper.make_node(op, ["a", "b"], ["y"], name="divide")],
        [INFO("a", TensorProto.INT32, [4]), INFO("b", TensorProto.INT32, [4])],
        [INFO("y", TensorProto.INT32, [4])])


def expand_model(shape):
    return make_model(
        [helper.make_node("Expand", ["x", "shape"], ["y"], name="grow")],
        [INFO("x", TensorProto.FLOAT, [1, 1])],
        [INFO("y", TensorProto.FLOAT, ["a", "b"])],
        [helper.make_tensor("shape", TensorProto.INT64, [2], shape)])


def linear_model(weight, name="fc", transpose_perm=None):
    nodes = []
    w = "w"
    if transpose_perm is not None:
        nodes.append(helper.make_node("Transpose", ["w"], ["wt"],
                                      perm=transpose_perm, name="t"))
        w = "wt"
    nodes.append(helper.make_node("MatMul", ["x", w], ["y"], name=name))
    rows, cols = weight.shape
    return make_model(nodes, [INFO("x", TensorProto.FLOAT, [2, rows])],
                      [INFO("y", TensorProto.FLOAT, [2, cols])],
                      [numpy_helper.from_array(weight, "w")])


def random_weight(rows, cols, seed=0):
    return np.random.default_rng(seed).standard_normal(
        (rows, cols)).astype(np.float32)


# Each case: files to write (name -> bytes | ModelProto | ndarray | symlink
# target given as ("link", target)), the tool and its arguments ({dir} is
# the case folder, {out} its output folder), and the expectation: a regular
# expression the single error line must match, or None for a run that must
# succeed (and, with lowrank-run, match ONNX Runtime).
def cases():
    smallest = np.iinfo(np.int64).min
    data = np.arange(20, dtype=np.float32).reshape(5, 4)
    yield dict(name="gather-index-above",
               files={"m.onnx": gather_model(), "data.npy": data,
                      "i.npy": np.array([0, 5, 1], np.int64)},
               tool="lowrank-run",
               args=["{dir}/m.onnx", "--input", "{dir}/data.npy", "--input",
                     "{dir}/i.npy", "--output-dir", "{out}"],
               error=r"node 'embed': Gather index out of range")
    yield dict(name="gather-index-most-negative",
               files={"m.onnx": gather_model(), "data.npy": data,
                      "i.npy": np.array([smallest, 0, 0], np.int64)},
               tool="lowrank-run",
               args=["{dir}/m.onnx", "--input", "{dir}/data.npy", "--input",
                     "{dir}/i.npy", "--output-dir", "{out}"],
               error=r"node 'embed': Gather index out of range")
    yield dict(name="gather-index-valid",
               files={"m.onnx": gather_model(), "data.npy": data,
                      "i.npy": np.array([4, -5, -1], np.int64)},
               tool="lowrank-run",
               args=["{dir}/m.onnx", "--input", "{dir}/data.npy", "--input",
                     "{dir}/i.npy", "--output-dir", "{out}", "--npy"],
               error=None, reference=["data.npy", "i.npy"])
    for op in ("Div", "Mod"):
        yield dict(name=f"{op.lower()}-by-zero",
                   files={"m.onnx": divide_model(op),
                          "a.npy": np.array([1, 2, 3, 4], np.int32),
                          "b.npy": np.array([1, 0, 1, 1], np.int32)},
                   tool="lowrank-run",
                   args=["{dir}/m.onnx", "--input", "{dir}/a.npy", "--input",
                         "{dir}/b.npy", "--output-dir", "{out}"],
                   error=rf"node 'divide': {op}: integer division by zero")
    yield dict(name="expand-count-overflows",
               files={"m.onnx": expand_model([2**32, 2**32]),
                      "x.npy": np.ones((1, 1), np.float32)},
               tool="lowrank-run",
               args=["{dir}/m.onnx", "--input", "{dir}/x.npy",
                     "--output-dir", "{out}"],
               error=r"has more bytes than a 64-bit size can count")
    yield dict(name="expand-beyond-memory",
               files={"m.onnx": expand_model([2**23, 2**22]),
                      "x.npy": np.ones((1, 1), np.float32)},
               tool="lowrank-run",
               args=["{dir}/m.onnx", "--input", "{dir}/x.npy",
                     "--output-dir", "{out}"],
               error=r"cannot allocate")
    twice = gather_model()
    twice.opset_import.append(helper.make_opsetid("ai.onnx", 13))
    yield dict(name="opset-listed-twice", files={"m.onnx": twice},
               tool="lowrank-opt", args=["{dir}/m.onnx", "-o", "{out}/o.mlir"],
               error=r"opset_import lists domain 'ai.onnx' twice")
    future = gather_model()
    future.opset_import[0].version = 99
    yield dict(name="opset-from-the-future", files={"m.onnx": future},
               tool="lowrank-opt", args=["{dir}/m.onnx", "-o", "{out}/o.mlir"],
               error=r"opset 99 is outside the supported")
    yield dict(name="truncated-model",
               files={"m.onnx": linear_model(
                   random_weight(8, 8)).SerializeToString()[:50]},
               tool="lowrank-opt", args=["{dir}/m.onnx", "-o", "{out}/o.mlir"],
               error=r"not a valid ONNX model")
    external = linear_model(random_weight(16, 16))
    weights = external.graph.initializer[0].raw_data
    onnx.external_data_helper.set_external_data(
        external.graph.initializer[0], location="w.bin", offset=0,
        length=len(weights))
    external.graph.initializer[0].ClearField("raw_data")
    external.graph.initializer[0].data_location = TensorProto.EXTERNAL
    yield dict(name="external-data-link-out-of-folder",
               files={"m.onnx": external, "w.bin": ("link", "/etc/hostname")},
               tool="lowrank-opt",
               args=["{dir}/m.onnx", "--onnx-no-checker", "--emit=onnx", "-o",
                     "{out}/o.onnx"],
               error=r"leads out of the model's folder")
    yield dict(name="external-data-device",
               files={"m.onnx": external, "w.bin": ("link", "/dev/zero")},
               tool="lowrank-opt",
               args=["{dir}/m.onnx", "--onnx-no-checker", "-o", "{out}/o.mlir"],
               error=r"leads out of the model's folder")
    yield dict(name="external-data-too-short",
               files={"m.onnx": external, "w.bin": weights[:100]},
               tool="lowrank-opt", args=["{dir}/m.onnx", "-o", "{out}/o.mlir"],
               error=r"w\.bin")
    yield dict(name="model-is-a-device", files={},
               tool="lowrank-opt", args=["/dev/zero", "-o", "{out}/o.mlir"],
               error=r"not a regular file")
    yield dict(name="tensor-is-a-device",
               files={"m.onnx": gather_model(),
                      "i.npy": np.array([0, 1, 2], np.int64)},
               tool="lowrank-run",
               args=["{dir}/m.onnx", "--input", "/dev/zero", "--input",
                     "{dir}/i.npy", "--output-dir", "{out}"],
               error=r"/dev/zero: error: not a regular file")
    yield dict(name="statistics-are-a-device",
               files={"m.onnx": linear_model(random_weight(16, 16))},
               tool="lowrank-opt",
               args=["{dir}/m.onnx",
                     "--lowrank-compress=calibration=/dev/zero rank=2",
                     "-o", "{out}/o.mlir"],
               error=r"cannot read calibration statistics: not a regular file")
    # A JSON header nested a million deep (a recursive parser's stack).
    header = b"[" * 1000000 + b"]" * 1000000
    header += b" " * (-len(header) % 64)
    deep = b"LRSTATS\x00" + len(header).to_bytes(8, "little") + header
    yield dict(name="statistics-nested-deep",
               files={"m.onnx": linear_model(random_weight(16, 16)),
                      "s.lrstats": deep},
               tool="lowrank-opt",
               args=["{dir}/m.onnx",
                     "--lowrank-compress=calibration={dir}/s.lrstats rank=2",
                     "-o", "{out}/o.mlir"],
               error=r"s\.lrstats: the JSON header nests deeper than 64 levels")
    nan_weight = random_weight(16, 16)
    nan_weight[3, 4] = np.nan
    yield dict(name="nan-weight",
               files={"m.onnx": linear_model(nan_weight)},
               tool="lowrank-opt",
               args=["{dir}/m.onnx", "--lowrank-compress=rank=2", "-o",
                     "{out}/o.mlir"],
               error=r"not finite")
    yield dict(name="option-nan",
               files={"m.onnx": linear_model(random_weight(16, 16))},
               tool="lowrank-opt",
               args=["{dir}/m.onnx", "--lowrank-compress=param-ratio=nan",
                     "-o", "{out}/o.mlir"],
               error=r"param-ratio must be in \(0, 1\], got nan")
    yield dict(name="option-iterations-overflow",
               files={"m.onnx": linear_model(random_weight(16, 16))},
               tool="lowrank-opt",
               args=["{dir}/m.onnx",
                     "--lowrank-compress=rank=2 quantize=int4 "
                     "qlr-iterations=4294967296",
                     "-o", "{out}/o.mlir"],
               error=r"qlr-iterations must be in \[1, 10000\], got 4294967296")
    yield dict(name="output-is-the-input",
               files={"m.onnx": linear_model(random_weight(16, 16))},
               tool="lowrank-opt",
               args=["{dir}/m.onnx", "--emit=onnx", "-o", "{dir}/m.onnx"],
               error=r"the output file is the input file")
    yield dict(name="report-is-the-input",
               files={"m.onnx": linear_model(random_weight(16, 16))},
               tool="lowrank-opt",
               args=["{dir}/m.onnx", "--lowrank-compress=rank=2",
                     "--lowrank-report={dir}/m.onnx", "-o", "{out}/o.mlir"],
               error=r"the report file .* is the input model")
    control = make_model(
        [helper.make_node("Gather", ["data", "indices"], ["y"], axis=0,
                          name="evil\x1b[2J\nnode")],
        [INFO("data", TensorProto.FLOAT, [5, 4])],
        [INFO("y", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor("indices", TensorProto.INT64, [1], [9])])
    yield dict(name="control-characters-in-names", files={"m.onnx": control},
               tool="lowrank-opt",
               args=["{dir}/m.onnx", "--emit=obj", "-o", "{out}/o.o"],
               error=r"node 'evil\\x1b\[2J\\x0anode': Gather index 9")
    yield dict(name="identity-transpose",
               files={"m.onnx": linear_model(random_weight(32, 24),
                                             transpose_perm=[0, 1]),
                      "x.npy": random_weight(2, 32, seed=1)},
               tool="compress-and-run", args=[], error=None,
               compress="rank-ratio=1.0", reference=["x.npy"])
    yield dict(name="zero-size-weight",
               files={"m.onnx": linear_model(np.zeros((16, 0), np.float32))},
               tool="lowrank-opt",
               args=["{dir}/m.onnx", "--lowrank-compress=rank=2",
                     "--emit=onnx", "-o", "{out}/o.onnx"],
               error=None)
    # A downscale to one element with an antialiased kernel would read the
    # whole image for it: refused at compile time, in one line.
    shrink = make_model(
        [helper.make_node("Resize", ["x", "", "", "sizes"], ["y"],
                          mode="cubic", antialias=1, name="shrink")],
        [INFO("x", TensorProto.FLOAT, [1, 1, 128, 128])],
        [INFO("y", TensorProto.FLOAT, [1, 1, 1, 1])],
        [numpy_helper.from_array(np.array([1, 1, 1, 1], np.int64), "sizes")],
        opset=19)
    yield dict(name="resize-antialias-too-wide", files={"m.onnx": shrink},
               tool="lowrank-opt",
               args=["{dir}/m.onnx", "--emit=obj", "-o", "{out}/m.o"],
               error=r"node 'shrink': antialiased Resize by a factor this "
                     r"small reads more than 4096")

    # Tree ensembles whose attributes contradict themselves: a cycle, a
    # child that does not exist, a feature beyond the input.
    for name, change, error in (
            ("ml-tree-cycle", {"nodes_modes": ["BRANCH_LEQ", "BRANCH_LEQ", "LEAF"]},
             r"node 'forest': .*tree 0 has no root \(its nodes form a cycle\)"),
            ("ml-tree-missing-child", {"nodes_truenodeids": [7, 0, 0]},
             r"node 'forest': .*node 0 of tree 0 leads to a node that does not exist"),
            ("ml-tree-feature-out-of-range", {"nodes_featureids": [5, 0, 0]},
             r"node 'forest': .*reads feature 5, outside the input's 2 features")):
        yield dict(name=name, files={"m.onnx": tree_model(**change),
                                     "x.npy": np.ones((2, 2), np.float32)},
                   tool="lowrank-run",
                   args=["{dir}/m.onnx", "--input", "{dir}/x.npy",
                         "--output-dir", "{out}"],
                   error=error)


def tree_model(**changes):
    """A TreeEnsembleClassifier of one tree (a root and two leaves) over 2
    features, with some attributes replaced."""
    attrs = dict(
        nodes_treeids=[0, 0, 0], nodes_nodeids=[0, 1, 2], nodes_featureids=[0, 0, 0],
        nodes_values=[0.0, 0.0, 0.0], nodes_modes=["BRANCH_LEQ", "LEAF", "LEAF"],
        nodes_truenodeids=[1, 0, 0], nodes_falsenodeids=[2, 0, 0],
        class_treeids=[0, 0], class_nodeids=[1, 2], class_ids=[0, 2],
        class_weights=[1.0, 2.0], classlabels_int64s=[1, 2, 3])
    attrs.update(changes)
    node = helper.make_node("TreeEnsembleClassifier", ["x"], ["label", "scores"],
                            domain="ai.onnx.ml", name="forest", **attrs)
    return make_model([node], [INFO("x", TensorProto.FLOAT, ["n", 2])],
                      [INFO("label", TensorProto.INT64, ["n"]),
                       INFO("scores", TensorProto.FLOAT, ["n", 3])],
                      opsets=[helper.make_opsetid("", 17),
                              helper.make_opsetid("ai.onnx.ml", 1)])


def write_files(folder, files):
    for name, content in files.items():
        path = os.path.join(folder, name)
        if isinstance(content, tuple) and content[0] == "link":
            os.symlink(content[1], path)
        elif isinstance(content, onnx.ModelProto):
            with open(path, "wb") as f:
                f.write(content.SerializeToString())
        elif isinstance(content, np.ndarray):
            np.save(path, content)
        else:
            with open(path, "wb") as f:
                f.write(content)


def snapshot(folder):
    """Name -> content hash of every file under `folder` (links by target)."""
    state = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            if os.path.islink(path):
                state[path] = "link:" + os.readlink(path)
            else:
                with open(path, "rb") as f:
                    state[path] = hashlib.sha256(f.read()).hexdigest()
    return state


def reference_outputs(model_path, folder, inputs):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_BASIC)
    session = ort.InferenceSession(model_path, options,
                                   providers=["CPUExecutionProvider"])
    feeds = {arg.name: np.load(os.path.join(folder, name))
             for arg, name in zip(session.get_inputs(), inputs)}
    return session.run(None, feeds)


def run_case(case, binaries, work):
    folder = os.path.join(work, case["name"])
    out = os.path.join(folder, "out")
    os.makedirs(out)
    write_files(folder, case["files"])
    before = snapshot(folder)
    fill = lambda arg: arg.format(dir=folder, out=out)

    if case["tool"] == "compress-and-run":
        compressed = os.path.join(out, "c.onnx")
        commands = [
            [os.path.join(binaries, "lowrank-opt"), f"{folder}/m.onnx",
             f"--lowrank-compress={case['compress']}", "--emit=onnx", "-o",
             compressed],
            [os.path.join(binaries, "lowrank-run"), compressed, "--npy",
             "--output-dir", out] +
            sum([["--input", os.path.join(folder, name)]
                 for name in case["reference"]], [])]
        model_for_reference = f"{folder}/m.onnx"
    else:
        commands = [[os.path.join(binaries, case["tool"])] +
                    [fill(arg) for arg in case["args"]]]
        model_for_reference = f"{folder}/m.onnx"

    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True,
                                errors="replace", timeout=300)
        if result.returncode < 0 or result.returncode > 1:
            return f"exit {result.returncode} (signal or crash): " \
                   f"{result.stderr.strip()[:300]}"
        if result.returncode == 1:
            break
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if case["error"] is None:
        if result.returncode != 0:
            return f"failed: {result.stderr.strip()[:300]}"
        if case.get("reference"):
            expected = reference_outputs(model_for_reference, folder,
                                         case["reference"])
            for i, value in enumerate(expected):
                actual = np.load(os.path.join(out, f"output_{i}.npy"))
                if not np.allclose(actual, value, rtol=1e-4, atol=1e-5):
                    return f"output {i} differs from ONNX Runtime by " \
                           f"{np.max(np.abs(actual - value))}"
    else:
        if result.returncode != 1:
            return "succeeded, but must fail"
        errors = [line for line in lines if ": error: " in line]
        if len(errors) != 1 or len(lines) != 1:
            return f"expected one error line, got {lines[:5]}"
        if not re.search(case["error"], errors[0]):
            return f"error does not match /{case['error']}/: {errors[0]}"
    after = snapshot(folder)
    changed = sorted(path for path in set(before) | set(after)
                     if not path.startswith(out + os.sep)
                     and before.get(path) != after.get(path))
    if changed:
        return f"files outside the outputs changed: {changed}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failures = 0
    count = 0
    for case in cases():
        if args.only and case["name"] not in args.only:
            continue
        count += 1
        problem = run_case(case, args.bin, args.work)
        status = "ok" if problem is None else "FAIL " + problem
        print(f"{case['name']}: {status}")
        failures += problem is not None
    print(f"hostile inputs: {count - failures} of {count} handled")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
