// A fused multiply-add on four f32 lanes for the kernels that follow llama.cpp's x86 order
// (_mm256_fmadd_ps: a * b + c rounded once), where the wasm build has one.
//
// SIMD128 has no fused multiply-add; its kernels emulate it in double (quant/fused_madd.h says
// when that is exact) at two lanes per operation plus the conversions. Relaxed SIMD has
// f32x4.relaxed_madd, which V8 and SpiderMonkey compile to the CPU's own FMA instruction (x86
// FMA3, Arm FMLA): one instruction for four lanes. On an x86 CPU without FMA3 it is a multiply
// and an add instead, which is what llama.cpp's own builds for such CPUs do too (ggml's
// MM256_FMADD falls back to _mm256_add_ps(_mm256_mul_ps(...)) without __FMA__), so the kernels
// still follow the llama.cpp a user on that machine would run.
//
// Only included from files guarded by __wasm_simd128__.
#pragma once
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

namespace smollm::quant::simd128 {

#if defined(__wasm_relaxed_simd__)
// a * b + c, one rounding per lane. Callers keep their double emulation for the SIMD128 build.
inline v128_t fmadd_f32x4(v128_t a, v128_t b, v128_t c) { return wasm_f32x4_relaxed_madd(a, b, c); }
#endif

}  // namespace smollm::quant::simd128
#endif
