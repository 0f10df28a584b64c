#!/usr/bin/env bash
# Configures, builds and runs every test.
#   bash tests/run.sh                     # build/ (plain)
#   bash tests/run.sh build-asan -DTRUSTSHIM_SANITIZE=ON
# Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" ${CTEST_ARGS:-}
