#!/bin/sh
# Runs the CPU performance benchmarks of docs/Benchmarks.md: the runtime's
# GEMM kernels against OpenBLAS sgemm, the MiniLM-sized encoder against
# ONNX Runtime and compressed against dense, the real all-MiniLM-L6-v2
# (converted from its pip package) likewise, then one run comparing this
# compiler, ONNX Runtime and IREE on whole models (benchmarks/compare.py,
# which writes docs/results/executors.{csv,md} and docs/images/executors.png).
# Numbers only; nothing is asserted.
#
# Usage: benchmarks/run.sh [--quick] [threads] (default 2 threads).
# --quick runs only the comparison on all-MiniLM-L6-v2 at 16 tokens, dense
# and 20% fewer parameters, 3 rounds (under 2 minutes from scratch on the
# loaded 2-core machine, 20 s when its files are reused), and fails
# when ONNX Runtime's or IREE's outputs differ from ours.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LOWRANK_BUILD:-$root/build}
python=${LOWRANK_PYTHON:-$root/.venv/bin/python}
quick=
if [ "${1:-}" = "--quick" ]; then
  quick=--quick
  shift
fi
threads=${1:-2}
if [ -n "$quick" ]; then
  ninja -C "$build" lowrank-opt lowrank_cpu_runtime
  exec "$python" "$root/benchmarks/compare.py" --quick --build "$build" \
    --threads "$threads"
fi
ninja -C "$build" lowrank-gemm-benchmark lowrank-pair-benchmark lowrank-opt \
  lowrank_cpu_runtime
echo "== GEMM: lowrank runtime vs OpenBLAS sgemm =="
"$build/bin/lowrank-gemm-benchmark" "$threads" 3
echo "== Factor pairs: one call vs two =="
"$build/bin/lowrank-pair-benchmark" "$threads" 15
echo "== Encoder: compiled vs ONNX Runtime, compressed vs dense =="
"$python" "$root/benchmarks/encoder_benchmark.py" --build "$build" \
  --threads "$threads"
echo "== all-MiniLM-L6-v2: compiled vs ONNX Runtime =="
"$python" "$root/benchmarks/minilm_benchmark.py" --build "$build" \
  --threads "$threads"
echo "== Whole models: lowrank vs ONNX Runtime vs IREE =="
"$python" "$root/benchmarks/compare.py" --build "$build" --threads "$threads"
