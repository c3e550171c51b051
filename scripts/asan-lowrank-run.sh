#!/usr/bin/env bash
# lowrank-run with the AddressSanitizer runtime preloaded: the code it
# JIT-compiles is then instrumented (docs/Robustness.md), so that an
# out-of-bounds access of generated code is reported and fails the run.
# The tool itself is not instrumented; `make test-asan` builds one that is.
#
#   scripts/asan-lowrank-run.sh model.onnx --input x.npy ...
#   test/conformance/run_node_tests.py --lowrank-run scripts/asan-lowrank-run.sh
#
# Environment: LOWRANK_RUN (default build/bin/lowrank-run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNTIME="$(/usr/lib/llvm-22/bin/clang -print-file-name=libclang_rt.asan-x86_64.so)"
export LD_PRELOAD="$RUNTIME"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1:halt_on_error=1}"
exec "${LOWRANK_RUN:-$ROOT/build/bin/lowrank-run}" "$@"
