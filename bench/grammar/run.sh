#!/bin/sh
# Grammar mask benchmark (not a test): builds bench/grammar/grammar_bench.cpp natively (g++ -O2)
# and as wasm (em++ -O2 -msimd128, run under node), and prints one JSON line from each:
# token-trie build and grammar compile times (setup), then the allowed-token mask time per
# step while replaying a nested JSON document with SmolLM2's vocabulary.
# Usage: bench/grammar/run.sh [MODEL.gguf]   (default ../shared/golden/models/tiny-py-Q4_K_M.gguf)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODEL=${1:-"$ROOT/../shared/golden/models/tiny-py-Q4_K_M.gguf"}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
SOURCES="$ROOT/bench/grammar/grammar_bench.cpp $ROOT/tools/tokenize_tool/gguf_header_file.cpp
  $(ls "$ROOT"/src/grammar/*.cpp "$ROOT"/src/text/*.cpp "$ROOT"/src/gguf/*.cpp "$ROOT"/src/util/json_value.cpp)"
g++ -O2 -std=c++20 -I"$ROOT/src" -I"$ROOT/tools" $SOURCES -o "$OUT/grammar_bench"
echo "native: $("$OUT/grammar_bench" "$MODEL" 3)"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
if em++ -O2 -std=c++20 -msimd128 -fexceptions -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1 \
    -I"$ROOT/src" -I"$ROOT/tools" $SOURCES -o "$OUT/grammar_bench.cjs"; then
  echo "wasm:   $(node --no-experimental-fetch "$OUT/grammar_bench.cjs" "$MODEL" 3)"
else
  echo "wasm:   em++ failed"
fi
