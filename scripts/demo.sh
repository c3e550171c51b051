#!/usr/bin/env bash
# The README's demo: import the example transformer block, compile it to
# native code, run it and compare with ONNX Runtime.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
BIN="$BUILD/bin"
PYTHON="$ROOT/.venv/bin/python"
MODEL="$ROOT/examples/transformer_block.onnx"
OUT="$BUILD/demo"
mkdir -p "$OUT"

echo "== Example model: $MODEL"
"$BIN/lowrank-opt" "$MODEL" -o "$OUT/imported.mlir"
echo "   imported into the onnx dialect: $OUT/imported.mlir"
grep -oE '= onnx\.[A-Za-z]+' "$OUT/imported.mlir" | sed 's/= onnx\.//' | sort | uniq -c |
  awk '{printf "     %3d x %s\n", $1, $2}'

echo "== Lowering to linalg on tensors"
"$BIN/lowrank-opt" "$MODEL" --lowrank-onnx-to-linalg-pipeline -o "$OUT/linalg.mlir"
echo "   $OUT/linalg.mlir: $(grep -c 'linalg\.' "$OUT/linalg.mlir") linalg ops"

echo "== Compiling to a native object file"
"$BIN/lowrank-opt" "$MODEL" --emit=obj -o "$OUT/transformer_block.o"
echo "   $OUT/transformer_block.o ($(stat -c %s "$OUT/transformer_block.o") bytes), entry point _mlir_ciface_main_graph (docs/ABI.md)"

echo "== Running with the JIT and comparing with ONNX Runtime"
"$PYTHON" - "$MODEL" "$OUT" <<'PY'
import sys
import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

model, out = sys.argv[1], sys.argv[2]
x = np.random.default_rng(1).standard_normal((1, 16, 64)).astype(np.float32)
session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
(y,) = session.run(None, {"x": x})
onnx.save_tensor(numpy_helper.from_array(x, "x"), f"{out}/input_0.pb")
onnx.save_tensor(numpy_helper.from_array(y, "y"), f"{out}/expected_0.pb")
print(f"   ONNX Runtime reference output written ({y.shape}, mean |y| = {np.abs(y).mean():.4f})")
PY
"$BIN/lowrank-run" "$MODEL" --input "$OUT/input_0.pb" --expect "$OUT/expected_0.pb"
echo "== Done: the compiled model matches ONNX Runtime."
