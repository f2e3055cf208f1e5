#!/usr/bin/env bash
# Contention on a quiet many-core machine (the device machine, prepared by prepare.sh; put
# tiny-py-Q4_K_M.gguf from ../shared/golden/models into .devbench/ as well). A 2-core machine
# is emulated by pinning (taskset) the engine, and the busy neighbour, to two cores, so the
# figures are free of the noise of a shared machine: for each file, quiet at 2 threads, 2
# threads beside one spinner pinned to the same cores, and 4 threads. When an older package
# is present in bench/out/oldjs (js/bin, js/src, js/wasm of another commit), it runs at the
# same time on two other cores, as the A of an A/B pair.
#   STAGE=contention (default) | scaling16: the second measures 16 threads quiet, 16 beside one
#   spinner and 32 threads on all cores, new and old one after the other.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT_DIR=${OUT:-bench/out/contention-device}
STAGE=${STAGE:-contention}
REPS=${REPS:-2}
mkdir -p /tmp/devnode "$OUT_DIR"
[ -x /tmp/devnode/node ] || xz -dc .devbench/node.xz > /tmp/devnode/node
chmod +x /tmp/devnode/node
export PATH=/tmp/devnode:$PATH
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) cores; siblings of cpu0: $(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list)"
BIG=/tmp/bench-1.7b-Q4_K_M.gguf
if [ ! -f $BIG ]; then
  read -r -a WRITER_ARGS < <(node --input-type=module -e \
    "const m = await import('./bench/e2e/models.mjs'); console.log(m.writerArgs('smollm2-1.7b', 'Q4_K_M', '.devbench/tokenizer.json', $(nproc)).join(' '))")
  .devbench/gguf_writer -o $BIG "${WRITER_ARGS[@]}" >/dev/null
fi

# bench CPUS DIR FILE THREADS -> "prefill decode" tok/s
bench() {
  taskset -c "$1" node "$2/bin/smollm-wasm.js" bench -m "$3" -p 128 -n 32 --reps 1 --threads "$4" --json 2>&1 | tail -1 |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const r=JSON.parse(s);console.log(r.prefillTokensPerSecond.toFixed(2),r.decodeTokensPerSecond.toFixed(2))}catch{console.log("ERR "+s.slice(0,300).replace(/\n/g," "))}})'
}
spin_on() { taskset -c "$1" sh -c 'while :; do :; done' & echo $!; }

HAVE_OLD=0; [ -d bench/out/oldjs/wasm ] && HAVE_OLD=1
if [ "$STAGE" = contention ]; then
  for file in .devbench/tiny-py-Q4_K_M.gguf $BIG; do
    [ -f "$file" ] || continue
    for rep in $(seq "$REPS"); do
      for cond in quiet busy over; do
        t=2; [ $cond = over ] && t=4
        spins=()
        if [ $cond = busy ]; then spins+=("$(spin_on 2,3)"); [ $HAVE_OLD = 1 ] && spins+=("$(spin_on 4,5)"); fi
        bench 2,3 js "$file" $t > /tmp/new.txt & pids=($!)
        if [ $HAVE_OLD = 1 ]; then bench 4,5 bench/out/oldjs "$file" $t > /tmp/old.txt & pids+=($!); fi
        wait "${pids[@]}"
        for p in "${spins[@]}"; do kill "$p"; done
        echo "$(basename "$file") rep $rep $cond ${t}t: new $(cat /tmp/new.txt)$([ $HAVE_OLD = 1 ] && echo " | old $(cat /tmp/old.txt)")" | tee -a "$OUT_DIR/contention.txt"
      done
    done
  done
else
  for cond in quiet busy over; do
    t=16; [ $cond = over ] && t=32
    for dir in js $([ $HAVE_OLD = 1 ] && echo bench/out/oldjs); do
      spin=""; [ $cond = busy ] && spin=$(spin_on 0-15)
      r=$(bench 0-15 "$dir" $BIG $t)
      [ -n "$spin" ] && kill "$spin"
      echo "1.7B $cond ${t}t on 16 cores: $dir $r" | tee -a "$OUT_DIR/scaling16.txt"
    done
  done
fi
