#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) in a sanitized configuration and runs
# each for a given time, one after the other, then the differential fuzzer
# (fuzz/differential/differential_fuzz.py) for the same time.
#
#   scripts/fuzz.sh [SECONDS]     seconds per target (default: $FUZZ_SECONDS or 60)
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_TARGETS (default
# the three targets: lowrank-fuzz-onnx-import, lowrank-fuzz-tensor-reader,
# differential), FUZZ_JOBS (build jobs, default nproc), FUZZ_SEED (libFuzzer's
# -seed and the differential fuzzer's --seed; unset: a new random seed each
# run; `make check-fuzz`, part of the test command, fixes it so that a test
# run explores the same inputs every time and long exploratory runs are left
# to `make fuzz`), LOWRANK_BUILD_DIR (default build: the normal build whose
# lowrank-run and lowrank-opt the differential fuzzer checks against ONNX
# Runtime; the script brings the two tools up to date there). The corpus
# grows in $FUZZ_BUILD_DIR/corpus/<target>; it starts from the ONNX node-test
# models and tensors and the regression inputs in test/fuzz/. A crash, leak,
# hang (-timeout) or sanitizer report stops the run, leaves the input in
# $FUZZ_BUILD_DIR/artifacts/<target>/ and makes the script fail. The
# differential fuzzer generates random ONNX graphs instead of mutating a
# corpus; its first failure (a crash, an unclear error, a result differing
# from ONNX Runtime) stops it and leaves a shrunk reproducer (model, inputs,
# expected outputs, reason.txt, command.sh) in
# $FUZZ_BUILD_DIR/artifacts/differential/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-${FUZZ_SECONDS:-60}}"
BUILD="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
TARGETS="${FUZZ_TARGETS:-lowrank-fuzz-onnx-import lowrank-fuzz-tensor-reader differential}"
LOWRANK_BUILD="${LOWRANK_BUILD_DIR:-$ROOT/build}"
JOBS="${FUZZ_JOBS:-$(nproc)}"
LLVM_BIN=/usr/lib/llvm-22/bin
NODE_TESTS="$(bash "$ROOT/scripts/deps-prefix.sh")/onnx-$(sed -n 's/^onnx==//p' "$ROOT/python/requirements.txt")/testdata/node"
PYTHON="${LOWRANK_PYTHON:-$ROOT/.venv/bin/python}"

LIBFUZZER_TARGETS=""
for target in $TARGETS; do
  [ "$target" = differential ] || LIBFUZZER_TARGETS="$LIBFUZZER_TARGETS $target"
done

if [ -n "$LIBFUZZER_TARGETS" ]; then
  if [ ! -f "$BUILD/build.ninja" ]; then
    cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER="$LLVM_BIN/clang" \
      -DCMAKE_CXX_COMPILER="$LLVM_BIN/clang++" \
      -DLOWRANK_PYTHON="$PYTHON" \
      -DLOWRANK_ENABLE_FUZZERS=ON >/dev/null
  fi
  ninja -C "$BUILD" -j "$JOBS" lowrank-fuzzers
fi

# Seed corpora, made once: every node-test model, one tensor per node test,
# a few .npy files, and the regression inputs of past findings.
SEEDS="$BUILD/seeds"
if [ -n "$LIBFUZZER_TARGETS" ] && [ ! -f "$SEEDS/.done" ]; then
  rm -rf "$SEEDS"
  mkdir -p "$SEEDS/lowrank-fuzz-onnx-import" "$SEEDS/lowrank-fuzz-tensor-reader"
  if [ -d "$NODE_TESTS" ]; then
    for test in "$NODE_TESTS"/*/; do
      name="$(basename "$test")"
      cp "$test/model.onnx" "$SEEDS/lowrank-fuzz-onnx-import/$name.onnx"
      for pb in "$test"/test_data_set_0/input_0.pb "$test"/test_data_set_0/output_0.pb; do
        [ -f "$pb" ] && cp "$pb" "$SEEDS/lowrank-fuzz-tensor-reader/$name-$(basename "$pb")"
      done
    done
  fi
  if [ -x "$PYTHON" ]; then
    "$PYTHON" - "$SEEDS/lowrank-fuzz-tensor-reader" <<'PY'
import sys, numpy as np
out = sys.argv[1]
for i, (dtype, shape) in enumerate([("<f4", (2, 3)), ("<i8", (4,)), ("|b1", ()),
                                    ("<f2", (1, 2, 2)), ("|u1", (0, 3)), ("<f8", (3, 1))]):
    np.save(f"{out}/seed{i}.npy", np.arange(int(np.prod(shape))).reshape(shape).astype(dtype))
PY
  fi
  touch "$SEEDS/.done"
fi

status=0
for target in $LIBFUZZER_TARGETS; do
  corpus="$BUILD/corpus/$target"
  artifacts="$BUILD/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  regressions="$ROOT/test/fuzz/$target"
  dirs=("$corpus" "$SEEDS/$target")
  [ -d "$regressions" ] && dirs+=("$regressions")
  dict=()
  [ "$target" = lowrank-fuzz-onnx-import ] && dict=(-dict="$ROOT/fuzz/onnx.dict")
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
  log="$BUILD/$target.log"
  # halt_on_error: the first sanitizer report is a finding; leaks of the
  # uninstrumented ONNX/protobuf singletons are suppressed by name.
  if ! ASAN_OPTIONS="halt_on_error=1:detect_leaks=1" \
       LSAN_OPTIONS="suppressions=$ROOT/fuzz/lsan.supp" \
       UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
       "$BUILD/bin/$target" "${dirs[@]}" "${dict[@]}" \
         -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2560 \
         ${FUZZ_SEED:+-seed="$FUZZ_SEED"} \
         -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts" \
         >"$log" 2>&1; then
    status=1
    echo "fuzz: $target FOUND A PROBLEM; input in $artifacts, log in $log"
    grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -20 || true
  fi
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  echo "fuzz: $target: ${execs:-?} executions (${rate:-?}/s) in ${SECONDS_PER_TARGET}s"
done

# The differential fuzzer: random valid ONNX graphs through the normal
# build's lowrank-run (and full-rank compression by lowrank-opt), compared
# with ONNX Runtime.
for target in $TARGETS; do
  [ "$target" = differential ] || continue
  artifacts="$BUILD/artifacts/differential"
  log="$BUILD/differential.log"
  mkdir -p "$artifacts"
  if [ -f "$LOWRANK_BUILD/build.ninja" ]; then
    ninja -C "$LOWRANK_BUILD" -j "$JOBS" lowrank-run lowrank-opt
  fi
  if [ ! -x "$LOWRANK_BUILD/bin/lowrank-run" ] || [ ! -x "$LOWRANK_BUILD/bin/lowrank-opt" ]; then
    status=1
    echo "fuzz: differential: no lowrank-run and lowrank-opt in $LOWRANK_BUILD/bin" \
         "(make build, or set LOWRANK_BUILD_DIR)"
    continue
  fi
  echo "fuzz: differential for ${SECONDS_PER_TARGET}s"
  if ! "$PYTHON" "$ROOT/fuzz/differential/differential_fuzz.py" \
       --seconds "$SECONDS_PER_TARGET" ${FUZZ_SEED:+--seed "$FUZZ_SEED"} \
       --lowrank-run "$LOWRANK_BUILD/bin/lowrank-run" \
       --lowrank-opt "$LOWRANK_BUILD/bin/lowrank-opt" \
       --artifacts "$artifacts" >"$log" 2>&1; then
    status=1
    echo "fuzz: differential FOUND A PROBLEM; reproducer in $artifacts, log in $log"
    grep -E "^FAIL|reproducer:|Traceback|Error" "$log" | head -20 || true
  fi
  echo "fuzz: differential: $(grep '^differential-fuzz: seed' "$log" | tail -1 \
    | sed 's/^differential-fuzz: //')"
done
exit $status
