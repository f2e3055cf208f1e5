#!/bin/sh
# Builds bench/kvcache/depth_bench.cpp against an engine library and runs it.
#   bench/kvcache/depth.sh native LIBDIR [depth_bench args...]   g++ -O3, LIBDIR/libsmollm_engine.a
#   bench/kvcache/depth.sh wasm LIBDIR [depth_bench args...]     em++, LIBDIR/libsmollm_engine_mt.a
#                                                                (SIMD128 + pthreads), run in node
# LIBDIR is a Release build of the engine at the same commit: build/ (native CMake build) or
# build-wasm/ (emcmake build). The binary goes to LIBDIR/depth_bench[.js].
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODE=$1 LIB=$2
shift 2
SRC="$ROOT/bench/kvcache/depth_bench.cpp"
if [ "$MODE" = native ]; then
    g++ -std=c++20 -O3 -DNDEBUG -I"$ROOT/src" "$SRC" "$LIB/libsmollm_engine.a" -pthread -o "$LIB/depth_bench"
    exec "$LIB/depth_bench" "$@"
fi
export NODE_PATH=/usr/share/nodejs
# NODERAWFS: the model is read from the host's file system. PROXY_TO_PTHREAD: main() runs in a
# worker, as the engine does in the browser. The pool of 3 covers main plus --threads up to 3.
em++ -std=c++20 -O3 -DNDEBUG -msimd128 -fexceptions -pthread -I"$ROOT/src" "$SRC" "$LIB/libsmollm_engine_mt.a" \
    -fexceptions -pthread -Wno-pthreads-mem-growth -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB \
    -sINITIAL_MEMORY=33554432 -sTOTAL_STACK=1048576 -sPTHREAD_POOL_SIZE=3 -sPROXY_TO_PTHREAD=1 -sEXIT_RUNTIME=1 \
    -sNODERAWFS=1 -sENVIRONMENT=node -o "$LIB/depth_bench.js"
# --no-experimental-fetch: emcc 3.1.6 would fetch() the .wasm by its path, which Node 20 rejects.
exec node --no-experimental-fetch "$LIB/depth_bench.js" "$@"
