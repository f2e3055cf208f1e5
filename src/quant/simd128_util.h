// Small wasm SIMD128 building blocks shared by the dot kernels. Only included from files
// guarded by __wasm_simd128__.
#pragma once
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <cstdint>

#include "quant/simd_fma.h"

namespace smollm::quant::simd128 {

// 16 weights as two i16x8 halves (elements 0..7 and 8..15).
struct W16 {
    v128_t lo, hi;
};

inline W16 widen_s8(v128_t v) { return {wasm_i16x8_extend_low_i8x16(v), wasm_i16x8_extend_high_i8x16(v)}; }
inline W16 widen_u8(v128_t v) { return {wasm_u16x8_extend_low_u8x16(v), wasm_u16x8_extend_high_u8x16(v)}; }

// The Q8_K activations' layout (WideQ8_K in kernels.h): each 16-element group as its even
// elements then its odd ones. Weights widened the same way (`lo`: even, `hi`: odd; one op each
// for unsigned levels, like an extend) make dot16's lane m the sum of elements 4m..4m+3: the
// lanes of llama.cpp's x86 k-quant kernels (quant/kquant_order.h) without any shuffle.
inline W16 widen_u8_even_odd(v128_t v) { return {wasm_v128_and(v, wasm_i16x8_splat(0x00ff)), wasm_u16x8_shr(v, 8)}; }
inline W16 widen_s8_even_odd(v128_t v) { return {wasm_i16x8_shr(wasm_i16x8_shl(v, 8), 8), wasm_i16x8_shr(v, 8)}; }

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

// Lanes of four consecutive elements' products summed, from the pair sums dot_i16x8 gives
// for elements 0..7 (`pairs_a`) and 8..15 (`pairs_b`): lane m holds elements 4m..4m+3.
inline v128_t quad_sums(v128_t pairs_a, v128_t pairs_b) {
    return wasm_i32x4_add(wasm_i32x4_shuffle(pairs_a, pairs_b, 0, 2, 4, 6), wasm_i32x4_shuffle(pairs_a, pairs_b, 1, 3, 5, 7));
}

// fused_madd(d, x, acc) (quant/fused_madd.h) on four f32 lanes, given d in both f64 lanes and
// x's lanes 0..1 and 2..3 as f64 pairs: every product is exact in double, each sum is rounded
// once to f32.
inline v128_t fused_madd_f64(v128_t dd, v128_t x01, v128_t x23, v128_t acc) {
    const v128_t lo = wasm_f64x2_add(wasm_f64x2_mul(dd, x01), wasm_f64x2_promote_low_f32x4(acc));
    const v128_t hi = wasm_f64x2_add(wasm_f64x2_mul(dd, x23), wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(acc, acc, 1, 1)));
    return wasm_i64x2_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 2);
}

// llama.cpp's x86 k-quant order (quant/kquant_order.h): eight f32 accumulators (lanes 0..3
// in `lo`, 4..7 in `hi`), each super-block's int32 lanes converted to f32 and added with a
// fused multiply-add by the block's scale, folded as hsum_float_8.
struct EightLanes {
    v128_t lo = wasm_f32x4_splat(0.0f), hi = wasm_f32x4_splat(0.0f);

    void add(float d, v128_t lanes03, v128_t lanes47) {
#if defined(__wasm_relaxed_simd__)
        add_fused(d, lanes03, lanes47);
#else
        const v128_t dd = wasm_f64x2_splat(static_cast<double>(d));
        const v128_t x03 = wasm_f32x4_convert_i32x4(lanes03), x47 = wasm_f32x4_convert_i32x4(lanes47);
        lo = fused_madd_f64(dd, wasm_f64x2_promote_low_f32x4(x03), wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(x03, x03, 1, 1)), lo);
        hi = fused_madd_f64(dd, wasm_f64x2_promote_low_f32x4(x47), wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(x47, x47, 1, 1)), hi);
#endif
    }
    // The same for lanes below 2^24 in magnitude (exact in f32), converted to double directly:
    // one operation fewer per four lanes (Q4_1 / Q5_1, whose lanes stay below 2^14).
    void add_small(float d, v128_t lanes03, v128_t lanes47) {
#if defined(__wasm_relaxed_simd__)
        add_fused(d, lanes03, lanes47);
#else
        const v128_t dd = wasm_f64x2_splat(static_cast<double>(d));
        lo = fused_madd_f64(dd, wasm_f64x2_convert_low_i32x4(lanes03),
                            wasm_f64x2_convert_low_i32x4(wasm_i64x2_shuffle(lanes03, lanes03, 1, 1)), lo);
        hi = fused_madd_f64(dd, wasm_f64x2_convert_low_i32x4(lanes47),
                            wasm_f64x2_convert_low_i32x4(wasm_i64x2_shuffle(lanes47, lanes47, 1, 1)), hi);
#endif
    }
#if defined(__wasm_relaxed_simd__)
    // With a native fused multiply-add (simd_fma.h): four lanes per instruction, no doubles.
    void add_fused(float d, v128_t lanes03, v128_t lanes47) {
        const v128_t dv = wasm_f32x4_splat(d);
        lo = fmadd_f32x4(dv, wasm_f32x4_convert_i32x4(lanes03), lo);
        hi = fmadd_f32x4(dv, wasm_f32x4_convert_i32x4(lanes47), hi);
    }
#endif
    float fold() const {
        const v128_t r = wasm_f32x4_add(hi, lo);  // lanes k + (k + 4)
        const v128_t r2 = wasm_f32x4_add(r, wasm_i32x4_shuffle(r, r, 2, 3, 2, 3));
        return wasm_f32x4_extract_lane(r2, 0) + wasm_f32x4_extract_lane(r2, 1);
    }
};

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
