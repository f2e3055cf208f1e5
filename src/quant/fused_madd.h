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

}  // namespace smollm::quant
