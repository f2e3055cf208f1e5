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
# When .devbench/llama-src.tar.xz holds llama.cpp's source (a `git archive` of the checkout that
# node-llama-cpp ships as llama/gitRelease.bundle: CMakeLists.txt cmake common ggml include src
# tools vendor licenses LICENSE app), llama-bench is built there (CPU backend, -march=native) and
# measured on the same file, cores and conditions, right after ours: the native reference.
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
  timeout 300 taskset -c "$1" node "$2/bin/smollm-wasm.js" bench -m "$3" -p 128 -n 32 --reps 1 --threads "$4" --json 2>&1 | tail -1 |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const r=JSON.parse(s);console.log(r.prefillTokensPerSecond.toFixed(2),r.decodeTokensPerSecond.toFixed(2))}catch{console.log("ERR "+s.slice(0,300).replace(/\n/g," "))}})'
}
# native CPUS FILE THREADS -> "prefill decode" tok/s from llama-bench (one repetition, as ours)
LLAMA_BENCH=""
if [ -f .devbench/llama-src.tar.xz ]; then
  if [ ! -x /tmp/llama-build/bin/llama-bench ]; then
    rm -rf /tmp/llama-src && mkdir -p /tmp/llama-src && xz -dc .devbench/llama-src.tar.xz | tar -x -C /tmp/llama-src
    cmake -S /tmp/llama-src -B /tmp/llama-build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DGGML_CUDA=OFF >/tmp/llama-cmake.log 2>&1 || tail -20 /tmp/llama-cmake.log
    cmake --build /tmp/llama-build -j"$(nproc)" --target llama-bench >/tmp/llama-build.log 2>&1 || tail -20 /tmp/llama-build.log
  fi
  [ -x /tmp/llama-build/bin/llama-bench ] && LLAMA_BENCH=/tmp/llama-build/bin/llama-bench
fi
native() {
  timeout 300 taskset -c "$1" "$LLAMA_BENCH" -m "$2" -p 128 -n 32 -r 1 -t "$3" -o json 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const r=JSON.parse(s);const f=(p)=>r.find(x=>x.n_prompt===p.n_prompt&&x.n_gen===p.n_gen).avg_ts.toFixed(2);console.log(f({n_prompt:128,n_gen:0}),f({n_prompt:0,n_gen:32}))}catch{console.log("ERR "+s.slice(0,300).replace(/\n/g," "))}})'
}

# The spinner's output goes nowhere: called as $(spin_on ...), a spinner holding the command
# substitution's pipe would keep it from ever returning.
spin_on() { taskset -c "$1" sh -c 'while :; do :; done' >/dev/null 2>&1 & echo $!; }

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
        if [ -n "$LLAMA_BENCH" ]; then
          spin=""; [ $cond = busy ] && spin=$(spin_on 2,3)
          r=$(native 2,3 "$file" $t)
          [ -n "$spin" ] && kill "$spin"
          echo "$(basename "$file") rep $rep $cond ${t}t: native $r" | tee -a "$OUT_DIR/contention.txt"
        fi
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
    if [ -n "$LLAMA_BENCH" ]; then
      spin=""; [ $cond = busy ] && spin=$(spin_on 0-15)
      r=$(native 0-15 $BIG $t)
      [ -n "$spin" ] && kill "$spin"
      echo "1.7B $cond ${t}t on 16 cores: native $r" | tee -a "$OUT_DIR/scaling16.txt"
    fi
  done
fi
