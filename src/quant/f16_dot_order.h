// The summation order of ggml_vec_dot_f16 as llama.cpp's x86 AVX-512 build (the zen4 /
// skylakex CPU variants node-llama-cpp loads) executes it: the dot product of an F16 weight row
// with F16 activations in its one-token (decode) matmul, and of the query with each f16 key in
// its flash attention. Both operands are halves, so every product is exact in f32 and ggml's
// fused multiply-adds are plain adds.
//   - 64 elements per step, as four accumulators of 16 lanes: element 64s + 16j + l goes to
//     accumulator j, lane l;
//   - the fold: accumulators (0 + 2) + (1 + 3), then _mm512_reduce_add_ps's halving tree over
//     the 16 lanes;
//   - the elements past the last whole step added one by one in double.
// Scalar and SIMD128 versions give the same bits.
#pragma once
#include <cstdint>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace smollm::quant::f16_order {

constexpr int64_t kStep = 64;

// _mm512_reduce_add_ps's halving tree over 16 lanes (GCC's: upper 8 + lower 8, then 4 + 4,
// then lanes (0 + 2) + (1 + 3)); ggml_vec_dot_bf16 and _f32 end with it too.
inline float reduce_add16(const float* v) {
    float t3[8], t6[4];
    for (int i = 0; i < 8; ++i) t3[i] = v[i] + v[i + 8];
    for (int i = 0; i < 4; ++i) t6[i] = t3[i] + t3[i + 4];
    return (t6[0] + t6[2]) + (t6[1] + t6[3]);
}

// The fold of one step's 64 partial sums (a[e]: accumulator e / 16, lane e % 16).
inline float fold64(const float* a) {
    float v[16];
    for (int l = 0; l < 16; ++l) v[l] = (a[l] + a[32 + l]) + (a[16 + l] + a[48 + l]);
    return reduce_add16(v);
}

// llama.cpp's batch order for F16 weights (2 or more tokens): llamafile's tinyBLAS on AVX-512,
// one accumulator of 16 lanes per output, element 16s + l added to lane l (the products of two
// halves are exact, so its fused multiply-adds are plain adds), then _mm512_reduce_add_ps. It
// needs n to be a multiple of 16 (kBatchLanes); other rows keep the one-token order.
constexpr int64_t kBatchLanes = 16;

template <typename W, typename X>
float batch_dot_scalar(W w, X x, int64_t n) {
    float lanes[kBatchLanes] = {};
    for (int64_t i = 0; i < n; i += kBatchLanes)
        for (int64_t l = 0; l < kBatchLanes; ++l) lanes[l] += w(i + l) * x(i + l);
    return reduce_add16(lanes);
}

// sum of w(i) * x(i) for i < n, w and x returning the halves' values as floats.
template <typename W, typename X>
float dot_scalar(W w, X x, int64_t n) {
    const int64_t steps = n / kStep;
    double sum = 0.0;
    if (steps > 0) {
        float a[kStep] = {};
        for (int64_t s = 0; s < steps; ++s)
            for (int64_t e = 0; e < kStep; ++e) a[e] += w(s * kStep + e) * x(s * kStep + e);
        sum = fold64(a);
    }
    for (int64_t i = steps * kStep; i < n; ++i) sum += static_cast<double>(w(i) * x(i));
    return static_cast<float>(sum);
}

#if defined(__wasm_simd128__)
// The whole steps of NT dot products that share one row of w: a[t][m] holds lanes 4m..4m+3 of
// token t's 64 partial sums. `load8(i, &lo, &hi)` gives elements i..i+7 of w as two f32x4 (read
// once per step for all NT tokens); x[t] is token t's row of floats (the halves' values).
template <int NT, typename Load8>
void accumulate_steps(Load8 load8, const float* const* x, int64_t steps, v128_t (*a)[16]) {
    for (int t = 0; t < NT; ++t)
        for (int m = 0; m < 16; ++m) a[t][m] = wasm_f32x4_splat(0.0f);
    for (int64_t s = 0; s < steps; ++s) {
        v128_t w[16];
        for (int m = 0; m < 16; m += 2) load8(s * kStep + 4 * m, &w[m], &w[m + 1]);
        for (int t = 0; t < NT; ++t) {
            const float* xs = x[t] + s * kStep;
            for (int m = 0; m < 16; ++m) a[t][m] = wasm_f32x4_add(a[t][m], wasm_f32x4_mul(w[m], wasm_v128_load(xs + 4 * m)));
        }
    }
}

// reduce_add16 of 16 lanes held as four f32x4 (lanes 4q..4q+3 in v[q]).
inline float reduce_add16_lanes(const v128_t* v) {
    const v128_t t6 = wasm_f32x4_add(wasm_f32x4_add(v[0], v[2]), wasm_f32x4_add(v[1], v[3]));
    const v128_t t8 = wasm_f32x4_add(t6, wasm_i32x4_shuffle(t6, t6, 2, 3, 0, 1));
    return wasm_f32x4_extract_lane(t8, 0) + wasm_f32x4_extract_lane(t8, 1);
}

// fold64 of one token's accumulators (lanes 4q..4q+3 of fold64's v in vector q).
inline float fold_lanes(const v128_t* a) {
    v128_t v[4];
    for (int q = 0; q < 4; ++q)
        v[q] = wasm_f32x4_add(wasm_f32x4_add(a[q], a[8 + q]), wasm_f32x4_add(a[4 + q], a[12 + q]));
    return reduce_add16_lanes(v);
}

// dot_scalar's result for each of NT rows of floats x[t] (sharing w), into y[t * y_stride];
// `w1(i)` is element i of w.
template <int NT, typename Load8, typename W1>
void dot_rows(Load8 load8, W1 w1, const float* const* x, int64_t n, float* y, int64_t y_stride) {
    const int64_t steps = n / kStep;
    v128_t a[NT][16];
    if (steps > 0) accumulate_steps<NT>(load8, x, steps, a);
    for (int t = 0; t < NT; ++t) {
        double sum = steps > 0 ? fold_lanes(a[t]) : 0.0;
        for (int64_t i = steps * kStep; i < n; ++i) sum += static_cast<double>(w1(i) * x[t][i]);
        y[t * y_stride] = static_cast<float>(sum);
    }
}

// batch_dot_scalar's result for each of NT rows of floats x[t] (sharing w; n a multiple of
// kBatchLanes), into y[t * y_stride]: lanes 4q..4q+3 of token t's accumulator in a[t][q].
template <int NT, typename Load8>
void batch_dot_rows(Load8 load8, const float* const* x, int64_t n, float* y, int64_t y_stride) {
    v128_t a[NT][4];
    for (int t = 0; t < NT; ++t)
        for (int q = 0; q < 4; ++q) a[t][q] = wasm_f32x4_splat(0.0f);
    for (int64_t i = 0; i < n; i += kBatchLanes) {
        v128_t w[4];
        load8(i, &w[0], &w[1]);
        load8(i + 8, &w[2], &w[3]);
        for (int t = 0; t < NT; ++t)
            for (int q = 0; q < 4; ++q) a[t][q] = wasm_f32x4_add(a[t][q], wasm_f32x4_mul(w[q], wasm_v128_load(x[t] + i + 4 * q)));
    }
    for (int t = 0; t < NT; ++t) y[t * y_stride] = reduce_add16_lanes(a[t]);
}

// dot_rows for one row of floats x.
template <typename Load8, typename W1>
float dot_simd(Load8 load8, W1 w1, const float* x, int64_t n) {
    float y;
    dot_rows<1>(load8, w1, &x, n, &y, 0);
    return y;
}
#endif

}  // namespace smollm::quant::f16_order
