// Kernel benchmark (not a test): matrix-vector throughput of every weight type on an
// 8192 x 2048 matrix (the 1.7B model's ffn_up/gate shape: 8192 rows of 2048), weight GB/s and
// GMAC/s, through matmul (the build's dispatched kernels, SIMD128 in wasm) against the scalar
// reference kernels, plus matmul with 4 and 16 tokens (prefill). One thread.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "quant/kernels.h"
#include "quant/quant.h"

using namespace smollm;

namespace {

constexpr int64_t kRows = 8192;
constexpr int64_t kCols = 2048;

struct TypeCase {
    GgmlType type;
    quant::DotTileFn scalar;
};

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Seconds per call of `fn`: the fastest of 25 short batches of at least `batch_s` each. On a
// shared machine some batch usually runs undisturbed; the minimum is that batch.
template <typename Fn>
double time_per_call(Fn fn, double batch_s) {
    fn();  // warm-up (and tier-up of the wasm code)
    double best = 1e30;
    for (int batch = 0; batch < 25; ++batch) {
        int calls = 0;
        const double t0 = now_s();
        double t = t0;
        while (t - t0 < batch_s) {
            fn();
            ++calls;
            t = now_s();
        }
        best = std::min(best, (t - t0) / calls);
    }
    return best;
}

// Weights: 64 distinct rows quantized from Gaussian values, copied over all 8192 rows
// (every row still lives at its own address, so memory traffic is that of a full matrix;
// quantizing 16.7M values per type would only slow the benchmark down).
std::vector<uint8_t> make_weights(GgmlType t, size_t row_bytes, std::mt19937& rng) {
    constexpr int64_t kDistinct = 64;
    std::normal_distribution<float> normal(0.f, 0.02f);
    std::vector<float> rows(kDistinct * kCols);
    for (auto& v : rows) v = normal(rng);
    std::vector<uint8_t> w(row_bytes * kRows);
    for (int64_t r = 0; r < kDistinct; ++r)
        quantize_row(t, rows.data() + r * kCols, w.data() + r * row_bytes, kCols, nullptr);
    for (int64_t r = kDistinct; r < kRows; ++r)
        std::memcpy(w.data() + r * row_bytes, w.data() + (r % kDistinct) * row_bytes, row_bytes);
    return w;
}

// Optional arguments name the types to run (e.g. `Q4_K Q6_K`); none runs every type.
bool selected(GgmlType t, int argc, char** argv) {
    if (argc < 2) return true;
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]) == ggml_type_name(t)) return true;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace quant::scalar;
    const TypeCase cases[] = {
        {GgmlType::Q4_K, q4_k_dot},   {GgmlType::Q6_K, q6_k_dot},   {GgmlType::Q5_K, q5_k_dot},
        {GgmlType::IQ4_XS, iq4_xs_dot}, {GgmlType::Q8_0, q8_0_dot}, {GgmlType::Q2_K, q2_k_dot},
        {GgmlType::Q3_K, q3_k_dot},   {GgmlType::Q4_0, q4_0_dot},   {GgmlType::Q4_1, q4_1_dot},
        {GgmlType::Q5_0, q5_0_dot},   {GgmlType::Q5_1, q5_1_dot},   {GgmlType::IQ4_NL, iq4_nl_dot},
        {GgmlType::F16, f16_dot},     {GgmlType::BF16, bf16_dot},   {GgmlType::F32, f32_dot},
    };
    std::printf("matrix %lld x %lld (rows x cols), 1 thread, kernels: %s vs scalar\n\n",
                static_cast<long long>(kRows), static_cast<long long>(kCols), kernel_isa());
    std::printf("| type | bits/w | %s GB/s | %s GMAC/s | scalar GB/s | scalar GMAC/s | speedup | prefill 4 tok GMAC/s | prefill 16 tok GMAC/s |\n",
                kernel_isa(), kernel_isa());
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.f, 1.f);
    std::vector<float> x(16 * kCols);
    for (auto& v : x) v = normal(rng);
    std::vector<float> y(16 * kRows);
    for (const TypeCase& c : cases) {
        if (!selected(c.type, argc, argv)) continue;
        uint64_t rb = 0;
        ggml_bytes_for(c.type, kCols, &rb);
        const size_t row_bytes = static_cast<size_t>(rb);
        const std::vector<uint8_t> w = make_weights(c.type, row_bytes, rng);
        const size_t xs = activation_row_bytes(c.type, kCols);
        std::vector<uint8_t> xq(xs * 16);
        for (int t = 0; t < 16; ++t) quantize_activation_row(c.type, x.data() + t * kCols, xq.data() + t * xs, kCols);
        const double weight_bytes = static_cast<double>(w.size());
        const double macs = static_cast<double>(kRows) * kCols;

        const double t_vec = time_per_call([&] {
            matmul(c.type, w.data(), row_bytes, kCols, 0, kRows, xq.data(), xs, 1, y.data(), kRows);
        }, 0.02);
        const double t_scalar = time_per_call([&] {
            for (int64_t r = 0; r < kRows; ++r) c.scalar(kCols, w.data() + r * row_bytes, xq.data(), xs, 1, &y[r], 0);
        }, 0.02);
        double t_tok[2];
        const int toks[2] = {4, 16};
        for (int k = 0; k < 2; ++k) {
            t_tok[k] = time_per_call([&] {
                matmul(c.type, w.data(), row_bytes, kCols, 0, kRows, xq.data(), xs, toks[k], y.data(), kRows);
            }, 0.02);
        }
        std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.1fx | %.2f | %.2f |\n",
                    std::string(ggml_type_name(c.type)).c_str(), 8.0 * row_bytes / kCols,
                    weight_bytes / t_vec / 1e9, macs / t_vec / 1e9, weight_bytes / t_scalar / 1e9,
                    macs / t_scalar / 1e9, t_scalar / t_vec, macs * toks[0] / t_tok[0] / 1e9,
                    macs * toks[1] / t_tok[1] / 1e9);
        std::fflush(stdout);
    }
    return 0;
}
