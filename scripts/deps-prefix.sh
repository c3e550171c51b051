#!/usr/bin/env bash
# Prints where scripts/setup.sh installs the dependencies it builds (ONNX):
# $LOWRANK_DEPS_PREFIX when set; /opt/lowrank, shared by every checkout on
# the machine, when it can be written; otherwise ~/.cache/lowrank.
if [ -n "${LOWRANK_DEPS_PREFIX:-}" ]; then
  echo "$LOWRANK_DEPS_PREFIX"
elif [ -w /opt/lowrank ] || { [ ! -e /opt/lowrank ] && [ -w /opt ]; }; then
  echo /opt/lowrank
else
  echo "${XDG_CACHE_HOME:-$HOME/.cache}/lowrank"
fi
