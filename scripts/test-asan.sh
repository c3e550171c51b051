#!/usr/bin/env bash
# Builds the project with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ and runs the lit suite and the unit tests under them.
#
#   scripts/test-asan.sh            lit + unit tests
#   ASAN_CONFORMANCE=1 scripts/test-asan.sh   also the 932 ONNX node tests
#
# Environment: ASAN_BUILD_DIR (default build-asan), ASAN_JOBS (default nproc).
# The first sanitizer report fails the test that caused it (halt_on_error,
# -fno-sanitize-recover); leaks are detected, with the suppressions listed in
# fuzz/lsan.supp for libraries outside the project.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${ASAN_BUILD_DIR:-$ROOT/build-asan}"
JOBS="${ASAN_JOBS:-$(nproc)}"
LLVM_BIN=/usr/lib/llvm-22/bin
PYTHON="${LOWRANK_PYTHON:-$ROOT/.venv/bin/python}"

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$LLVM_BIN/clang" \
    -DCMAKE_CXX_COMPILER="$LLVM_BIN/clang++" \
    -DLOWRANK_PYTHON="$PYTHON" \
    -DLOWRANK_SANITIZE=address,undefined >/dev/null
fi
# What check-lowrank builds: the tools, the plugin, the unit tests and the
# generated docs (a lit test compares them with docs/generated).
ninja -C "$BUILD" -j "$JOBS" lowrank-opt lowrank-run lowrank-plugin \
  LowrankUnitTests mlir-doc

# allocator_may_return_null: tests ask for more memory than exists on
# purpose, and the code must see the null that malloc returns without them.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$ROOT/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
"$LLVM_BIN/lit" -sv "$BUILD/test"
"$BUILD/unittests/LowrankUnitTests" --gtest_brief=1
if [ "${ASAN_CONFORMANCE:-0}" = 1 ]; then
  "$PYTHON" "$ROOT/test/conformance/run_node_tests.py" \
    --lowrank-run "$BUILD/bin/lowrank-run"
fi
echo "test-asan: ok"
