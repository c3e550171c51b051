#!/usr/bin/env bash
# Builds and installs the pinned ONNX release's C++ library (protobuf model,
# checker, shape inference, version converter, schemas) from its source
# distribution on the Python package index, against Debian's protobuf.
#
#   scripts/build-onnx.sh PREFIX VERSION
#
# Does nothing when PREFIX already holds that version. Debian's libonnx-dev
# (ONNX 1.12) is too old for today's exports and must not be linked beside
# it: protobuf aborts when both register onnx-ml.proto in one process.
set -euo pipefail

PREFIX="$1"
VERSION="$2"
STAMP="$PREFIX/.lowrank-onnx-version"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$VERSION" ] &&
   [ -f "$PREFIX/lib/cmake/ONNX/ONNXConfig.cmake" ]; then
  exit 0
fi

echo "setup: building ONNX $VERSION from source into $PREFIX (about 3 minutes)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lowrank-onnx-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# ONNX's CMake files need CMake >= 3.26; Debian 12 has 3.25. A private venv
# holds a newer CMake for this build only.
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q "cmake>=3.26,<4" ninja
"$WORK/venv/bin/python" -m pip download -q --no-deps --no-binary onnx \
  "onnx==$VERSION" -d "$WORK/sdist"
tar xzf "$WORK/sdist/onnx-$VERSION.tar.gz" -C "$WORK"

PATH="$WORK/venv/bin:$PATH" cmake -S "$WORK/onnx-$VERSION" -B "$WORK/build" \
  -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DONNX_BUILD_PYTHON=OFF -DONNX_BUILD_TESTS=OFF -DONNX_ML=ON \
  -DONNX_USE_PROTOBUF_SHARED_LIBS=ON -DBUILD_SHARED_LIBS=OFF \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DONNX_NAMESPACE=onnx -DCMAKE_INSTALL_PREFIX="$PREFIX" >"$WORK/configure.log" ||
  { cat "$WORK/configure.log"; exit 1; }
PATH="$WORK/venv/bin:$PATH" cmake --build "$WORK/build" -j "$(nproc)" >"$WORK/build.log" ||
  { tail -50 "$WORK/build.log"; exit 1; }
mkdir -p "$PREFIX"
PATH="$WORK/venv/bin:$PATH" cmake --install "$WORK/build" >/dev/null
echo "$VERSION" >"$STAMP"
echo "setup: ONNX $VERSION installed in $PREFIX"
