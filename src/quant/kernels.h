// The dot-product kernels behind matmul: one kernel per weight type per instruction set, with
// the same name in namespace `scalar` (the reference, also the native build's kernels) and
// `simd128` (wasm SIMD128, compiled only when __wasm_simd128__ is defined). matmul.cpp is the
// one place that picks between them.
//
// A kernel multiplies ONE weight row with a tile of 1..kMaxTileTokens activation rows, so each
// weight block is decoded once and used for every token of the tile:
//   y[t * y_stride] = dot(w_row, activation row t),  t < n_tok,
// where activation row t starts `xq_stride` bytes after row t-1 and is in the format
// activation_type_for(weight type) gives (quant.h); the simd128 kernels take those rows
// widened (see simd128::widen_activation_row).
//
// The kernels combine their exact integer sums in float in llama.cpp's x86 orders, so that a
// decoded token's logits are llama.cpp's bit for bit, and a batch's those of llama.cpp
// evaluating the same batch. A tile of one token takes its decode order (quant/kquant_order.h:
// eight fused lanes per super-block, or Q2_K / Q4_K's repacked GEMV); a tile of 2..4 tokens its
// batch order: the same eight lanes per token for Q3_K / Q5_K / Q6_K / IQ4_XS (its batch calls
// the one-token dot per token), Q4_K's repacked GEMM (a fused sum per 64 elements; matmul
// tiles those two types with repacked_tile_tokens), F16's tinyBLAS (f16_dot_order.h). matmul
// never splits a batch of other types into a tile of one (tile_tokens). BatchOrder::Fast
// (quant.h) keeps one total per super-block in the k-quant and IQ4_XS batch tiles instead, and
// F16's one-token order (the _fast kernels below), and sums the Q8_0-activation types (Q4_0,
// IQ4_NL, Q8_0, Q5_0) per block in f32 even for one token: llama.cpp's order for them (a fused
// chain per row for Q4_0 / IQ4_NL, eight fused lanes for Q8_0 / Q5_0, token by token in a
// batch as its repacked GEMM and per-token vec_dot give it) costs 0-6% of their
// decode in Chromium with the relaxed build's native fused adds (simd_fma.h), but 7% (Q4_0) to
// a third (Q8_0) in Firefox, and in SIMD128, which emulates the fused adds in double, a quarter
// to two thirds. Q2_K's batch tiles keep one total per
// super-block, and the scalar F32 kernel's a plain sum (its one-token order's fused adds are
// emulated in double; the SIMD128 one is plain, dot_simd128_float.cpp says why); BF16 sums
// every tile in its one-token order (plain adds).
#pragma once
#include <cstddef>
#include <cstdint>

#include "gguf/gguf_types.h"
#include "quant/quant.h"

namespace smollm::quant {

constexpr int kMaxTileTokens = 4;

// The size of the tile that starts at token t0 of n_tokens: kMaxTileTokens, except at the end
// of a batch, where a remainder of one is avoided (the last five tokens go as 3 + 2) so that
// only a lone token takes the one-token order.
constexpr int tile_tokens(int64_t n_tokens, int64_t t0) {
    const int64_t left = n_tokens - t0;
    if (left >= 2 * kMaxTileTokens || left == kMaxTileTokens) return kMaxTileTokens;
    if (left == kMaxTileTokens + 1) return 3;
    return static_cast<int>(left < kMaxTileTokens ? left : kMaxTileTokens);
}

// Q4_K and Q2_K: llama.cpp's x86 build repacks them and takes a batch's tokens in groups of
// four through its GEMM, the rest one at a time through its GEMV, whose orders differ: tiles of
// four from the first token, then tiles of one.
constexpr int kRepackedGroup = 4;
static_assert(kRepackedGroup <= kMaxTileTokens);
constexpr int repacked_tile_tokens(int64_t n_tokens, int64_t t0) { return n_tokens - t0 >= kRepackedGroup ? kRepackedGroup : 1; }

// The tile matmul makes at token t0 of n_tokens for weights of type `t` in `order` (quant.h).
constexpr int tile_tokens_for(GgmlType t, BatchOrder order, int64_t n_tokens, int64_t t0) {
    const bool repacked = order == BatchOrder::LlamaCpp && (t == GgmlType::Q4_K || t == GgmlType::Q2_K);
    return repacked ? repacked_tile_tokens(n_tokens, t0) : tile_tokens(n_tokens, t0);
}

using DotTileFn = void (*)(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride,
                           int n_tok, float* y, int64_t y_stride);

#define SMOLLM_QUANT_KERNEL_TYPES(X) \
    X(f32) X(f16) X(bf16) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0) X(iq4_nl) \
    X(q2_k) X(q3_k) X(q4_k) X(q5_k) X(q6_k) X(iq4_xs)

#define SMOLLM_DECLARE_DOT_KERNEL(name)                                                       \
    void name##_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride,     \
                    int n_tok, float* y, int64_t y_stride);

// IQ4_XS in a batch of kIqPanelMinTokens or more tokens: llama.cpp's x86 build runs it through its
// IQ panel GEMM (iqp.cpp, GGML_IQP_MIN_BATCH), one fused multiply-add per super-block total,
// instead of the vec_dot's eight lanes; matmul picks iq4_xs_panel_dot for such batches.
constexpr int64_t kIqPanelMinTokens = 8;

// BatchOrder::Fast's kernels (quant.h) of the types whose batch order differs: one total per
// super-block for a tile of 2..4 tokens of the k-quants and IQ4_XS, F16's decode order for
// every tile; the decode order for one token.
#define SMOLLM_QUANT_FAST_KERNEL_TYPES(X) X(f16_fast) X(q3_k_fast) X(q4_k_fast) X(q5_k_fast) X(q6_k_fast) X(iq4_xs_fast) \
    X(q4_0_fast) X(q5_0_fast) X(q8_0_fast) X(iq4_nl_fast)

namespace scalar {
SMOLLM_QUANT_KERNEL_TYPES(SMOLLM_DECLARE_DOT_KERNEL)
SMOLLM_QUANT_FAST_KERNEL_TYPES(SMOLLM_DECLARE_DOT_KERNEL)
SMOLLM_DECLARE_DOT_KERNEL(iq4_xs_panel)
}

#if defined(__wasm_simd128__)
namespace simd128 {
// The SIMD kernels read activations widened once per tile by matmul: int8 levels as int16
// (a plain load feeds i32x4.dot_i16x8_s, no per-row sign extension) and f16 scales or values
// as f32. Same numbers as the Q8_0 / Q8_1 / Q8_K / F16 / BF16 rows they come from.
// WideQ8_0's levels are in element order, except for Q8_0 and Q5_0 weights, whose activations
// hold each group of 16 as its 8 even elements, then its 8 odd ones (as WideQ8_K; the weights
// are unpacked the same way): dot_i16x8's lanes of the two halves then add up to llama.cpp's
// lanes of four consecutive elements with no shuffle (the relaxed build's one-token order).
struct WideQ8_0 { float d; int16_t qs[32]; };
constexpr bool wide_q8_0_even_odd(GgmlType weight_type) {
    return weight_type == GgmlType::Q8_0 || weight_type == GgmlType::Q5_0;
}
struct WideQ8_1 { float d, s; int16_t qs[32]; };
// BF16 rows widen to f32 in the order float_order::bf16_widen_row gives (groups of 8 as their
// even elements, then their odd ones).
// WideQ8_K's levels: each group of 16 as its 8 even elements, then its 8 odd ones (see
// widen_u8_even_odd in simd128_util.h).
struct WideQ8_K { float d; int16_t bsums[16]; int16_t qs[256]; };

// Bytes of one widened row; 0 when the kernels read the activation row as it is (F32).
size_t widened_row_bytes(GgmlType weight_type, int64_t n_cols);
void widen_activation_row(GgmlType weight_type, const void* xq, void* dst, int64_t n_cols);

SMOLLM_QUANT_KERNEL_TYPES(SMOLLM_DECLARE_DOT_KERNEL)
SMOLLM_QUANT_FAST_KERNEL_TYPES(SMOLLM_DECLARE_DOT_KERNEL)
SMOLLM_DECLARE_DOT_KERNEL(iq4_xs_panel)
}
#endif

#if defined(__wasm_relaxed_simd__)
// Relaxed-SIMD kernels (the -relaxed web modules): the k-quants, whose levels are unsigned and
// fit its 7-bit operand, and IQ4_XS, whose signed levels take the activation's sign so that
// |activation| is the 7-bit operand. They read the Q8_K activation rows as stored, not widened.
namespace relaxed {
#define SMOLLM_QUANT_RELAXED_KERNEL_TYPES(X) X(q4_k) X(q5_k) X(q6_k) X(iq4_xs)
SMOLLM_QUANT_RELAXED_KERNEL_TYPES(SMOLLM_DECLARE_DOT_KERNEL)
SMOLLM_DECLARE_DOT_KERNEL(iq4_xs_panel)
SMOLLM_DECLARE_DOT_KERNEL(q4_k_fast)
SMOLLM_DECLARE_DOT_KERNEL(q5_k_fast)
SMOLLM_DECLARE_DOT_KERNEL(q6_k_fast)
SMOLLM_DECLARE_DOT_KERNEL(iq4_xs_fast)
#undef SMOLLM_QUANT_RELAXED_KERNEL_TYPES
}
#endif

#undef SMOLLM_DECLARE_DOT_KERNEL

}  // namespace smollm::quant
