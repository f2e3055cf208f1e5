#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang + ASan + UBSan) into build-fuzz/, seeds their
# corpora, runs each for a given time or number of executions, and prints executions,
# coverage (cov = edges, ft = features) and crashes per target.
#
#   bash bench/fuzz/run.sh [--time SECONDS | --runs N] [--workers N | --workers-per "R T C M"]
#                          [--targets "fuzz_gguf_reader ..."] [--no-build] [--prepare-only]
#                          [--out DIR] [--m32]
#
# --m32 builds and runs the i386 build (32-bit size_t like wasm32, so a size product that
# wraps there is an ASan report) in build-fuzz-m32/.
# --prepare-only builds and seeds, then stops (to carry binaries and corpora to another
# machine, where --no-build runs them). FUZZ_BUILD_DIR overrides build-fuzz/.
# --runs N runs each worker process for N executions; --time S runs each for S seconds.
# Workers of one target share its corpus (libFuzzer reloads it), so they cooperate.
# --workers-per gives the worker counts of the targets in order (reader, tokenizer, chat,
# model). Logs, crash inputs and summary.tsv go to --out (default build-fuzz/out).
# Exit status: 0 when no target crashed, 1 otherwise, 2 on a usage or build problem.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
TIME=60
RUNS=""
WORKERS=1
WORKERS_PER=""
TARGETS="fuzz_gguf_reader fuzz_tokenizer fuzz_chat_prompt fuzz_model_eval"
M32=0
DO_BUILD=1
PREPARE_ONLY=0
OUT=""
while (($#)); do
    case "$1" in
        --time) TIME=$2; RUNS=""; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --workers) WORKERS=$2; shift 2 ;;
        --workers-per) WORKERS_PER=$2; shift 2 ;;
        --targets) TARGETS=$2; shift 2 ;;
        --no-build) DO_BUILD=0; shift ;;
        --prepare-only) PREPARE_ONLY=1; shift ;;
        --out) OUT=$2; shift 2 ;;
        --m32) M32=1; shift ;;
        *) echo "usage: bash bench/fuzz/run.sh [--time S | --runs N] [--workers N | --workers-per \"R T C M\"] [--targets LIST] [--no-build] [--out DIR] [--m32]" >&2; exit 2 ;;
    esac
done
DEFAULT_BUILD=$ROOT/build-fuzz
((M32)) && DEFAULT_BUILD=$ROOT/build-fuzz-m32
BUILD=${FUZZ_BUILD_DIR:-$DEFAULT_BUILD}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OUT=${OUT:-$BUILD/out}
SHARED=${SMOLLM_SHARED_DIR:-$ROOT/../shared}

log() { printf '== %s\n' "$*" >&2; }

if ((DO_BUILD)); then
    CXX_FUZZ=${CXX_FUZZ:-$(command -v clang++ || command -v clang++-14 || true)}
    [ -n "$CXX_FUZZ" ] || { echo "clang++ not found (apt-get install clang)" >&2; exit 2; }
    log "building fuzz targets with $CXX_FUZZ into $BUILD"
    cmake -S fuzz -B "$BUILD" -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DSMOLLM_FUZZ_M32=$((M32 ? 1 : 0)) >/dev/null
    # Only the targets that will run (the i386 smoke runs two of them), plus the reader, which
    # the checks below start, and the seed writer.
    build_targets="fuzz_gguf_reader make_seeds"
    for t in $TARGETS; do [ "$t" = fuzz_gguf_reader ] || build_targets="$build_targets $t"; done
    # shellcheck disable=SC2086
    cmake --build "$BUILD" -j"${JOBS:-2}" --target $build_targets >/dev/null
    # The C library the binaries were linked against, for machines whose own is older.
    mkdir -p "$BUILD/runtime"
    ldd "$BUILD/fuzz_gguf_reader" | awk '/=>/ {print $3} /ld-linux/ {print $1}' | while read -r lib; do
        [ -f "$lib" ] && cp -L "$lib" "$BUILD/runtime/"
    done
fi

# How to start a binary here: directly, or through the carried loader when this machine's C
# library is older than the one the binaries were built against.
LAUNCH=()
probe=$("$BUILD/fuzz_gguf_reader" -runs=0 2>&1 </dev/null || true)
if ! grep -q "INFO: Seed" <<<"$probe"; then
    loader=$(ls "$BUILD"/runtime/ld-linux-*.so.* 2>/dev/null | head -1 || true)
    [ -n "$loader" ] || { echo "cannot run $BUILD/fuzz_gguf_reader: $probe" >&2; exit 2; }
    LAUNCH=("$loader" --library-path "$BUILD/runtime")
    log "running through the carried loader ($loader)"
fi

# The tokenizer targets read the SmolLM2 vocabulary from a GGUF header.
model=${SMOLLM_FUZZ_MODEL:-$SHARED/golden/models/tiny-py-Q4_K_M.gguf}
[ -f "$model" ] || model=$BUILD/seeds/tiny-py-Q4_K_M.header
[ -f "$model" ] || { echo "no SmolLM GGUF for the tokenizer targets: set SMOLLM_FUZZ_MODEL" >&2; exit 2; }
export SMOLLM_FUZZ_MODEL=$model

# Seed corpora: GGUF headers for the reader (shared files and writer output), text for the
# text targets. Kept in the build directory, never committed.
corpus() { echo "$BUILD/corpus/$1"; }
mkdir -p "$(corpus fuzz_gguf_reader)" "$(corpus fuzz_tokenizer)" "$(corpus fuzz_chat_prompt)" "$(corpus fuzz_model_eval)"
if [ -z "$(ls -A "$(corpus fuzz_gguf_reader)")" ]; then
    ggufs=()
    for f in "$SHARED"/golden/models/*.gguf "$SHARED"/golden/vocab/*.gguf "$BUILD"/seeds/*.gguf; do
        [ -f "$f" ] && ggufs+=("$f")
    done
    writer=${SMOLLM_GGUF_WRITER:-$ROOT/build/gguf_writer}
    if [ -x "$writer" ]; then
        for shape in "--dim 64 --layers 1 --heads 4 --kv-heads 2 --ffn 128" \
                     "--dim 32 --layers 2 --heads 2 --kv-heads 1 --ffn 64 --untied"; do
            f=$BUILD/writer-$((${#ggufs[@]})).gguf
            # shellcheck disable=SC2086
            "$writer" --output "$f" $shape >/dev/null 2>&1 && ggufs+=("$f") || log "writer failed on: $shape"
        done
    fi
    "${LAUNCH[@]}" "$BUILD/make_seeds" "$(corpus fuzz_gguf_reader)" "${ggufs[@]}" >&2
fi
if [ -z "$(ls -A "$(corpus fuzz_tokenizer)")" ]; then
    python3 - "$(corpus fuzz_tokenizer)" "$(corpus fuzz_chat_prompt)" "$SHARED" <<'PY'
import json, os, sys
tok_dir, chat_dir, shared = sys.argv[1:4]
texts = ["Hello world", "def f(x):\n    return x + 1\n", "<|im_start|>user\nhi<|im_end|>\n",
         "caf\u00e9 \u65e5\u672c\u8a9e \U0001F600 \u0645\u0631\u062d\u0628\u0627 12345", "\t\n  \r\n   x"]
try:
    golden = json.load(open(os.path.join(shared, "golden/tokenizer-golden.json")))
    items = golden if isinstance(golden, list) else golden.get("cases", golden.get("tests", []))
    for it in items:
        if isinstance(it, dict):
            for k in ("text", "input", "string"):
                if isinstance(it.get(k), str):
                    texts.append(it[k])
except (OSError, ValueError):
    pass
try:
    texts.append(open(os.path.join(shared, "golden/python-sample.txt"), encoding="utf-8").read(3000))
except OSError:
    pass
for i, t in enumerate(texts):
    b = t.encode("utf-8")
    for mode in (0, 1):
        open(os.path.join(tok_dir, f"text-{i}-{mode}"), "wb").write(bytes([mode]) + b)
    open(os.path.join(chat_dir, f"text-{i}"), "wb").write(b"\x01" + b)
ids = b"".join(i.to_bytes(2, "little") for i in (1, 9690, 198, 2, 31, 49151, 216, 217))
open(os.path.join(tok_dir, "ids"), "wb").write(b"\x02" + ids)
PY
fi

# Whole models for the evaluation target, one per tensor type (the k-quants need rows of 256),
# each behind 8 option bytes (sampling, context, flags: see fuzz/fuzz_model_eval.cpp).
if [ -z "$(ls -A "$(corpus fuzz_model_eval)")" ]; then
    writer=${SMOLLM_GGUF_WRITER:-$ROOT/build/gguf_writer}
    [ -x "$writer" ] || { echo "no gguf_writer for the model seeds: build it (cmake --build build --target gguf_writer) or set SMOLLM_GGUF_WRITER" >&2; exit 2; }
    small="--dim 32 --layers 1 --heads 2 --kv-heads 1 --ffn 64 --vocab 300 --context 64"
    wide="--dim 256 --layers 1 --heads 2 --kv-heads 1 --ffn 256 --vocab 300 --context 64 --untied"
    options=(0000000000100000 20284080101c0305 ff0aff40406d3f07)
    i=0
    for spec in "f32:$small" "f16:$small" "bf16:$small" "q8_0:$small" "q4_0:$small" "q4_1:$small" "q5_0:$small" \
                "q5_1:$small" "iq4_nl:$small" "q2_k:$wide" "q3_k:$wide" "q4_k:$wide" "q5_k:$wide" "q6_k:$wide" "iq4_xs:$wide"; do
        type=${spec%%:*}
        f=$BUILD/model-$type.gguf
        # shellcheck disable=SC2086
        "$writer" --output "$f" ${spec#*:} --type "$type" --seed $((i + 1)) >/dev/null
        { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "${options[$((i % 3))]}"; cat "$f"; } >"$(corpus fuzz_model_eval)/model-$type"
        i=$((i + 1))
    done
fi

if ((PREPARE_ONLY)); then
    log "prepared: binaries and corpora in $BUILD"
    exit 0
fi

# The model target's inputs are whole files: the largest seed (Q6_K) is 395 KB.
declare -A MAXLEN=([fuzz_gguf_reader]=4096 [fuzz_tokenizer]=1024 [fuzz_chat_prompt]=512 [fuzz_model_eval]=409600)
declare -A DICT=([fuzz_gguf_reader]="" [fuzz_tokenizer]=fuzz/tokenizer.dict [fuzz_chat_prompt]=fuzz/tokenizer.dict [fuzz_model_eval]="")
read -r -a per <<<"${WORKERS_PER:-}"

# LeakSanitizer needs ptrace; where a sandbox refuses it, fuzz without leak checks and say so.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
leak_probe=$("${LAUNCH[@]}" "$BUILD/fuzz_gguf_reader" -runs=10 "$(corpus fuzz_gguf_reader)" 2>&1 || true)
if grep -q "LeakSanitizer has encountered a fatal error" <<<"$leak_probe"; then
    export ASAN_OPTIONS=detect_leaks=0
    log "LeakSanitizer unavailable here: leak checks off"
fi

rm -rf "$OUT"
mkdir -p "$OUT"
start=$(date +%s)
pids=()
i=0
for t in $TARGETS; do
    n=${per[$i]:-$WORKERS}
    i=$((i + 1))
    mkdir -p "$OUT/$t/crashes"
    limit=(-max_total_time="$TIME")
    [ -n "$RUNS" ] && limit=(-runs="$RUNS")
    dict=()
    [ -n "${DICT[$t]}" ] && dict=(-dict="$ROOT/${DICT[$t]}")
    for w in $(seq 1 "$n"); do
        "${LAUNCH[@]}" "$BUILD/$t" "${limit[@]}" "${dict[@]}" -max_len="${MAXLEN[$t]}" -timeout=20 \
            -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1 -seed="$((w * 7919 + i))" \
            -artifact_prefix="$OUT/$t/crashes/" "$(corpus "$t")" >"$OUT/$t/worker-$w.log" 2>&1 &
        pids+=($!)
    done
    log "$t: $n worker(s)"
done
for p in "${pids[@]}"; do wait "$p" || true; done
elapsed=$(($(date +%s) - start))

status=0
printf '%-18s %14s %8s %8s %7s %8s %9s %9s\n' target executions cov ft corpus crashes timeouts ooms
printf 'target\texecutions\tcov\tft\tcorpus\tcrashes\ttimeouts\tooms\tworkers\tseconds\n' >"$OUT/summary.tsv"
for t in $TARGETS; do
    execs=$(cat "$OUT/$t"/worker-*.log | awk '/stat::number_of_executed_units:/ {s += $2} END {print s + 0}')
    workers=$(ls "$OUT/$t"/worker-*.log | wc -l)
    crashes=$(find "$OUT/$t/crashes" -name 'crash-*' -o -name 'leak-*' -o -name 'deadly*' | wc -l)
    timeouts=$(find "$OUT/$t/crashes" -name 'timeout-*' -o -name 'slow-unit-*' | wc -l)
    ooms=$(find "$OUT/$t/crashes" -name 'oom-*' | wc -l)
    # Coverage of the whole shared corpus, measured once after all workers are done.
    inited=$("${LAUNCH[@]}" "$BUILD/$t" -runs=0 -max_len="${MAXLEN[$t]}" "$(corpus "$t")" 2>&1 | grep -E 'INITED|DONE' | tail -1 || true)
    cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$inited")
    ft=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$inited")
    corp=$(ls "$(corpus "$t")" | wc -l)
    printf '%-18s %14s %8s %8s %7s %8s %9s %9s\n' "$t" "$execs" "${cov:-?}" "${ft:-?}" "$corp" "$crashes" "$timeouts" "$ooms"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$execs" "${cov:-?}" "${ft:-?}" "$corp" "$crashes" "$timeouts" "$ooms" "$workers" "$elapsed" >>"$OUT/summary.tsv"
    if ((crashes + timeouts + ooms)); then
        status=1
        for f in $(find "$OUT/$t/crashes" -type f | head -5); do
            echo "  $t: $(basename "$f") = $(head -c 256 "$f" | od -An -tx1 | tr -d ' \n' | head -c 512)"
        done
        grep -h -A30 -E 'ERROR: (AddressSanitizer|UndefinedBehavior|libFuzzer|LeakSanitizer)|PROPERTY FAILED|runtime error' "$OUT/$t"/worker-*.log | head -60 || true
    fi
done
echo "elapsed ${elapsed}s; logs in $OUT"
exit $status
