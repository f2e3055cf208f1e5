#!/usr/bin/env bash
# Pool policy A/B on the device machine, pinned to two of its cores (a quiet 2-core machine):
# the pool microbenchmark (.devbench/poolbench: jobs of chunks with a short serial gap, as a
# decode step) and the wasm package under Node on tiny-py and the SmolLM2-1.7B Q4_K_M shape,
# each at 2 and 4 threads. The variants (SP_* environment variables) were read by the
# experimental build of thread_pool.cpp measured in NOTES.md ("Waiting policy A/B"), not by the
# committed one, so by default only "base" runs. .devbench/poolbench is bench/contention/
# pool_bench.cpp built statically. Carry .devbench and js/wasm.
set -u
cd "$(dirname "$0")/../.."
OUT_DIR=${OUT:-bench/out/pool-device}; mkdir -p "$OUT_DIR"; R=$OUT_DIR/pool-device.txt
CPUS=${CPUS:-2,3}
mkdir -p /tmp/devnode; [ -x /tmp/devnode/node ] || xz -dc .devbench/node.xz > /tmp/devnode/node; chmod +x /tmp/devnode/node
export PATH=/tmp/devnode:$PATH
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) cores, pinned to $CPUS; kernel $(uname -r)" | tee -a $R
declare -A V=([base]="" [stall]="SP_WSTALL=1" [pd]="SP_PD=50" [chain]="SP_CHAIN=1" [pdchain]="SP_PD=50 SP_CHAIN=1" [ws50]="SP_WS=50" [spin1]="SP_MAXSPIN=1" [pdstall]="SP_PD=50 SP_WSTALL=1")
MICRO=${MICRO:-base}
WASM=${WASM:-base}
BIGV=${BIGV:-base}
for rep in 1 2 3; do
  for shape in "big 5 170 2200 192 5" "tiny 100 56 280 48 5"; do
    set -- $shape; name=$1; shift
    for v in $MICRO; do for t in 2 4; do
      echo "micro $name $v ${t}t: $(env ${V[$v]} taskset -c $CPUS .devbench/poolbench $t "$@")" | tee -a $R
    done; done
  done
done
wbench() {  # variant file threads extra-args
  local v=$1 f=$2 t=$3; shift 3
  env ${V[$v]} timeout 120 taskset -c $CPUS node js/bin/smollm-wasm.js bench -m "$f" --no-cache --threads $t --json "$@" 2>/dev/null | tail -1 |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const r=JSON.parse(s);console.log(r.prefillTokensPerSecond.toFixed(2),r.decodeTokensPerSecond.toFixed(2))}catch{console.log("ERR "+s.slice(0,200).replace(/\n/g," "))}})'
}
for rep in 1 2; do for v in $WASM; do for t in 2 4; do
  echo "wasm tiny-py $v ${t}t rep $rep: $(wbench $v .devbench/tiny-py-Q4_K_M.gguf $t -p 128 -n 64 --reps 3)" | tee -a $R
done; done; done
BIG=/tmp/bench-1.7b-Q4_K_M.gguf
if [ ! -f $BIG ]; then
  read -r -a WA < <(node --input-type=module -e \
    "const m = await import('./bench/e2e/models.mjs'); console.log(m.writerArgs('smollm2-1.7b', 'Q4_K_M', '.devbench/tokenizer.json', 8).join(' '))")
  .devbench/gguf_writer -o $BIG "${WA[@]}" >/dev/null
fi
for v in $BIGV; do for t in 2 4; do
  echo "wasm 1.7B $v ${t}t: $(wbench $v $BIG $t -p 32 -n 16 --reps 1)" | tee -a $R
done; done
