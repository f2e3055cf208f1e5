// SIMD128 kernels of the float weight types. F16 and BF16 activations arrive widened to f32
// (their products are exact in f32, as in llama.cpp's F16/BF16 dot). F16 and BF16 sum in
// llama.cpp's one-token order (f16_dot_order.h, float_dot_order.h), bit-identical to the scalar
// twins; F32 is a plain multiply-add whose four lanes accumulate separately (its sums differ
// from the scalar twin in float order).
#if defined(__wasm_simd128__)
#include "quant/f16_dot_order.h"
#include "quant/float_dot_order.h"
#include "quant/fp16.h"
#include "quant/kernels.h"
#include "quant/simd128_tile.h"
#include "quant/simd128_util.h"

namespace smollm::quant::simd128 {
namespace {

// Reads 8 consecutive elements of an F32 row as two f32x4, or one element as a float.
struct F32Loader {
    static void load8(const void* row, int64_t i, v128_t* lo, v128_t* hi) {
        const float* p = static_cast<const float*>(row) + i;
        *lo = wasm_v128_load(p);
        *hi = wasm_v128_load(p + 4);
    }
    static float load1(const void* row, int64_t i) { return static_cast<const float*>(row)[i]; }
};

// F32: a plain multiply-add for every tile. llama.cpp's one-token order (float_dot_order.h, the
// scalar kernel's) was bit-identical here in V8 but 2.5 times slower (8.6 -> 3.4 GMAC/s: its
// fused adds are emulated in double), while the plain order stays within the parity bound
// (4.2e-4 of the logit range on gen-f32); F32 files are reference files, rarely run in a
// browser. (It was first taken out for a WebKit trap under load; that trap was a
// JavaScriptCore loop-OSR fault, later pinned down in Vocab::detect_special_tokens, see
// src/text/vocab.cpp; whether this kernel's long loops were another of its victims is unknown.)
template <int NT>
void f32_tile(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride) {
    v128_t acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = wasm_f32x4_splat(0.f);
    const auto* x = static_cast<const uint8_t*>(xq);
    const int64_t n8 = n_cols - n_cols % 8;
    for (int64_t i = 0; i < n8; i += 8) {
        v128_t w0, w1;
        F32Loader::load8(w_row, i, &w0, &w1);
        for (int t = 0; t < NT; ++t) {
            v128_t a0, a1;
            F32Loader::load8(x + t * xq_stride, i, &a0, &a1);
            acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_add(wasm_f32x4_mul(w0, a0), wasm_f32x4_mul(w1, a1)));
        }
    }
    for (int t = 0; t < NT; ++t) {
        float sum = hsum_f32x4(acc[t]);
        for (int64_t k = n8; k < n_cols; ++k) sum += F32Loader::load1(w_row, k) * F32Loader::load1(x + t * xq_stride, k);
        y[t * y_stride] = sum;
    }
}

// Eight halves of an F16 row at element i as two f32x4.
struct F16Loader {
    const uint16_t* wh;
    void operator()(int64_t i, v128_t* lo, v128_t* hi) const {
        const v128_t h = wasm_v128_load(wh + i);
        *lo = fp16x4_to_f32(wasm_u32x4_extend_low_u16x8(h));
        *hi = fp16x4_to_f32(wasm_u32x4_extend_high_u16x8(h));
    }
};

// F16 sums in llama.cpp's order (quant/f16_dot_order.h): one token as ggml_vec_dot_f16, a tile
// of 2 or more as its batch path's tinyBLAS (kBatchOrder; BatchOrder::Fast's f16_fast_tile
// keeps the one-token order for every tile), so the scalar twin gives the same bits; the
// tile's tokens share each step's widened weights.
template <int NT, bool kBatchOrder = true>
void f16_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    const auto* wh = static_cast<const uint16_t*>(w);
    const float* rows[NT];
    for (int t = 0; t < NT; ++t) rows[t] = reinterpret_cast<const float*>(static_cast<const uint8_t*>(x) + t * xs);
    if (kBatchOrder && NT > 1 && n % f16_order::kBatchLanes == 0) {
        f16_order::batch_dot_rows<NT>(F16Loader{wh}, rows, n, y, ys);
        return;
    }
    f16_order::dot_rows<NT>(F16Loader{wh}, [wh](int64_t i) { return fp16_to_fp32(wh[i]); }, rows, n, y, ys);
}
template <int NT>
void f16_fast_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    f16_tile<NT, false>(n, w, x, xs, y, ys);
}
// In ggml_vec_dot_bf16's order, every tile (plain adds: no cost to keep it in batches).
template <int NT>
void bf16_tile(int64_t n, const void* w, const void* x, size_t xs, float* y, int64_t ys) {
    const float* rows[NT];
    for (int t = 0; t < NT; ++t) rows[t] = reinterpret_cast<const float*>(static_cast<const uint8_t*>(x) + t * xs);
    float_order::bf16_dot_rows<NT>(static_cast<const uint16_t*>(w), rows, n, y, ys);
}

}  // namespace

SMOLLM_SIMD128_TILE_ENTRY(f32, f32_tile)
SMOLLM_SIMD128_TILE_ENTRY(f16, f16_tile)
SMOLLM_SIMD128_TILE_ENTRY(f16_fast, f16_fast_tile)
SMOLLM_SIMD128_TILE_ENTRY(bf16, bf16_tile)

}  // namespace smollm::quant::simd128
#endif
