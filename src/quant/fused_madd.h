// ggml's x86 kernels accumulate with fused multiply-adds (one rounding); wasm SIMD128 has none
// and a native baseline x86-64 build has no FMA instruction. When a * b is exact in double (the
// operands' significands need at most 53 bits together, e.g. an f32 scale times an integer
// below 2^29) and c is within 2^29 of it, a * b + c is exact in double too, so one rounding to
// f32 gives the fused result. Kernels that use this state why their operands qualify.
#pragma once

namespace smollm::quant {

inline float fused_madd(float a, float b, float c) {
    return static_cast<float>(static_cast<double>(a) * static_cast<double>(b) + static_cast<double>(c));
}

// The same for any two f32 factors (F32 weights times F32 activations): a * b is still exact in
// double (24 + 24 significant bits), but a + c far apart in magnitude may not be, and then the
// sum is rounded twice (to double, then to f32). That differs from one rounding only when the
// double lands exactly on a tie between two floats: about once in 2^29 inexact additions, a
// one-ulp difference in one partial sum.
inline float fused_madd_f32(float a, float b, float c) { return fused_madd(a, b, c); }

}  // namespace smollm::quant
