#!/usr/bin/env bash
# The trained-decoder evaluation of docs/Compression.md: captures calibration
# statistics of the shipped decoder (examples/decoder/) on its 64 calibration
# sequences, sweeps the methods below at 10 to 60% fewer
# linear-layer parameters (and the Q + L R methods once) on its 32 held-out
# sequences, recording KL from the original's next-token distribution,
# perplexity and top-1 agreement, and writes the results and the plot.
# Prints the table.
#
#   scripts/evaluate-decoder.sh [work-dir] [results-dir]
# defaults: build/decoder and docs (docs/results/decoder.{csv,json,md},
# docs/images/decoder-tradeoff.png). METHODS=... CUTS=0.2 restrict the sweep;
# the default cuts are 0.1 to 0.6 (the sweep's four and two larger ones).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/build/decoder}"
DOCS="${2:-$ROOT/docs}"
PYTHON="${LOWRANK_PYTHON:-$ROOT/.venv/bin/python}"
LOWRANK_OPT="${LOWRANK_OPT:-$ROOT/build/bin/lowrank-opt}"
DATA="$ROOT/examples/decoder"
METHODS="${METHODS:-svd-uniform,svd-global,whiten,whiten-sequential,whiten-separate,basis,qlr-int4-r8,qlr-int4-r16,qlr-int8-r8,int4-rtn,int4-g128-rtn,int4-g32-rtn,qlr-int4-g128-r8,int4-g128-ldlq,qlr-int4-r4}"
mkdir -p "$WORK" "$DOCS/results" "$DOCS/images"
export PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}"

time_it() { local start=$SECONDS; "$@"; echo "(${3:-$1}: $((SECONDS - start)) s)"; }

time_it "$PYTHON" -m lowrank_tools.capture "$DATA/decoder.onnx" \
  --tokens "$DATA/calib_tokens.npy" -o "$WORK/decoder.lrstats"
sweep_args=(--methods "$METHODS" --cuts "${CUTS:-0.1,0.2,0.3,0.4,0.5,0.6}")
time_it "$PYTHON" -m lowrank_tools.sweep "$DATA/decoder.onnx" \
  --tokens "$DATA/eval_tokens.npy" --stats "$WORK/decoder.lrstats" \
  --calibration-tokens "$DATA/calib_tokens.npy" \
  --lowrank-opt "$LOWRANK_OPT" "${sweep_args[@]}" \
  -o "$DOCS/results/decoder.csv" -o "$DOCS/results/decoder.json" -o "$DOCS/results/decoder.md"
"$PYTHON" -m lowrank_tools.plot tradeoff "$DOCS/results/decoder.csv" \
  -o "$DOCS/images/decoder-tradeoff.png" \
  --title "trained decoder (examples/decoder), 32 held-out sequences of 128 tokens"
