// The summation orders of ggml_vec_dot_f32 and ggml_vec_dot_bf16 as llama.cpp's x86 AVX-512
// build with AVX512_BF16 (the zen4 CPU variant node-llama-cpp loads) executes them: its
// one-token matmul for F32 and BF16 weights (llamafile's tinyBLAS takes batches of 2 or more).
//
// F32 (activations F32): the F16 dot's layout (f16_dot_order.h: 64 elements per step, element
// 64s + 16j + l in accumulator j, lane l; fold64), but every product is added with a fused
// multiply-add, and the elements past the last whole step are fused into the f32 total one by
// one (GCC contracts `sumf += x[i]*y[i]`).
//
// BF16 (activations rounded to BF16): two accumulators of 16 lanes per 64-element step, c1 for
// elements 0..31 and c2 for 32..63; lane j of each takes the pair 2j, 2j + 1 through
// VDPBF16PS, which adds the odd element's product first, then the even one's (products of
// BF16 values are exact in f32, so its fused adds are plain adds). c1 and c2 are each reduced
// with _mm512_reduce_add_ps's tree and added in double; the leftover products too.
// (VDPBF16PS also flushes subnormal inputs and results to zero; wasm cannot, and real weights
// and activations do not sit within 2^-126 of zero.)
//
// Scalar and SIMD128 versions of the BF16 order give the same bits; F32's order is scalar only
// (the native build's kernel; the SIMD128 F32 kernel stays plain, see dot_simd128_float.cpp).
#pragma once
#include <cstdint>

#include "quant/f16_dot_order.h"
#include "quant/fp16.h"
#include "quant/fused_madd.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace smollm::quant::float_order {

constexpr int64_t kStep = 64;

inline float f32_dot_scalar(const float* w, const float* x, int64_t n) {
    const int64_t steps = n / kStep;
    float sum = 0.0f;
    if (steps > 0) {
        float a[kStep] = {};
        for (int64_t s = 0; s < steps; ++s)
            for (int64_t e = 0; e < kStep; ++e) a[e] = fused_madd_f32(w[s * kStep + e], x[s * kStep + e], a[e]);
        sum = f16_order::fold64(a);
    }
    for (int64_t i = steps * kStep; i < n; ++i) sum = fused_madd_f32(w[i], x[i], sum);
    return sum;
}

// w(i) and x(i) return the BF16 values as floats.
template <typename W, typename X>
float bf16_dot_scalar(W w, X x, int64_t n) {
    const int64_t steps = n / kStep;
    double sum = 0.0;
    if (steps > 0) {
        float c[2][16] = {};
        for (int64_t s = 0; s < steps; ++s)
            for (int h = 0; h < 2; ++h)
                for (int j = 0; j < 16; ++j) {
                    const int64_t e = s * kStep + 32 * h + 2 * j;
                    c[h][j] += w(e + 1) * x(e + 1);
                    c[h][j] += w(e) * x(e);
                }
        sum += static_cast<double>(f16_order::reduce_add16(c[0]));
        sum += static_cast<double>(f16_order::reduce_add16(c[1]));
    }
    for (int64_t i = steps * kStep; i < n; ++i) sum += static_cast<double>(w(i) * x(i));
    return static_cast<float>(sum);
}

#if defined(__wasm_simd128__)
// The BF16 activation row as bf16_dot_rows reads it: f32 values, each group of 8 elements of
// the whole 64-element steps as its 4 even elements, then its 4 odd ones (the pairs VDPBF16PS
// takes), so the kernel splits only the weights; the elements after the last whole step in
// order. Written once per matmul for all the rows it meets.
inline void bf16_widen_row(const uint16_t* h, float* f, int64_t n) {
    const int64_t whole = n / kStep * kStep;
    for (int64_t g = 0; g < whole; g += 8)
        for (int k = 0; k < 4; ++k) {
            f[g + k] = bf16_to_fp32(h[g + 2 * k]);
            f[g + 4 + k] = bf16_to_fp32(h[g + 2 * k + 1]);
        }
    for (int64_t i = whole; i < n; ++i) f[i] = bf16_to_fp32(h[i]);
}

// bf16_dot_scalar's result for NT activation rows x[t] (laid out by bf16_widen_row) sharing
// the BF16 row w, into y[t * y_stride]. c[t][h][q] holds lanes 4q..4q+3 of accumulator h:
// elements 32h + 8q .. 32h + 8q + 7 of each step, pairs of one 32-bit word of w (even element
// in its low half).
template <int NT>
void bf16_dot_rows(const uint16_t* w, const float* const* x, int64_t n, float* y, int64_t y_stride) {
    const int64_t steps = n / kStep;
    v128_t c[NT][2][4];
    for (int t = 0; t < NT; ++t)
        for (int h = 0; h < 2; ++h)
            for (int q = 0; q < 4; ++q) c[t][h][q] = wasm_f32x4_splat(0.0f);
    const v128_t odd_mask = wasm_i32x4_splat(static_cast<int32_t>(0xffff0000u));
    for (int64_t s = 0; s < steps; ++s) {
        for (int h = 0; h < 2; ++h) {
            for (int q = 0; q < 4; ++q) {
                const int64_t e = s * kStep + 32 * h + 8 * q;
                const v128_t pairs = wasm_v128_load(w + e);
                const v128_t w_even = wasm_i32x4_shl(pairs, 16), w_odd = wasm_v128_and(pairs, odd_mask);
                for (int t = 0; t < NT; ++t) {
                    const v128_t x_even = wasm_v128_load(x[t] + e), x_odd = wasm_v128_load(x[t] + e + 4);
                    c[t][h][q] = wasm_f32x4_add(wasm_f32x4_add(c[t][h][q], wasm_f32x4_mul(w_odd, x_odd)),
                                                wasm_f32x4_mul(w_even, x_even));
                }
            }
        }
    }
    for (int t = 0; t < NT; ++t) {
        double sum = 0.0;
        if (steps > 0) {
            sum += static_cast<double>(f16_order::reduce_add16_lanes(c[t][0]));
            sum += static_cast<double>(f16_order::reduce_add16_lanes(c[t][1]));
        }
        for (int64_t i = steps * kStep; i < n; ++i) sum += static_cast<double>(bf16_to_fp32(w[i]) * x[t][i]);
        y[t * y_stride] = static_cast<float>(sum);
    }
}
#endif

}  // namespace smollm::quant::float_order
