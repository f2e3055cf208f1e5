// Unpacking shared by the SIMD128 and relaxed-SIMD kernels of the k-quants and IQ4_XS: the
// packed six-bit scales and mins of Q4_K / Q5_K, IQ4_XS's scales, and the paired lane sums of
// a super-block.
#pragma once
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <cstdint>

#include "quant/blocks.h"

namespace smollm::quant::simd128 {

// The two i32 lane sums of a super-block (`a` and `b`) at once: lane 0 holds sum(a), lane 2
// sum(b). Integer sums, so the order is free.
inline v128_t hsum2_i32x4(v128_t a, v128_t b) {
    const v128_t t = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 1, 4, 5), wasm_i32x4_shuffle(a, b, 2, 3, 6, 7));
    return wasm_i32x4_add(t, wasm_i32x4_shuffle(t, t, 1, 0, 3, 2));
}

// The byte masks k4_scales_mins needs, held in registers for a whole row: as constants, V8
// rebuilds each one with several instructions at every use, i.e. once per super-block. Loaded
// through a volatile pointer, so LLVM cannot turn them back into constants.
struct K4ScaleMasks {
    v128_t low_keep, low_high_nibble, high_bits;
    static K4ScaleMasks load() {
        alignas(16) static const uint8_t kMasks[48] = {
            63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 15, 15, 15,
            0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30, 0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30};
        const uint8_t* volatile at = kMasks;
        const uint8_t* m = at;
        return {wasm_v128_load(m), wasm_v128_load(m + 16), wasm_v128_load(m + 32)};
    }
};

// The 8 six-bit scales (bytes 0..7) and mins (bytes 8..15) of a Q4_K / Q5_K block, unpacked
// with a few vector ops instead of 16 scalar bit extractions (k4_scale_min is the reference).
// Loading 16 bytes at `packed` stays inside the block: qh or qs follow the 12 scale bytes.
inline v128_t k4_scales_mins(const uint8_t* packed, const K4ScaleMasks& masks) {
    const v128_t v = wasm_v128_load(packed);
    // Both moves are of whole 32-bit words (one pshufd; a byte shuffle is a pshufb plus a mask
    // V8 rebuilds at every use); words in lanes the masks clear are don't-cares.
    // Low bits: scale j<4 is p[j]&63, j>=4 is p[j+4]&15; min j<4 is p[j+4]&63, j>=4 is p[j+4]>>4.
    const v128_t low_src = wasm_i32x4_shuffle(v, v, 0, 2, 1, 2);
    const v128_t low = wasm_v128_or(wasm_v128_and(low_src, masks.low_keep),
                                    wasm_v128_and(wasm_u16x8_shr(low_src, 4), masks.low_high_nibble));
    // High bits of j>=4: bits 6..7 of p[j-4] (scales) and of p[j] (mins), moved to bits 4..5.
    const v128_t high_src = wasm_i32x4_shuffle(v, v, 0, 0, 0, 1);
    return wasm_v128_or(low, wasm_v128_and(wasm_u16x8_shr(high_src, 2), masks.high_bits));
}

// The 8 six-bit scales of an IQ4_XS block as i16 lanes, offset to -32..31, with a few vector
// ops instead of 8 scalar bit extractions (iq4_xs_scale is the reference). Per-lane shifts
// are multiplies: lane ib takes scales_l[ib / 2] times 16 or 1 (then >> 4: the low or high
// nibble), and scales_h shifted left by 14 - 2 ib (then >> 14: bits 2 ib and 2 ib + 1).
inline v128_t iq4_xs_scales(const BlockIQ4_XS& b) {
    const v128_t l = wasm_v128_load32_zero(b.scales_l);
    const v128_t l_pairs = wasm_i8x16_shuffle(l, wasm_i32x4_splat(0), 0, 16, 0, 16, 1, 16, 1, 16, 2, 16, 2, 16, 3, 16, 3, 16);
    const v128_t low = wasm_v128_and(wasm_u16x8_shr(wasm_i16x8_mul(l_pairs, wasm_i16x8_make(16, 1, 16, 1, 16, 1, 16, 1)), 4),
                                     wasm_i16x8_splat(0xf));
    const v128_t h = wasm_v128_load16_splat(&b.scales_h);
    const v128_t high = wasm_u16x8_shr(wasm_i16x8_mul(h, wasm_i16x8_make(1 << 14, 1 << 12, 1 << 10, 1 << 8, 1 << 6, 1 << 4, 1 << 2, 1)), 14);
    return wasm_i16x8_sub(wasm_v128_or(low, wasm_i16x8_shl(high, 4)), wasm_i16x8_splat(32));
}

}  // namespace smollm::quant::simd128
#endif
