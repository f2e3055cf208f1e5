// Relaxed-SIMD kernels of Q4_K, Q5_K and Q6_K (the types of the Q4_K_M and Q5_K_M files) and
// IQ4_XS against Q8_K activations as stored: int8, no widening pass.
// i16x8.relaxed_dot_i8x16_i7x16_s multiplies 16 int8 activations with 16 weight levels and
// adds neighbouring products (x64: one pmaddubsw); i32x4.dot_i16x8_s then applies the group
// scale to those pair sums (pmaddwd), as llama.cpp's AVX2 kernels do. The SIMD128 kernels need
// two widenings, two scale multiplies and two dots for the same 16 products.
// The relaxed dot is only deterministic when the second operand is in 0..127: k-quant levels
// are unsigned (Q4 0..15, Q5 0..31, Q6 0..63; mins and the Q6 offset go through the bsums), so
// every sum is exact, equal to the SIMD128 kernels' integer sums (lane by lane where llama.cpp's
// x86 order keeps eight lanes, quant/kquant_order.h), and the results are bit-identical to
// theirs (tests/browser/package compares whole logit vectors).
// Unlike the SIMD128 kernels these do not pin the running sum with a volatile store: with the
// shorter per-block arithmetic, pinning cost 10-15% of decode speed in Chromium.
// Pair sums stay in i16: at most 2 * 127 * 63 = 16002, or 4 * 127 * 31 = 15748 where the two
// halves of a 32-element group are added before scaling.
// IQ4_XS levels are signed (-127..113), so its kernel moves each activation's sign onto the
// level and dots with |activation|: t * a = (t * sign(a)) * |a|, exact, because Q8_K values
// are -127..127 (activation_quant.cpp), so |a| fits the 7-bit operand and -t never overflows.
// Its pair sums reach 2 * 127 * 127 = 32258: still i16, but each 16-element half is scaled on
// its own.
#if defined(__wasm_relaxed_simd__)
#include <wasm_simd128.h>

#include "quant/blocks.h"
#include "quant/fp16.h"
#include "quant/kernels.h"
#include "quant/simd128_kquant_sums.h"
#include "quant/simd128_kquant_unpack.h"
#include "quant/simd128_tile.h"
#include "quant/simd128_util.h"

namespace smollm::quant::relaxed {
namespace {

using simd128::ActivationTile;
using simd128::hsum2_i32x4;
using simd128::hsum_i32x4;
using simd128::iq4_xs_scales;
using simd128::k4_scales_mins;

// Byte masks as values LLVM cannot constant-fold: a constant v128 is re-emitted at every use
// (it counts as free to rematerialize) and V8 then rebuilds it with 2-3 instructions each
// time, inside the hot loop. A splat of a volatile byte is built once per call and stays in a
// register.
inline v128_t opaque_splat(uint8_t byte) {
    volatile uint8_t b = byte;
    return wasm_i8x16_splat(static_cast<int8_t>(b));
}

// 16 activations at `a` times 16 levels in 0..127, as 8 i16 sums of neighbouring products.
inline v128_t pair_dot(const int8_t* a, v128_t levels) {
    return wasm_i16x8_relaxed_dot_i8x16_i7x16(wasm_v128_load(a), levels);
}

// Q4_K / Q5_K: 8 groups of 32 with six-bit scales and mins, combined in float as the SIMD128
// kernels do (kernels.h; one token: Q4_K as llama.cpp's repacked x86 GEMV, Q5_K in its x86
// vec_dot's eight lanes, 0..3 from elements 0..15 of each group, 4..7 from 16..31).
template <int NT, bool kFiveBit, typename Block, bool kFast = false>
void k4_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const Block*>(w_row);
    const ActivationTile<BlockQ8_K, NT> act(xq, xq_stride);
    using Sums = simd128::K4TileSums<NT, kFiveBit, !kFiveBit, kFast>;
    Sums sums;
    constexpr bool kLanes = Sums::kLanes;
    constexpr bool kPairs = Sums::kPairs;
    const float* f16 = fp16_table();
    const int64_t nb = n_cols / kQK_K;
    const v128_t m0f = opaque_splat(0x0f), m10 = opaque_splat(0x10);
    const simd128::K4ScaleMasks scale_masks = simd128::K4ScaleMasks::load();
    for (int64_t i = 0; i < nb; ++i) {
        const Block& b = w[i];
        const v128_t scales_mins = k4_scales_mins(b.scales, scale_masks);
        int16_t sc[8];
        wasm_v128_store(sc, wasm_u16x8_extend_low_u8x16(scales_mins));
        const v128_t mins = wasm_u16x8_extend_high_u8x16(scales_mins);
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
        constexpr int kUnroll = NT == 1 ? 4 : 1;
#pragma clang loop unroll_count(kUnroll)
        for (int p = 0; p < 4; ++p) {
            const v128_t q0 = wasm_v128_load(b.qs + 32 * p);
            const v128_t q1 = wasm_v128_load(b.qs + 32 * p + 16);
            v128_t lo0 = wasm_v128_and(q0, m0f), lo1 = wasm_v128_and(q1, m0f);
            v128_t hi0 = wasm_v128_and(wasm_u16x8_shr(q0, 4), m0f), hi1 = wasm_v128_and(wasm_u16x8_shr(q1, 4), m0f);
            if constexpr (kFiveBit) {
                // The fifth bits of groups 2p and 2p+1, as in simd128::k4_tile.
                lo0 = wasm_v128_or(lo0, wasm_v128_and(wasm_i16x8_shl(qh0, 4), m10));
                lo1 = wasm_v128_or(lo1, wasm_v128_and(wasm_i16x8_shl(qh1, 4), m10));
                hi0 = wasm_v128_or(hi0, wasm_v128_and(wasm_i16x8_shl(qh0, 3), m10));
                hi1 = wasm_v128_or(hi1, wasm_v128_and(wasm_i16x8_shl(qh1, 3), m10));
                qh0 = wasm_u16x8_shr(qh0, 2);
                qh1 = wasm_u16x8_shr(qh1, 2);
            }
            const v128_t s_lo = wasm_v128_load16_splat(&sc[2 * p]);
            const v128_t s_hi = wasm_v128_load16_splat(&sc[2 * p + 1]);
            for (int t = 0; t < NT; ++t) {
                const int8_t* a = act.row[t][i].qs + 64 * p;
                if constexpr (kLanes) {
                    isum[t][0] = wasm_i32x4_add(isum[t][0], wasm_i32x4_add(wasm_i32x4_dot_i16x8(pair_dot(a, lo0), s_lo),
                                                                           wasm_i32x4_dot_i16x8(pair_dot(a + 32, hi0), s_hi)));
                    isum[t][1] = wasm_i32x4_add(isum[t][1], wasm_i32x4_add(wasm_i32x4_dot_i16x8(pair_dot(a + 16, lo1), s_lo),
                                                                           wasm_i32x4_dot_i16x8(pair_dot(a + 48, hi1), s_hi)));
                } else {
                    const v128_t p_lo = wasm_i16x8_add(pair_dot(a, lo0), pair_dot(a + 16, lo1));
                    const v128_t p_hi = wasm_i16x8_add(pair_dot(a + 32, hi0), pair_dot(a + 48, hi1));
                    v128_t& sum = isum[t][kPairs ? p : 0];
                    sum = wasm_i32x4_add(sum, wasm_i32x4_add(wasm_i32x4_dot_i16x8(p_lo, s_lo), wasm_i32x4_dot_i16x8(p_hi, s_hi)));
                }
            }
        }
        const float wd = f16[b.d], wdmin = f16[b.dmin];
        for (int t = 0; t < NT; ++t) {
            const BlockQ8_K& a = act.row[t][i];
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

// Q6_K: 16 groups of 16 with signed 8-bit scales; levels stay unsigned (0..63) and the -32
// offset is applied once per super-block through the bsums.
template <int NT, bool kFast = false>
void q6_k_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const BlockQ6_K*>(w_row);
    const ActivationTile<BlockQ8_K, NT> act(xq, xq_stride);
    simd128::LaneTileSums<NT, kFast> sums;
    const float* f16 = fp16_table();
    const int64_t nb = n_cols / kQK_K;
    const v128_t m0f = opaque_splat(0x0f), m30 = opaque_splat(0x30);
    auto lo = [&](v128_t v) { return wasm_v128_and(v, m0f); };
    auto hi = [&](v128_t v) { return wasm_v128_and(wasm_u16x8_shr(v, 4), m0f); };
    for (int64_t i = 0; i < nb; ++i) {
        const BlockQ6_K& b = w[i];
        int16_t sc16[16];
        const v128_t sc8 = wasm_v128_load(b.scales);
        const v128_t sc_lo = wasm_i16x8_extend_low_i8x16(sc8), sc_hi = wasm_i16x8_extend_high_i8x16(sc8);
        wasm_v128_store(sc16, sc_lo);
        wasm_v128_store(sc16 + 8, sc_hi);
        // One token: lanes 0..3 (even groups: elements 0..15 of each 32-element run) and 4..7
        // (odd groups). Larger tiles: one total.
        constexpr int kSums = decltype(sums)::kIntegerSums;
        v128_t isum[NT][kSums];
        for (int t = 0; t < NT; ++t)
            for (int s = 0; s < kSums; ++s) isum[t][s] = wasm_i32x4_splat(0);
        auto half = [&](int n) {
            const uint8_t* ql = b.ql + 64 * n;
            const v128_t l0 = wasm_v128_load(ql), l1 = wasm_v128_load(ql + 16);
            const v128_t l2 = wasm_v128_load(ql + 32), l3 = wasm_v128_load(ql + 48);
            const v128_t h0 = wasm_v128_load(b.qh + 32 * n), h1 = wasm_v128_load(b.qh + 32 * n + 16);
            const int16_t* sc = sc16 + 8 * n;
            // Group g (16 elements) of this half, unpacked as in simd128::q6_k_tile.
            auto group = [&](v128_t q6, int g) {
                const v128_t s = wasm_v128_load16_splat(&sc[g]);
                for (int t = 0; t < NT; ++t)
                    isum[t][g % kSums] = wasm_i32x4_add(isum[t][g % kSums], wasm_i32x4_dot_i16x8(pair_dot(act.row[t][i].qs + 128 * n + 16 * g, q6), s));
            };
            group(wasm_v128_or(lo(l0), wasm_v128_and(wasm_i16x8_shl(h0, 4), m30)), 0);
            group(wasm_v128_or(lo(l1), wasm_v128_and(wasm_i16x8_shl(h1, 4), m30)), 1);
            group(wasm_v128_or(lo(l2), wasm_v128_and(wasm_i16x8_shl(h0, 2), m30)), 2);
            group(wasm_v128_or(lo(l3), wasm_v128_and(wasm_i16x8_shl(h1, 2), m30)), 3);
            group(wasm_v128_or(hi(l0), wasm_v128_and(h0, m30)), 4);
            group(wasm_v128_or(hi(l1), wasm_v128_and(h1, m30)), 5);
            group(wasm_v128_or(hi(l2), wasm_v128_and(wasm_u16x8_shr(h0, 2), m30)), 6);
            group(wasm_v128_or(hi(l3), wasm_v128_and(wasm_u16x8_shr(h1, 2), m30)), 7);
        };
        if constexpr (NT == 1) {
            half(0);
            half(1);
        } else {
            for (int n = 0; n < 2; ++n) half(n);
        }
        const float wd = f16[b.d];
        for (int t = 0; t < NT; ++t) simd128::add_q6_k<NT, kFast, kSums>(sums, t, isum[t], sc_lo, sc_hi, act.row[t][i].bsums, act.row[t][i].d * wd);
    }
    sums.store(y, y_stride);
}

// 16 activations at `a` times 16 signed levels, as 8 i16 sums of neighbouring products: the
// sign of each activation moves to its level ((t ^ m) - m negates t where m is all ones), and
// |a| is the 7-bit operand.
inline v128_t signed_pair_dot(const int8_t* a, v128_t levels) {
    const v128_t x = wasm_v128_load(a);
    const v128_t negative = wasm_i8x16_lt(x, wasm_i8x16_splat(0));
    const v128_t signed_levels = wasm_i8x16_sub(wasm_v128_xor(levels, negative), negative);
    return wasm_i16x8_relaxed_dot_i8x16_i7x16(signed_levels, wasm_i8x16_abs(x));
}

// IQ4_XS: 8 groups of 32 with six-bit scales; byte j of a group holds element j (low nibble)
// and j + 16 (high nibble), and the 16 levels are one swizzle, as in simd128::iq4_xs_tile.
template <int NT, template <int> class Sums = simd128::LlamaLaneSums>
void iq4_xs_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const BlockIQ4_XS*>(w_row);
    const ActivationTile<BlockQ8_K, NT> act(xq, xq_stride);
    Sums<NT> sums;
    const float* f16 = fp16_table();
    const int64_t nb = n_cols / kQK_K;
    const v128_t levels = wasm_v128_load(kIQ4Values);
    const v128_t m0f = opaque_splat(0x0f);
    for (int64_t i = 0; i < nb; ++i) {
        const BlockIQ4_XS& b = w[i];
        int16_t sc[8];
        wasm_v128_store(sc, iq4_xs_scales(b));
        // One token: lanes 0..3 (elements 0..15 of each group) and 4..7 (16..31). Larger
        // tiles: one total.
        constexpr int kSums = decltype(sums)::kIntegerSums;
        v128_t isum[NT][kSums];
        for (int t = 0; t < NT; ++t)
            for (int s = 0; s < kSums; ++s) isum[t][s] = wasm_i32x4_splat(0);
        constexpr int kUnroll = NT == 1 ? 8 : 1;
#pragma clang loop unroll_count(kUnroll)
        for (int ib = 0; ib < 8; ++ib) {
            const v128_t q = wasm_v128_load(b.qs + 16 * ib);
            const v128_t t_lo = wasm_i8x16_swizzle(levels, wasm_v128_and(q, m0f));
            const v128_t t_hi = wasm_i8x16_swizzle(levels, wasm_v128_and(wasm_u16x8_shr(q, 4), m0f));
            const v128_t s = wasm_v128_load16_splat(&sc[ib]);
            for (int t = 0; t < NT; ++t) {
                const int8_t* a = act.row[t][i].qs + 32 * ib;
                isum[t][0] = wasm_i32x4_add(isum[t][0], wasm_i32x4_dot_i16x8(signed_pair_dot(a, t_lo), s));
                isum[t][kSums - 1] = wasm_i32x4_add(isum[t][kSums - 1], wasm_i32x4_dot_i16x8(signed_pair_dot(a + 16, t_hi), s));
            }
        }
        const float wd = f16[b.d];
        for (int t = 0; t < NT; ++t) sums.template add<kSums>(t, isum[t], act.row[t][i].d * wd);
    }
    sums.store(y, y_stride);
}

}  // namespace

SMOLLM_SIMD128_TILE_ENTRY(q4_k, q4_k_tile)
SMOLLM_SIMD128_TILE_ENTRY(q5_k, q5_k_tile)
SMOLLM_SIMD128_TILE_ENTRY(q6_k, q6_k_tile)
SMOLLM_SIMD128_TILE_ENTRY(iq4_xs, iq4_xs_tile)
SMOLLM_SIMD128_TILE_ENTRY(iq4_xs_panel, iq4_xs_tile, simd128::PanelTileSums)   // 8+ tokens: llama.cpp's IQ panel
// BatchOrder::Fast's batch tiles (quant.h): one total per super-block.
SMOLLM_SIMD128_TILE_ENTRY(q4_k_fast, k4_tile, false, BlockQ4_K, true)
SMOLLM_SIMD128_TILE_ENTRY(q5_k_fast, k4_tile, true, BlockQ5_K, true)
SMOLLM_SIMD128_TILE_ENTRY(q6_k_fast, q6_k_tile, true)
SMOLLM_SIMD128_TILE_ENTRY(iq4_xs_fast, iq4_xs_tile, simd128::FastLaneSums)

}  // namespace smollm::quant::relaxed
#endif
