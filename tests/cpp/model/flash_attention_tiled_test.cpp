// flash_attend_tiled_f16 must compute llama.cpp's tiled CPU flash attention
// (ggml_compute_forward_flash_attn_ext_tiled, the batch path from 64 queries on) bit for bit.
// The reference transcribes that kernel as its x86 AVX-512 build runs it, with true fused
// multiply-adds (std::fma), independently of the engine's double arithmetic; the batched entry
// point (flash_attend_tiled_f16_queries, SIMD128 in the wasm build, which runs these tests too)
// must give the same bits per query.
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <catch.hpp>

#include "model/f16.h"
#include "model/flash_attention_tiled.h"

using namespace smollm;

namespace {

constexpr int32_t kTile = 64;

// ggml_v_expf (AVX-512) with true fused multiply-adds.
float reference_v_expf(float x) {
    const float r = 0x1.8p23f;
    const float n = std::fma(x, 0x1.715476p+0f, r) - r;
    const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
    if (std::fabs(n) > 192.0f) return n <= 0.0f ? 0.0f : std::numeric_limits<float>::infinity();
    const float u = b * b;
    const float j = std::fma(std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                             u, std::fma(0x1.ffffecp-1f, b, 1.0f));
    return std::ldexp(j, static_cast<int>(n));
}

// _mm512_reduce_add_ps over 16 lanes.
float reduce16(const float* x) {
    float h8[8], h4[4];
    for (int l = 0; l < 8; ++l) h8[l] = x[l] + x[l + 8];
    for (int l = 0; l < 4; ++l) h4[l] = h8[l] + h8[l + 4];
    return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

// One query row of the tiled kernel: keys in tiles of 64 from 0, the causal mask as -inf
// entries of the tile, padding past the last key -inf too.
void reference_attend(const float* q, const std::vector<uint16_t>& k, const std::vector<uint16_t>& v, size_t stride,
                      int32_t n_keys, int32_t total_keys, int32_t dim, float scale, float* out) {
    std::vector<float> vkq(static_cast<size_t>(dim), 0.0f);
    float S = 0.0f, M = -std::numeric_limits<float>::infinity();
    for (int32_t ic = 0; ic < total_keys; ic += kTile) {
        float kq[kTile];
        for (int32_t t = 0; t < kTile; ++t) {
            const int32_t key = ic + t;
            if (key >= total_keys) {
                kq[t] = -std::numeric_limits<float>::infinity();
                continue;
            }
            float acc = 0.0f;   // simd_gemm: C starts at 0, one fma per dimension
            for (int32_t d = 0; d < dim; ++d) acc = std::fma(f16_to_f32(k[key * stride + d]), q[d], acc);
            kq[t] = acc * scale + (key < n_keys ? 0.0f : -std::numeric_limits<float>::infinity());
        }
        float tile_max = -std::numeric_limits<float>::infinity();
        for (float s : kq) tile_max = std::fmax(tile_max, s);
        if (tile_max == -std::numeric_limits<float>::infinity()) continue;
        const float m_new = std::fmax(M, tile_max);
        if (m_new > M) {
            const float ms = std::exp(M - m_new);
            for (float& a : vkq) a *= ms;
            S *= ms;
        }
        M = m_new;
        double sum = 0.0;
        for (int32_t g = 0; g < kTile; g += 16) {
            for (int32_t t = g; t < g + 16; ++t) kq[t] = reference_v_expf(kq[t] - M);
            sum += static_cast<double>(reduce16(kq + g));
        }
        S += sum;   // float += double, as ggml writes it
        for (int32_t t = 0; t < kTile; ++t) {
            if (ic + t >= total_keys) break;   // zero-padded V rows add nothing
            for (int32_t d = 0; d < dim; ++d)
                vkq[static_cast<size_t>(d)] = std::fma(f16_to_f32(v[(ic + t) * stride + d]), kq[t], vkq[static_cast<size_t>(d)]);
        }
    }
    const float inv = S == 0.0f ? 0.0f : 1.0f / S;
    for (int32_t d = 0; d < dim; ++d) out[d] = vkq[static_cast<size_t>(d)] * inv;
}

struct Cache {
    size_t stride;
    std::vector<uint16_t> k, v;
};

Cache random_cache(std::mt19937& rng, int32_t dim, int32_t n_keys, float spread) {
    std::normal_distribution<float> normal(0.0f, spread);
    Cache c{static_cast<size_t>(dim) * 2, {}, {}};   // two heads per row: read one of them
    c.k.resize(static_cast<size_t>(n_keys) * c.stride);
    c.v.resize(c.k.size());
    for (auto& h : c.k) h = f32_to_f16(normal(rng));
    for (auto& h : c.v) h = f32_to_f16(normal(rng));
    return c;
}

}  // namespace

TEST_CASE("tiled flash attention equals llama.cpp's tiled kernel bit for bit", "[model][attention]") {
    std::mt19937 rng(64);
    for (int32_t dim : {64, 128, 48}) {
        for (int32_t n_keys : {1, 5, 63, 64, 65, 130, 200}) {
            for (float spread : {0.5f, 3.0f}) {
                const int32_t in_cache = n_keys + 37;   // later keys exist, masked
                const Cache c = random_cache(rng, dim, in_cache, spread);
                std::normal_distribution<float> normal(0.0f, spread);
                std::vector<float> q(static_cast<size_t>(dim));
                for (auto& x : q) x = normal(rng);
                const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
                std::vector<float> got(q.size()), want(q.size());
                flash_attend_tiled_f16(q.data(), F16Rows{c.k.data(), c.stride}, F16Rows{c.v.data(), c.stride}, n_keys, dim,
                                       scale, got.data());
                // The kernel sees the whole cache with the later keys masked: the same bits.
                reference_attend(q.data(), c.k, c.v, c.stride, n_keys, in_cache, dim, scale, want.data());
                for (int32_t i = 0; i < dim; ++i) {
                    INFO("dim " << dim << " keys " << n_keys << " spread " << spread << " element " << i);
                    REQUIRE(got[static_cast<size_t>(i)] == want[static_cast<size_t>(i)]);
                }
            }
        }
    }
}

TEST_CASE("tiled attention of a batch of queries gives each query's bits", "[model][attention]") {
    std::mt19937 rng(65);
    for (int32_t dim : {64, 80, 72, 36}) {
        for (int32_t pos0 : {0, 100}) {
            for (int32_t count : {1, 17, 64}) {
                const int32_t n_keys_max = pos0 + count;
                const Cache c = random_cache(rng, dim, n_keys_max, 1.5f);
                std::normal_distribution<float> normal(0.0f, 1.5f);
                const size_t q_stride = static_cast<size_t>(dim) + 8;
                std::vector<float> q(q_stride * static_cast<size_t>(count));
                for (auto& x : q) x = normal(rng);
                std::vector<int32_t> n_keys(static_cast<size_t>(count));
                for (int32_t i = 0; i < count; ++i) n_keys[static_cast<size_t>(i)] = pos0 + i + 1;
                std::vector<float> got(q.size(), -1.0f), want(static_cast<size_t>(dim));
                std::vector<double> scratch(tiled_scratch_bytes(dim) / sizeof(double) + 1);
                const float scale = 0.125f;
                flash_attend_tiled_f16_queries(TiledQueries{q.data(), q_stride, n_keys.data(), count, got.data(), q_stride},
                                               F16Rows{c.k.data(), c.stride}, F16Rows{c.v.data(), c.stride}, dim, scale,
                                               scratch.data());
                for (int32_t i = 0; i < count; ++i) {
                    flash_attend_tiled_f16(&q[static_cast<size_t>(i) * q_stride], F16Rows{c.k.data(), c.stride},
                                           F16Rows{c.v.data(), c.stride}, n_keys[static_cast<size_t>(i)], dim, scale, want.data());
                    for (int32_t d = 0; d < dim; ++d) {
                        INFO("dim " << dim << " pos0 " << pos0 << " count " << count << " query " << i << " element " << d);
                        REQUIRE(got[static_cast<size_t>(i) * q_stride + static_cast<size_t>(d)] == want[static_cast<size_t>(d)]);
                    }
                }
            }
        }
    }
}
