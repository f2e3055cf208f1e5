#include "model/flash_attention_tiled.h"

#include <cmath>
#include <limits>

#include "model/f16.h"
#include "model/ggml_expf.h"
#include "model/llama_config.h"
#include "quant/f16_dot_order.h"
#include "quant/fused_madd.h"
#if defined(__wasm_simd128__)
#include "quant/simd128_util.h"
#endif

namespace smollm {
namespace {

using flash_attention::kTileKeys;
using quant::fused_madd_f32;

// s[0..n) = scale * (k row p . q) for keys [first, first + n): one fused chain per key.
void tile_scores(const float* q, F16Rows k, int32_t first, int32_t n, int32_t head_dim, float scale, float* s) {
    for (int32_t t = 0; t < n; ++t) {
        const uint16_t* row = k.row(first + t);
        float acc = 0.0f;
        for (int32_t d = 0; d < head_dim; ++d) acc = fused_madd_f32(f16_to_f32(row[d]), q[d], acc);
        s[t] = acc * scale;
    }
}

// s[i] = ggml_v_expf(s[i] - max) for the whole tile (padding included, whose -inf gives 0);
// returns their sum as ggml_vec_soft_max_f32 forms it.
double tile_weights(float* s, float max) {
    double sum = 0.0;
    for (int32_t g = 0; g < kTileKeys; g += 16) {
        for (int32_t i = g; i < g + 16; ++i) s[i] = ggml_v_expf(s[i] - max);
        sum += static_cast<double>(quant::f16_order::reduce_add16(s + g));
    }
    return sum;
}

// The online softmax's step for one tile of n scores (s has kTileKeys slots): the padding set
// to -inf, the running maximum and sum brought to the tile's maximum (acc, head_dim f32 values,
// scaled with them), s turned into the tile's weights and their sum added. False (nothing
// changed) when every score is -inf: llama.cpp skips such a row's tile.
bool softmax_tile(float* s, int32_t n, float* max, float* sum, float* acc, int32_t head_dim) {
    for (int32_t t = n; t < kTileKeys; ++t) s[t] = -std::numeric_limits<float>::infinity();
    float tile_max = -std::numeric_limits<float>::infinity();
    for (int32_t t = 0; t < n; ++t) tile_max = s[t] > tile_max ? s[t] : tile_max;
    if (tile_max == -std::numeric_limits<float>::infinity()) return false;
    const float new_max = std::fmax(*max, tile_max);
    if (new_max > *max) {
        const float shrink = std::exp(*max - new_max);
        for (int32_t i = 0; i < head_dim; ++i) acc[i] *= shrink;
        *sum *= shrink;
    }
    *max = new_max;
    *sum = static_cast<float>(static_cast<double>(*sum) + tile_weights(s, new_max));
    return true;
}

}  // namespace

void flash_attend_tiled_f16(const float* q, F16Rows k, F16Rows v, int32_t n_keys, int32_t head_dim, float scale,
                            float* out) {
    float acc[LlamaConfig::kMaxHeadDim];
    for (int32_t i = 0; i < head_dim; ++i) acc[i] = 0.0f;
    float max = -std::numeric_limits<float>::infinity();
    float sum = 0.0f;
    float s[kTileKeys];
    for (int32_t first = 0; first < n_keys; first += kTileKeys) {
        const int32_t n = n_keys - first < kTileKeys ? n_keys - first : kTileKeys;
        tile_scores(q, k, first, n, head_dim, scale, s);
        if (!softmax_tile(s, n, &max, &sum, acc, head_dim)) continue;
        for (int32_t t = 0; t < n; ++t) {
            const uint16_t* row = v.row(first + t);
            for (int32_t i = 0; i < head_dim; ++i) acc[i] = fused_madd_f32(f16_to_f32(row[i]), s[t], acc[i]);
        }
    }
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
    for (int32_t i = 0; i < head_dim; ++i) out[i] = acc[i] * inv;
}

#if defined(__wasm_simd128__)
namespace {

// The key and value tiles are widened once per tile: to f32 where the build has a native fused
// multiply-add (quant/simd_fma.h: the relaxed build), to f64 where SIMD128 emulates it.
#if defined(__wasm_relaxed_simd__)
using Wide = float;
#else
using Wide = double;

// An f64x2 of two f32 values, after the f32 rounding of each lane.
inline v128_t round_f32(v128_t x) { return wasm_f64x2_promote_low_f32x4(wasm_f32x4_demote_f64x2_zero(x)); }
#endif

// The widened tiles and each query's running state, carved out of the scratch.
struct TiledState {
    Wide* keys_t;       // [d][key]: the key tile transposed, 64 keys per dimension
    Wide* values;       // [key][d]
    float* acc;         // [query][d]
    float max[flash_attention::kTileQueries];
    float sum[flash_attention::kTileQueries];
};

TiledState carve(void* scratch, int32_t head_dim) {
    auto* d = static_cast<Wide*>(scratch);
    const size_t tile = static_cast<size_t>(kTileKeys) * static_cast<size_t>(head_dim);
    return TiledState{d, d + tile, reinterpret_cast<float*>(d + 2 * tile), {}, {}};
}

void widen_tile(F16Rows k, F16Rows v, int32_t first, int32_t n, int32_t head_dim, TiledState& st) {
    for (int32_t t = 0; t < n; ++t) {
        const uint16_t* kr = k.row(first + t);
        const uint16_t* vr = v.row(first + t);
        Wide* vd = st.values + static_cast<size_t>(t) * head_dim;
        for (int32_t d = 0; d < head_dim; ++d) {
            st.keys_t[static_cast<size_t>(d) * kTileKeys + t] = f16_to_f32(kr[d]);
            vd[d] = f16_to_f32(vr[d]);
        }
    }
}

#if defined(__wasm_relaxed_simd__)
using quant::simd128::fmadd_f32x4;

// s[0..n) as tile_scores computes them, eight keys at a time (one f32x4 chain of fused
// multiply-adds per four keys; keys past n in the tile's row are computed and dropped).
void tile_scores_simd(const float* q, const TiledState& st, int32_t n, int32_t head_dim, float scale, float* s) {
    const v128_t sc = wasm_f32x4_splat(scale);
    for (int32_t t = 0; t < n; t += 8) {
        v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0;
        const float* kt = st.keys_t + t;
        for (int32_t d = 0; d < head_dim; ++d, kt += kTileKeys) {
            const v128_t qd = wasm_f32x4_splat(q[d]);
            a0 = fmadd_f32x4(wasm_v128_load(kt), qd, a0);
            a1 = fmadd_f32x4(wasm_v128_load(kt + 4), qd, a1);
        }
        float r[8];
        wasm_v128_store(r, wasm_f32x4_mul(a0, sc));
        wasm_v128_store(r + 4, wasm_f32x4_mul(a1, sc));
        for (int32_t i = 0; i < 8 && t + i < n; ++i) s[t + i] = r[i];
    }
}

// acc[0..head_dim) = fma(v[key][d], w[key], acc[d]) for keys 0..n in order, eight dimensions
// (two f32x4 chains) at a time.
void add_values_simd(float* acc, const TiledState& st, const float* w, int32_t n, int32_t head_dim) {
    for (int32_t d = 0; d < head_dim; d += 8) {
        v128_t a0 = wasm_v128_load(acc + d), a1 = wasm_v128_load(acc + d + 4);
        const float* vd = st.values + d;
        for (int32_t t = 0; t < n; ++t, vd += head_dim) {
            const v128_t wt = wasm_f32x4_splat(w[t]);
            a0 = fmadd_f32x4(wasm_v128_load(vd), wt, a0);
            a1 = fmadd_f32x4(wasm_v128_load(vd + 4), wt, a1);
        }
        wasm_v128_store(acc + d, a0);
        wasm_v128_store(acc + d + 4, a1);
    }
}
#else
// s[0..n) as tile_scores computes them, four keys at a time (two f64x2 chains per dimension).
void tile_scores_simd(const float* q, const TiledState& st, int32_t n, int32_t head_dim, float scale, float* s) {
    for (int32_t t = 0; t < n; t += 4) {
        v128_t a0 = wasm_f64x2_splat(0.0), a1 = a0;
        const double* kt = st.keys_t + t;
        for (int32_t d = 0; d < head_dim; ++d) {
            const v128_t qd = wasm_f64x2_splat(static_cast<double>(q[d]));
            a0 = round_f32(wasm_f64x2_add(wasm_f64x2_mul(wasm_v128_load(kt), qd), a0));
            a1 = round_f32(wasm_f64x2_add(wasm_f64x2_mul(wasm_v128_load(kt + 2), qd), a1));
            kt += kTileKeys;
        }
        const v128_t f = wasm_i64x2_shuffle(wasm_f32x4_demote_f64x2_zero(a0), wasm_f32x4_demote_f64x2_zero(a1), 0, 2);
        float r[4];
        wasm_v128_store(r, wasm_f32x4_mul(f, wasm_f32x4_splat(scale)));
        for (int32_t i = 0; i < 4 && t + i < n; ++i) s[t + i] = r[i];
    }
}

// acc[0..head_dim) = fma(v[key][d], w[key], acc[d]) for keys 0..n in order, eight dimensions
// (four f64x2 chains) at a time.
void add_values_simd(float* acc, const TiledState& st, const float* w, int32_t n, int32_t head_dim) {
    for (int32_t d = 0; d < head_dim; d += 8) {
        const v128_t x0 = wasm_v128_load(acc + d), x1 = wasm_v128_load(acc + d + 4);
        v128_t a[4] = {wasm_f64x2_promote_low_f32x4(x0), wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(x0, x0, 1, 1)),
                       wasm_f64x2_promote_low_f32x4(x1), wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(x1, x1, 1, 1))};
        const double* vd = st.values + d;
        for (int32_t t = 0; t < n; ++t, vd += head_dim) {
            const v128_t wt = wasm_f64x2_splat(static_cast<double>(w[t]));
            for (int j = 0; j < 4; ++j) a[j] = round_f32(wasm_f64x2_add(wasm_f64x2_mul(wasm_v128_load(vd + 2 * j), wt), a[j]));
        }
        wasm_v128_store(acc + d, wasm_i64x2_shuffle(wasm_f32x4_demote_f64x2_zero(a[0]), wasm_f32x4_demote_f64x2_zero(a[1]), 0, 2));
        wasm_v128_store(acc + d + 4, wasm_i64x2_shuffle(wasm_f32x4_demote_f64x2_zero(a[2]), wasm_f32x4_demote_f64x2_zero(a[3]), 0, 2));
    }
}
#endif

}  // namespace

size_t tiled_scratch_bytes(int32_t head_dim) {
    const size_t tile = static_cast<size_t>(kTileKeys) * static_cast<size_t>(head_dim);
    return 2 * tile * sizeof(Wide) + static_cast<size_t>(flash_attention::kTileQueries) * head_dim * sizeof(float);
}

void flash_attend_tiled_f16_queries(const TiledQueries& qs, F16Rows k, F16Rows v, int32_t head_dim, float scale,
                                    void* scratch) {
    // The SIMD loops take four keys and eight dimensions at a time (the tiled order itself
    // needs head_dim to be a multiple of 16).
    if (head_dim % 8 != 0) {
        for (int32_t i = 0; i < qs.count; ++i)
            flash_attend_tiled_f16(qs.q + i * qs.q_stride, k, v, qs.n_keys[i], head_dim, scale, qs.out + i * qs.out_stride);
        return;
    }
    TiledState st = carve(scratch, head_dim);
    int32_t most_keys = 0;
    for (int32_t i = 0; i < qs.count; ++i) {
        st.max[i] = -std::numeric_limits<float>::infinity();
        st.sum[i] = 0.0f;
        float* acc = st.acc + static_cast<size_t>(i) * head_dim;
        for (int32_t d = 0; d < head_dim; ++d) acc[d] = 0.0f;
        most_keys = qs.n_keys[i] > most_keys ? qs.n_keys[i] : most_keys;
    }
    float s[kTileKeys];
    for (int32_t first = 0; first < most_keys; first += kTileKeys) {
        const int32_t tile_n = most_keys - first < kTileKeys ? most_keys - first : kTileKeys;
        widen_tile(k, v, first, tile_n, head_dim, st);
        for (int32_t i = 0; i < qs.count; ++i) {
            const int32_t n = qs.n_keys[i] - first < tile_n ? qs.n_keys[i] - first : tile_n;
            if (n <= 0) continue;   // every key of this tile is masked for this query
            tile_scores_simd(qs.q + i * qs.q_stride, st, n, head_dim, scale, s);
            float* acc = st.acc + static_cast<size_t>(i) * head_dim;
            if (softmax_tile(s, n, &st.max[i], &st.sum[i], acc, head_dim)) add_values_simd(acc, st, s, n, head_dim);
        }
    }
    for (int32_t i = 0; i < qs.count; ++i) {
        const float inv = st.sum[i] == 0.0f ? 0.0f : 1.0f / st.sum[i];
        const float* acc = st.acc + static_cast<size_t>(i) * head_dim;
        float* out = qs.out + i * qs.out_stride;
        for (int32_t d = 0; d < head_dim; ++d) out[d] = acc[d] * inv;
    }
}
#else
size_t tiled_scratch_bytes(int32_t) { return 0; }

void flash_attend_tiled_f16_queries(const TiledQueries& qs, F16Rows k, F16Rows v, int32_t head_dim, float scale,
                                    void*) {
    for (int32_t i = 0; i < qs.count; ++i)
        flash_attend_tiled_f16(qs.q + i * qs.q_stride, k, v, qs.n_keys[i], head_dim, scale, qs.out + i * qs.out_stride);
}
#endif

}  // namespace smollm
