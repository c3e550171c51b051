#!/bin/sh
# Runs the CPU performance benchmarks of docs/Benchmarks.md: the runtime's
# GEMM kernels against OpenBLAS sgemm, the MiniLM-sized encoder against
# ONNX Runtime and compressed against dense, then the real all-MiniLM-L6-v2
# (converted from its pip package) likewise. Numbers only; nothing is
# asserted. Usage: benchmarks/run.sh [threads] (default 2).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LOWRANK_BUILD:-$root/build}
python=${LOWRANK_PYTHON:-$root/.venv/bin/python}
threads=${1:-2}
ninja -C "$build" lowrank-gemm-benchmark lowrank-opt lowrank_cpu_runtime
echo "== GEMM: lowrank runtime vs OpenBLAS sgemm =="
"$build/bin/lowrank-gemm-benchmark" "$threads" 3
echo "== Encoder: compiled vs ONNX Runtime, compressed vs dense =="
"$python" "$root/benchmarks/encoder_benchmark.py" --build "$build" \
  --threads "$threads"
echo "== all-MiniLM-L6-v2: compiled vs ONNX Runtime =="
"$python" "$root/benchmarks/minilm_benchmark.py" --build "$build" \
  --threads "$threads"
