// The dispatched kernels (SIMD128 in the wasm build, scalar natively), run through matmul (which
// also widens activations for SIMD), against the scalar reference kernels, per type, on random
// and edge-value data; and matmul over row ranges and token counts against a plain loop of
// scalar dots. Only the wasm run compares two different implementations; natively it pins
// matmul's tiling.
//
// Tolerance: k-quants and IQ4_XS reduce each super-block to one exact integer before any
// float arithmetic, in the same order as the scalar twin, so they must be bit-identical, and
// so must F16, BF16, Q4_1 and Q5_1 (both twins follow llama.cpp's float order), and Q4_0,
// IQ4_NL, Q8_0 and Q5_0 in BatchOrder::LlamaCpp (their llama.cpp order, kernels.h).
// Otherwise those four and F32 (llama.cpp's order in the scalar kernel only) accumulate per SIMD
// lane: they must agree within 1e-5 * sum(|w_i * x_i|) (plus 1e-30 for underflowing scales).
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "quant/blocks.h"
#include "quant/fp16.h"
#include "quant/kernels.h"
#include "quant/quant.h"
#include "quant_test_util.h"
#include "test_support.h"

using namespace smollm;
using namespace smollm::test;

namespace {

struct KernelCase {
    GgmlType type;
    quant::DotTileFn scalar;
    bool exact;  // SIMD twin promises bit-identical results
    // ... in BatchOrder::LlamaCpp (the Q8_0-activation types, kernels.h)
    bool exact_in_llama_order = false;
    bool exact_for(BatchOrder order) const { return exact || (exact_in_llama_order && order == BatchOrder::LlamaCpp); }
};

const std::vector<KernelCase>& kernel_cases() {
    using namespace quant::scalar;
    constexpr bool A = true, N = false;
    static const std::vector<KernelCase> cases = {
        {GgmlType::F32, f32_dot, N}, {GgmlType::F16, f16_dot, A},
        {GgmlType::BF16, bf16_dot, A},  {GgmlType::Q4_0, q4_0_dot, N, A},
        {GgmlType::Q4_1, q4_1_dot, A},  {GgmlType::Q5_0, q5_0_dot, N, A},
        {GgmlType::Q5_1, q5_1_dot, A},  {GgmlType::Q8_0, q8_0_dot, N, A},
        {GgmlType::IQ4_NL, iq4_nl_dot, N, A}, {GgmlType::Q2_K, q2_k_dot, A},
        {GgmlType::Q3_K, q3_k_dot, A},  {GgmlType::Q4_K, q4_k_dot, A},
        {GgmlType::Q5_K, q5_k_dot, A},  {GgmlType::Q6_K, q6_k_dot, A},
        {GgmlType::IQ4_XS, iq4_xs_dot, A},
    };
    return cases;
}

size_t row_bytes(GgmlType t, int64_t n) {
    uint64_t bytes = 0;
    REQUIRE(ggml_bytes_for(t, static_cast<uint64_t>(n), &bytes));
    return static_cast<size_t>(bytes);
}

// Bytes of every f16 scale field in one block of `t` (offsets), so edge tests can set them.
std::vector<size_t> fp16_fields(GgmlType t) {
    switch (t) {
    case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0: case GgmlType::IQ4_NL: return {0};
    case GgmlType::Q4_1: case GgmlType::Q5_1: return {0, 2};
    case GgmlType::Q2_K: return {80, 82};
    case GgmlType::Q3_K: return {108};
    case GgmlType::Q4_K: case GgmlType::Q5_K: return {0, 2};
    case GgmlType::Q6_K: return {208};
    case GgmlType::IQ4_XS: return {0};
    default: return {};
    }
}

// Random bytes for every level and sub-scale, with each f16 scale set to `scale_bits`: covers
// level patterns a quantizer never emits (all-max, all-min, extreme sub-scales).
std::vector<uint8_t> random_blocks(std::mt19937& rng, GgmlType t, int64_t n_cols, int64_t rows, uint16_t scale_bits) {
    const GgmlTypeInfo* info = ggml_type_info(t);
    std::vector<uint8_t> bytes(row_bytes(t, n_cols) * rows);
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& b : bytes) b = static_cast<uint8_t>(byte(rng));
    if (info->block_elems == 1) return bytes;
    const std::vector<size_t> fields = fp16_fields(t);
    for (size_t off = 0; off < bytes.size(); off += info->block_bytes)
        for (size_t f : fields) std::memcpy(&bytes[off + f], &scale_bits, 2);
    return bytes;
}

// Weights for a float type: random finite values (raw random halves could be NaN).
std::vector<uint8_t> float_weights(std::mt19937& rng, GgmlType t, int64_t n_cols, int64_t rows, float scale) {
    const std::vector<float> v = random_values(rng, static_cast<size_t>(n_cols * rows), scale);
    std::vector<uint8_t> bytes(row_bytes(t, n_cols) * rows);
    for (int64_t r = 0; r < rows; ++r)
        quantize_row(t, v.data() + r * n_cols, bytes.data() + r * row_bytes(t, n_cols), n_cols, nullptr);
    return bytes;
}

std::vector<uint8_t> activations(GgmlType wt, const std::vector<float>& x, int64_t n_cols, int64_t n_tok) {
    const size_t stride = activation_row_bytes(wt, n_cols);
    std::vector<uint8_t> out(stride * n_tok);
    for (int64_t t = 0; t < n_tok; ++t) quantize_activation_row(wt, x.data() + t * n_cols, out.data() + t * stride, n_cols);
    return out;
}

// sum |w_i * x_i| from dequantized weights and dequantized activations: the scale of the
// rounding error a reordered float sum can make.
double abs_product_sum(GgmlType wt, const uint8_t* w_row, const uint8_t* x_row, int64_t n_cols) {
    std::vector<float> w(n_cols), x(n_cols);
    dequantize_row(wt, w_row, w.data(), n_cols);
    const GgmlType at = activation_type_for(wt);
    if (at == GgmlType::Q8_K) {
        const auto* b = reinterpret_cast<const quant::BlockQ8_K*>(x_row);
        for (int64_t i = 0; i < n_cols; ++i) x[i] = b[i / 256].d * b[i / 256].qs[i % 256];
    } else {
        dequantize_row(at, x_row, x.data(), n_cols);
    }
    double s = 0;
    for (int64_t i = 0; i < n_cols; ++i) s += std::fabs(static_cast<double>(w[i]) * x[i]);
    return s;
}

// Runs the dispatched kernel through matmul for one row and all tokens, against the scalar
// kernel, for every tile size.
// Token t's dot with the scalar kernel, run on the tile matmul puts t in (kernels.h: the
// k-quants sum one token and larger tiles in different orders).
// matmul's scalar kernel for a batch of n_tok in `order` (kernels.h: IQ4_XS's panel order from
// kIqPanelMinTokens on; BatchOrder::Fast's own kernels for the k-quants, IQ4_XS and the Q8_0-
// activation types).
quant::DotTileFn scalar_kernel(const KernelCase& kc, int64_t n_tok, BatchOrder order) {
    using namespace quant::scalar;
    if (order == BatchOrder::LlamaCpp) {
        return kc.type == GgmlType::IQ4_XS && n_tok >= quant::kIqPanelMinTokens ? iq4_xs_panel_dot : kc.scalar;
    }
    switch (kc.type) {
    case GgmlType::F16: return f16_fast_dot;
    case GgmlType::Q3_K: return q3_k_fast_dot;
    case GgmlType::Q4_K: return q4_k_fast_dot;
    case GgmlType::Q5_K: return q5_k_fast_dot;
    case GgmlType::Q6_K: return q6_k_fast_dot;
    case GgmlType::IQ4_XS: return iq4_xs_fast_dot;
    case GgmlType::Q4_0: return q4_0_fast_dot;
    case GgmlType::Q5_0: return q5_0_fast_dot;
    case GgmlType::Q8_0: return q8_0_fast_dot;
    case GgmlType::IQ4_NL: return iq4_nl_fast_dot;
    default: return kc.scalar;
    }
}

float scalar_dot(const KernelCase& kc, const uint8_t* w_row, const uint8_t* xq, size_t xs, int64_t n_cols,
                 int64_t n_tok, int64_t t, BatchOrder order = BatchOrder::Fast) {
    int64_t t0 = 0;
    const auto tile = [&](int64_t at) { return quant::tile_tokens_for(kc.type, order, n_tok, at); };
    while (t0 + tile(t0) <= t) t0 += tile(t0);
    float y[quant::kMaxTileTokens] = {};
    scalar_kernel(kc, n_tok, order)(n_cols, w_row, xq + t0 * xs, xs, tile(t0), y, 1);
    return y[t - t0];
}

void compare_row_in(const KernelCase& kc, const std::vector<uint8_t>& w, const std::vector<uint8_t>& xq,
                    int64_t n_cols, int64_t n_tok, BatchOrder order) {
    const size_t wr = row_bytes(kc.type, n_cols);
    const size_t xs = activation_row_bytes(kc.type, n_cols);
    const int64_t rows = static_cast<int64_t>(w.size() / wr);
    std::vector<float> got(n_tok * rows), want(n_tok * rows);
    matmul(kc.type, w.data(), wr, n_cols, 0, rows, xq.data(), xs, n_tok, got.data(), rows, nullptr, order);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t t = 0; t < n_tok; ++t)
            want[t * rows + r] = scalar_dot(kc, w.data() + r * wr, xq.data(), xs, n_cols, n_tok, t, order);
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t t = 0; t < n_tok; ++t) {
            const float g = got[t * rows + r], e = want[t * rows + r];
            INFO(ggml_type_name(kc.type) << " " << batch_order_name(order) << " n_cols " << n_cols << " row " << r << " token " << t);
            REQUIRE(std::isfinite(e));
            if (kc.exact_for(order)) {
                REQUIRE(g == e);
            } else {
                const double bound = 1e-5 * abs_product_sum(kc.type, w.data() + r * wr, xq.data() + t * xs, n_cols) + 1e-30;
                REQUIRE(std::fabs(static_cast<double>(g) - e) <= bound);
            }
        }
    }
}

// compare_row_in for both batch orders (quant.h).
void compare_row(const KernelCase& kc, const std::vector<uint8_t>& w, const std::vector<uint8_t>& xq,
                 int64_t n_cols, int64_t n_tok) {
    for (const BatchOrder order : {BatchOrder::Fast, BatchOrder::LlamaCpp}) compare_row_in(kc, w, xq, n_cols, n_tok, order);
}

int64_t cols_for(GgmlType t, int64_t k_blocks) {
    const uint32_t be = ggml_type_info(t)->block_elems;
    return be == 1 ? 32 * k_blocks + 5 : be * k_blocks;  // float rows also exercise the tail
}

}  // namespace

TEST_CASE("dispatched kernels match the scalar reference on random data", "[quant][kernels]") {
    INFO("kernel ISA: " << kernel_isa());
    std::mt19937 rng(1234);
    for (const KernelCase& kc : kernel_cases()) {
        for (int64_t k_blocks : {1, 3, 8}) {
            // One token (the decode order) and a batch of 7 (tiles of 4 and 3).
            for (int64_t n_tok : {1, 7}) {
                const int64_t n_cols = cols_for(kc.type, k_blocks);
                const int64_t rows = 5;
                const std::vector<uint8_t> w = ggml_type_info(kc.type)->block_elems == 1
                    ? float_weights(rng, kc.type, n_cols, rows, 0.5f)
                    : random_blocks(rng, kc.type, n_cols, rows, quant::fp32_to_fp16(0.0123f));
                const std::vector<float> x = random_values(rng, static_cast<size_t>(n_cols * n_tok), 1.f);
                compare_row(kc, w, activations(kc.type, x, n_cols, n_tok), n_cols, n_tok);
            }
        }
    }
}

TEST_CASE("dispatched kernels match the scalar reference on edge values", "[quant][kernels]") {
    std::mt19937 rng(99);
    const int64_t n_tok = 4;
    // f16 scales: zero, the smallest subnormal, a subnormal, the largest finite, negative.
    const uint16_t scales[] = {0x0000, 0x0001, 0x03ff, 0x7bff, 0xb800};
    for (const KernelCase& kc : kernel_cases()) {
        const int64_t n_cols = cols_for(kc.type, 2);
        std::vector<float> x(static_cast<size_t>(n_cols * n_tok));
        for (int64_t i = 0; i < n_cols; ++i) {
            x[i] = 0.f;                                          // token 0: all zeros
            x[n_cols + i] = (i % 2 ? -1.f : 1.f) * 3.0e4f;       // token 1: extremes
            x[2 * n_cols + i] = (i % 3 ? 1.f : -1.f) * 1e-40f;   // token 2: f32 denormals
            x[3 * n_cols + i] = i == 7 ? -100.f : 1e-3f * static_cast<float>(i % 11);  // one outlier
        }
        if (ggml_type_info(kc.type)->block_elems == 1) {
            compare_row(kc, float_weights(rng, kc.type, n_cols, 3, 1e3f), activations(kc.type, x, n_cols, n_tok), n_cols, n_tok);
            continue;
        }
        for (uint16_t s : scales) {
            std::vector<uint8_t> w = random_blocks(rng, kc.type, n_cols, 3, s);
            compare_row(kc, w, activations(kc.type, x, n_cols, n_tok), n_cols, n_tok);
            // All level bits set / all clear (extreme levels), same scales.
            std::vector<uint8_t> all_ones = random_blocks(rng, kc.type, n_cols, 1, s);
            std::vector<uint8_t> all_zero = all_ones;
            const std::vector<size_t> fields = fp16_fields(kc.type);
            const uint32_t bb = ggml_type_info(kc.type)->block_bytes;
            for (size_t i = 0; i < all_ones.size(); ++i) {
                bool is_scale = false;
                for (size_t f : fields) is_scale |= (i % bb == f || i % bb == f + 1);
                if (!is_scale) {
                    all_ones[i] = 0xff;
                    all_zero[i] = 0x00;
                }
            }
            compare_row(kc, all_ones, activations(kc.type, x, n_cols, n_tok), n_cols, n_tok);
            compare_row(kc, all_zero, activations(kc.type, x, n_cols, n_tok), n_cols, n_tok);
        }
    }
}

TEST_CASE("matmul over row ranges and 1..9 tokens equals per-row scalar dots", "[quant][matmul]") {
    std::mt19937 rng(7);
    for (const KernelCase& kc : kernel_cases()) {
        const int64_t n_cols = cols_for(kc.type, 2);
        const int64_t rows = 11;
        const size_t wr = row_bytes(kc.type, n_cols);
        const std::vector<float> wf = random_values(rng, static_cast<size_t>(n_cols * rows), 0.3f);
        std::vector<uint8_t> w(wr * rows);
        for (int64_t r = 0; r < rows; ++r) quantize_row(kc.type, wf.data() + r * n_cols, w.data() + r * wr, n_cols, nullptr);
        for (int64_t n_tok = 1; n_tok <= 9; ++n_tok) {
            const std::vector<float> x = random_values(rng, static_cast<size_t>(n_cols * n_tok), 1.f);
            const std::vector<uint8_t> xq = activations(kc.type, x, n_cols, n_tok);
            const size_t xs = activation_row_bytes(kc.type, n_cols);
            for (auto [r0, r1] : {std::pair<int64_t, int64_t>{0, rows}, {3, 4}, {2, 9}, {10, 11}}) {
              for (const BatchOrder order : {BatchOrder::LlamaCpp, BatchOrder::Fast}) {
                const int64_t y_stride = rows + 2;  // padded rows: matmul must not touch the gap
                std::vector<float> y(static_cast<size_t>(y_stride * n_tok), -7.f);
                matmul(kc.type, w.data(), wr, n_cols, r0, r1, xq.data(), xs, n_tok, y.data(), y_stride, nullptr, order);
                for (int64_t t = 0; t < n_tok; ++t) {
                    for (int64_t r = 0; r < y_stride; ++r) {
                        INFO(ggml_type_name(kc.type) << " " << batch_order_name(order) << " rows [" << r0 << "," << r1
                             << ") tokens " << n_tok << " t " << t << " r " << r);
                        const float g = y[t * y_stride + r];
                        if (r < r0 || r >= r1) {
                            REQUIRE(g == -7.f);
                            continue;
                        }
                        const float e = scalar_dot(kc, w.data() + r * wr, xq.data(), xs, n_cols, n_tok, t, order);
                        if (kc.exact_for(order)) {
                            REQUIRE(g == e);
                        } else {
                            const double bound = 1e-5 * abs_product_sum(kc.type, w.data() + r * wr, xq.data() + t * xs, n_cols) + 1e-30;
                            REQUIRE(std::fabs(static_cast<double>(g) - e) <= bound);
                        }
                    }
                }
              }
            }
        }
    }
}
