#!/usr/bin/env bash
# The end-to-end benchmark of issue 8 in one command: our package and wllama in headless
# Chromium (and Firefox ESR with --browsers chromium,firefox), native llama.cpp through
# node-llama-cpp, on SmolLM2-1.7B-shaped files written by our gguf_writer (cached in
# bench/models/). Writes bench/RESULTS.md. Options: bash bench/run.sh --help
#
# Needs: npm ci (node-llama-cpp, @wllama/wllama, playwright-core, puppeteer-core), the wasm
# build in js/wasm/ (bash tools/run.sh test builds it; with the relaxed-SIMD modules there,
# Chromium and Firefox run those, and the report says so), /usr/bin/chromium, and a native
# gguf_writer (SMOLLM_GGUF_WRITER, else build/gguf_writer, else built here into build-bench/).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${SMOLLM_GGUF_WRITER:-}" ]; then
    if [ -x build/gguf_writer ]; then
        export SMOLLM_GGUF_WRITER=build/gguf_writer
    else
        cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSMOLLM_BUILD_TESTS=OFF >/dev/null
        cmake --build build-bench -j"${JOBS:-2}" --target gguf_writer >&2
        export SMOLLM_GGUF_WRITER=build-bench/gguf_writer
    fi
fi
for f in js/wasm/smollm-mt.js js/wasm/smollm-st.js; do
    [ -f "$f" ] || { echo "bench: $f is missing: build the wasm modules first (bash tools/run.sh test)" >&2; exit 1; }
done
exec node bench/e2e/main.mjs "$@"
