// flash_attend_f16 must compute llama.cpp's CPU flash attention bit for bit. The reference
// here transcribes ggml_compute_forward_flash_attn_ext_f16_one_chunk as its x86 AVX-512 build
// runs it, with true fused multiply-adds (std::fma), independently of the engine's double
// arithmetic and vector paths (the wasm build runs the same test on its SIMD128 code).
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <catch.hpp>

#include "model/f16.h"
#include "model/flash_attention.h"

using namespace smollm;

namespace {

float to_f16(float x) { return f16_to_f32(f32_to_f16(x)); }

// ggml_vec_dot_f16 (AVX-512: 4 accumulators of 16 lanes, products of halves exact, the
// accumulators folded (0 + 2) + (1 + 3), _mm512_reduce_add_ps, leftovers added in double).
float reference_dot(const uint16_t* k, const float* q16, int32_t n) {
    const int32_t np = n - n % 64;
    double sum = 0.0;
    if (np > 0) {
        float acc[4][16] = {};
        for (int32_t i = 0; i < np; i += 64)
            for (int32_t j = 0; j < 4; ++j)
                for (int32_t l = 0; l < 16; ++l)
                    acc[j][l] = std::fma(f16_to_f32(k[i + 16 * j + l]), q16[i + 16 * j + l], acc[j][l]);
        float x[16];
        for (int32_t l = 0; l < 16; ++l) x[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
        float h8[8], h4[4];
        for (int32_t l = 0; l < 8; ++l) h8[l] = x[l + 8] + x[l];
        for (int32_t l = 0; l < 4; ++l) h4[l] = h8[l + 4] + h8[l];
        sum = (h4[0] + h4[2]) + (h4[1] + h4[3]);
    }
    for (int32_t i = np; i < n; ++i) sum += static_cast<double>(f16_to_f32(k[i]) * q16[i]);
    return static_cast<float>(sum);
}

void reference_attend(const float* q, const std::vector<uint16_t>& k, const std::vector<uint16_t>& v, size_t stride,
                      int32_t n_keys, int32_t dim, float scale, float* out) {
    std::vector<float> q16(static_cast<size_t>(dim)), acc(static_cast<size_t>(dim), 0.0f);
    for (int32_t i = 0; i < dim; ++i) q16[static_cast<size_t>(i)] = to_f16(q[i]);
    float S = 0.0f, M = -std::numeric_limits<float>::infinity();
    for (int32_t p = 0; p < n_keys; ++p) {
        const float s = reference_dot(&k[p * stride], q16.data(), dim) * scale;
        const float m_old = M;
        float ms = 1.0f, vs = 1.0f;
        if (s > M) {
            M = s;
            ms = std::exp(m_old - M);
            for (float& a : acc) a = to_f16(a * ms);   // ggml_vec_scale_f16
        } else {
            vs = std::exp(s - M);
        }
        for (int32_t i = 0; i < dim; ++i)                // ggml_vec_mad_f16
            acc[static_cast<size_t>(i)] = to_f16(std::fma(f16_to_f32(v[p * stride + static_cast<size_t>(i)]), vs,
                                                          acc[static_cast<size_t>(i)]));
        S = S * ms;   // not fused in the x86 build: the new-maximum branch multiplies first
        S = S + vs;
    }
    const float inv = S == 0.0f ? 0.0f : 1.0f / S;
    for (int32_t i = 0; i < dim; ++i) out[i] = acc[static_cast<size_t>(i)] * inv;
}

void check_case(std::mt19937& rng, int32_t dim, int32_t n_keys, float spread, bool with_inf) {
    const size_t stride = static_cast<size_t>(dim) * 2;   // two heads per row: read one of them
    std::normal_distribution<float> normal(0.0f, spread);
    std::vector<uint16_t> k(static_cast<size_t>(n_keys) * stride), v(k.size());
    for (auto& h : k) h = f32_to_f16(normal(rng));
    for (auto& h : v) h = f32_to_f16(normal(rng));
    if (with_inf) v[stride * static_cast<size_t>(n_keys / 2) + 3] = f32_to_f16(1e6f);
    std::vector<float> q(static_cast<size_t>(dim));
    for (auto& x : q) x = normal(rng);
    const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
    std::vector<float> got(static_cast<size_t>(dim)), want(static_cast<size_t>(dim)), scores(static_cast<size_t>(n_keys));
    flash_attend_f16(q.data(), F16Rows{k.data(), stride}, F16Rows{v.data(), stride}, n_keys, dim, scale, !with_inf,
                     scores.data(), got.data());
    reference_attend(q.data(), k, v, stride, n_keys, dim, scale, want.data());
    for (int32_t i = 0; i < dim; ++i) {
        INFO("dim " << dim << " keys " << n_keys << " spread " << spread << " inf " << with_inf << " element " << i);
        const float g = got[static_cast<size_t>(i)], w = want[static_cast<size_t>(i)];
        if (std::isnan(w)) REQUIRE(std::isnan(g));
        else REQUIRE(g == w);
    }
}

}  // namespace

TEST_CASE("flash attention over an f16 cache equals llama.cpp's arithmetic bit for bit", "[model][attention]") {
    std::mt19937 rng(20);
    for (int32_t dim : {64, 128, 48, 96}) {
        for (int32_t n_keys : {1, 2, 7, 64, 300}) {
            for (float spread : {0.5f, 4.0f}) check_case(rng, dim, n_keys, spread, false);
        }
        check_case(rng, dim, 33, 1.0f, true);
    }
}

TEST_CASE("the f16 accumulator update rounds like a fused multiply-add then f16", "[model][attention]") {
    // Weights from 1 down to 2^-40 against every finite half value and accumulators of both
    // signs, near f16's overflow (inf from 65520) and in its subnormal range.
    std::mt19937 rng(21);
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    std::vector<uint16_t> halves;
    for (uint32_t h = 0; h < 0x10000u; ++h)
        if ((h & 0x7c00u) != 0x7c00u) halves.push_back(static_cast<uint16_t>(h));
    const size_t n = halves.size() - halves.size() % 4;
    std::vector<float> acc(n), want(n);
    for (float w : {1.0f, 0.7071f, 1e-3f, 3.1e-8f, 0x1p-40f}) {
        for (size_t i = 0; i < n; ++i) acc[i] = to_f16((unit(rng) - 0.5f) * (i % 3 == 0 ? 131000.0f : i % 3 == 1 ? 1.0f : 1e-6f));
        for (size_t i = 0; i < n; ++i) want[i] = to_f16(std::fma(f16_to_f32(halves[i]), w, acc[i]));
        flash_attention::mad_f16(acc.data(), halves.data(), w, static_cast<int32_t>(n), true);
        for (size_t i = 0; i < n; ++i) {
            INFO("weight " << w << " half " << halves[i]);
            if (std::isnan(want[i])) REQUIRE(std::isnan(acc[i]));
            else REQUIRE(acc[i] == want[i]);
        }
    }
}
