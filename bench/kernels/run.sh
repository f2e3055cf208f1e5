#!/bin/sh
# Builds the kernel benchmark with emcc (wasm SIMD128, -O3) into build-wasm-bench/ and runs it
# under node, printing one markdown table. Usage: bench/kernels/run.sh [TYPE...]   (from anywhere;
# TYPE names like Q4_K limit the run to those types, none runs every type)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/build-wasm-bench"
mkdir -p "$OUT"
export NODE_PATH=/usr/share/nodejs
em++ -std=c++20 -O3 -msimd128 -I"$ROOT/src" \
    "$ROOT/bench/kernels/bench_kernels.cpp" "$ROOT"/src/quant/*.cpp "$ROOT/src/gguf/gguf_types.cpp" \
    -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=node -o "$OUT/bench_kernels.js"
node --no-experimental-fetch "$OUT/bench_kernels.js" "$@"
