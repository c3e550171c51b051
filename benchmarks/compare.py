"""Whole-model latency of three executors in one run: lowrank-opt's compiled
code, ONNX Runtime and IREE (llvm-cpu), each on the same ONNX files.

Models (all batch 1, input shapes pinned in the ONNX file so that every
executor sees the same static shapes):

  minilm-128, minilm-16  all-MiniLM-L6-v2 (`lowrank-minilm convert`, weights
                         from its pip package) at 128 and 16 tokens
  bert-base              make_encoder.py at BERT-base's shape: 12 layers,
                         hidden 768, 12 heads, FFN 3072, 128 tokens,
                         synthetic weights (written here, never committed)
  resnet18, mobilenet_v3 torchvision's, random weights, 224 x 224
                         (make_vision.py, run with an interpreter that has
                         torchvision: --torch-python)

Variants: dense, and `lowrank-opt --lowrank-compress='param-ratio=P'` for
P = 0.8 and 0.6 (20% and 40% fewer parameters in the factorable layers;
the convolutional networks add `tucker=true`, so that their k x k
convolutions count). The compressed ONNX file runs in all three executors.

Executors, each in this process:

  ours  `lowrank-opt --emit=obj`, linked with liblowrank_cpu_runtime.a into a
        shared library, `_mlir_ciface_main_graph` called through ctypes
  ORT   onnxruntime, CPU provider, intra_op_num_threads = threads
  IREE  iree-import-onnx, iree-compile for llvm-cpu (target-cpu=host), run
        by the runtime's Python API on local-task with `threads` workers

For each model, rounds go over every variant and executor in turn (the
order rotating), so that load from other processes falls on all alike; a
round times one executor for at least --min-time seconds (mean per call);
the table gives the median over the rounds. `speedup` is our dense time
over our variant's time, `ideal` the ratio of the matrix-product and
convolution FLOPs (from ONNX shape inference). `rel diff` is the largest
difference between ORT's or IREE's outputs and ours, relative to the
largest magnitude of ours. An executor that fails on a model prints one
line and shows as n/a. With --check the script exits 1 when an executor
that ran differs from ours by more than --tolerance.
"""

import argparse
import csv
import ctypes
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_encoder  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXECUTORS = ("ours", "ORT", "IREE")
VISION_MODELS = ("resnet18", "mobilenet_v3")


class ExecutorError(Exception):
    """An executor cannot build or run a model; the message is one line."""


def run(cmd, what):
    result = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        lines = [l for l in result.stdout.splitlines() if l.strip()]
        raise ExecutorError(f"{what} failed: "
                            f"{lines[-1] if lines else 'exit ' + str(result.returncode)}")


def fresh(output, *inputs):
    """Whether `output` exists and is newer than every input (reuse it)."""
    output = pathlib.Path(output)
    return output.exists() and all(
        output.stat().st_mtime >= pathlib.Path(i).stat().st_mtime for i in inputs)


# --- Models ----------------------------------------------------------------

def pin_shapes(model, shapes):
    """Fixes the graph inputs' dimensions to `shapes` (name -> list) and drops
    stale intermediate shape annotations."""
    for value in model.graph.input:
        if value.name in shapes:
            dims = value.type.tensor_type.shape.dim
            for dim, size in zip(dims, shapes[value.name]):
                dim.Clear()
                dim.dim_value = size
    del model.graph.value_info[:]
    return model


def pin_outputs(model, outputs):
    """Fixes the graph outputs' dimensions to those of `outputs`, reference
    results of the pinned model."""
    for value, array in zip(model.graph.output, outputs):
        shape = value.type.tensor_type.shape
        shape.Clear()
        for size in array.shape:
            shape.dim.add().dim_value = size
    return model


def reference_outputs(path, feeds):
    import onnxruntime as ort
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def write_static(model, path, feeds):
    """Saves `model` with pinned inputs, then pins its outputs to what ONNX
    Runtime computes for `feeds`."""
    onnx.save(model, str(path))
    outputs = reference_outputs(path, feeds)
    onnx.save(pin_outputs(onnx.load(str(path)), outputs), str(path))


def minilm_model(work, seq, python):
    converted = work / "minilm-converted.onnx"
    if not converted.exists():
        tool = pathlib.Path(python).parent / "lowrank-minilm"
        run([tool, "convert", "-o", converted], "lowrank-minilm convert")
    rng = np.random.default_rng(1)
    feeds = {"input_ids": rng.integers(1000, 30000, (1, seq)).astype(np.int64),
             "attention_mask": np.ones((1, seq), np.int64)}
    path = work / f"minilm-{seq}.onnx"
    if not fresh(path, converted):
        model = pin_shapes(onnx.load(str(converted)),
                           {name: list(a.shape) for name, a in feeds.items()})
        write_static(model, path, feeds)
    return path, feeds


def bert_base_model(work, seq=128):
    hidden = 768
    feeds = {"x": np.random.default_rng(1).standard_normal(
        (1, seq, hidden)).astype(np.float32)}
    path = work / f"bert-base-{seq}.onnx"
    if not path.exists():
        onnx.save(make_encoder.build(layers=12, hidden=hidden, heads=12,
                                     ffn=3072, seq=seq), str(path))
    return path, feeds


def vision_model(work, name, torch_python):
    path = work / f"{name}.onnx"
    if not path.exists():
        if not torch_python:
            raise ExecutorError("no interpreter with torchvision "
                                "(--torch-python)")
        run([torch_python, ROOT / "benchmarks" / "make_vision.py", "--out",
             work, "--models", name], "make_vision.py")
    feeds = {"images": np.random.default_rng(1).standard_normal(
        (1, 3, 224, 224)).astype(np.float32)}
    return path, feeds


def compress(opt, dense, ratio, tucker):
    path = dense.with_name(f"{dense.stem}-p{ratio}.onnx")
    if not fresh(path, dense):
        options = f"param-ratio={ratio}" + (" tucker=true" if tucker else "")
        run([opt, dense, f"--lowrank-compress={options}", "--emit=onnx", "-o",
             path], f"lowrank-opt --lowrank-compress='{options}'")
    return path


def product_flops(path):
    """FLOPs of the model's MatMul, Gemm and Conv nodes (2 per
    multiply-add), from ONNX shape inference on its static shapes."""
    model = onnx.shape_inference.infer_shapes(onnx.load(str(path)),
                                              data_prop=True)
    shapes = {}
    for value in list(model.graph.input) + list(model.graph.value_info) + \
            list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes[value.name] = [d.dim_value for d in dims]
    for init in model.graph.initializer:
        shapes[init.name] = list(init.dims)
    flops = 0
    for node in model.graph.node:
        ins = [shapes.get(i) for i in node.input[:2]]
        out = shapes.get(node.output[0])
        if node.op_type == "MatMul" and ins[0] and ins[1]:
            k = ins[0][-1]
            flops += 2 * k * int(np.prod(out)) if out else 0
        elif node.op_type == "Gemm" and ins[0] and out:
            trans_a = next((a.i for a in node.attribute if a.name == "transA"), 0)
            k = ins[0][0] if trans_a else ins[0][1]
            flops += 2 * k * int(np.prod(out))
        elif node.op_type == "Conv" and ins[1] and out:
            # Each output element takes C_in / group x kernel multiply-adds.
            flops += 2 * int(np.prod(out)) * int(np.prod(ins[1][1:]))
    return flops


def output_types(path, feeds):
    """(shape, numpy dtype) of each graph output: the pinned static shapes,
    or what ONNX Runtime computes when a dimension is not static."""
    outputs = onnx.load(str(path), load_external_data=False).graph.output
    types = []
    for value in outputs:
        tensor = value.type.tensor_type
        dims = tensor.shape.dim
        if not all(d.HasField("dim_value") for d in dims):
            return [(a.shape, a.dtype) for a in reference_outputs(path, feeds)]
        types.append(([d.dim_value for d in dims],
                      onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type)))
    return types


# --- Executors ---------------------------------------------------------------

def descriptor(array):
    """An MLIR strided memref descriptor of `array`."""
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


class Ours:
    name = "ours"

    def __init__(self, path, feeds, args):
        obj, lib = path.with_suffix(".o"), path.with_suffix(".so")
        if not fresh(lib, path, args.opt, args.runtime):
            run([args.opt, path, "--emit=obj", "-o", obj],
                "lowrank-opt --emit=obj")
            run([args.cc, "-shared", "-o", lib, obj, args.runtime, "-lstdc++",
                 "-lm", "-lpthread"], "linking")
        self.lib = ctypes.CDLL(str(lib))
        self.lib.lowrank_cpu_set_num_threads(args.threads)
        self.entry = self.lib._mlir_ciface_main_graph
        self.entry.restype = ctypes.c_int32
        self.outputs = [np.empty(shape, dtype)
                        for shape, dtype in output_types(path, feeds)]
        # The descriptors stay valid: the arrays they point to are kept.
        self.arrays = [np.ascontiguousarray(a) for a in feeds.values()]
        self.descriptors = [descriptor(a) for a in self.arrays + self.outputs]
        self.args = [ctypes.byref(d) for d in self.descriptors]

    def __call__(self):
        status = self.entry(*self.args)
        if status != 0:
            raise ExecutorError(f"the compiled model returned status {status}")
        return self.outputs


class OnnxRuntime:
    name = "ORT"

    def __init__(self, path, feeds, args):
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # noqa: BLE001 - any failure is reported
            raise ExecutorError(str(error).splitlines()[0]) from error
        self.feeds = feeds

    def __call__(self):
        return self.session.run(None, self.feeds)


class Iree:
    name = "IREE"
    device = None

    def __init__(self, path, feeds, args):
        import iree.runtime as rt
        mlir, vmfb = path.with_suffix(".iree.mlir"), path.with_suffix(".vmfb")
        bindir = pathlib.Path(args.python).parent
        if not fresh(vmfb, path):
            run([bindir / "iree-import-onnx", path, "--no-externalize-params",
                 "-o", mlir], "iree-import-onnx")
            run([bindir / "iree-compile", mlir,
                 "--iree-hal-target-device=local",
                 "--iree-hal-local-target-device-backends=llvm-cpu",
                 "--iree-llvmcpu-target-cpu=host", "-o", vmfb], "iree-compile")
            mlir.unlink()
        if Iree.device is None:
            rt.flags.parse_flags(f"--task_topology_group_count={args.threads}")
            Iree.device = rt.get_device("local-task")
        config = rt.Config(device=Iree.device)
        self.context = rt.SystemContext(config=config)
        self.context.add_vm_module(rt.VmModule.mmap(config.vm_instance,
                                                    str(vmfb)))
        graph = onnx.load(str(path), load_external_data=False).graph.name
        self.function = getattr(self.context.modules.module, graph)
        self.inputs = [rt.asdevicearray(Iree.device, a)
                       for a in feeds.values()]

    def __call__(self):
        results = self.function(*self.inputs)
        if not isinstance(results, (tuple, list)):
            results = [results]
        return [r.to_host() for r in results]


def relative_difference(ours, theirs):
    scale = max(float(np.max(np.abs(o))) for o in ours) or 1.0
    return max(float(np.max(np.abs(np.asarray(t, np.float64) - o))) / scale
               for o, t in zip(ours, theirs))


def mean_call_time(fn, min_time):
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / calls


# --- Driver ------------------------------------------------------------------

def measure_model(model, variants, feeds, args):
    """Builds every executor on every variant, checks their outputs against
    ours and times them in alternating rounds; returns one row per variant."""
    rows = []
    slots = []
    for variant, path in variants:
        row = {"model": model, "variant": variant, "rel_diff": None,
               "gflop": product_flops(path) * 1e-9}
        row.update({e: None for e in EXECUTORS})
        rows.append(row)
        reference = None
        for kind in (Ours, OnnxRuntime, Iree):
            if kind.name not in args.executors:
                continue
            try:
                if reference is None and kind is not Ours:
                    raise ExecutorError("no reference output (ours failed)")
                executor = kind(path, feeds, args)
                outputs = [np.array(o) for o in executor()]
            except ExecutorError as error:
                print(f"{kind.name}: {model} {variant}: {error}", flush=True)
                row["failed"] = True
                continue
            except Exception as error:  # noqa: BLE001 - report and go on
                last = str(error).strip().splitlines()[-1:] or [""]
                print(f"{kind.name}: {model} {variant}: "
                      f"{type(error).__name__}: {last[0]}", flush=True)
                row["failed"] = True
                continue
            if kind is Ours:
                reference = outputs
            else:
                diff = relative_difference(reference, outputs)
                row["rel_diff"] = max(row["rel_diff"] or 0.0, diff)
                if diff > args.tolerance:
                    print(f"{kind.name}: {model} {variant}: outputs differ "
                          f"from ours by {diff:.1e} (relative)", flush=True)
            slots.append((row, kind.name, executor, []))

    for r in range(args.rounds):
        shift = r % max(len(slots), 1)
        for row, name, executor, times in slots[shift:] + slots[:shift]:
            times.append(mean_call_time(executor, args.min_time))
    for row, name, executor, times in slots:
        row[name] = statistics.median(times) * 1e3
    dense = rows[0]
    for row in rows:
        row["speedup"] = (dense["ours"] / row["ours"]
                          if dense["ours"] and row["ours"] else None)
        row["ideal"] = dense["gflop"] / row["gflop"] if row["gflop"] else None
        for name in ("ORT", "IREE"):
            row[f"{name}/ours"] = (row[name] / row["ours"]
                                   if row[name] and row["ours"] else None)
    return rows


COLUMNS = [("model", "model", "{}"), ("variant", "variant", "{}"),
           ("gflop", "GFLOP", "{:.2f}"), ("ours", "ours ms", "{:.3f}"),
           ("ORT", "ORT ms", "{:.3f}"), ("IREE", "IREE ms", "{:.3f}"),
           ("ORT/ours", "ORT/ours", "{:.2f}"), ("IREE/ours", "IREE/ours", "{:.2f}"),
           ("speedup", "speedup", "{:.2f}"), ("ideal", "ideal", "{:.2f}"),
           ("rel_diff", "rel diff", "{:.1e}")]


def cell(row, key, fmt):
    value = row.get(key)
    return "n/a" if value is None else fmt.format(value)


def print_table(rows):
    widths = [max(len(title), *(len(cell(r, k, f)) for r in rows))
              for k, title, f in COLUMNS]
    print("  ".join(t.rjust(w) for (_, t, _), w in zip(COLUMNS, widths)))
    for row in rows:
        print("  ".join(cell(row, k, f).rjust(w)
                        for (k, _, f), w in zip(COLUMNS, widths)))
    sys.stdout.flush()


def write_results(rows, header, results, images, stem):
    results.mkdir(parents=True, exist_ok=True)
    with open(results / f"{stem}.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([t for _, t, _ in COLUMNS])
        for row in rows:
            writer.writerow([cell(row, k, f) for k, _, f in COLUMNS])
    with open(results / f"{stem}.md", "w") as out:
        out.write(header + "\n\n")
        out.write("| " + " | ".join(t for _, t, _ in COLUMNS) + " |\n")
        out.write("|" + "---|" * len(COLUMNS) + "\n")
        for row in rows:
            out.write("| " + " | ".join(cell(row, k, f) for k, _, f in COLUMNS)
                      + " |\n")
    print(f"wrote {results / stem}.csv and .md")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
        return
    labels = [f"{r['model']}\n{r['variant']}" for r in rows]
    x = np.arange(len(rows))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(8, len(rows) * 0.8), 8))
    for offset, name in ((-0.2, "ORT"), (0.2, "IREE")):
        values = [r[f"{name}/ours"] or 0.0 for r in rows]
        top.bar(x + offset, values, 0.4, label=f"{name} ms / ours ms")
    top.axhline(1.0, color="black", linewidth=0.8)
    top.set_ylabel("time relative to ours (>1: ours faster)")
    top.set_xticks(x, labels, fontsize=7)
    top.legend()
    for offset, key, label in ((-0.2, "speedup", "ours: speedup over dense"),
                               (0.2, "ideal", "ideal (FLOP ratio)")):
        bottom.bar(x + offset, [r[key] or 0.0 for r in rows], 0.4, label=label)
    bottom.set_ylabel("speedup over dense")
    bottom.set_xticks(x, labels, fontsize=7)
    bottom.legend()
    fig.suptitle(header, fontsize=9)
    fig.tight_layout()
    images.mkdir(parents=True, exist_ok=True)
    fig.savefig(images / f"{stem}.png", dpi=110)
    print(f"wrote {images / stem}.png")


def default_torch_python():
    python = os.environ.get("LOWRANK_TORCH_PYTHON", "/opt/corpus-venv/bin/python")
    if not pathlib.Path(python).exists():
        return None
    probe = subprocess.run([python, "-c", "import torchvision"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return python if probe.returncode == 0 else None


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--workdir", default="/tmp/lowrank-compare")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models",
                        default="minilm-128,minilm-16,bert-base,resnet18,"
                                "mobilenet_v3")
    parser.add_argument("--ratios", default="0.8,0.6")
    parser.add_argument("--executors", default=",".join(EXECUTORS))
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--min-time", type=float, default=0.1,
                        help="seconds each executor runs per round")
    parser.add_argument("--tolerance", type=float, default=1e-3,
                        help="largest relative output difference from ours")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when an executor's outputs differ")
    parser.add_argument("--quick", action="store_true",
                        help="minilm-16 dense and 20%% fewer, 3 rounds, --check")
    parser.add_argument("--torch-python", default=default_torch_python(),
                        help="an interpreter with torch and torchvision")
    parser.add_argument("--results", help="write <stem>.csv/.md here "
                        "(default: docs/results, not with --quick)")
    parser.add_argument("--images", help="write <stem>.png here "
                        "(default: docs/images, not with --quick)")
    parser.add_argument("--stem", default="executors")
    parser.add_argument("--cc", default="/usr/lib/llvm-22/bin/clang")
    args = parser.parse_args()
    if args.quick:
        args.models, args.ratios, args.rounds = "minilm-16", "0.8", 3
        args.min_time, args.check = 0.05, True
    args.python = sys.executable
    build = pathlib.Path(args.build)
    args.opt = build / "bin" / "lowrank-opt"
    args.runtime = build / "lib" / "liblowrank_cpu_runtime.a"
    args.executors = args.executors.split(",")
    work = pathlib.Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)

    from importlib.metadata import PackageNotFoundError, version
    try:
        versions = (f"onnxruntime {version('onnxruntime')}, IREE "
                    f"{version('iree-base-compiler')}")
    except PackageNotFoundError as error:
        versions = f"{error.name} is not installed"
    header = (f"batch 1, {args.threads} threads, median of {args.rounds} "
              f"alternating rounds; {versions}")
    print(header, flush=True)
    ratios = [float(r) for r in args.ratios.split(",")]
    rows = []
    for model in args.models.split(","):
        start = time.perf_counter()
        try:
            if model.startswith("minilm-"):
                dense, feeds = minilm_model(work, int(model[7:]), args.python)
            elif model == "bert-base":
                dense, feeds = bert_base_model(work)
            elif model in VISION_MODELS:
                dense, feeds = vision_model(work, model, args.torch_python)
            else:
                raise ExecutorError("unknown model")
            variants = [("dense", dense)]
            for ratio in ratios:
                variants.append((f"{round((1 - ratio) * 100)}% fewer",
                                 compress(args.opt, dense, ratio,
                                          model in VISION_MODELS)))
        except ExecutorError as error:
            print(f"{model}: skipped: {error}", flush=True)
            continue
        model_rows = measure_model(model, variants, feeds, args)
        print(f"-- {model} ({time.perf_counter() - start:.0f} s)")
        print_table(model_rows)
        rows.extend(model_rows)
        # Written after every model, so that a long run interrupted keeps
        # what it measured.
        if not args.quick or args.results:
            write_results(rows, header,
                          pathlib.Path(args.results or ROOT / "docs" / "results"),
                          pathlib.Path(args.images or ROOT / "docs" / "images"),
                          args.stem)

    if not rows:
        print("no model could be measured")
        return 1
    print("\n== all models ==")
    print_table(rows)
    with open(work / f"{args.stem}.json", "w") as out:
        json.dump(rows, out, indent=1)
    failed = [r for r in rows if r.get("failed") or (
        r["rel_diff"] is not None and r["rel_diff"] > args.tolerance)]
    if args.check and failed:
        print(f"{len(failed)} variants failed in an executor or differ from "
              f"ours by more than {args.tolerance}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
