#!/usr/bin/env bash
# The project's two entry points on a fresh Debian machine (README.md shows them):
#   bash tools/run.sh demo   installs what is missing, builds, builds the demo (demo/dist), serves it
#   bash tools/run.sh test   installs what is missing, builds, runs every test suite
# Each step is idempotent, so re-running only does what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-2}
export NODE_PATH=/usr/share/nodejs   # Debian's emcc finds acorn here

# Each step's line carries the time since the start, so a CI log shows where the minutes go.
log() { printf '\n== [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }

install_system_packages() {
    # Each entry is "file-that-proves-it-is-there:debian-package". Node and npm are checked as
    # commands, not packages: machines often carry a Node build that bundles its own npm.
    local wanted=(/usr/bin/g++:g++ /usr/bin/cmake:cmake /usr/bin/python3:python3
                  /usr/bin/emcc:emscripten /usr/include/catch2/catch.hpp:catch2
                  /usr/bin/chromium:chromium /usr/bin/firefox-esr:firefox-esr
                  /usr/bin/WebKitWebDriver:webkit2gtk-driver /usr/bin/Xvfb:xvfb
                  /usr/bin/clang++:clang /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev
                  /usr/lib32/crt1.o:libc6-dev-i386 /usr/lib/gcc/x86_64-linux-gnu/12/32/libstdc++.a:lib32stdc++-12-dev
                  /usr/lib/gcc/x86_64-linux-gnu/12/32/libgcc.a:lib32gcc-12-dev
                  /usr/lib/llvm-19/bin/clang:clang-19 /usr/lib/llvm-19/bin/wasm-ld:lld-19)
    command -v node >/dev/null 2>&1 || wanted+=(/usr/bin/node:nodejs)
    command -v npm >/dev/null 2>&1 || wanted+=(/usr/bin/npm:npm)
    local missing=()
    for entry in "${wanted[@]}"; do
        [ -e "${entry%%:*}" ] || missing+=("${entry##*:}")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update -q
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
    fi
}

install_node_packages() {
    # Only when the lock file changed since the last install. `npm install`, not `npm ci`: npm 11
    # leaves other platforms' optional packages (node-llama-cpp's prebuilt binaries) out of the
    # lock file and then `npm ci` refuses that same lock file as out of sync.
    local stamp=node_modules/.smollm-lock-stamp
    if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
        log "npm install"
        npm install --no-audit --no-fund
        cp package-lock.json "$stamp"
    fi
}

build_native() {
    log "native build"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build -j"$JOBS"
}

build_wasm() {
    log "wasm build (multi-thread and single-thread modules)"
    emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build-wasm -j"$JOBS"
    # The same two modules with relaxed-SIMD kernels (LLVM 19, see cmake/relaxed_simd.cmake):
    # browsers that run them correctly get them, everything else the modules above.
    log "wasm build (relaxed-SIMD modules)"
    emcmake cmake -S . -B build-wasm-relaxed -DCMAKE_BUILD_TYPE=Release -DSMOLLM_RELAXED_SIMD=ON >/dev/null
    cmake --build build-wasm-relaxed -j"$JOBS"
}

build_asan() {
    log "native build with AddressSanitizer + UndefinedBehaviorSanitizer"
    # Line tables only (-g1): sanitizer reports still name file and line, and the build is faster.
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO='-O2 -g1 -DNDEBUG' \
        -DSMOLLM_SANITIZE=ON >/dev/null
    cmake --build build-asan -j"$JOBS"
}

# Counts every ctest run's "N tests failed out of M" and the fuzz smoke into one closing line.
TOTAL_PASS=0
TOTAL_FAIL=0
STATUS=0

ctest_in() {
    local dir=$1; shift
    log "ctest in $dir $*"
    local out line
    out=$(cd "$dir" && ctest --output-on-failure "$@" 2>&1) || STATUS=1
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' | tail -1 || true)
    if [ -z "$line" ]; then
        STATUS=1
        return
    fi
    local failed all
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    all=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    TOTAL_PASS=$((TOTAL_PASS + all - failed))
    TOTAL_FAIL=$((TOTAL_FAIL + failed))
}

# The sanitizer build and the fuzz targets' builds, at the lowest CPU priority, in the
# background while the native, JS and wasm suites run: the JS suites leave the cores idle much of
# the time (browser start-up, servers, timers), which these builds fill, and at nice 19 they
# take almost nothing from a suite that wants the core. The suites that need them run after.
start_background_builds() {
    log "sanitizer and fuzz builds start in the background (nice 19)"
    BACKGROUND_LOG=$(mktemp)
    (
        # Lowered before anything starts, so every compiler it runs inherits it.
        renice -n 19 -p "$BASHPID" >/dev/null
        set -e
        build_asan
        log "fuzz targets build"
        bash bench/fuzz/smoke.sh --build-only
    ) >"$BACKGROUND_LOG" 2>&1 &
    BACKGROUND_PID=$!
}

wait_background_builds() {
    local status=0
    wait "$BACKGROUND_PID" || status=$?
    log "background builds finished (status $status); their log:"
    cat "$BACKGROUND_LOG" >&2
    rm -f "$BACKGROUND_LOG"
    return $status
}

fuzz_smoke() {
    log "fuzz smoke: each libFuzzer target for 60 s"
    if bash bench/fuzz/smoke.sh 60; then
        TOTAL_PASS=$((TOTAL_PASS + 1))
    else
        TOTAL_FAIL=$((TOTAL_FAIL + 1))
        STATUS=1
    fi
}

run_tests() {
    # Every suite runs $JOBS at a time. The JS ones (one ctest entry per test file) too: they
    # spend much of their time waiting (browser start-up, servers, timers), and a test that
    # fails only on a busy machine is a bug to fix, not a reason to run alone. ctest starts
    # the longest files first (their COST in cmake/js_tests.cmake).
    start_background_builds
    ctest_in build -R '^native_' -j"$JOBS"
    ctest_in build -E '^native_' -j"$JOBS"
    ctest_in build-wasm -j"$JOBS"
    if wait_background_builds; then
        # The sanitizer build runs the C++ suites only: the JS suites exercise the wasm build.
        # libstdc++ 12's std::stable_sort trips a false alloc/dealloc mismatch report under ASan.
        export ASAN_OPTIONS=alloc_dealloc_mismatch=0
        ctest_in build-asan -R '^native_' -j"$JOBS"
        unset ASAN_OPTIONS
        fuzz_smoke
    else
        echo "the sanitizer or fuzz build failed: see its log above" >&2
        TOTAL_FAIL=$((TOTAL_FAIL + 1))
        STATUS=1
    fi
    echo
    echo "tests: ${TOTAL_PASS} passed, ${TOTAL_FAIL} failed"
    return $STATUS
}

case "${1:-}" in
    demo)
        install_system_packages
        install_node_packages
        build_native
        build_wasm
        log "demo build (Vite, into demo/dist)"
        node demo/build.mjs
        exec node demo/serve.mjs "${@:2}"
        ;;
    test)
        install_system_packages
        install_node_packages
        build_native
        build_wasm
        run_tests
        ;;
    *)
        echo "usage: bash tools/run.sh demo|test" >&2
        exit 2
        ;;
esac
