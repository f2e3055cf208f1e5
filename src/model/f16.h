// IEEE half <-> float conversions for the KV cache. Rounding is to nearest even, as in ggml,
// so an f16 cache holds the same values llama.cpp's does.
#pragma once
#include <cstdint>
#include <cstring>

namespace smollm {

inline float f16_to_f32(uint16_t h) {
    // Shift the half's exponent and mantissa into a float's place and let one multiply
    // rebias the exponent; subnormals go through a magic-number subtraction.
    const uint32_t w = static_cast<uint32_t>(h) << 16;
    const uint32_t sign = w & 0x80000000u;
    const uint32_t two_w = w + w;
    const uint32_t exp_offset = 0xE0u << 23;
    uint32_t bits = (two_w >> 4) + exp_offset;
    float normalized;
    std::memcpy(&normalized, &bits, 4);
    normalized *= 0x1.0p-112f;
    bits = (two_w >> 17) | (126u << 23);
    float denormalized;
    std::memcpy(&denormalized, &bits, 4);
    denormalized -= 0.5f;
    const uint32_t denormalized_cutoff = 1u << 27;
    uint32_t out_bits;
    if (two_w < denormalized_cutoff) {
        std::memcpy(&out_bits, &denormalized, 4);
    } else {
        std::memcpy(&out_bits, &normalized, 4);
    }
    out_bits |= sign;
    float out;
    std::memcpy(&out, &out_bits, 4);
    return out;
}

inline uint16_t f32_to_f16(float f) {
    // Scaling down then up pushes the rounding into the float unit (nearest even); the
    // exponent bias trick then extracts the half's bits.
    float base = (f < 0 ? -f : f) * 0x1.0p+112f;
    base *= 0x1.0p-110f;
    uint32_t w;
    std::memcpy(&w, &f, 4);
    const uint32_t shl1_w = w + w;
    const uint32_t sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    uint32_t bias_bits = (bias >> 1) + 0x07800000u;
    float bias_f;
    std::memcpy(&bias_f, &bias_bits, 4);
    base = bias_f + base;
    uint32_t bits;
    std::memcpy(&bits, &base, 4);
    const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
    const uint32_t mantissa_bits = bits & 0x00000FFFu;
    const uint32_t nonsign = exp_bits + mantissa_bits;
    return static_cast<uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

}  // namespace smollm
