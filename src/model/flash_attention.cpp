#include "model/flash_attention.h"

#include <cmath>
#include <limits>

#include "model/f16.h"
#include "model/kv_kernels.h"
#include "model/llama_config.h"
#include "quant/f16_dot_order.h"
#if defined(__wasm_simd128__)
#include "model/softmax_exp.h"
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

// Halves that are neither inf nor NaN, each at the top of an i32 lane, as f32 times 2^-112: an
// arithmetic shift by 3 puts a half's exponent and mantissa where an f32's low exponent bits
// and mantissa are (the sign stays at bit 31) and the mask clears the three copied sign bits.
// Multiplying by 2^112 would rebias the exponent; the kernels below fold that factor into the
// other operand instead (2^112 times a query half or a softmax weight is still an f32, and the
// product is the same real number, so it rounds the same). Subnormal halves become f32
// subnormals, exactly.
inline v128_t scaled_from_top(v128_t top) {
    return wasm_v128_and(wasm_i32x4_shr(top, 3), wasm_i32x4_splat(static_cast<int32_t>(0x8fffe000u)));
}

// Of eight halves in a vector, halves 0, 2, 4, 6 (even) and 1, 3, 5, 7 (odd), as above: three
// and two operations, where a shuffle to four lanes in order costs more in V8. An odd half is
// already at the top of its lane; the even half below it lands in the bits the mask clears.
inline v128_t even_scaled(v128_t h8) { return scaled_from_top(wasm_i32x4_shl(h8, 16)); }
inline v128_t odd_scaled(v128_t h8) { return scaled_from_top(h8); }

// Four halves that are neither inf nor NaN, exactly, in 4 operations instead of 11.
inline v128_t load_finite_f16x4(const uint16_t* h) {
    const v128_t top = wasm_i16x8_shuffle(wasm_i64x2_splat(0), wasm_v128_load64_zero(h), 0, 8, 1, 9, 2, 10, 3, 11);
    return wasm_f32x4_mul(scaled_from_top(top), wasm_f32x4_splat(0x1p112f));
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

// The query of the even/odd dot: halves of q16 times 2^112, even[m] holding elements
// 8m + 0, 2, 4, 6 and odd[m] elements 8m + 1, 3, 5, 7.
struct QueryEvenOdd {
    v128_t even[LlamaConfig::kMaxHeadDim / 8];
    v128_t odd[LlamaConfig::kMaxHeadDim / 8];
};

void prepare_even_odd(const float* q16, int32_t n, QueryEvenOdd* out) {
    for (int32_t m = 0; m < n / 8; ++m) {
        const float* x = q16 + 8 * m;
        out->even[m] = wasm_f32x4_mul(wasm_f32x4_make(x[0], x[2], x[4], x[6]), wasm_f32x4_splat(0x1p112f));
        out->odd[m] = wasm_f32x4_mul(wasm_f32x4_make(x[1], x[3], x[5], x[7]), wasm_f32x4_splat(0x1p112f));
    }
}

// dot_f16_simd<true>'s bits for n a multiple of 64, with the halves split into even and odd
// lanes: e[m] / o[m] are ggml's accumulator lanes of elements 8m + {0, 2, 4, 6} / {1, 3, 5, 7}
// of every 64-element step, and the fold pairs them as f16_order::fold64 does.
float dot_even_odd(const uint16_t* k, const QueryEvenOdd& q, int32_t n) {
    v128_t e[8], o[8];
    for (int m = 0; m < 8; ++m) {
        const v128_t x = wasm_v128_load(k + 8 * m);
        e[m] = wasm_f32x4_mul(even_scaled(x), q.even[m]);
        o[m] = wasm_f32x4_mul(odd_scaled(x), q.odd[m]);
    }
    for (int32_t s = 1; s < n / 64; ++s) {
        for (int m = 0; m < 8; ++m) {
            const v128_t x = wasm_v128_load(k + 64 * s + 8 * m);
            e[m] = wasm_f32x4_add(e[m], wasm_f32x4_mul(even_scaled(x), q.even[8 * s + m]));
            o[m] = wasm_f32x4_add(o[m], wasm_f32x4_mul(odd_scaled(x), q.odd[8 * s + m]));
        }
    }
    // fold64's v[l] = (a[l] + a[32 + l]) + (a[16 + l] + a[48 + l]): elements l, l + 16, l + 32
    // and l + 48 sit in vectors m, m + 2, m + 4 and m + 6 of the same parity.
    const auto v = [](const v128_t* a, int m) {
        return wasm_f32x4_add(wasm_f32x4_add(a[m], a[m + 4]), wasm_f32x4_add(a[m + 2], a[m + 6]));
    };
    // t3[i] = v[i] + v[i + 8]: lanes of t3e are i = 0, 2, 4, 6, of t3o i = 1, 3, 5, 7.
    const v128_t t3e = wasm_f32x4_add(v(e, 0), v(e, 1)), t3o = wasm_f32x4_add(v(o, 0), v(o, 1));
    // t6[i] = t3[i] + t3[i + 4]: u = {t6[0], t6[2], t6[1], t6[3]}.
    const v128_t u = wasm_f32x4_add(wasm_i32x4_shuffle(t3e, t3o, 0, 1, 4, 5), wasm_i32x4_shuffle(t3e, t3o, 2, 3, 6, 7));
    return (wasm_f32x4_extract_lane(u, 0) + wasm_f32x4_extract_lane(u, 1)) +
           (wasm_f32x4_extract_lane(u, 2) + wasm_f32x4_extract_lane(u, 3));
}

// acc[0..4 * N8) += v[p] * w[p] for p < n_keys, v[p] = rows.row(p) + offset: N8 vectors of
// eight finite halves per row, the weights already times 2^112. acc holds even / odd lanes
// (acc[2j]: elements 8j + 0, 2, 4, 6; acc[2j + 1]: 8j + 1, 3, 5, 7), kept in registers over all
// the keys; the result goes to out[0..8 * N8) in element order, times inv.
template <int N8>
void sum_rows_f32(const float* w, F16Rows rows, int32_t offset, int32_t n_keys, float inv, float* out) {
    v128_t acc[2 * N8];
    for (int j = 0; j < 2 * N8; ++j) acc[j] = wasm_f32x4_splat(0.0f);
    for (int32_t p = 0; p < n_keys; ++p) {
        const uint16_t* r = rows.row(p) + offset;
        const v128_t wp = wasm_v128_load32_splat(w + p);
        for (int j = 0; j < N8; ++j) {
            const v128_t x = wasm_v128_load(r + 8 * j);
            acc[2 * j] = wasm_f32x4_add(acc[2 * j], wasm_f32x4_mul(even_scaled(x), wp));
            acc[2 * j + 1] = wasm_f32x4_add(acc[2 * j + 1], wasm_f32x4_mul(odd_scaled(x), wp));
        }
    }
    const v128_t scale = wasm_f32x4_splat(inv);
    for (int j = 0; j < N8; ++j) {
        wasm_v128_store(out + 8 * j, wasm_f32x4_mul(wasm_i32x4_shuffle(acc[2 * j], acc[2 * j + 1], 0, 4, 1, 5), scale));
        wasm_v128_store(out + 8 * j + 4, wasm_f32x4_mul(wasm_i32x4_shuffle(acc[2 * j], acc[2 * j + 1], 2, 6, 3, 7), scale));
    }
}

// fused_mad_to_f16 on four lanes: SIMD128 does the double arithmetic two lanes at a time.
template <bool kFinite>
void mad_f16_simd(float* acc, const uint16_t* v, float w, int32_t n) {
#if defined(__wasm_relaxed_simd__)
    // A native fused multiply-add (quant/simd_fma.h): four lanes per instruction.
    const v128_t wv = wasm_f32x4_splat(w);
    for (int32_t i = 0; i < n; i += 4) {
        const v128_t f = quant::simd128::fmadd_f32x4(load_halves<kFinite>(v + i), wv, wasm_v128_load(acc + i));
        wasm_v128_store(acc + i, round_to_f16x4(f));
    }
#else
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
#endif
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
    if (finite_cache && head_dim % quant::f16_order::kStep == 0) {
        QueryEvenOdd qeo;
        prepare_even_odd(q16, head_dim, &qeo);
        for (int32_t p = 0; p < n_keys; ++p) scores[p] = dot_even_odd(k.row(p), qeo, head_dim) * scale;
    } else if (finite_cache) {
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

// From kSplitKeys keys on: the softmax over scores[0..n_keys) in two passes (the maximum, then
// each weight exp(s - max) and their f32 sum), and the weighted sum of the f16 V rows in f32,
// each element summed in key order. The products and sums are plain f32 operations in every
// build, so the scalar and SIMD128 paths give the same bits.
void f16_values_f32(float* scores, F16Rows v, int32_t n_keys, int32_t head_dim, bool finite_cache, float* out) {
    using namespace flash_attention;
#if defined(__wasm_simd128__)
    const bool simd = finite_cache && head_dim % 8 == 0;
#else
    const bool simd = false;
    (void)finite_cache;
#endif
    float max = -std::numeric_limits<float>::infinity();
    for (int32_t p = 0; p < n_keys; ++p) max = scores[p] > max ? scores[p] : max;
    // The SIMD path reads the rows as halves times 2^-112, so its weights are times 2^112.
    const float factor = simd ? 0x1p112f : 1.0f;
    float sum = 0.0f;
    const auto weigh = [&](int32_t p) {
        const float w = std::exp(scores[p] - max);
        sum += w;
        scores[p] = w * factor;
    };
    int32_t p = 0;
#if defined(__wasm_simd128__)
    // Four exps at once (softmax_exp.h: expf's bits); the sum still adds them one by one.
    for (; p + 4 <= n_keys; p += 4) {
        v128_t w;
        if (!softmax_exp::expf4(wasm_f32x4_sub(wasm_v128_load(scores + p), wasm_f32x4_splat(max)), &w)) {
            for (int32_t i = p; i < p + 4; ++i) weigh(i);
            continue;
        }
        sum = softmax_exp::add_in_order(sum, w);
        wasm_v128_store(scores + p, wasm_f32x4_mul(w, wasm_f32x4_splat(factor)));
    }
#endif
    for (; p < n_keys; ++p) weigh(p);
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
#if defined(__wasm_simd128__)
    if (simd) {
        // 32 elements at a time: 8 accumulators stay in registers (x64 has 16 vector registers).
        int32_t c = 0;
        for (; c + 32 <= head_dim; c += 32) sum_rows_f32<4>(scores, v, c, n_keys, inv, out + c);
        switch ((head_dim - c) / 8) {
            case 3: sum_rows_f32<3>(scores, v, c, n_keys, inv, out + c); break;
            case 2: sum_rows_f32<2>(scores, v, c, n_keys, inv, out + c); break;
            case 1: sum_rows_f32<1>(scores, v, c, n_keys, inv, out + c); break;
            default: break;
        }
        return;
    }
#endif
    for (int32_t c = 0; c < head_dim; c += 32) {
        const int32_t width = head_dim - c < 32 ? head_dim - c : 32;
        float acc[32] = {};
        for (int32_t p = 0; p < n_keys; ++p) {
            const uint16_t* r = v.row(p) + c;
            for (int32_t i = 0; i < width; ++i) acc[i] += f16_to_f32(r[i]) * scores[p];
        }
        for (int32_t i = 0; i < width; ++i) out[c + i] = acc[i] * inv;
    }
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

// The online softmax's factors for a quantized V (llama.cpp's path for a V that is not f16:
// each row converted to f32 and added to an f32 accumulator), in place of the scores, in the
// form kv_kernels::WeightedRows takes: the same operations in the same order as the loop that
// adds each row as it goes, so the sum S and every factor are its bits. Returns S.
float online_weights(float* scores, int32_t n_keys) {
    float max = -std::numeric_limits<float>::infinity();
    float sum = 0.0f;
    for (int32_t p = 0; p < n_keys; ++p) {
#if defined(__wasm_simd128__)
        // Four keys none of which raises the maximum: their exps at once (softmax_exp.h:
        // expf's bits), added to the sum one by one as below.
        if (p % 4 == 0 && p + 4 <= n_keys) {
            const v128_t s4 = wasm_v128_load(scores + p), m = wasm_f32x4_splat(max);
            v128_t w4;
            if (!wasm_v128_any_true(wasm_f32x4_gt(s4, m)) && softmax_exp::expf4(wasm_f32x4_sub(s4, m), &w4)) {
                wasm_v128_store(scores + p, w4);
                sum = softmax_exp::add_in_order(sum, w4);
                p += 3;
                continue;
            }
        }
#endif
        const float s = scores[p];
        float w = 1.0f;
        if (s > max) {
            // A new maximum: what was summed so far shrinks by exp(old - new) (0 the first time).
            const float shrink = std::exp(max - s);
            max = s;
            sum *= shrink;
            scores[p] = -shrink;   // shrink >= 0: the sign bit marks the key (-0.0 too)
        } else {
            w = std::exp(s - max);
            scores[p] = w;
        }
        sum += w;
    }
    return sum;
}


// flash_attend with a quantized K or V (or both).
void quantized_attend(const float* q, KvRows k, KvRows v, int32_t n_keys, int32_t head_dim, float scale,
                      bool finite_cache, float* scores, float* out) {
    namespace kk = kv_kernels::best;
    if (k.type == KvType::F16) {
        f16_scores(q, as_f16(k), n_keys, head_dim, scale, finite_cache, scores);
    } else {
        kv_kernels::QueryQ8 q8;
        kv_kernels::prepare_query(q, head_dim, &q8);
        const kv_kernels::KeyRows keys{k.base, k.stride, n_keys};
        if (k.type == KvType::Q8_0) kk::scores_q8_0(keys, q8, scale, scores);
        else kk::scores_q4_0(keys, q8, scale, scores);
    }
    if (v.type == KvType::F16) {
        f16_values(scores, as_f16(v), n_keys, head_dim, finite_cache, out);
        return;
    }
    const float sum = online_weights(scores, n_keys);
    const kv_kernels::WeightedRows rows{v.base, v.stride, scores, n_keys};
    float acc[LlamaConfig::kMaxHeadDim] = {};
    if (v.type == KvType::Q8_0) kk::sum_rows_q8_0(acc, rows, head_dim / quant::kQK);
    else kk::sum_rows_q4_0(acc, rows, head_dim / quant::kQK);
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
    for (int32_t i = 0; i < head_dim; ++i) out[i] = acc[i] * inv;
}

}  // namespace

void flash_attend_f16(const float* q, F16Rows k, F16Rows v, int32_t n_keys, int32_t head_dim, float scale,
                      bool finite_cache, float* scores, float* out) {
    // The K.q products do not depend on the running softmax state: all of them first.
    f16_scores(q, k, n_keys, head_dim, scale, finite_cache, scores);
    if (n_keys >= flash_attention::kSplitKeys) f16_values_f32(scores, v, n_keys, head_dim, finite_cache, out);
    else f16_values(scores, v, n_keys, head_dim, finite_cache, out);
}

void flash_attend(const float* q, KvRows k, KvRows v, int32_t n_keys, int32_t head_dim, float scale,
                  bool finite_cache, float* scores, float* out) {
    if (k.type == KvType::F16 && v.type == KvType::F16) {
        flash_attend_f16(q, as_f16(k), as_f16(v), n_keys, head_dim, scale, finite_cache, scores, out);
        return;
    }
    quantized_attend(q, k, v, n_keys, head_dim, scale, finite_cache, scores, out);
}

}  // namespace smollm
