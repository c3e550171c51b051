#!/usr/bin/env bash
# The README's demo: analyze and compress the example transformer block,
# write the smaller ONNX model, compare it with the original in ONNX
# Runtime, and compile and run the compressed model natively.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
BIN="$BUILD/bin"
PYTHON="$ROOT/.venv/bin/python"
MODEL="$ROOT/examples/transformer_block.onnx"
OUT="$BUILD/demo"
COMPRESS="param-ratio=0.6"
mkdir -p "$OUT"

echo "== 1. Import $MODEL"
"$BIN/lowrank-opt" "$MODEL" -o "$OUT/imported.mlir"
grep -oE '= onnx\.[A-Za-z]+' "$OUT/imported.mlir" | sed 's/= onnx\.//' | sort | uniq -c |
  awk '{printf "     %3d x %s\n", $1, $2}'

echo "== 2. Linear layers (lowrank-test-linear-analysis)"
"$BIN/lowrank-opt" "$MODEL" --lowrank-test-linear-analysis -o /dev/null | sed 's/^/     /'

echo "== 3. Compress: --lowrank-compress='$COMPRESS' (keep 60% of the linear-layer parameters)"
"$BIN/lowrank-opt" "$MODEL" --lowrank-compress="$COMPRESS" --emit=onnx -o "$OUT/compressed.onnx" \
  --lowrank-report="$OUT/report.json" --lowrank-report-table 2>&1 | sed 's/^/     /'
echo "     $MODEL: $(stat -c %s "$MODEL") bytes -> $OUT/compressed.onnx: $(stat -c %s "$OUT/compressed.onnx") bytes"

echo "== 4. ONNX Runtime: original vs compressed"
"$PYTHON" - "$MODEL" "$OUT" <<'PY'
import sys
import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

model, out = sys.argv[1], sys.argv[2]
x = np.random.default_rng(1).standard_normal((1, 16, 64)).astype(np.float32)
run = lambda path: ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
y, y_small = run(model), run(f"{out}/compressed.onnx")
rel = np.linalg.norm(y - y_small) / np.linalg.norm(y)
cos = float((y * y_small).sum() / np.linalg.norm(y) / np.linalg.norm(y_small))
print(f"     relative output error {rel:.4f}, cosine similarity {cos:.5f}")
onnx.save_tensor(numpy_helper.from_array(x, "x"), f"{out}/input_0.pb")
onnx.save_tensor(numpy_helper.from_array(y_small, "y"), f"{out}/expected_0.pb")
PY

echo "== 5. Compile the compressed model to a native object file"
"$BIN/lowrank-opt" "$OUT/compressed.onnx" --emit=obj -o "$OUT/compressed.o"
echo "     $OUT/compressed.o ($(stat -c %s "$OUT/compressed.o") bytes), entry point _mlir_ciface_main_graph (docs/ABI.md)"

echo "== 6. JIT-compile and run the compressed model, compare with ONNX Runtime"
"$BIN/lowrank-run" "$OUT/compressed.onnx" --input "$OUT/input_0.pb" --expect "$OUT/expected_0.pb" | sed 's/^/     /'
echo "== Done."
