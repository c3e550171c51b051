"""Plots (`lowrank-plot`, matplotlib, PNG):

  lowrank-plot tradeoff results.csv [more.csv...] -o tradeoff.png
      mean cosine and relative output error against the fraction of
      linear-layer parameters kept, one curve per method (lowrank-sweep's
      CSV or JSON); for a language model's sweep (rows with KL, from
      lowrank-sweep --tokens) the KL divergence from the original and the
      next-token perplexity against the fraction kept, and KL against bits
      per parameter;
  lowrank-plot spectra model.onnx [--stats calib.lrstats] -o spectra.png
      normalized singular values of every linear layer's weight (from the
      model's initializers), with the parity rank marked; with --stats also
      the spectra of the activation-weighted weight L^T W, L L^T = X X^T / N,
      whose tail is the output error of truncation.
"""

import argparse
import csv
import json
import re
import pathlib
import sys

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def load_results(path: pathlib.Path) -> list[dict]:
    if path.suffix == ".json":
        return json.loads(path.read_text())
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for key, value in row.items():
            try:
                row[key] = float(value)
            except (TypeError, ValueError):
                pass
    return rows


def _bits_axis(ax, ylabel: str) -> None:
    """A log2 axis of bits per original linear-layer parameter, 3 to 36."""
    ax.set_xlabel("bits per original linear-layer parameter")
    ax.set_ylabel(ylabel)
    ax.set_xscale("log", base=2)
    ax.set_xticks([2, 4, 8, 16, 32], ["2", "4", "8", "16", "32"])
    ax.set_xlim(3, 36)


def tradeoff(rows: list[dict], out: pathlib.Path, title: str = "") -> None:
    from .sweep import METHODS

    if rows and rows[0].get("kl") not in (None, ""):
        return tradeoff_language_model(rows, out, title)
    plt = _pyplot()
    fig, (ax_cos, ax_err, ax_bits) = plt.subplots(1, 3, figsize=(16, 4.4))
    for index, method in enumerate(dict.fromkeys(r["method"] for r in rows)):
        pts = sorted((r for r in rows if r["method"] == method), key=lambda r: r["params_kept"])
        label = METHODS[method].label if method in METHODS else method
        style = dict(color=f"C{index % 10}", marker="o", label=label)
        bits = [r["bits_per_param"] for r in pts]
        ax_bits.plot(bits, [r["mean_cosine"] for r in pts], **style)
        if METHODS.get(method) is not None and not METHODS[method].per_cut:
            continue  # sized by bits, not by a parameter budget
        kept = [r["params_kept"] for r in pts]
        ax_cos.plot(kept, [r["mean_cosine"] for r in pts], **style)
        ax_err.plot(kept, [r["relative_error"] for r in pts], **style)
    ax_cos.set_ylabel("mean cosine similarity (original vs compressed)")
    ax_err.set_ylabel("relative output error")
    for ax in (ax_cos, ax_err):
        ax.set_xlabel("fraction of linear-layer parameters kept")
    _bits_axis(ax_bits, "mean cosine similarity")
    for ax in (ax_cos, ax_err, ax_bits):
        ax.grid(True, alpha=0.3)
    ax_bits.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def tradeoff_language_model(rows: list[dict], out: pathlib.Path, title: str = "") -> None:
    from .sweep import METHODS

    plt = _pyplot()
    fig, (ax_kl, ax_ppl, ax_bits) = plt.subplots(1, 3, figsize=(16, 5.4))
    for index, method in enumerate(dict.fromkeys(r["method"] for r in rows)):
        pts = sorted((r for r in rows if r["method"] == method), key=lambda r: r["params_kept"])
        label = METHODS[method].label if method in METHODS else method
        # Ten colors, then the same colors with another marker.
        style = dict(color=f"C{index % 10}", marker="os^"[index // 10 % 3], label=label)
        ax_bits.plot([r["bits_per_param"] for r in pts], [r["kl"] for r in pts], **style)
        if METHODS.get(method) is not None and not METHODS[method].per_cut:
            continue  # sized by bits, not by a parameter budget
        kept = [r["params_kept"] for r in pts]
        ax_kl.plot(kept, [r["kl"] for r in pts], **style)
        ax_ppl.plot(kept, [r["perplexity"] for r in pts], **style)
    dense = float(rows[0]["dense_perplexity"])
    ax_ppl.axhline(dense, color="black", ls="--", lw=0.8, label=f"original ({dense:.2f})")
    ax_kl.set_ylabel("KL(original || compressed), nats/token")
    ax_ppl.set_ylabel("next-token perplexity")
    for ax in (ax_kl, ax_ppl):
        ax.set_xlabel("fraction of linear-layer parameters kept")
    for ax in (ax_kl, ax_bits):
        ax.set_yscale("log")
    _bits_axis(ax_bits, "KL, nats/token")
    for ax in (ax_kl, ax_ppl, ax_bits):
        ax.grid(True, alpha=0.3)
    # One legend under the panels, where it hides no point.
    handles, labels = ax_bits.get_legend_handles_labels()
    handles += ax_ppl.get_legend_handles_labels()[0][-1:]
    labels += ax_ppl.get_legend_handles_labels()[1][-1:]
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.17, 1, 1))
    fig.savefig(out, dpi=110)
    plt.close(fig)


def linear_weights(model_path) -> dict[str, np.ndarray]:
    """[d_in, d_out] weight of every linear op, by layer name."""
    import onnx
    from onnx import numpy_helper

    from .capture import find_linear_ops

    model = onnx.load(str(model_path))
    inits = {t.name: t for t in model.graph.initializer}
    producers = {out: n for n in model.graph.node for out in n.output}
    nodes = {n.name or f"{n.op_type}_{i}": n for i, n in enumerate(model.graph.node)}
    weights = {}
    for op in find_linear_ops(model):
        node = nodes[op.name]
        src = node.input[1]
        if src in inits:
            w = numpy_helper.to_array(inits[src])
        else:  # behind a Transpose
            w = numpy_helper.to_array(inits[producers[src].input[0]]).T
        if op.op == "Conv":
            w = w.reshape(w.shape[0], w.shape[1]).T
        elif op.op == "Gemm" and any(a.name == "transB" and a.i for a in node.attribute):
            w = w.T
        weights[op.name] = w.astype(np.float64)
    return weights


def spectra(model_path, out: pathlib.Path, stats_path=None, title: str = "") -> None:
    plt = _pyplot()
    weights = linear_weights(model_path)
    stats = {}
    if stats_path is not None:
        from . import lrstats

        stats = {l.name: l for l in lrstats.read(stats_path)[1]}
    panels = 2 if stats else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4.2), squeeze=False)
    kinds = {}
    for name, w in weights.items():
        # Layers of one kind across blocks share a color: the name without
        # its block prefix (encoder.layer.3.attention.self.query -> ...).
        kind = re.sub(r"^.*?\.\d+\.", "", name)
        color = kinds.setdefault(kind, f"C{len(kinds) % 10}")
        s = np.linalg.svd(w, compute_uv=False)
        axes[0][0].semilogy(np.arange(1, len(s) + 1) / len(s), s / s[0], color=color, lw=0.8,
                            alpha=0.7, label=kind if kinds[kind] == color and
                            kind not in [l.get_label() for l in axes[0][0].lines] else None)
        if name in stats:
            layer = stats[name]
            cov = layer.gram / layer.samples
            cov += np.eye(len(cov)) * 1e-8 * np.trace(cov) / len(cov)
            chol = np.linalg.cholesky(cov)
            sw = np.linalg.svd(chol.T @ w, compute_uv=False)
            axes[0][1].semilogy(np.arange(1, len(sw) + 1) / len(sw), sw / sw[0], color=color,
                                lw=0.8, alpha=0.7)
    axes[0][0].set_title("weight W")
    axes[0][0].legend(fontsize=7)
    if stats:
        axes[0][1].set_title("activation-weighted L^T W (calibration)")
    for ax in axes[0]:
        ax.set_xlabel("rank / full rank")
        ax.set_ylabel("singular value / largest")
        ax.axvline(0.5, color="gray", ls=":", lw=0.8)  # parity of a square layer
        ax.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lowrank-plot", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tradeoff", help="accuracy against size, per method")
    t.add_argument("results", type=pathlib.Path, nargs="+",
                   help="lowrank-sweep CSV or JSON files (rows of all are plotted)")
    t.add_argument("-o", "--output", type=pathlib.Path, required=True)
    t.add_argument("--title", default="")
    s = sub.add_parser("spectra", help="per-layer singular value spectra")
    s.add_argument("model", type=pathlib.Path)
    s.add_argument("--stats", type=pathlib.Path, help="calibration statistics (.lrstats)")
    s.add_argument("-o", "--output", type=pathlib.Path, required=True)
    s.add_argument("--title", default="")
    args = parser.parse_args(argv)
    if args.command == "tradeoff":
        rows = [row for path in args.results for row in load_results(path)]
        if not rows:
            raise SystemExit(f"error: {', '.join(map(str, args.results))}: no results")
        tradeoff(rows, args.output, args.title)
    else:
        spectra(args.model, args.output, args.stats, args.title)
    print(f"{args.output}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
