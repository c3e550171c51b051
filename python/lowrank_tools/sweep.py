"""Compression sweep (`lowrank-sweep`): for every method and every
parameter cut, compress the model with lowrank-opt, run the original and the
compressed model in ONNX Runtime on the evaluation inputs, and record the
accuracy (evaluate.py) and the size (lowrank-opt's report) in CSV and JSON.

Each method is one row of METHODS: the `--lowrank-compress` option string,
with {keep} (fraction of the linear-layer parameters to keep), {stats}
(the calibration statistics file) and {rank_ratio} (fitted so that the
uniform rank ratio keeps about {keep}) filled in. A method whose options
this build of lowrank-opt does not know is reported as not available and
skipped; the sweep goes on.

With --tokens (a .npy of token sequences) the model is taken as a language
model: every sequence is one input `input_ids` [1, T], the output (--logits,
default the first) holds next-token logits, and each row also records the KL
divergence from the original's next-token distribution, both models' NLL and
perplexity on the sequences' next tokens, and the top-1 agreement
(evaluate.compare_language_model).
"""

import argparse
import csv
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from . import evaluate, lrstats


@dataclass(frozen=True)
class Method:
    options: str
    label: str
    needs_stats: bool = False
    # False: the options fix the size themselves (Q + L R is sized by its
    # rank and bit widths, not by a parameter budget); run once.
    per_cut: bool = True
    # True: the statistics are captured sequentially for each cut's options
    # (sequential.py) from the calibration inputs, instead of --stats.
    sequential: bool = False


# One row per method; a new method is one more line.
METHODS = {
    "svd-uniform": Method("rank-ratio={rank_ratio} multiple=8", "plain SVD, uniform rank ratio"),
    "svd-global": Method("param-ratio={keep} multiple=8", "plain SVD, global allocation"),
    "whiten": Method("param-ratio={keep} multiple=8 method=whiten calibration={stats}",
                     "activation-aware (whitened SVD)", needs_stats=True),
    "whiten-separate": Method("param-ratio={keep} multiple=8 method=whiten grouping=false "
                              "calibration={stats}",
                              "activation-aware, no shared bottlenecks", needs_stats=True),
    "whiten-sequential": Method("param-ratio={keep} multiple=8 method=whiten calibration={stats}",
                                "activation-aware, sequential calibration",
                                needs_stats=True, sequential=True),
    "basis": Method("param-ratio={keep} multiple=8 method=basis calibration={stats}",
                    "activation-aware with basis selection", needs_stats=True),
    # Q + L R: int4 Q plus rank-8 int8 factors, about 4.4 bits per
    # parameter on 384-wide layers (param-ratio does not apply to it).
    "qlr-int4-r8": Method("rank=8 multiple=8 method=whiten calibration={stats} "
                          "quantize=int4 quantize-factors=int8",
                          "Q+LR: int4 Q + rank-8 int8 L R", needs_stats=True, per_cut=False),
    "qlr-int4-r16": Method("rank=16 multiple=8 method=whiten calibration={stats} "
                           "quantize=int4 quantize-factors=int8",
                           "Q+LR: int4 Q + rank-16 int8 L R", needs_stats=True, per_cut=False),
    "qlr-int8-r8": Method("rank=8 multiple=8 method=whiten calibration={stats} "
                          "quantize=int8 quantize-factors=int8",
                          "Q+LR: int8 Q + rank-8 int8 L R", needs_stats=True, per_cut=False),
    # Baselines of the same storage without a low-rank part: int4
    # round-to-nearest with a scale per output channel, and with a scale per
    # 128 input rows of each output channel (group-wise).
    "int4-rtn": Method("rank=0 quantize=int4", "int4 round-to-nearest, per channel",
                       per_cut=False),
    "int4-g128-rtn": Method("rank=0 quantize=int4 quantize-group=128",
                            "int4 round-to-nearest, groups of 128", per_cut=False),
    "int4-g32-rtn": Method("rank=0 quantize=int4 quantize-group=32",
                           "int4 round-to-nearest, groups of 32", per_cut=False),
    "qlr-int4-g128-r8": Method("rank=8 method=whiten calibration={stats} quantize=int4 "
                               "quantize-group=128 quantize-factors=int8",
                               "Q+LR: int4 Q (groups of 128) + rank-8 int8 L R",
                               needs_stats=True, per_cut=False),
    # Calibrated: int4 with error-aware rounding (LDLQ) alone, and with a
    # rank-4 correction, which stays under 4.5 bits on 256-wide layers.
    "int4-g128-ldlq": Method("rank=0 method=whiten calibration={stats} quantize=int4 "
                             "quantize-group=128",
                             "int4 error-aware rounding (LDLQ), groups of 128",
                             needs_stats=True, per_cut=False),
    "qlr-int4-r4": Method("rank=4 method=whiten calibration={stats} quantize=int4 "
                          "quantize-factors=int8",
                          "Q+LR: int4 Q + rank-4 int8 L R", needs_stats=True, per_cut=False),
}
DEFAULT_CUTS = (0.1, 0.2, 0.3, 0.4)


class NotAvailable(Exception):
    pass


def compress(tool, model, options: str, out: pathlib.Path, report: pathlib.Path,
             shape: str | None) -> dict:
    cmd = [str(tool), str(model), f"--lowrank-compress={options}", "--emit=onnx",
           "-o", str(out), f"--lowrank-report={report}"]
    if shape:
        cmd.append(f"--onnx-input-shape={shape}")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        unknown = re.search(r"no such option (\S+)", proc.stderr)
        if unknown:
            raise NotAvailable(f"option '{unknown.group(1)}' is not known to {tool}")
        errors = [line[:500] for line in proc.stderr.splitlines() if "error:" in line]
        raise RuntimeError(f"{' '.join(cmd)} failed:\n" +
                           "\n".join(errors[:5] or [proc.stderr.strip()[-2000:]]))
    return json.loads(report.read_text())


_kept_fraction: dict[tuple, float] = {}


def fit_rank_ratio(tool, model, method: Method, keep: float, work: pathlib.Path,
                   shape: str | None) -> float:
    """The rank ratio whose kept parameter fraction is closest to `keep`
    from below (bisection; the fraction grows with the ratio, in steps).
    The fraction is of the factorable layers' parameters where the report
    gives it, the budget that param-ratio spends (an output head, which
    stays dense, is not in it), so that the methods of one cut compare at
    the same size."""
    lo, hi, best = 0.0, 1.0, 0.0
    for _ in range(8):
        mid = (lo + hi) / 2
        options = method.options.format(rank_ratio=f"{mid:.4f}")
        key = (str(tool), str(model), options, shape)
        if key not in _kept_fraction:  # the cuts' bisections share midpoints
            rep = compress(tool, model, options, work / "fit.onnx", work / "fit.json", shape)
            totals = rep["totals"]
            _kept_fraction[key] = totals.get("factorable_param_ratio", totals["param_ratio"])
        if _kept_fraction[key] <= keep:
            lo, best = mid, mid
        else:
            hi = mid
    return round(best, 4)


def bits_per_parameter(report: dict, original_bytes: int, compressed_bytes: int,
                       linear_params: int) -> float:
    """Storage of the linear layers per original linear-layer parameter:
    the report's figure when it gives one, else from the initializer bytes
    (everything that changed size is attributed to the linear layers)."""
    totals = report.get("totals", {})
    for key in ("bits_per_param", "bits_per_parameter"):
        if key in totals:
            return float(totals[key])
    linear_bytes = 4 * linear_params + compressed_bytes - original_bytes
    return 8.0 * linear_bytes / linear_params


def initializer_bytes(path) -> int:
    import onnx

    model = onnx.load(str(path))
    return sum(len(t.raw_data) or onnx.numpy_helper.to_array(t).nbytes
               for t in model.graph.initializer)


def sweep(tool, model, feeds, methods, cuts, stats, shape, cosine_output, error_output,
          log=print, tokens=None, calibration_feeds=None) -> list[dict]:
    """`tokens`: the token ids of every feed, for a language model whose
    `cosine_output` is the logits; None otherwise. `calibration_feeds`: the
    inputs sequential methods capture their statistics from."""
    outputs = [cosine_output] + ([error_output] if error_output != cosine_output else [])
    start = time.perf_counter()
    reference = evaluate.run(model, feeds, outputs)
    log(f"original model: {len(feeds)} inputs in {time.perf_counter() - start:.1f} s")
    if tokens is not None:
        dense = evaluate.compare_language_model([r[0] for r in reference],
                                                [r[0] for r in reference], tokens)
        log(f"original model: next-token NLL {dense.dense_nll:.4f}, perplexity "
            f"{dense.dense_perplexity:.3f} on {dense.positions} positions")
    original_bytes = initializer_bytes(model)
    rows = []
    with tempfile.TemporaryDirectory(prefix="lowrank-sweep-") as tmp:
        work = pathlib.Path(tmp)
        for name in methods:
            method = METHODS[name]
            if method.sequential and not calibration_feeds:
                log(f"{name}: skipped: needs calibration inputs (--calibration-tokens)")
                continue
            if method.needs_stats and stats is None and not method.sequential:
                log(f"{name}: skipped: needs calibration statistics (--stats)")
                continue
            for cut in (cuts if method.per_cut else [None]):
                keep = round(1.0 - cut, 6) if cut is not None else None
                t0 = time.perf_counter()
                try:
                    ratio = (fit_rank_ratio(tool, model, method, keep, work, shape)
                             if "{rank_ratio}" in method.options else None)
                    method_stats = stats
                    if method.sequential:
                        from . import sequential

                        method_stats = work / f"{name}-{cut}.lrstats"
                        bare = method.options.replace(" calibration={stats}", "")
                        layers = sequential.capture_sequential(
                            model, calibration_feeds,
                            bare.format(keep=keep, rank_ratio=ratio), tool, log=lambda _: None)
                        lrstats.write(method_stats, layers)
                    options = method.options.format(keep=keep, stats=method_stats,
                                                    rank_ratio=ratio)
                    out = work / f"{name}-{cut or 'fixed'}.onnx"
                    report = compress(tool, model, options, out, work / "report.json", shape)
                except NotAvailable as err:
                    log(f"{name}: not available in this build ({err})")
                    break
                t1 = time.perf_counter()
                candidate = evaluate.run(out, feeds, outputs)
                t2 = time.perf_counter()
                acc = evaluate.compare([r[0] for r in reference], [c[0] for c in candidate],
                                       [r[-1] for r in reference], [c[-1] for c in candidate])
                if tokens is not None:
                    lm = evaluate.compare_language_model(
                        [r[0] for r in reference], [c[0] for c in candidate], tokens)
                totals = report["totals"]
                row = {"method": name, "cut": cut, "options": options,
                       "params_before": totals["params_before"],
                       "params_after": totals["params_after"],
                       "params_kept": totals["params_after"] / totals["params_before"],
                       "bits_per_param": bits_per_parameter(report, original_bytes,
                                                            initializer_bytes(out),
                                                            totals["params_before"]),
                       **acc.as_dict(), **(lm.as_dict() if tokens is not None else {}),
                       "compress_s": round(t1 - t0, 2), "evaluate_s": round(t2 - t1, 2)}
                rows.append(row)
                where = f"cut {cut:.0%}" if cut is not None else "fixed size"
                log(f"{name:12s} {where}: kept {row['params_kept']:.3f} of "
                    f"{row['params_before']} linear params, {row['bits_per_param']:.2f} bits/param, "
                    f"cosine {acc.mean_cosine:.4f} (min {acc.min_cosine:.4f}), "
                    f"rel. error {acc.relative_error:.4f}"
                    + (f", KL {lm.kl:.2e}, perplexity {lm.perplexity:.3f}, "
                       f"top-1 {lm.top1_agreement:.3f}" if tokens is not None else "")
                    + f"  [compress {row['compress_s']} s, evaluate {row['evaluate_s']} s]")
                out.unlink()
    return rows


def write_results(rows, path: pathlib.Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        path.write_text(json.dumps(rows, indent=2) + "\n")
        return
    if path.suffix == ".md":
        path.write_text(markdown_table(rows))
        return
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["method"])
        writer.writeheader()
        writer.writerows(rows)


def markdown_table(rows) -> str:
    if rows and rows[0].get("kl") not in (None, ""):
        return language_model_table(rows)
    lines = ["| method | cut | linear params kept | bits/param | mean cosine | min cosine "
             "| relative error |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        cut = f"{float(r['cut']):.0%}" if r["cut"] not in (None, "") else "-"
        lines.append(f"| {r['method']} | {cut} | {float(r['params_kept']):.3f} "
                     f"| {float(r['bits_per_param']):.2f} | {float(r['mean_cosine']):.4f} "
                     f"| {float(r['min_cosine']):.4f} | {float(r['relative_error']):.4f} |")
    return "\n".join(lines) + "\n"


def language_model_table(rows) -> str:
    lines = [f"Original model: next-token perplexity {float(rows[0]['dense_perplexity']):.3f} "
             f"(NLL {float(rows[0]['dense_nll']):.4f} nats/token).", "",
             "| method | cut | linear params kept | bits/param | KL (nats/token) | perplexity "
             "| top-1 agreement |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        cut = f"{float(r['cut']):.0%}" if r["cut"] not in (None, "") else "-"
        lines.append(f"| {r['method']} | {cut} | {float(r['params_kept']):.3f} "
                     f"| {float(r['bits_per_param']):.2f} | {float(r['kl']):.2e} "
                     f"| {float(r['perplexity']):.3f} | {float(r['top1_agreement']):.3f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lowrank-sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=pathlib.Path)
    parser.add_argument("inputs", nargs="*", type=pathlib.Path,
                        help="evaluation inputs: .npz/.npy/.pb files or directories")
    parser.add_argument("--sentences", type=pathlib.Path,
                        help="evaluation sentences (one per line), tokenized for all-MiniLM-L6-v2")
    parser.add_argument("--tokens", type=pathlib.Path,
                        help=".npy of token sequences [N, T] for a language model: "
                        "KL, perplexity and top-1 agreement of the next-token logits")
    parser.add_argument("--logits", help="logits output with --tokens (default: the first)")
    parser.add_argument("--lowrank-opt", type=pathlib.Path, default=pathlib.Path("lowrank-opt"))
    parser.add_argument("--methods", default=",".join(METHODS),
                        help=f"comma-separated, of: {', '.join(METHODS)}")
    parser.add_argument("--cuts", default=",".join(str(c) for c in DEFAULT_CUTS),
                        help="fractions of the linear-layer parameters to remove")
    parser.add_argument("--stats", type=pathlib.Path, help="calibration statistics (.lrstats)")
    parser.add_argument("--calibration-tokens", type=pathlib.Path,
                        help=".npy of token ids the sequential methods capture from")
    parser.add_argument("--onnx-input-shape", help="passed to lowrank-opt")
    parser.add_argument("--cosine-output", help="embedding output (default: the first output)")
    parser.add_argument("--error-output", help="output of the relative error (default: the last)")
    parser.add_argument("-o", "--output", type=pathlib.Path, action="append", default=[],
                        help="results file, .csv, .json or .md (repeatable)")
    args = parser.parse_args(argv)

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for m in methods:
        if m not in METHODS:
            raise SystemExit(f"error: unknown method '{m}' (known: {', '.join(METHODS)})")
    cuts = [float(c) for c in args.cuts.split(",")]
    if not args.model.is_file():
        raise SystemExit(f"error: {args.model}: no such file")
    if args.stats is not None and not args.stats.is_file():
        raise SystemExit(f"error: {args.stats}: no such file")
    import onnx

    from .capture import load_inputs, token_feeds

    graph = onnx.load(str(args.model), load_external_data=False)
    feeds = load_inputs(args.inputs, graph)
    tokens = None
    if args.tokens:
        if feeds or args.sentences:
            raise SystemExit("error: --tokens takes no other evaluation inputs")
        feeds = token_feeds(args.tokens, graph)
        tokens = [next(iter(f.values())) for f in feeds]
    if args.sentences:
        from .models import minilm

        feeds += minilm.tokenize(minilm.read_sentences(args.sentences))
    if not feeds:
        raise SystemExit("error: no evaluation inputs")
    names = evaluate.output_names(args.model)
    calibration_feeds = (token_feeds(args.calibration_tokens, graph)
                         if args.calibration_tokens else None)
    if tokens is not None:
        logits = args.logits or names[0]
        rows = sweep(args.lowrank_opt, args.model, feeds, methods, cuts, args.stats,
                     args.onnx_input_shape, logits, logits, tokens=tokens,
                     calibration_feeds=calibration_feeds)
    else:
        rows = sweep(args.lowrank_opt, args.model, feeds, methods, cuts, args.stats,
                     args.onnx_input_shape, args.cosine_output or names[0],
                     args.error_output or names[-1], calibration_feeds=calibration_feeds)
    for path in args.output:
        write_results(rows, path)
    print(markdown_table(rows), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
