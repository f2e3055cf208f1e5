// The dot-product kernels behind matmul: one kernel per weight type per instruction set, with
// the same name in namespace `scalar` (the reference, also the native build's kernels) and
// `simd128` (wasm SIMD128, compiled only when __wasm_simd128__ is defined). matmul.cpp is the
// one place that picks between them.
//
// A kernel multiplies ONE weight row with a tile of 1..kMaxTileTokens activation rows, so each
// weight block is decoded once and used for every token of the tile:
//   y[t * y_stride] = dot(w_row, activation row t),  t < n_tok,
// where activation row t starts `xq_stride` bytes after row t-1 and is in the format
// activation_type_for(weight type) gives (quant.h).
#pragma once
#include <cstddef>
#include <cstdint>

namespace smollm::quant {

constexpr int kMaxTileTokens = 4;

using DotTileFn = void (*)(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride,
                           int n_tok, float* y, int64_t y_stride);

#define SMOLLM_QUANT_KERNEL_TYPES(X) \
    X(f32) X(f16) X(bf16) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0) X(iq4_nl) \
    X(q2_k) X(q3_k) X(q4_k) X(q5_k) X(q6_k) X(iq4_xs)

#define SMOLLM_DECLARE_DOT_KERNEL(name)                                                       \
    void name##_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride,     \
                    int n_tok, float* y, int64_t y_stride);

namespace scalar {
SMOLLM_QUANT_KERNEL_TYPES(SMOLLM_DECLARE_DOT_KERNEL)
}

#if defined(__wasm_simd128__)
namespace simd128 {
SMOLLM_QUANT_KERNEL_TYPES(SMOLLM_DECLARE_DOT_KERNEL)
}
#endif

#undef SMOLLM_DECLARE_DOT_KERNEL

}  // namespace smollm::quant
