// The one dispatch point of quant/: picks each type's kernel for this build (SIMD128 in wasm,
// scalar natively) and walks the output in cache-sized tiles. Rows are taken in blocks whose
// weights fit in L2; within a block, tokens go in tiles of kMaxTileTokens whose activations
// stay in L1 while every row of the block passes over them. In the SIMD build each tile is
// first widened into a per-thread scratch buffer (kernels.h), which grows on a thread's first
// call for a given row length and is reused afterwards: steady-state matmul never allocates.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "quant/kernels.h"
#include "quant/quant.h"

namespace smollm {
namespace {

using quant::DotTileFn;

#if defined(__wasm_relaxed_simd__)
namespace isa = quant::simd128;
constexpr const char* kIsaName = "relaxed-simd";
#elif defined(__wasm_simd128__)
namespace isa = quant::simd128;
constexpr const char* kIsaName = "simd128";
#else
namespace isa = quant::scalar;
constexpr const char* kIsaName = "scalar";
#endif

// The relaxed-SIMD build's own kernels (nullptr for the types it leaves to SIMD128); they
// read Q8_K rows as stored, so matmul skips widening for them.
DotTileFn relaxed_kernel_for(GgmlType t) {
#if defined(__wasm_relaxed_simd__)
    switch (t) {
    case GgmlType::Q4_K: return quant::relaxed::q4_k_dot;
    case GgmlType::Q5_K: return quant::relaxed::q5_k_dot;
    case GgmlType::Q6_K: return quant::relaxed::q6_k_dot;
    case GgmlType::IQ4_XS: return quant::relaxed::iq4_xs_dot;
    default: break;
    }
#endif
    (void)t;
    return nullptr;
}

DotTileFn kernel_for(GgmlType t) {
    if (const DotTileFn relaxed = relaxed_kernel_for(t)) return relaxed;
    switch (t) {
    case GgmlType::F32: return isa::f32_dot;
    case GgmlType::F16: return isa::f16_dot;
    case GgmlType::BF16: return isa::bf16_dot;
    case GgmlType::Q4_0: return isa::q4_0_dot;
    case GgmlType::Q4_1: return isa::q4_1_dot;
    case GgmlType::Q5_0: return isa::q5_0_dot;
    case GgmlType::Q5_1: return isa::q5_1_dot;
    case GgmlType::Q8_0: return isa::q8_0_dot;
    case GgmlType::IQ4_NL: return isa::iq4_nl_dot;
    case GgmlType::Q2_K: return isa::q2_k_dot;
    case GgmlType::Q3_K: return isa::q3_k_dot;
    case GgmlType::Q4_K: return isa::q4_k_dot;
    case GgmlType::Q5_K: return isa::q5_k_dot;
    case GgmlType::Q6_K: return isa::q6_k_dot;
    case GgmlType::IQ4_XS: return isa::iq4_xs_dot;
    default: return nullptr;
    }
}

// Weight bytes per row block: a share of L2 that leaves room for the activation tile.
constexpr size_t kRowBlockBytes = 128 * 1024;

}  // namespace

bool quant_supported(GgmlType t) { return kernel_for(t) != nullptr; }

const char* kernel_isa() { return kIsaName; }

const char* batch_order_name(BatchOrder order) { return order == BatchOrder::LlamaCpp ? "llama.cpp" : "fast"; }

std::optional<BatchOrder> parse_batch_order(std::string_view name) {
    if (name == "fast") return BatchOrder::Fast;
    if (name == "llama.cpp") return BatchOrder::LlamaCpp;
    return std::nullopt;
}

size_t matmul_scratch_bytes(GgmlType weight_type, int64_t n_cols) {
#if defined(__wasm_simd128__)
    if (!kernel_for(weight_type) || relaxed_kernel_for(weight_type)) return 0;
    return quant::simd128::widened_row_bytes(weight_type, n_cols) * quant::kMaxTileTokens;
#else
    (void)weight_type;
    (void)n_cols;
    return 0;
#endif
}

namespace {

// BatchOrder::Fast's kernel for the types whose batch order it changes (kernels.h), else null.
DotTileFn fast_kernel_for(GgmlType t) {
#if defined(__wasm_relaxed_simd__)
    switch (t) {
    case GgmlType::Q4_K: return quant::relaxed::q4_k_fast_dot;
    case GgmlType::Q5_K: return quant::relaxed::q5_k_fast_dot;
    case GgmlType::Q6_K: return quant::relaxed::q6_k_fast_dot;
    case GgmlType::IQ4_XS: return quant::relaxed::iq4_xs_fast_dot;
    default: break;
    }
#endif
    switch (t) {
    case GgmlType::F16: return isa::f16_fast_dot;
    case GgmlType::Q3_K: return isa::q3_k_fast_dot;
    case GgmlType::Q4_K: return isa::q4_k_fast_dot;
    case GgmlType::Q5_K: return isa::q5_k_fast_dot;
    case GgmlType::Q6_K: return isa::q6_k_fast_dot;
    case GgmlType::IQ4_XS: return isa::iq4_xs_fast_dot;
    case GgmlType::Q4_0: return isa::q4_0_fast_dot;
    case GgmlType::Q5_0: return isa::q5_0_fast_dot;
    case GgmlType::Q8_0: return isa::q8_0_fast_dot;
    case GgmlType::IQ4_NL: return isa::iq4_nl_fast_dot;
    default: return nullptr;
    }
}

// The kernel for a batch of n_tokens in `order`: in LlamaCpp, IQ4_XS batches of
// kIqPanelMinTokens or more take llama.cpp's IQ panel order (kernels.h).
DotTileFn batch_kernel_for(GgmlType t, int64_t n_tokens, BatchOrder order) {
    if (order == BatchOrder::Fast) {
        if (const DotTileFn fast = fast_kernel_for(t)) return fast;
        return kernel_for(t);
    }
    if (t == GgmlType::IQ4_XS && n_tokens >= quant::kIqPanelMinTokens) {
#if defined(__wasm_relaxed_simd__)
        return quant::relaxed::iq4_xs_panel_dot;
#else
        return isa::iq4_xs_panel_dot;
#endif
    }
    return kernel_for(t);
}

}  // namespace

void matmul(GgmlType weight_type, const void* w, size_t w_row_bytes, int64_t n_cols,
            int64_t row_begin, int64_t row_end, const void* xq, size_t xq_row_bytes,
            int64_t n_tokens, float* y, int64_t y_stride, uint8_t* scratch, BatchOrder order) {
    const DotTileFn kernel = batch_kernel_for(weight_type, n_tokens, order);
    if (!kernel)
        throw std::invalid_argument("matmul: unsupported weight type " + std::string(ggml_type_name(weight_type)));
    if (row_end <= row_begin || n_tokens <= 0) return;
    const auto* w_bytes = static_cast<const uint8_t*>(w);
    const auto* x_bytes = static_cast<const uint8_t*>(xq);
    const int64_t rows_per_block =
        std::max<int64_t>(1, static_cast<int64_t>(kRowBlockBytes / std::max<size_t>(w_row_bytes, 1)));
#if defined(__wasm_simd128__)
    const size_t wide_row_bytes = relaxed_kernel_for(weight_type) ? 0 : quant::simd128::widened_row_bytes(weight_type, n_cols);
    uint8_t* wide_tile = scratch;
    if (wide_row_bytes && !wide_tile) {
        thread_local std::vector<uint8_t> grown;
        if (grown.size() < wide_row_bytes * quant::kMaxTileTokens) grown.resize(wide_row_bytes * quant::kMaxTileTokens);
        wide_tile = grown.data();
    }
#endif
    for (int64_t r0 = row_begin; r0 < row_end; r0 += rows_per_block) {
        const int64_t r1 = std::min(row_end, r0 + rows_per_block);
        for (int64_t t0 = 0, n_tok = 0; t0 < n_tokens; t0 += n_tok) {
            n_tok = quant::tile_tokens_for(weight_type, order, n_tokens, t0);
            const uint8_t* x_tile = x_bytes + static_cast<size_t>(t0) * xq_row_bytes;
            size_t x_stride = xq_row_bytes;
#if defined(__wasm_simd128__)
            if (wide_row_bytes) {
                for (int t = 0; t < n_tok; ++t)
                    quant::simd128::widen_activation_row(weight_type, x_tile + t * xq_row_bytes,
                                                         wide_tile + t * wide_row_bytes, n_cols);
                x_tile = wide_tile;
                x_stride = wide_row_bytes;
            }
#endif
            float* y_tile = y + t0 * y_stride;
            for (int64_t r = r0; r < r1; ++r)
                kernel(n_cols, w_bytes + static_cast<size_t>(r) * w_row_bytes, x_tile, x_stride, static_cast<int>(n_tok),
                       y_tile + r, y_stride);
        }
    }
}

}  // namespace smollm
