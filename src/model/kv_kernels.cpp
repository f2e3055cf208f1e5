#include "model/kv_kernels.h"

#include <cmath>

#include "quant/fp16.h"
#include "quant/quant.h"
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace smollm::kv_kernels {

using quant::BlockQ4_0;
using quant::BlockQ8_0;
using quant::fp16_to_fp32;
using quant::kQK;

void prepare_query(const float* q, int32_t n, QueryQ8* out) {
    BlockQ8_0 blocks[LlamaConfig::kMaxHeadDim / kQK];
    quantize_activation_row(GgmlType::Q8_0, q, blocks, n);
    out->n_blocks = n / kQK;
    for (int32_t b = 0; b < out->n_blocks; ++b) {
        out->d[b] = fp16_to_fp32(blocks[b].d);
        for (int32_t j = 0; j < kQK; ++j) {
            out->qs[b * kQK + j] = blocks[b].qs[j];
            // Per sixteen: the even elements, then the odd ones.
            out->qs_even_odd[b * kQK + j / 16 * 16 + (j % 2) * 8 + j % 16 / 2] = blocks[b].qs[j];
        }
    }
}

namespace scalar {
namespace {

// The AVX2 dot's eight lanes: lane l of block b sums the products of elements 4l..4l+3;
// `level(b, e)` is the K level of element e of block b.
template <typename Level>
float lanes_dot(const QueryQ8& q, const float* dk, Level level) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int32_t b = 0; b < q.n_blocks; ++b) {
        // d_k * d_q: two halves' product, exact in f32; the lane (|lane| < 2^17) too.
        const float d = dk[b] * q.d[b];
        const int16_t* qs = q.qs + b * kQK;
        for (int l = 0; l < 8; ++l) {
            int32_t lane = 0;
            for (int e = 4 * l; e < 4 * l + 4; ++e) lane += level(b, e) * qs[e];
            const float product = d * static_cast<float>(lane);   // rounded, then added (kv_kernels.h)
            acc[l] += product;
        }
    }
    return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

float dot_q8_0(const BlockQ8_0* k, const QueryQ8& q) {
    float dk[LlamaConfig::kMaxHeadDim / kQK];
    for (int32_t b = 0; b < q.n_blocks; ++b) dk[b] = fp16_to_fp32(k[b].d);
    return lanes_dot(q, dk, [k](int32_t b, int e) { return static_cast<int32_t>(k[b].qs[e]); });
}

float dot_q4_0(const BlockQ4_0* k, const QueryQ8& q) {
    float dk[LlamaConfig::kMaxHeadDim / kQK];
    for (int32_t b = 0; b < q.n_blocks; ++b) dk[b] = fp16_to_fp32(k[b].d);
    // Elements 0..15 are the low nibbles, 16..31 the high ones.
    return lanes_dot(q, dk, [k](int32_t b, int e) {
        const uint8_t byte = k[b].qs[e % 16];
        return static_cast<int32_t>(e < 16 ? (byte & 0xf) : (byte >> 4)) - 8;
    });
}

}  // namespace

void scores_q8_0(const KeyRows& keys, const QueryQ8& q, float scale, float* scores) {
    for (int32_t p = 0; p < keys.n_keys; ++p) scores[p] = dot_q8_0(reinterpret_cast<const BlockQ8_0*>(keys.row(p)), q) * scale;
}

void scores_q4_0(const KeyRows& keys, const QueryQ8& q, float scale, float* scores) {
    for (int32_t p = 0; p < keys.n_keys; ++p) scores[p] = dot_q4_0(reinterpret_cast<const BlockQ4_0*>(keys.row(p)), q) * scale;
}

namespace {

// acc[i] += v[i] * w for the 32 * n_blocks values of a V row, v[i] = level * d (exact in f32):
// the product rounded, then the sum (see kv_kernels.h).
template <typename Block, typename Level>
void add_row(float* acc, const Block* v, float w, int32_t n_blocks, Level level) {
    for (int32_t b = 0; b < n_blocks; ++b, acc += kQK) {
        const float d = fp16_to_fp32(v[b].d);
        for (int j = 0; j < kQK; ++j) {
            const float product = static_cast<float>(level(v[b], j)) * d * w;
            acc[j] += product;
        }
    }
}

template <typename Block, typename Level>
void sum_rows(float* acc, const WeightedRows& rows, int32_t n_blocks, Level level) {
    for (int32_t p = 0; p < rows.n_keys; ++p) {
        float w = rows.weights[p];
        if (std::signbit(w)) {
            for (int32_t i = 0; i < n_blocks * kQK; ++i) acc[i] *= -w;
            w = 1.0f;
        }
        add_row(acc, reinterpret_cast<const Block*>(rows.base + static_cast<size_t>(p) * rows.stride), w, n_blocks, level);
    }
}

}  // namespace

void sum_rows_q8_0(float* acc, const WeightedRows& rows, int32_t n_blocks) {
    sum_rows<BlockQ8_0>(acc, rows, n_blocks, [](const BlockQ8_0& b, int j) { return static_cast<int32_t>(b.qs[j]); });
}

void sum_rows_q4_0(float* acc, const WeightedRows& rows, int32_t n_blocks) {
    // Elements 0..15 are the low nibbles, 16..31 the high ones.
    sum_rows<BlockQ4_0>(acc, rows, n_blocks, [](const BlockQ4_0& b, int j) {
        const uint8_t byte = b.qs[j % 16];
        return static_cast<int32_t>(j < 16 ? (byte & 0xf) : (byte >> 4)) - 8;
    });
}

}  // namespace scalar

#if defined(__wasm_simd128__)
namespace simd128 {
namespace {

// The four lane sums of sixteen K levels (int8, elements 4i..4i+3 in lane i) with the query's
// matching sixteen as QueryQ8::qs_even_odd lays them out. Bytes 2j and 2j + 1 become the int16
// lanes j of `even` and `odd` by shifts (left then arithmetic right, and arithmetic right), so
// dot_i16x8 pairs elements 4i with 4i + 2 and 4i + 1 with 4i + 3: the two dots add up to the
// lanes with no shuffle. Extends and shuffles would run on the one x86 port that the
// conversions below also need (it bounded this kernel); shifts run on two others.
inline v128_t quad_sums(v128_t k, const int16_t* q_even_odd) {
    const v128_t even = wasm_i16x8_shr(wasm_i16x8_shl(k, 8), 8), odd = wasm_i16x8_shr(k, 8);
    return wasm_i32x4_add(wasm_i32x4_dot_i16x8(even, wasm_v128_load(q_even_odd)),
                          wasm_i32x4_dot_i16x8(odd, wasm_v128_load(q_even_odd + 8)));
}

// The block's lanes scaled by d and added to the accumulators: each product rounded, then
// the sum (kv_kernels.h). A lane (|lane| < 2^17) and d (two halves' product) are exact in f32.
inline void block_lanes(v128_t k0, v128_t k1, const int16_t* q_even_odd, uint16_t dk, float dq, v128_t* acc03, v128_t* acc47) {
    const v128_t l03 = quad_sums(k0, q_even_odd), l47 = quad_sums(k1, q_even_odd + 16);
    const v128_t d = wasm_f32x4_splat(fp16_to_fp32(dk) * dq);
    *acc03 = wasm_f32x4_add(*acc03, wasm_f32x4_mul(d, wasm_f32x4_convert_i32x4(l03)));
    *acc47 = wasm_f32x4_add(*acc47, wasm_f32x4_mul(d, wasm_f32x4_convert_i32x4(l47)));
}

// Q4_0's 32 levels as int8: low nibbles (elements 0..15) and high nibbles (16..31), minus 8.
inline void q4_levels(const BlockQ4_0& b, v128_t* lo, v128_t* hi) {
    const v128_t raw = wasm_v128_load(b.qs);
    const v128_t eight = wasm_i8x16_splat(8);
    *lo = wasm_i8x16_sub(wasm_v128_and(raw, wasm_i8x16_splat(0x0f)), eight);
    *hi = wasm_i8x16_sub(wasm_u8x16_shr(raw, 4), eight);
}

inline void q8_levels(const BlockQ8_0& block, v128_t* lo, v128_t* hi) {
    *lo = wasm_v128_load(block.qs);
    *hi = wasm_v128_load(block.qs + 16);
}

// The level readers as lambdas, each a type of its own, so that sum_block inlines them.
constexpr auto kQ8Levels = [](const BlockQ8_0& block, v128_t* lo, v128_t* hi) { q8_levels(block, lo, hi); };
constexpr auto kQ4Levels = [](const BlockQ4_0& block, v128_t* lo, v128_t* hi) { q4_levels(block, lo, hi); };

// One key's eight accumulators, lanes 0..3 plus lanes 4..7: what hsum_float_8 folds. NB > 0
// fixes the number of blocks at compile time (2: every SmolLM2's 64-wide heads), so the block
// loop unrolls; NB = 0 reads it from q.
template <int NB, typename Block, typename Levels>
inline v128_t key_sums(const Block* k, const QueryQ8& q, Levels levels) {
    v128_t acc03 = wasm_f32x4_splat(0.0f), acc47 = wasm_f32x4_splat(0.0f);
    const int32_t n_blocks = NB > 0 ? NB : q.n_blocks;
    for (int32_t b = 0; b < n_blocks; ++b) {
        v128_t lo, hi;
        levels(k[b], &lo, &hi);
        block_lanes(lo, hi, q.qs_even_odd + b * kQK, k[b].d, q.d[b], &acc03, &acc47);
    }
    return wasm_f32x4_add(acc03, acc47);
}

// Four keys' key_sums folded at once, each r as hsum_float_8 ends: (r[0] + r[2]) + (r[1] + r[3]).
// One transpose instead of four horizontal folds.
inline v128_t fold4(v128_t a, v128_t b, v128_t c, v128_t d) {
    const v128_t u = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    const v128_t v = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    return wasm_f32x4_add(wasm_i32x4_shuffle(u, v, 0, 1, 4, 5), wasm_i32x4_shuffle(u, v, 2, 3, 6, 7));
}

// Keys four at a time, inside one function: no call and no horizontal fold per key.
template <int NB, typename Block, typename Levels>
void scores(const KeyRows& keys, const QueryQ8& q, float scale, float* out, Levels levels) {
    const auto row = [&keys](int32_t p) { return reinterpret_cast<const Block*>(keys.row(p)); };
    const v128_t s = wasm_f32x4_splat(scale);
    int32_t p = 0;
    for (; p + 4 <= keys.n_keys; p += 4) {
        const v128_t r0 = key_sums<NB>(row(p), q, levels), r1 = key_sums<NB>(row(p + 1), q, levels);
        const v128_t r2 = key_sums<NB>(row(p + 2), q, levels), r3 = key_sums<NB>(row(p + 3), q, levels);
        wasm_v128_store(out + p, wasm_f32x4_mul(fold4(r0, r1, r2, r3), s));
    }
    for (; p < keys.n_keys; ++p) {
        const v128_t r = key_sums<NB>(row(p), q, levels);   // folded as fold4 folds it
        const v128_t t = wasm_f32x4_add(r, wasm_i32x4_shuffle(r, r, 2, 3, 0, 1));
        out[p] = (wasm_f32x4_extract_lane(t, 0) + wasm_f32x4_extract_lane(t, 1)) * scale;
    }
}

template <typename Block, typename Levels>
void scores_any(const KeyRows& keys, const QueryQ8& q, float scale, float* out, Levels levels) {
    if (q.n_blocks == 2) scores<2, Block>(keys, q, scale, out, levels);
    else scores<0, Block>(keys, q, scale, out, levels);
}

}  // namespace

void scores_q8_0(const KeyRows& keys, const QueryQ8& q, float scale, float* out) {
    scores_any<BlockQ8_0>(keys, q, scale, out, kQ8Levels);
}

void scores_q4_0(const KeyRows& keys, const QueryQ8& q, float scale, float* out) {
    scores_any<BlockQ4_0>(keys, q, scale, out, kQ4Levels);
}

namespace {

// The int32 lanes as they are, hidden from LLVM 14 (Debian's emcc): it folds an extend then a
// convert into a scalar convert per lane (32 extract_lane / convert / replace_lane per block:
// the sum ran at half speed); the empty asm keeps i32x4.extend and f32x4.convert_i32x4.
// LLVM 19 (the relaxed-SIMD build) keeps them by itself, and fails on this asm with a v128.
inline v128_t opaque(v128_t v) {
#if defined(__clang_major__) && __clang_major__ < 15
    __asm__("" : "+r"(v));
#endif
    return v;
}

// acc += (level * d) * w on four lanes: the first product exact, the second rounded, then the sum.
inline v128_t add_lanes(v128_t acc, v128_t levels, v128_t d, v128_t w) {
    return wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(opaque(levels)), d), w));
}

// Sixteen int8 levels (elements 0..15 of `l`) added to four f32x4 sums.
inline void add_levels(v128_t l, v128_t d, v128_t w, v128_t& a0, v128_t& a1, v128_t& a2, v128_t& a3) {
    const v128_t lo = wasm_i16x8_extend_low_i8x16(l), hi = wasm_i16x8_extend_high_i8x16(l);
    a0 = add_lanes(a0, wasm_i32x4_extend_low_i16x8(lo), d, w);
    a1 = add_lanes(a1, wasm_i32x4_extend_high_i16x8(lo), d, w);
    a2 = add_lanes(a2, wasm_i32x4_extend_low_i16x8(hi), d, w);
    a3 = add_lanes(a3, wasm_i32x4_extend_high_i16x8(hi), d, w);
}

// Block b of every row into eight f32x4 sums held in registers over all keys (rather than
// read and written at every key); `levels(block, &lo, &hi)` gives the block's 32 levels as
// int8 (elements 0..15, 16..31). Eight named sums, not an array: an array indexed in a loop
// that is not unrolled lives in linear memory, and was loaded and stored at every key.
template <typename Block, typename Levels>
void sum_block(float* out, const WeightedRows& rows, int32_t b, Levels levels) {
    v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    const uint8_t* row = rows.base + static_cast<size_t>(b) * sizeof(Block);
    for (int32_t p = 0; p < rows.n_keys; ++p, row += rows.stride) {
        const Block& block = *reinterpret_cast<const Block*>(row);
        float w = rows.weights[p];
        if (std::signbit(w)) {
            const v128_t shrink = wasm_f32x4_splat(-w);
            a0 = wasm_f32x4_mul(a0, shrink), a1 = wasm_f32x4_mul(a1, shrink);
            a2 = wasm_f32x4_mul(a2, shrink), a3 = wasm_f32x4_mul(a3, shrink);
            a4 = wasm_f32x4_mul(a4, shrink), a5 = wasm_f32x4_mul(a5, shrink);
            a6 = wasm_f32x4_mul(a6, shrink), a7 = wasm_f32x4_mul(a7, shrink);
            w = 1.0f;
        }
        const v128_t d = wasm_f32x4_splat(fp16_to_fp32(block.d)), wv = wasm_f32x4_splat(w);
        v128_t lo, hi;
        levels(block, &lo, &hi);
        add_levels(lo, d, wv, a0, a1, a2, a3);
        add_levels(hi, d, wv, a4, a5, a6, a7);
    }
    const v128_t sums[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
    for (int i = 0; i < 8; ++i) wasm_v128_store(out + 4 * i, sums[i]);
}

}  // namespace

void sum_rows_q8_0(float* acc, const WeightedRows& rows, int32_t n_blocks) {
    for (int32_t b = 0; b < n_blocks; ++b) sum_block<BlockQ8_0>(acc + b * kQK, rows, b, kQ8Levels);
}

void sum_rows_q4_0(float* acc, const WeightedRows& rows, int32_t n_blocks) {
    for (int32_t b = 0; b < n_blocks; ++b) sum_block<BlockQ4_0>(acc + b * kQK, rows, b, kQ4Levels);
}

}  // namespace simd128
#endif

}  // namespace smollm::kv_kernels
