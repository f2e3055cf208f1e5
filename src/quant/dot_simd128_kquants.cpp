// SIMD128 kernels of the 256-element types (Q2_K..Q6_K, IQ4_XS) against Q8_K activations
// (widened to int16 by matmul).
// Each super-block is unpacked once per tile with vector ops (ggml's wasm build unpacks Q6_K
// with scalar code and runs IQ4_XS entirely in scalar code), widened to i16 and multiplied
// with i32x4.dot_i16x8_s for every token of the tile. Group scales are folded into the i16
// weights once per tile (|level * scale| <= 4096 fits i16, and lane sums stay far below 2^31),
// so the per-token work is only loads, dots and adds. The integer sums are exact and are
// combined in float in the scalar twin's order (kernels.h; one token: llama.cpp's x86 one, Q3_K,
// Q5_K, Q6_K, IQ4_XS: eight lanes per super-block, quant/kquant_order.h; Q2_K, Q4_K: its
// repacked GEMV's), so both give identical results.
#if defined(__wasm_simd128__)
#include "quant/blocks.h"
#include "quant/fp16.h"
#include "quant/kernels.h"
#include "quant/simd128_kquant_sums.h"
#include "quant/simd128_kquant_unpack.h"
#include "quant/simd128_tile.h"
#include "quant/simd128_util.h"

namespace smollm::quant::simd128 {
namespace {

// Group scales are staged as int16 so each splat is one load16_splat (vpbroadcastw) instead
// of a scalar load, move and two shuffles.
inline W16 scaled(const W16& w, const int16_t* scale) {
    const v128_t s = wasm_v128_load16_splat(scale);
    return {wasm_i16x8_mul(w.lo, s), wasm_i16x8_mul(w.hi, s)};
}

// V8 keeps wasm loads in program order but sinks pure SIMD arithmetic down to its first use,
// so in an unrolled decode loop all of a block's loads run first and most loaded vectors
// spill to the stack. A volatile store of the running sum (which V8 must keep in order) pins
// the arithmetic before the loads that follow: +10% decode on Q4_K / Q5_K / Q6_K. Pinning
// every 16 or 32 weights was slower than every 64.
inline void pin(volatile v128_t* sink, v128_t v) { *sink = v; }

// Q4_K / Q5_K: 8 groups of 32 with six-bit scales and mins. One token (kernels.h): Q4_K as
// llama.cpp's repacked x86 GEMV combines it (kquant_row_repacked in dot_scalar.cpp), Q5_K in its
// x86 vec_dot's eight lanes (quant/kquant_order.h), which the even / odd layout
// (simd128_util.h) gives directly: dot16 makes lanes 0..3 from elements 0..15 of each group,
// 4..7 from 16..31. Larger tiles: one total per super-block.
template <int NT, bool kFiveBit, typename Block, bool kFast = false>
void k4_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const Block*>(w_row);
    const ActivationTile<WideQ8_K, NT> act(xq, xq_stride);
    using Sums = K4TileSums<NT, kFiveBit, !kFiveBit, kFast>;
    Sums sums;
    constexpr bool kLanes = Sums::kLanes;
    constexpr bool kPairs = Sums::kPairs;
    volatile v128_t sink;  // see pin()
    const float* f16 = fp16_table();
    const int64_t nb = n_cols / kQK_K;
    const K4ScaleMasks scale_masks = K4ScaleMasks::load();
    for (int64_t i = 0; i < nb; ++i) {
        const Block& b = w[i];
        const v128_t scales_mins = k4_scales_mins(b.scales, scale_masks);
        const v128_t scales = wasm_u16x8_extend_low_u8x16(scales_mins);
        const v128_t mins = wasm_u16x8_extend_high_u8x16(scales_mins);
        int16_t sc[8];
        wasm_v128_store(sc, scales);
        // Mins repeated per pair of Q8_K bsums (16 groups of 16 -> 8 groups of 32).
        const v128_t mins0 = wasm_i16x8_shuffle(mins, mins, 0, 0, 1, 1, 2, 2, 3, 3);
        const v128_t mins1 = wasm_i16x8_shuffle(mins, mins, 4, 4, 5, 5, 6, 6, 7, 7);
        // One total, or Q5_K's lanes 0..3 and 4..7 for one token.
        constexpr int kSums = decltype(sums)::kIntegerSums;
        v128_t isum[NT][kSums];
        for (int t = 0; t < NT; ++t)
            for (int s = 0; s < kSums; ++s) isum[t][s] = wasm_i32x4_splat(0);
        v128_t qh0 = wasm_i32x4_splat(0), qh1 = qh0;
        if constexpr (kFiveBit) {
            qh0 = wasm_v128_load(b.qh);
            qh1 = wasm_v128_load(b.qh + 16);
        }
        // Decode unrolls the 4 steps; larger tiles keep the loop, where the unrolled code spills.
        constexpr int kUnroll = NT == 1 ? 4 : 1;
#pragma clang loop unroll_count(kUnroll)
        for (int p = 0; p < 4; ++p) {
            const v128_t q0 = wasm_v128_load(b.qs + 32 * p);
            const v128_t q1 = wasm_v128_load(b.qs + 32 * p + 16);
            v128_t lo0 = low_nibbles(q0), lo1 = low_nibbles(q1);
            v128_t hi0 = high_nibbles(q0), hi1 = high_nibbles(q1);
            if constexpr (kFiveBit) {
                // Bits 0 and 1 of each qh byte are the fifth bits of groups 2p and 2p+1: moved
                // to bit 4 with constant shifts, then qh steps on by two bits. The 16-bit shifts
                // only drag bits across bytes into positions the masks clear.
                lo0 = wasm_v128_or(lo0, shl_mask(qh0, 4, 0x10));
                lo1 = wasm_v128_or(lo1, shl_mask(qh1, 4, 0x10));
                hi0 = wasm_v128_or(hi0, shl_mask(qh0, 3, 0x10));
                hi1 = wasm_v128_or(hi1, shl_mask(qh1, 3, 0x10));
                qh0 = wasm_u16x8_shr(qh0, 2);
                qh1 = wasm_u16x8_shr(qh1, 2);
            }
            const W16 wl0 = scaled(widen_u8_even_odd(lo0), &sc[2 * p]), wl1 = scaled(widen_u8_even_odd(lo1), &sc[2 * p]);
            const W16 wh0 = scaled(widen_u8_even_odd(hi0), &sc[2 * p + 1]), wh1 = scaled(widen_u8_even_odd(hi1), &sc[2 * p + 1]);
            for (int t = 0; t < NT; ++t) {
                const int16_t* a = act.row[t][i].qs + 64 * p;
                if constexpr (kLanes) {
                    isum[t][0] = wasm_i32x4_add(isum[t][0], wasm_i32x4_add(dot16(wl0, a), dot16(wh0, a + 32)));
                    isum[t][1] = wasm_i32x4_add(isum[t][1], wasm_i32x4_add(dot16(wl1, a + 16), dot16(wh1, a + 48)));
                } else {
                    const v128_t g_lo = wasm_i32x4_add(dot16(wl0, a), dot16(wl1, a + 16));
                    const v128_t g_hi = wasm_i32x4_add(dot16(wh0, a + 32), dot16(wh1, a + 48));
                    v128_t& sum = isum[t][kPairs ? p : 0];
                    sum = wasm_i32x4_add(sum, wasm_i32x4_add(g_lo, g_hi));
                }
            }
            if constexpr (NT == 1) pin(&sink, isum[0][0]);
        }
        const float wd = f16[b.d], wdmin = f16[b.dmin];
        for (int t = 0; t < NT; ++t) {
            const WideQ8_K& a = act.row[t][i];
            sums.add(t, isum[t], wasm_i32x4_dot_i16x8(wasm_v128_load(a.bsums), mins0),
                     wasm_i32x4_dot_i16x8(wasm_v128_load(a.bsums + 8), mins1), a.d, wd, wdmin);
        }
    }
    sums.store(y, y_stride);
}

template <int NT>
void q4_k_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    k4_tile<NT, false, BlockQ4_K>(n, w, x, xs, y, ys);
}
template <int NT>
void q5_k_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    k4_tile<NT, true, BlockQ5_K>(n, w, x, xs, y, ys);
}

template <int NT, bool kFast = false>
void q6_k_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const BlockQ6_K*>(w_row);
    const ActivationTile<WideQ8_K, NT> act(xq, xq_stride);
    LaneTileSums<NT, kFast> sums;
    volatile v128_t sink;  // see pin()
    const float* f16 = fp16_table();
    const int64_t nb = n_cols / kQK_K;
    for (int64_t i = 0; i < nb; ++i) {
        const BlockQ6_K& b = w[i];
        int16_t sc16[16];
        const v128_t sc8 = wasm_v128_load(b.scales);
        const v128_t sc_lo = wasm_i16x8_extend_low_i8x16(sc8), sc_hi = wasm_i16x8_extend_high_i8x16(sc8);
        wasm_v128_store(sc16, sc_lo);
        wasm_v128_store(sc16 + 8, sc_hi);
        // One token: llama.cpp's eight x86 lanes (quant/kquant_order.h), 0..3 from the even
        // groups (elements 0..15 of each 32-element run), 4..7 from the odd ones. Larger tiles:
        // one total.
        constexpr int kSums = decltype(sums)::kIntegerSums;
        v128_t isum[NT][kSums];
        for (int t = 0; t < NT; ++t)
            for (int s = 0; s < kSums; ++s) isum[t][s] = wasm_i32x4_splat(0);
        // One half (128 elements) of the block. Decode unrolls both halves, which keeps the
        // masks and shift counts in registers; larger tiles keep the loop, where unrolling
        // would spill the extra accumulators.
        auto half = [&](int n) {
            const uint8_t* ql = b.ql + 64 * n;
            const v128_t l0 = wasm_v128_load(ql), l1 = wasm_v128_load(ql + 16);
            const v128_t l2 = wasm_v128_load(ql + 32), l3 = wasm_v128_load(ql + 48);
            const v128_t h0 = wasm_v128_load(b.qh + 32 * n), h1 = wasm_v128_load(b.qh + 32 * n + 16);
            const int16_t* sc = sc16 + 8 * n;
            // Group g (16 elements) of this half: low nibbles of ql for the first 64 elements,
            // high nibbles for the next 64; qh bit pair 0..3 moved to bits 4..5, written out
            // group by group. Levels stay unsigned (0..63): the -32 offset is applied once per
            // super-block through the bsums.
            auto dot_group = [&](v128_t q6, int g) {
                const W16 wg = scaled(widen_u8_even_odd(q6), &sc[g]);
                const int s = kSums == 2 ? g % 2 : 0;
                for (int t = 0; t < NT; ++t)
                    isum[t][s] = wasm_i32x4_add(isum[t][s], dot16(wg, act.row[t][i].qs + 128 * n + 16 * g));
                if constexpr (NT == 1) {
                    if (g % 4 == 3) pin(&sink, isum[0][s]);
                }
            };
            // Decode consumes each group as it is unpacked, so it stays in a register; larger
            // tiles unpack all 8 first and then run one loop over them (measured faster there).
            v128_t unpacked[8];
            auto group = [&](v128_t q6, int g) {
                if constexpr (NT == 1) {
                    dot_group(q6, g);
                } else {
                    unpacked[g] = q6;
                }
            };
            group(wasm_v128_or(low_nibbles(l0), shl_mask(h0, 4, 0x30)), 0);
            group(wasm_v128_or(low_nibbles(l1), shl_mask(h1, 4, 0x30)), 1);
            group(wasm_v128_or(low_nibbles(l2), shl_mask(h0, 2, 0x30)), 2);
            group(wasm_v128_or(low_nibbles(l3), shl_mask(h1, 2, 0x30)), 3);
            group(wasm_v128_or(high_nibbles(l0), wasm_v128_and(h0, wasm_i8x16_splat(0x30))), 4);
            group(wasm_v128_or(high_nibbles(l1), wasm_v128_and(h1, wasm_i8x16_splat(0x30))), 5);
            group(wasm_v128_or(high_nibbles(l2), shr_mask(h0, 2, 0x30)), 6);
            group(wasm_v128_or(high_nibbles(l3), shr_mask(h1, 2, 0x30)), 7);
            if constexpr (NT > 1) {
                for (int g = 0; g < 8; ++g) dot_group(unpacked[g], g);
            }
        };
        if constexpr (NT == 1) {
            half(0);
            half(1);
        } else {
            for (int n = 0; n < 2; ++n) half(n);
        }
        const float wd = f16[b.d];
        for (int t = 0; t < NT; ++t) add_q6_k<NT, kFast, kSums>(sums, t, isum[t], sc_lo, sc_hi, act.row[t][i].bsums, act.row[t][i].d * wd);
    }
    sums.store(y, y_stride);
}

template <int NT, bool kFast = false>
void q3_k_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const BlockQ3_K*>(w_row);
    const ActivationTile<WideQ8_K, NT> act(xq, xq_stride);
    LaneTileSums<NT, kFast> sums;
    const float* f16 = fp16_table();
    const int64_t nb = n_cols / kQK_K;
    const v128_t three = wasm_i8x16_splat(3), four = wasm_i8x16_splat(4), zero = wasm_i32x4_splat(0);
    for (int64_t i = 0; i < nb; ++i) {
        const BlockQ3_K& b = w[i];
        int8_t sc8[16];
        q3_k_scales(b.scales, sc8);
        int16_t sc[16];
        for (int j = 0; j < 16; ++j) sc[j] = sc8[j];
        // One token: llama.cpp's eight x86 lanes (quant/kquant_order.h), 0..3 from elements
        // 0..15 of each 32-element run, 4..7 from 16..31. Larger tiles: one total.
        constexpr int kSums = decltype(sums)::kIntegerSums;
        v128_t isum[NT][kSums];
        for (int t = 0; t < NT; ++t)
            for (int s = 0; s < kSums; ++s) isum[t][s] = zero;
        const v128_t hm0 = wasm_v128_load(b.hmask), hm1 = wasm_v128_load(b.hmask + 16);
        for (int n = 0; n < 2; ++n) {
            const v128_t q0 = wasm_v128_load(b.qs + 32 * n), q1 = wasm_v128_load(b.qs + 32 * n + 16);
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; ++j) {
                // Level = 2 low bits - 4 when the hmask bit is clear.
                const v128_t bit = wasm_i8x16_splat(static_cast<int8_t>(1u << (4 * n + j)));
                const v128_t minus0 = wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(hm0, bit), zero), four);
                const v128_t minus1 = wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(hm1, bit), zero), four);
                const v128_t v0 = wasm_i8x16_sub(wasm_v128_and(wasm_u16x8_shr(q0, 2 * j), three), minus0);
                const v128_t v1 = wasm_i8x16_sub(wasm_v128_and(wasm_u16x8_shr(q1, 2 * j), three), minus1);
                const W16 w0 = scaled(widen_s8_even_odd(v0), &sc[8 * n + 2 * j]);
                const W16 w1 = scaled(widen_s8_even_odd(v1), &sc[8 * n + 2 * j + 1]);
                for (int t = 0; t < NT; ++t) {
                    const int16_t* a = act.row[t][i].qs + 128 * n + 32 * j;
                    isum[t][0] = wasm_i32x4_add(isum[t][0], dot16(w0, a));
                    isum[t][kSums - 1] = wasm_i32x4_add(isum[t][kSums - 1], dot16(w1, a + 16));
                }
            }
        }
        const float wd = f16[b.d];
        for (int t = 0; t < NT; ++t) sums.template add<kSums>(t, isum[t], act.row[t][i].d * wd);
    }
    sums.store(y, y_stride);
}

template <int NT>
void q2_k_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const BlockQ2_K*>(w_row);
    const ActivationTile<WideQ8_K, NT> act(xq, xq_stride);
    K4TileSums<NT, false, false> sums;  // Q2_K, one token: the repacked GEMV's order, as Q4_K
    const int64_t nb = n_cols / kQK_K;
    const v128_t three = wasm_i8x16_splat(3);
    for (int64_t i = 0; i < nb; ++i) {
        const BlockQ2_K& b = w[i];
        const v128_t packed = wasm_v128_load(b.scales);
        const W16 mins = widen_u8(high_nibbles(packed));
        const W16 scales = widen_u8(low_nibbles(packed));
        int16_t sc[16];
        wasm_v128_store(sc, scales.lo);
        wasm_v128_store(sc + 8, scales.hi);
        v128_t isum[NT];
        for (int t = 0; t < NT; ++t) isum[t] = wasm_i32x4_splat(0);
        for (int n = 0; n < 2; ++n) {
            const v128_t q0 = wasm_v128_load(b.qs + 32 * n), q1 = wasm_v128_load(b.qs + 32 * n + 16);
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; ++j) {
                const W16 w0 = scaled(widen_u8_even_odd(wasm_v128_and(wasm_u16x8_shr(q0, 2 * j), three)), &sc[8 * n + 2 * j]);
                const W16 w1 = scaled(widen_u8_even_odd(wasm_v128_and(wasm_u16x8_shr(q1, 2 * j), three)), &sc[8 * n + 2 * j + 1]);
                for (int t = 0; t < NT; ++t) {
                    const int16_t* a = act.row[t][i].qs + 128 * n + 32 * j;
                    isum[t] = wasm_i32x4_add(isum[t], wasm_i32x4_add(dot16(w0, a), dot16(w1, a + 16)));
                }
            }
        }
        const float wd = fp16_to_fp32(b.d), wdmin = fp16_to_fp32(b.dmin);
        for (int t = 0; t < NT; ++t) {
            const WideQ8_K& a = act.row[t][i];
            sums.add(t, &isum[t], wasm_i32x4_dot_i16x8(mins.lo, wasm_v128_load(a.bsums)),
                     wasm_i32x4_dot_i16x8(mins.hi, wasm_v128_load(a.bsums + 8)), a.d, wd, wdmin);
        }
    }
    sums.store(y, y_stride);
}

template <int NT, template <int> class Sums = LlamaLaneSums>
void iq4_xs_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const BlockIQ4_XS*>(w_row);
    const ActivationTile<WideQ8_K, NT> act(xq, xq_stride);
    Sums<NT> sums;
    const float* f16 = fp16_table();
    const int64_t nb = n_cols / kQK_K;
    const v128_t levels = wasm_v128_load(kIQ4Values);
    for (int64_t i = 0; i < nb; ++i) {
        const BlockIQ4_XS& b = w[i];
        int16_t sc[8];
        wasm_v128_store(sc, iq4_xs_scales(b));
        // One token: llama.cpp's eight x86 lanes (quant/kquant_order.h), 0..3 from elements
        // 0..15 of each group, 4..7 from 16..31. Larger tiles: one total.
        constexpr int kSums = decltype(sums)::kIntegerSums;
        v128_t isum[NT][kSums];
        for (int t = 0; t < NT; ++t)
            for (int s = 0; s < kSums; ++s) isum[t][s] = wasm_i32x4_splat(0);
        // Decode unrolls the 8 groups (constants and addresses fold); larger tiles keep the loop.
        constexpr int kUnroll = NT == 1 ? 8 : 1;
#pragma clang loop unroll_count(kUnroll)
        for (int ib = 0; ib < 8; ++ib) {
            // Byte j of the group holds element j (low nibble) and j+16 (high nibble); the
            // 16-entry level table is one swizzle.
            const v128_t q = wasm_v128_load(b.qs + 16 * ib);
            const W16 w0 = scaled(widen_s8_even_odd(wasm_i8x16_swizzle(levels, low_nibbles(q))), &sc[ib]);
            const W16 w1 = scaled(widen_s8_even_odd(wasm_i8x16_swizzle(levels, high_nibbles(q))), &sc[ib]);
            for (int t = 0; t < NT; ++t) {
                const int16_t* a = act.row[t][i].qs + 32 * ib;
                isum[t][0] = wasm_i32x4_add(isum[t][0], dot16(w0, a));
                isum[t][kSums - 1] = wasm_i32x4_add(isum[t][kSums - 1], dot16(w1, a + 16));
            }
        }
        const float wd = f16[b.d];
        for (int t = 0; t < NT; ++t) sums.template add<kSums>(t, isum[t], act.row[t][i].d * wd);
    }
    sums.store(y, y_stride);
}

}  // namespace

SMOLLM_SIMD128_TILE_ENTRY(q2_k, q2_k_tile)
SMOLLM_SIMD128_TILE_ENTRY(q3_k, q3_k_tile)
SMOLLM_SIMD128_TILE_ENTRY(q4_k, q4_k_tile)
SMOLLM_SIMD128_TILE_ENTRY(q5_k, q5_k_tile)
SMOLLM_SIMD128_TILE_ENTRY(q6_k, q6_k_tile)
SMOLLM_SIMD128_TILE_ENTRY(iq4_xs, iq4_xs_tile)
SMOLLM_SIMD128_TILE_ENTRY(iq4_xs_panel, iq4_xs_tile, PanelTileSums)   // 8+ tokens: llama.cpp's IQ panel
// BatchOrder::Fast's batch tiles (quant.h): one total per super-block.
SMOLLM_SIMD128_TILE_ENTRY(q3_k_fast, q3_k_tile, true)
SMOLLM_SIMD128_TILE_ENTRY(q4_k_fast, k4_tile, false, BlockQ4_K, true)
SMOLLM_SIMD128_TILE_ENTRY(q5_k_fast, k4_tile, true, BlockQ5_K, true)
SMOLLM_SIMD128_TILE_ENTRY(q6_k_fast, q6_k_tile, true)
SMOLLM_SIMD128_TILE_ENTRY(iq4_xs_fast, iq4_xs_tile, FastLaneSums)

}  // namespace smollm::quant::simd128
#endif
