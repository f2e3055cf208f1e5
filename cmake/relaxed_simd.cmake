# Relaxed-SIMD variant of the web modules (js/wasm/smollm-{mt,st}-relaxed.*), built in its own
# build folder with SMOLLM_RELAXED_SIMD=ON. Debian's emcc 3.1.6 ships clang 14, which has no
# relaxed-SIMD intrinsics, so this folder compiles with LLVM 19 (apt: clang-19 lld-19): emcc
# takes its LLVM from EM_LLVM_ROOT and runs "<tool>-14" names (LLVM_ADD_VERSION), so a folder
# of such names linked to the LLVM 19 tools stands in for clang 14.
set(SMOLLM_RELAXED_LLVM /usr/lib/llvm-19 CACHE PATH "LLVM with relaxed-SIMD support (19+)")
if(NOT EXISTS ${SMOLLM_RELAXED_LLVM}/bin/clang OR NOT EXISTS ${SMOLLM_RELAXED_LLVM}/bin/wasm-ld)
  message(FATAL_ERROR "SMOLLM_RELAXED_SIMD needs clang and wasm-ld of LLVM 19 or newer in "
                      "${SMOLLM_RELAXED_LLVM}/bin (apt-get install clang-19 lld-19)")
endif()
set(SMOLLM_EMCC_LLVM_ROOT ${CMAKE_BINARY_DIR}/llvm-for-emcc)
file(MAKE_DIRECTORY ${SMOLLM_EMCC_LLVM_ROOT})
foreach(tool clang clang++ wasm-ld llvm-ar llvm-nm llvm-ranlib llvm-objcopy llvm-dwarfdump llvm-strip)
  file(CREATE_LINK ${SMOLLM_RELAXED_LLVM}/bin/${tool} ${SMOLLM_EMCC_LLVM_ROOT}/${tool}-14 SYMBOLIC)
endforeach()
# Every compile and link of this folder goes through emcc with EM_LLVM_ROOT pointing there.
set(SMOLLM_EMCC_ENV ${CMAKE_COMMAND} -E env EM_LLVM_ROOT=${SMOLLM_EMCC_LLVM_ROOT})
set(CMAKE_C_COMPILER_LAUNCHER ${SMOLLM_EMCC_ENV})
set(CMAKE_CXX_COMPILER_LAUNCHER ${SMOLLM_EMCC_ENV})
set(CMAKE_CXX_LINKER_LAUNCHER ${SMOLLM_EMCC_ENV})

# LLVM 19 turns on reference types and multivalue by default; this emcc's JS runtime predates
# both, so they stay off. Only relaxed SIMD is added to what the plain build uses.
list(APPEND SMOLLM_WASM_COMPILE -mrelaxed-simd -mno-reference-types -mno-multivalue)
# Debian's binaryen (wasm-opt 108) reads the final relaxed-SIMD opcodes as the older draft's
# and rewrites them wrongly (measured: wrong dot products), so the link stays at -O1, where
# emcc runs no wasm-opt. The code itself is optimized by LLVM at -O3 when compiled.
list(APPEND SMOLLM_WASM_LINK -O1 -sASSERTIONS=0)
# binaryen 108 cannot even read f32x4.relaxed_madd (final opcode 0xfd 0x105, its draft had
# 0xaf), which the kernels' fused multiply-adds use (src/quant/simd_fma.h). With WASM_BIGINT
# (i64 crosses to JS as BigInt: no legalization, no dynCall stubs) emcc has no reason left to
# rewrite the linked module, so wasm-emscripten-finalize only reads its imports and exports
# for the JS glue and never decodes a function body. Every browser with relaxed SIMD has
# BigInt integration, and no export of ours takes or returns an i64.
list(APPEND SMOLLM_WASM_LINK -sWASM_BIGINT)
set(SMOLLM_WEB_SUFFIX -relaxed)
# Node 20 decodes these opcodes with the draft's meaning, so the suites cannot run under node:
# tests/browser checks this build against the plain one in Chromium instead.
set(SMOLLM_BUILD_TESTS OFF)
