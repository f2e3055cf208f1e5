#!/usr/bin/env bash
# CI smoke of the fuzz targets: build them, run each for 60 seconds (in parallel), then the
# i386 build (32-bit size_t, like wasm32: a size product that wraps there is an ASan report
# here) of the targets that compute sizes from file values, for half that; exit non-zero when
# any target crashed, timed out or ran out of memory.
#   bash bench/fuzz/smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
status=0
bash bench/fuzz/run.sh --time "$seconds" --workers 1 --out build-fuzz/smoke || status=$?
bash bench/fuzz/run.sh --m32 --time $((seconds / 2)) --workers 1 --targets "fuzz_gguf_reader fuzz_model_eval" \
    --out build-fuzz-m32/smoke || status=$?
exit $status
