#!/usr/bin/env bash
# Runs on the 16-core device machine (see prepare.sh): unpacks Node, writes the SmolLM2-1.7B
# Q4_K_M file there with our writer (too big to carry), then measures our prefill and
# decode at 1, 2, 4, 8 and 16 threads under Node. Results go to $OUT (or bench/out/scaling).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT_DIR=${OUT:-bench/out/scaling}
THREADS=${THREADS:-1,2,4,8,16}
mkdir -p /tmp/devnode "$OUT_DIR"
xz -dc .devbench/node.xz > /tmp/devnode/node
chmod +x /tmp/devnode/node
export PATH=/tmp/devnode:$PATH
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) cores; node $(node --version)"
grep -m1 -o 'avx512[a-z_]*\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
read -r -a WRITER_ARGS < <(node --input-type=module -e \
  "const m = await import('./bench/e2e/models.mjs'); console.log(m.writerArgs('smollm2-1.7b', 'Q4_K_M', '.devbench/tokenizer.json', $(nproc)).join(' '))")
start=$(date +%s)
.devbench/gguf_writer -o /tmp/bench-1.7b-Q4_K_M.gguf "${WRITER_ARGS[@]}"
echo "writer: $(( $(date +%s) - start )) s"
node bench/scaling/scaling.mjs --model /tmp/bench-1.7b-Q4_K_M.gguf --prompts .devbench/prompts.json \
    --threads "$THREADS" --long-budget-s "${LONG_BUDGET_S:-30}" --out "$OUT_DIR" 2>&1 | tee "$OUT_DIR/scaling.log"
