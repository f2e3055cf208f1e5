#include "model/flash_attention.h"

#include <cmath>
#include <limits>

#include "model/f16.h"
#include "model/kv_kernels.h"
#include "model/llama_config.h"
#include "quant/f16_dot_order.h"
#if defined(__wasm_simd128__)
#include "quant/simd128_util.h"
#endif

namespace smollm {
namespace flash_attention {
namespace {

// fma(v, w, acc) rounded to f32, then to f16. v * w is exact in double (11 + 24 bits) and so is
// the sum unless acc and v * w are 2^18 apart; the f32 rounding of that double then equals the
// fused result except at an exact f32 midpoint, which such far-apart operands cannot produce.
inline float fused_mad_to_f16(float v, float w, float acc) {
    const double exact = static_cast<double>(v) * static_cast<double>(w) + static_cast<double>(acc);
    return round_to_f16(static_cast<float>(exact));
}

void mad_f16_scalar(float* acc, const uint16_t* v, float w, int32_t n) {
    for (int32_t i = 0; i < n; ++i) acc[i] = fused_mad_to_f16(f16_to_f32(v[i]), w, acc[i]);
}

#if defined(__wasm_simd128__)
// Four halves at `h` as f32x4, exactly (see simd128::fp16x4_to_f32).
inline v128_t load_f16x4(const uint16_t* h) {
    return quant::simd128::fp16x4_to_f32(wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero(h)));
}

// The same for halves that are neither inf nor NaN, in 4 operations instead of 11: each half
// goes to the top of its lane, an arithmetic shift by 3 puts its exponent and mantissa where
// an f32's low exponent bits and mantissa are (the sign stays at bit 31), the mask clears the
// three copied sign bits, and multiplying by 2^112 rebiases the exponent (subnormal halves
// become f32 subnormals that the multiply scales exactly).
inline v128_t load_finite_f16x4(const uint16_t* h) {
    const v128_t top = wasm_i16x8_shuffle(wasm_i64x2_splat(0), wasm_v128_load64_zero(h), 0, 8, 1, 9, 2, 10, 3, 11);
    const v128_t bits = wasm_v128_and(wasm_i32x4_shr(top, 3), wasm_i32x4_splat(static_cast<int32_t>(0x8fffe000u)));
    return wasm_f32x4_mul(bits, wasm_f32x4_splat(0x1p112f));
}

template <bool kFinite>
inline v128_t load_halves(const uint16_t* h) {
    return kFinite ? load_finite_f16x4(h) : load_f16x4(h);
}

// round_to_f16 of four lanes: adding then subtracting 2^(e + 13), e the lane's exponent (at
// least f16's smallest normal exponent, -14), rounds |x| to 11 significant bits (or to the
// subnormal spacing 2^-24) in the float unit, ties to even; 65520 and beyond become inf, NaN
// stays NaN.
inline v128_t round_to_f16x4(v128_t x) {
    const v128_t sign = wasm_v128_and(x, wasm_i32x4_splat(static_cast<int32_t>(0x80000000u)));
    const v128_t ax = wasm_v128_andnot(x, sign);
    const v128_t e = wasm_i32x4_max(wasm_v128_and(ax, wasm_i32x4_splat(0x7f800000)), wasm_i32x4_splat(113 << 23));
    const v128_t magic = wasm_i32x4_add(e, wasm_i32x4_splat(13 << 23));
    const v128_t r = wasm_f32x4_sub(wasm_f32x4_add(ax, magic), magic);
    const v128_t big = wasm_f32x4_ge(ax, wasm_f32x4_splat(65520.0f));
    const v128_t rounded = wasm_v128_bitselect(wasm_f32x4_splat(std::numeric_limits<float>::infinity()), r, big);
    return wasm_v128_or(rounded, sign);
}

template <bool kFinite>
float dot_f16_simd(const uint16_t* k, const float* q16, int32_t n) {
    const auto load8 = [k](int64_t i, v128_t* lo, v128_t* hi) {
        *lo = load_halves<kFinite>(k + i);
        *hi = load_halves<kFinite>(k + i + 4);
    };
    return quant::f16_order::dot_simd(load8, [k](int64_t i) { return f16_to_f32(k[i]); }, q16, n);
}

// fused_mad_to_f16 on four lanes, the double arithmetic two lanes at a time.
template <bool kFinite>
void mad_f16_simd(float* acc, const uint16_t* v, float w, int32_t n) {
    const v128_t wd = wasm_f64x2_splat(static_cast<double>(w));
    for (int32_t i = 0; i < n; i += 4) {
        const v128_t x = load_halves<kFinite>(v + i), a = wasm_v128_load(acc + i);
        const v128_t lo = wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(x), wd),
                                         wasm_f64x2_promote_low_f32x4(a));
        const v128_t hi = wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(x, x, 1, 1)), wd),
                                         wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(a, a, 1, 1)));
        const v128_t f = wasm_i64x2_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 2);
        wasm_v128_store(acc + i, round_to_f16x4(f));
    }
}
#endif

// acc[i] = round_to_f16(acc[i] * m): ggml_vec_scale_f16 when the running maximum grows.
void scale_f16(float* acc, float m, int32_t n) {
    int32_t i = 0;
#if defined(__wasm_simd128__)
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(acc + i, round_to_f16x4(wasm_f32x4_mul(wasm_v128_load(acc + i), wasm_f32x4_splat(m))));
#endif
    for (; i < n; ++i) acc[i] = round_to_f16(acc[i] * m);
}

}  // namespace

float round_to_f16(float x) { return f16_to_f32(f32_to_f16(x)); }

void mad_f16(float* acc, const uint16_t* v, float w, int32_t n, bool finite_cache) {
#if defined(__wasm_simd128__)
    if (n % 4 == 0) {
        if (finite_cache) mad_f16_simd<true>(acc, v, w, n);
        else mad_f16_simd<false>(acc, v, w, n);
        return;
    }
#endif
    (void)finite_cache;
    mad_f16_scalar(acc, v, w, n);
}

}  // namespace flash_attention

namespace {

// scores[p] = scale * (k row p . q), the query rounded to f16 as ggml's f16 dot takes it.
void f16_scores(const float* q, F16Rows k, int32_t n_keys, int32_t head_dim, float scale, bool finite_cache,
                float* scores) {
    using namespace flash_attention;
    float q16[LlamaConfig::kMaxHeadDim];
    for (int32_t i = 0; i < head_dim; ++i) q16[i] = round_to_f16(q[i]);
#if defined(__wasm_simd128__)
    if (finite_cache) {
        for (int32_t p = 0; p < n_keys; ++p) scores[p] = dot_f16_simd<true>(k.row(p), q16, head_dim) * scale;
    } else {
        for (int32_t p = 0; p < n_keys; ++p) scores[p] = dot_f16_simd<false>(k.row(p), q16, head_dim) * scale;
    }
#else
    (void)finite_cache;
    for (int32_t p = 0; p < n_keys; ++p) {
        const uint16_t* row = k.row(p);
        scores[p] = quant::f16_order::dot_scalar([row](int64_t i) { return f16_to_f32(row[i]); },
                                                 [&q16](int64_t i) { return q16[i]; }, head_dim) * scale;
    }
#endif
}

// The online softmax over scores[0..n_keys) with the weighted sum of V kept in an f16
// accumulator (llama.cpp's path for an f16 V).
void f16_values(const float* scores, F16Rows v, int32_t n_keys, int32_t head_dim, bool finite_cache, float* out) {
    using namespace flash_attention;
    float acc[LlamaConfig::kMaxHeadDim];
    for (int32_t i = 0; i < head_dim; ++i) acc[i] = 0.0f;
    float max = -std::numeric_limits<float>::infinity();
    float sum = 0.0f;
    for (int32_t p = 0; p < n_keys; ++p) {
        const float s = scores[p];
        float w = 1.0f;
        if (s > max) {
            // A new maximum: what was summed so far shrinks by exp(old - new) (0 the first time).
            const float shrink = std::exp(max - s);
            max = s;
            scale_f16(acc, shrink, head_dim);
            sum *= shrink;
        } else {
            w = std::exp(s - max);
        }
        mad_f16(acc, v.row(p), w, head_dim, finite_cache);
        sum += w;
    }
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
    for (int32_t i = 0; i < head_dim; ++i) out[i] = acc[i] * inv;
}

// The same with a quantized V: each row converted to f32 and added to an f32 accumulator
// (llama.cpp's path for a V that is not f16); `mad(acc, row, w)` adds one row times w.
template <typename Mad>
void f32_values(const float* scores, int32_t n_keys, int32_t head_dim, float* out, Mad mad) {
    float acc[LlamaConfig::kMaxHeadDim];
    for (int32_t i = 0; i < head_dim; ++i) acc[i] = 0.0f;
    float max = -std::numeric_limits<float>::infinity();
    float sum = 0.0f;
    for (int32_t p = 0; p < n_keys; ++p) {
        const float s = scores[p];
        float w = 1.0f;
        if (s > max) {
            const float shrink = std::exp(max - s);
            max = s;
            for (int32_t i = 0; i < head_dim; ++i) acc[i] *= shrink;   // ggml_vec_scale_f32
            sum *= shrink;
        } else {
            w = std::exp(s - max);
        }
        mad(acc, p, w);
        sum += w;
    }
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
    for (int32_t i = 0; i < head_dim; ++i) out[i] = acc[i] * inv;
}

F16Rows as_f16(KvRows r) { return F16Rows{reinterpret_cast<const uint16_t*>(r.base), r.stride / sizeof(uint16_t)}; }

}  // namespace

void flash_attend_f16(const float* q, F16Rows k, F16Rows v, int32_t n_keys, int32_t head_dim, float scale,
                      bool finite_cache, float* scores, float* out) {
    // The K.q products do not depend on the running softmax state: all of them first.
    f16_scores(q, k, n_keys, head_dim, scale, finite_cache, scores);
    f16_values(scores, v, n_keys, head_dim, finite_cache, out);
}

void flash_attend(const float* q, KvRows k, KvRows v, int32_t n_keys, int32_t head_dim, float scale,
                  bool finite_cache, float* scores, float* out) {
    namespace kk = kv_kernels::best;
    using quant::BlockQ4_0;
    using quant::BlockQ8_0;
    if (k.type == KvType::F16) {
        f16_scores(q, as_f16(k), n_keys, head_dim, scale, finite_cache, scores);
    } else {
        kv_kernels::QueryQ8 q8;
        kv_kernels::prepare_query(q, head_dim, &q8);
        if (k.type == KvType::Q8_0) {
            for (int32_t p = 0; p < n_keys; ++p)
                scores[p] = kk::dot_q8_0(reinterpret_cast<const BlockQ8_0*>(k.row(p)), q8) * scale;
        } else {
            for (int32_t p = 0; p < n_keys; ++p)
                scores[p] = kk::dot_q4_0(reinterpret_cast<const BlockQ4_0*>(k.row(p)), q8) * scale;
        }
    }
    const int32_t n_blocks = head_dim / quant::kQK;
    switch (v.type) {
        case KvType::Q8_0:
            f32_values(scores, n_keys, head_dim, out, [&](float* acc, int32_t p, float w) {
                kk::mad_q8_0(acc, reinterpret_cast<const BlockQ8_0*>(v.row(p)), w, n_blocks);
            });
            return;
        case KvType::Q4_0:
            f32_values(scores, n_keys, head_dim, out, [&](float* acc, int32_t p, float w) {
                kk::mad_q4_0(acc, reinterpret_cast<const BlockQ4_0*>(v.row(p)), w, n_blocks);
            });
            return;
        default:
            f16_values(scores, as_f16(v), n_keys, head_dim, finite_cache, out);
            return;
    }
}

}  // namespace smollm
