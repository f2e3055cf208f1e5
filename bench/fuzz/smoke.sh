#!/usr/bin/env bash
# CI smoke of the fuzz targets: build them, then run each for 60 seconds, all at once: the
# x86-64 build of every target and the i386 build (32-bit size_t, like wasm32: a size product
# that wraps there is an ASan report here) of the two that compute sizes from file values
# (the reader and the whole-model target). Exits non-zero when any target crashed, timed out
# or ran out of memory. --build-only builds and seeds them, then stops (tools/run.sh does that
# in the background while other suites run).
#   bash bench/fuzz/smoke.sh [SECONDS | --build-only]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
m32_targets="fuzz_gguf_reader fuzz_model_eval"
bash bench/fuzz/run.sh --prepare-only
bash bench/fuzz/run.sh --m32 --prepare-only --targets "$m32_targets"
[ "$seconds" = "--build-only" ] && exit 0
bash bench/fuzz/run.sh --no-build --time "$seconds" --workers 1 --out build-fuzz/smoke &
x86_64=$!
bash bench/fuzz/run.sh --m32 --no-build --time "$seconds" --workers 1 --targets "$m32_targets" --out build-fuzz-m32/smoke &
i386=$!
status=0
wait $x86_64 || status=$?
wait $i386 || status=$?
exit $status
