// Half-precision (IEEE binary16) and bfloat16 conversions, bit-exact with ggml's: f32 -> f16
// rounds to nearest even (what x86 F16C does), f16 -> f32 is exact, and bf16 rounding keeps NaNs
// quiet the way ggml_compute_fp32_to_bf16 does. Weights and block scales depend on these bits.
#pragma once
#include <cstdint>
#include <cstring>

namespace smollm::quant {

inline uint32_t f32_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

inline float f32_from_bits(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

inline float fp16_to_fp32(uint16_t h) {
    // Shifting the exponent+mantissa into f32 position and scaling by 2^112 rebiases the
    // exponent and normalises subnormals in one exact multiply; only inf/NaN need a fix-up.
    // Branch-light because kernels convert a block scale per block.
    const uint32_t em = h & 0x7fffu;
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t bits = f32_bits(f32_from_bits(em << 13) * 0x1p112f);
    if (em >= 0x7c00u) bits = (em << 13) | 0x7f800000u;
    return f32_from_bits(bits | sign);
}

inline uint16_t fp32_to_fp16(float f) {
    const uint32_t x = f32_bits(f);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return sign | (ax > 0x7f800000u ? 0x7e00u : 0x7c00u);
    if (ax >= 0x477ff000u) return sign | 0x7c00u;  // 65520 and above round to infinity
    const uint32_t exponent = ax >> 23;
    if (exponent < 113) {
        // Result is a half subnormal (or rounds up to the smallest normal, which the same
        // integer encodes): shift the full mantissa down, rounding to nearest even.
        if (exponent < 102) return sign;
        const uint32_t mantissa = (ax & 0x7fffffu) | 0x800000u;
        const uint32_t shift = 126 - exponent;
        uint32_t q = mantissa >> shift;
        const uint32_t rest = mantissa & ((1u << shift) - 1);
        const uint32_t half = 1u << (shift - 1);
        if (rest > half || (rest == half && (q & 1u))) ++q;
        return static_cast<uint16_t>(sign | q);
    }
    uint32_t h = ((exponent - 112) << 10) | ((ax >> 13) & 0x3ffu);
    const uint32_t rest = ax & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // a carry may bump the exponent
    return static_cast<uint16_t>(sign | h);
}

// Rounds f32 to the nearest f16 and back: the value llama.cpp sees after storing a half.
inline float round_to_fp16(float f) { return fp16_to_fp32(fp32_to_fp16(f)); }

inline float bf16_to_fp32(uint16_t b) { return f32_from_bits(static_cast<uint32_t>(b) << 16); }

inline uint16_t fp32_to_bf16(float f) {
    const uint32_t x = f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 64u);
    return static_cast<uint16_t>((x + (0x7fffu + ((x >> 16) & 1u))) >> 16);
}

}  // namespace smollm::quant

namespace smollm::quant {

// All 65536 halves as floats (256 KiB, built on first use): kernels convert a block scale per
// block and token, and one L1/L2 load beats the bit manipulation in the inner loops.
const float* fp16_table();

}  // namespace smollm::quant
