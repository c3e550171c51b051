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
  decoder-prefill,       a Llama-architecture decoder (make_decoder.py, run
  decoder-decode         with an interpreter that has transformers: RoPE,
                         grouped-query attention, SwiGLU; random weights)
                         as exported for serving: prefill of 128 tokens,
                         and one token decoded against a 512-token
                         key/value cache

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
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from compare_executors import (  # noqa: E402
    ExecutorError, Iree, OnnxRuntime, Ours, mean_call_time,
    relative_difference)
from compare_models import (  # noqa: E402
    DECODER_MODELS, VISION_MODELS, bert_base_model, compress, decoder_model,
    minilm_model, product_flops, vision_model)

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXECUTORS = ("ours", "ORT", "IREE")


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
    probe = subprocess.run([python, "-c", "import torch"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return python if probe.returncode == 0 else None


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--workdir", default="/tmp/lowrank-compare")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models",
                        default="minilm-128,minilm-16,bert-base,"
                                "decoder-prefill,decoder-decode,resnet18,"
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
                        help="an interpreter with torch (and torchvision for "
                        "the vision models, transformers for the decoder)")
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
            elif model in DECODER_MODELS:
                dense, feeds = decoder_model(work, model, args.torch_python)
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
