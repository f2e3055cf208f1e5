// SIMD128 kernels of the 32-element types (Q4_0, Q5_0, Q8_0, IQ4_NL against Q8_0 activations;
// Q4_1, Q5_1 against Q8_1), the activations widened to int16 and f32 scales by matmul. Each
// block is unpacked once per tile, widened to i16 and multiplied with i32x4.dot_i16x8_s for
// every token. Q4_1 / Q5_1 follow their scalar twins' (llama.cpp's x86) lanes, rounding and
// order, so they give the same bits; the Q8_0 types too in BatchOrder::LlamaCpp
// (block32_llama_tile), and in BatchOrder::Fast differ only in float summation order.
#if defined(__wasm_simd128__)
#include "quant/blocks.h"
#include "quant/fp16.h"
#include "quant/fused_madd.h"
#include "quant/kernels.h"
#include "quant/simd128_tile.h"
#include "quant/simd128_util.h"

namespace smollm::quant::simd128 {
namespace {

// A block unpacked to 32 signed levels (elements 0..15 and 16..31), with the f16 scale and,
// for the types with a min, the min.
struct Unpacked32 {
    W16 w0, w1;
    float d, m;
};

inline Unpacked32 unpack(const BlockQ4_0& b, const float* f16) {
    const v128_t q = wasm_v128_load(b.qs);
    const v128_t eight = wasm_i8x16_splat(8);
    return {widen_s8(wasm_i8x16_sub(low_nibbles(q), eight)), widen_s8(wasm_i8x16_sub(high_nibbles(q), eight)),
            f16[b.d], 0.f};
}

inline Unpacked32 unpack(const BlockQ4_1& b, const float* f16) {
    const v128_t q = wasm_v128_load(b.qs);
    return {widen_u8(low_nibbles(q)), widen_u8(high_nibbles(q)), f16[b.d], f16[b.m]};
}

inline uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

// Q5_0 and Q8_0 even-then-odd per 16 (their activations' layout, WideQ8_0 in kernels.h).
inline Unpacked32 unpack(const BlockQ5_0& b, const float* f16) {
    const v128_t q = wasm_v128_load(b.qs);
    v128_t h0, h1;
    q5_high_bits(load_u32(b.qh), &h0, &h1);
    const v128_t sixteen = wasm_i8x16_splat(16);
    return {widen_s8_even_odd(wasm_i8x16_sub(wasm_v128_or(low_nibbles(q), h0), sixteen)),
            widen_s8_even_odd(wasm_i8x16_sub(wasm_v128_or(high_nibbles(q), h1), sixteen)), f16[b.d], 0.f};
}

inline Unpacked32 unpack(const BlockQ5_1& b, const float* f16) {
    const v128_t q = wasm_v128_load(b.qs);
    v128_t h0, h1;
    q5_high_bits(load_u32(b.qh), &h0, &h1);
    return {widen_u8(wasm_v128_or(low_nibbles(q), h0)), widen_u8(wasm_v128_or(high_nibbles(q), h1)),
            f16[b.d], f16[b.m]};
}

inline Unpacked32 unpack(const BlockQ8_0& b, const float* f16) {
    return {widen_s8_even_odd(wasm_v128_load(b.qs)), widen_s8_even_odd(wasm_v128_load(b.qs + 16)), f16[b.d], 0.f};
}

inline Unpacked32 unpack(const BlockIQ4_NL& b, const float* f16) {
    const v128_t levels = wasm_v128_load(kIQ4Values);
    const v128_t q = wasm_v128_load(b.qs);
    return {widen_s8(wasm_i8x16_swizzle(levels, low_nibbles(q))), widen_s8(wasm_i8x16_swizzle(levels, high_nibbles(q))),
            f16[b.d], 0.f};
}

// Q4_1 / Q5_1 in the scalar twin's (llama.cpp's) order: eight lanes of four elements (lo:
// elements 0..15, hi: 16..31), folded as hsum_float_8, plus the in-order sum of min * s.
template <int NT, typename Block>
void q8_1_lanes_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const Block*>(w_row);
    const ActivationTile<WideQ8_1, NT> act(xq, xq_stride);
    EightLanes lanes[NT];
    float mins[NT] = {};
    const float* f16 = fp16_table();
    const int64_t nb = n_cols / kQK;
    for (int64_t i = 0; i < nb; ++i) {
        const Unpacked32 u = unpack(w[i], f16);
        for (int t = 0; t < NT; ++t) {
            const WideQ8_1& a = act.row[t][i];
            mins[t] += u.m * a.s;
            // d is a product of two halves and |lane| < 2^14.
            lanes[t].add_small(u.d * a.d, quad_sums(wasm_i32x4_dot_i16x8(u.w0.lo, wasm_v128_load(a.qs)),
                                              wasm_i32x4_dot_i16x8(u.w0.hi, wasm_v128_load(a.qs + 8))),
                         quad_sums(wasm_i32x4_dot_i16x8(u.w1.lo, wasm_v128_load(a.qs + 16)),
                                   wasm_i32x4_dot_i16x8(u.w1.hi, wasm_v128_load(a.qs + 24))));
        }
    }
    for (int t = 0; t < NT; ++t) y[t * y_stride] = lanes[t].fold() + mins[t];
}

// An unpacked block's products with an activation block as two i32x4, elements 0..15 and
// 16..31. For Q8_0 / Q5_0, whose halves are laid out even-then-odd (WideQ8_0 in kernels.h),
// lane m of each is the sum of its elements 4m..4m+3: llama.cpp's x86 lanes.
struct HalfSums {
    v128_t lo, hi;
};
inline HalfSums half_sums(const Unpacked32& u, const WideQ8_0& a) {
    return {wasm_i32x4_add(wasm_i32x4_dot_i16x8(u.w0.lo, wasm_v128_load(a.qs)), wasm_i32x4_dot_i16x8(u.w0.hi, wasm_v128_load(a.qs + 8))),
            wasm_i32x4_add(wasm_i32x4_dot_i16x8(u.w1.lo, wasm_v128_load(a.qs + 16)), wasm_i32x4_dot_i16x8(u.w1.hi, wasm_v128_load(a.qs + 24)))};
}

// The same as four i32 lanes whose sum is the block's total.
inline v128_t isum_of(const Unpacked32& u, const WideQ8_0& a) {
    const HalfSums h = half_sums(u, a);
    return wasm_i32x4_add(h.lo, h.hi);
}

// The Q8_0 types: the block's scales applied to the i32 lanes in float, lane by lane, so
// results differ from the scalar twin only in float summation order.
template <int NT, typename Block>
void block32_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const Block*>(w_row);
    const ActivationTile<WideQ8_0, NT> act(xq, xq_stride);
    v128_t acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = wasm_f32x4_splat(0.f);
    const float* f16 = fp16_table();
    const int64_t nb = n_cols / kQK;
    for (int64_t i = 0; i < nb; ++i) {
        const Unpacked32 u = unpack(w[i], f16);
        for (int t = 0; t < NT; ++t) {
            const WideQ8_0& a = act.row[t][i];
            acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(isum_of(u, a)), wasm_f32x4_splat(u.d * a.d)));
        }
    }
    for (int t = 0; t < NT; ++t) y[t * y_stride] = hsum_f32x4(acc[t]);
}

// llama.cpp's order (BatchOrder::LlamaCpp; the _fast kernels sum lanes), token by token. The
// relaxed build has the fused multiply-adds it needs natively (simd_fma.h); SIMD128 emulates
// them in double (fused_madd.h, EightLanes), which costs these kernels a quarter (Q4_0 /
// IQ4_NL) to two thirds (Q8_0 / Q5_0) of their decode speed (tests/parity/README.md).
//
// Q4_0 / IQ4_NL, as the scalar twins (block32_chain_row: its repacked x86 GEMV): per
// block, the exact integer total times dw * da, fused into the row's sum.
#if defined(__wasm_relaxed_simd__)
// Four i32x4 to one: lane k holds the sum of s[k]'s lanes (exact integers).
inline v128_t transposed_sums(const v128_t* s) {
    const v128_t s01 = wasm_i32x4_add(wasm_i32x4_shuffle(s[0], s[1], 0, 4, 1, 5), wasm_i32x4_shuffle(s[0], s[1], 2, 6, 3, 7));
    const v128_t s23 = wasm_i32x4_add(wasm_i32x4_shuffle(s[2], s[3], 0, 4, 1, 5), wasm_i32x4_shuffle(s[2], s[3], 2, 6, 3, 7));
    return wasm_i32x4_add(wasm_i32x4_shuffle(s01, s23, 0, 1, 4, 5), wasm_i32x4_shuffle(s01, s23, 2, 3, 6, 7));
}

// One token: four blocks at a time, their totals in one i32x4 (one transposed reduction instead
// of four horizontal ones), then the row's chain of four fused adds, block k in lane k (the
// running sum broadcast to every lane before each step). |total| < 2^19 converts exactly.
template <typename Block>
void block32_chain_row(int64_t n_cols, const void* w_row, const void* xq, float* y) {
    const auto* w = static_cast<const Block*>(w_row);
    const auto* act = static_cast<const WideQ8_0*>(xq);
    const float* f16 = fp16_table();
    v128_t acc = wasm_f32x4_splat(0.f);   // every lane: the row's sum so far
    const int64_t nb = n_cols / kQK;
    int64_t i = 0;
    for (; i + 4 <= nb; i += 4) {
        v128_t s[4];
        float d[4];
        // Unrolled by hand: rolled, the four sums go through memory (half the speed).
#pragma clang loop unroll(full)
        for (int k = 0; k < 4; ++k) {
            const Unpacked32 u = unpack(w[i + k], f16);
            s[k] = isum_of(u, act[i + k]);
            d[k] = u.d * act[i + k].d;   // exact in f32: two halves
        }
        const v128_t t = wasm_f32x4_convert_i32x4(transposed_sums(s));
        const v128_t dd = wasm_f32x4_make(d[0], d[1], d[2], d[3]);
        acc = fmadd_f32x4(t, dd, acc);
        acc = fmadd_f32x4(t, dd, wasm_i32x4_shuffle(acc, acc, 0, 0, 0, 0));
        acc = fmadd_f32x4(t, dd, wasm_i32x4_shuffle(acc, acc, 1, 1, 1, 1));
        acc = fmadd_f32x4(t, dd, wasm_i32x4_shuffle(acc, acc, 2, 2, 2, 2));
        acc = wasm_i32x4_shuffle(acc, acc, 3, 3, 3, 3);
    }
    for (; i < nb; ++i) {
        const Unpacked32 u = unpack(w[i], f16);
        const v128_t s = wasm_i32x4_splat(hsum_i32x4(isum_of(u, act[i])));
        acc = fmadd_f32x4(wasm_f32x4_convert_i32x4(s), wasm_f32x4_splat(u.d * act[i].d), acc);
    }
    *y = wasm_f32x4_extract_lane(acc, 0);
}
#endif

// A tile of NT tokens (SIMD128: one token too): each block unpacked once, each token's chain on
// its own (relaxed: the tile's totals in one i32x4, token t in lane t, one fused add for all).
template <int NT, typename Block>
void block32_chain_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const Block*>(w_row);
    const ActivationTile<WideQ8_0, NT> act(xq, xq_stride);
    const float* f16 = fp16_table();
    const int64_t nb = n_cols / kQK;
#if defined(__wasm_relaxed_simd__)
    static_assert(NT <= 4);
    v128_t acc = wasm_f32x4_splat(0.f);   // lane t: token t's sum
    for (int64_t i = 0; i < nb; ++i) {
        const Unpacked32 u = unpack(w[i], f16);
        v128_t s[4] = {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0)};
        float d[4] = {0.f, 0.f, 0.f, 0.f};
#pragma clang loop unroll(full)
        for (int t = 0; t < NT; ++t) {
            s[t] = isum_of(u, act.row[t][i]);
            d[t] = u.d * act.row[t][i].d;
        }
        acc = fmadd_f32x4(wasm_f32x4_convert_i32x4(transposed_sums(s)), wasm_f32x4_make(d[0], d[1], d[2], d[3]), acc);
    }
    float out[4];
    wasm_v128_store(out, acc);
    for (int t = 0; t < NT; ++t) y[t * y_stride] = out[t];
#else
    // The fused add in double (exact: |total| < 2^19 times a product of two halves).
    float acc[NT] = {};
    for (int64_t i = 0; i < nb; ++i) {
        const Unpacked32 u = unpack(w[i], f16);
        for (int t = 0; t < NT; ++t)
            acc[t] = fused_madd(static_cast<float>(hsum_i32x4(isum_of(u, act.row[t][i]))), u.d * act.row[t][i].d, acc[t]);
    }
    for (int t = 0; t < NT; ++t) y[t * y_stride] = acc[t];
#endif
}

// Q8_0 / Q5_0: llama.cpp's order, as the scalar twins (block32_lanes_row:
// ggml_vec_dot_q8_0_q8_0 / q5_0_q8_0's x86 lanes): lane k holds elements 4k..4k+3 of each
// block as an integer, fused-multiply-added by dw * da (EightLanes: native or in double),
// folded as hsum_float_8; each token of the tile on its own, each block unpacked once.
template <int NT, typename Block>
void block32_lanes_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    const auto* w = static_cast<const Block*>(w_row);
    const ActivationTile<WideQ8_0, NT> act(xq, xq_stride);
    const float* f16 = fp16_table();
    EightLanes lanes[NT];
    const int64_t nb = n_cols / kQK;
    for (int64_t i = 0; i < nb; ++i) {
        const Unpacked32 u = unpack(w[i], f16);
        for (int t = 0; t < NT; ++t) {
            const WideQ8_0& a = act.row[t][i];
            // d is a product of two halves and |lane| < 2^17.
            const HalfSums h = half_sums(u, a);
            lanes[t].add_small(u.d * a.d, h.lo, h.hi);
        }
    }
    for (int t = 0; t < NT; ++t) y[t * y_stride] = lanes[t].fold();
}

// How a Q8_0-activation type sums in llama.cpp's x86 order (BatchOrder::LlamaCpp): a chain of
// fused adds per row (Q4_0 / IQ4_NL, its repacked GEMV and GEMM) or eight fused lanes (Q8_0 /
// Q5_0, its vec_dot, which its batches call per token). Every token of a tile on its own.
enum class LlamaDecode { RowChain, Lanes };

template <int NT, typename Block, LlamaDecode kOrder>
void block32_llama_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    if constexpr (kOrder == LlamaDecode::Lanes) {
        block32_lanes_tile<NT, Block>(n, w, x, xs, y, ys);
    } else {
#if defined(__wasm_relaxed_simd__)
        if constexpr (NT == 1) {
            block32_chain_row<Block>(n, w, x, y);
            return;
        }
#endif
        block32_chain_tile<NT, Block>(n, w, x, xs, y, ys);
    }
}

template <int NT>
void q4_0_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    block32_llama_tile<NT, BlockQ4_0, LlamaDecode::RowChain>(n, w, x, xs, y, ys);
}
template <int NT>
void q4_1_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    q8_1_lanes_tile<NT, BlockQ4_1>(n, w, x, xs, y, ys);
}
template <int NT>
void q5_0_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    block32_llama_tile<NT, BlockQ5_0, LlamaDecode::Lanes>(n, w, x, xs, y, ys);
}
template <int NT>
void q5_1_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    q8_1_lanes_tile<NT, BlockQ5_1>(n, w, x, xs, y, ys);
}
template <int NT>
void q8_0_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    block32_llama_tile<NT, BlockQ8_0, LlamaDecode::Lanes>(n, w, x, xs, y, ys);
}
template <int NT>
void iq4_nl_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    block32_llama_tile<NT, BlockIQ4_NL, LlamaDecode::RowChain>(n, w, x, xs, y, ys);
}

}  // namespace

SMOLLM_SIMD128_TILE_ENTRY(q4_0, q4_0_tile)
SMOLLM_SIMD128_TILE_ENTRY(q4_1, q4_1_tile)
SMOLLM_SIMD128_TILE_ENTRY(q5_0, q5_0_tile)
SMOLLM_SIMD128_TILE_ENTRY(q5_1, q5_1_tile)
SMOLLM_SIMD128_TILE_ENTRY(q8_0, q8_0_tile)
SMOLLM_SIMD128_TILE_ENTRY(iq4_nl, iq4_nl_tile)
// BatchOrder::Fast (kernels.h): lane sums for every tile.
SMOLLM_SIMD128_TILE_ENTRY(q4_0_fast, block32_tile, BlockQ4_0)
SMOLLM_SIMD128_TILE_ENTRY(q5_0_fast, block32_tile, BlockQ5_0)
SMOLLM_SIMD128_TILE_ENTRY(q8_0_fast, block32_tile, BlockQ8_0)
SMOLLM_SIMD128_TILE_ENTRY(iq4_nl_fast, block32_tile, BlockIQ4_NL)

}  // namespace smollm::quant::simd128
#endif
