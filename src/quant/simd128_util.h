// Small wasm SIMD128 building blocks shared by the dot kernels. Only included from files
// guarded by __wasm_simd128__.
#pragma once
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <cstdint>

namespace smollm::quant::simd128 {

// 16 weights as two i16x8 halves (elements 0..7 and 8..15).
struct W16 {
    v128_t lo, hi;
};

inline W16 widen_s8(v128_t v) { return {wasm_i16x8_extend_low_i8x16(v), wasm_i16x8_extend_high_i8x16(v)}; }
inline W16 widen_u8(v128_t v) { return {wasm_u16x8_extend_low_u8x16(v), wasm_u16x8_extend_high_u8x16(v)}; }

// Products of 16 widened weights with 16 widened (int16) activations at `a`, summed into 4
// i32 lanes.
inline v128_t dot16(const W16& w, const int16_t* a) {
    return wasm_i32x4_add(wasm_i32x4_dot_i16x8(w.lo, wasm_v128_load(a)),
                          wasm_i32x4_dot_i16x8(w.hi, wasm_v128_load(a + 8)));
}

inline int32_t hsum_i32x4(v128_t v) {
    v = wasm_i32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_i32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_i32x4_extract_lane(v, 0);
}

inline float hsum_f32x4(v128_t v) {
    v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(v, 0);
}

// Low and high nibbles of 16 bytes, each as 16 bytes in 0..15. The 16-bit shift is one x64
// instruction; the byte mask removes what crossed from the neighbouring byte.
inline v128_t low_nibbles(v128_t v) { return wasm_v128_and(v, wasm_i8x16_splat(0x0f)); }
inline v128_t high_nibbles(v128_t v) { return wasm_v128_and(wasm_u16x8_shr(v, 4), wasm_i8x16_splat(0x0f)); }

// Byte-wise (v >> s) & mask or (v << s) & mask for masks that exclude the bits a 16-bit shift
// drags across the byte boundary.
inline v128_t shr_mask(v128_t v, int s, int8_t mask) { return wasm_v128_and(wasm_u16x8_shr(v, s), wasm_i8x16_splat(mask)); }
inline v128_t shl_mask(v128_t v, int s, int8_t mask) { return wasm_v128_and(wasm_i16x8_shl(v, s), wasm_i8x16_splat(mask)); }

// Spreads the 32 bits of `bits` over 32 bytes: byte j of the result pair is 0x10 when bit j is
// set (the fifth bit of a Q5 level), else 0.
inline void q5_high_bits(uint32_t bits, v128_t* lo16, v128_t* hi16) {
    const v128_t all = wasm_i32x4_splat(static_cast<int32_t>(bits));
    const v128_t bit_of_byte = wasm_u8x16_make(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
    const v128_t b01 = wasm_i8x16_swizzle(all, wasm_i8x16_make(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
    const v128_t b23 = wasm_i8x16_swizzle(all, wasm_i8x16_make(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const v128_t sixteen = wasm_i8x16_splat(0x10);
    *lo16 = wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(b01, bit_of_byte), bit_of_byte), sixteen);
    *hi16 = wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(b23, bit_of_byte), bit_of_byte), sixteen);
}

// Exact f16 -> f32 of 4 halves held in the low 16 bits of each i32 lane (subnormals, inf and
// NaN included): scaling the shifted bits by 2^112 rebiases the exponent in one multiply.
inline v128_t fp16x4_to_f32(v128_t h32) {
    const v128_t sign = wasm_i32x4_shl(wasm_v128_and(h32, wasm_i32x4_splat(0x8000)), 16);
    const v128_t em = wasm_v128_and(h32, wasm_i32x4_splat(0x7fff));
    const v128_t shifted = wasm_i32x4_shl(em, 13);
    const v128_t finite = wasm_f32x4_mul(shifted, wasm_f32x4_splat(0x1p112f));
    const v128_t inf_nan = wasm_v128_or(shifted, wasm_i32x4_splat(0x7f800000));
    const v128_t is_inf_nan = wasm_i32x4_ge(em, wasm_i32x4_splat(0x7c00));
    return wasm_v128_or(wasm_v128_bitselect(inf_nan, finite, is_inf_nan), sign);
}

}  // namespace smollm::quant::simd128
#endif
