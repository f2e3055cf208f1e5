#!/usr/bin/env bash
# Packs what the thread-scaling run needs on the device machine into .devbench/ (ignored via
# .git/info/exclude, carried by the device tool): an xz-compressed Node binary, a native
# gguf_writer (libstdc++ linked statically so it runs on the device's distribution), the
# SmolLM2 tokenizer.json for the writer, and the prompts with their checked ids.
# Then: run `bash bench/scaling/device.sh` there with carry [.devbench, js/wasm,
# node_modules/@huggingface/jinja].
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .git/info .devbench
grep -qx '/.devbench/' .git/info/exclude 2>/dev/null || echo '/.devbench/' >> .git/info/exclude
[ -f .devbench/node.xz ] || xz -T2 -c "$(command -v node)" > .devbench/node.xz
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSMOLLM_BUILD_TESTS=OFF \
    -DCMAKE_EXE_LINKER_FLAGS="-static-libstdc++ -static-libgcc" >/dev/null
cmake --build build-bench -j"${JOBS:-2}" --target gguf_writer
cp build-bench/gguf_writer .devbench/gguf_writer
cp ../shared/smollm2/tokenizer.json .devbench/tokenizer.json
node bench/scaling/write_prompts.mjs .devbench/prompts.json ../shared/golden/models/tiny-a-Q4_K_M.gguf
du -sh .devbench js/wasm node_modules/@huggingface/jinja
