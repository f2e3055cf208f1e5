// A quantized KV cache (Q8_0 / Q4_0 keys and values): rows stored as llama.cpp's CPU backend
// stores them, the attention kernels' scalar and SIMD128 twins agreeing bit for bit, and the
// whole attention equal to an independent transcription of llama.cpp's
// ggml_compute_forward_flash_attn_ext_f16_one_chunk for quantized K / V (x86 build: Q
// quantized to Q8_0, ggml_vec_dot_q8_0_q8_0 / q4_0_q8_0's eight lanes, V converted to f32
// and added as ggml_vec_mad_f32 adds it; each product rounded before the sum, as its builds
// without FMA do: model/kv_kernels.h says why).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <catch.hpp>

#include "model/f16.h"
#include "model/flash_attention.h"
#include "model/kv_cache.h"
#include "model/kv_kernels.h"
#include "quant/blocks.h"
#include "quant/fp16.h"

using namespace smollm;
using quant::BlockQ4_0;
using quant::BlockQ8_0;

namespace {

// llama.cpp's x86 quantize_row_q8_0, written out: d = amax / 127 as f16, levels x * 127 / amax
// rounded half to even.
std::vector<BlockQ8_0> ref_q8_0(const float* x, int32_t n) {
    std::vector<BlockQ8_0> out(static_cast<size_t>(n / 32));
    for (size_t b = 0; b < out.size(); ++b, x += 32) {
        float amax = 0;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
        out[b].d = quant::fp32_to_fp16(amax / 127.f);
        const float id = amax != 0 ? 127.f / amax : 0.f;
        for (int j = 0; j < 32; ++j) out[b].qs[j] = static_cast<int8_t>(std::nearbyint(x[j] * id));
    }
    return out;
}

// quantize_row_q4_0_ref: d = (signed extreme) / -8, levels truncated after + 8.5, at most 15.
std::vector<BlockQ4_0> ref_q4_0(const float* x, int32_t n) {
    std::vector<BlockQ4_0> out(static_cast<size_t>(n / 32));
    for (size_t b = 0; b < out.size(); ++b, x += 32) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; ++j) {
            if (amax < std::fabs(x[j])) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        const float d = max / -8;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        out[b].d = quant::fp32_to_fp16(d);
        for (int j = 0; j < 16; ++j) {
            const int lo = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
            const int hi = std::min(15, static_cast<int>(static_cast<int8_t>(x[j + 16] * id + 8.5f)));
            out[b].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
        }
    }
    return out;
}

int level(const BlockQ8_0& b, int e) { return b.qs[e]; }
int level(const BlockQ4_0& b, int e) { return (e < 16 ? (b.qs[e] & 0xf) : (b.qs[e - 16] >> 4)) - 8; }

// ggml_vec_dot_{q8_0,q4_0}_q8_0, x86 without FMA: acc lane l += d * (sum of products
// 4l..4l+3), the product rounded, then the sum.
template <typename Block>
float ref_dot(const Block* k, const std::vector<BlockQ8_0>& q) {
    float acc[8] = {};
    for (size_t b = 0; b < q.size(); ++b) {
        const float d = quant::fp16_to_fp32(k[b].d) * quant::fp16_to_fp32(q[b].d);
        for (int l = 0; l < 8; ++l) {
            int lane = 0;
            for (int e = 4 * l; e < 4 * l + 4; ++e) lane += level(k[b], e) * q[b].qs[e];
            const float product = d * static_cast<float>(lane);
            acc[l] += product;
        }
    }
    // hsum_float_8
    float r[4];
    for (int i = 0; i < 4; ++i) r[i] = acc[4 + i] + acc[i];
    return (r[0] + r[2]) + (r[1] + r[3]);
}

// The V row as f32 (dequantize_row_*: level * d).
template <typename Block>
void ref_to_float(const Block* v, int32_t n, float* out) {
    for (int32_t i = 0; i < n; ++i) out[i] = static_cast<float>(level(v[i / 32], i % 32)) * quant::fp16_to_fp32(v[i / 32].d);
}

float to_f16(float x) { return f16_to_f32(f32_to_f16(x)); }

// One head's attention: keys and values as f32 source rows, stored in `kt` / `vt`.
std::vector<float> ref_attend(const std::vector<float>& q, const std::vector<std::vector<float>>& keys,
                              const std::vector<std::vector<float>>& values, KvType kt, KvType vt, float scale) {
    const int32_t dim = static_cast<int32_t>(q.size());
    const std::vector<BlockQ8_0> q8 = ref_q8_0(q.data(), dim);
    std::vector<float> acc(static_cast<size_t>(dim), 0.0f), vrow(static_cast<size_t>(dim));
    // From kSplitKeys keys on an f16 K and V are summed in f32 (flash_attention.h): the scores
    // as below, then two passes.
    const bool f32_sum = kt == KvType::F16 && vt == KvType::F16 &&
                         keys.size() >= static_cast<size_t>(flash_attention::kSplitKeys);
    std::vector<float> scores;
    float S = 0.0f, M = -std::numeric_limits<float>::infinity();
    for (size_t p = 0; p < keys.size(); ++p) {
        float s = 0;
        if (kt == KvType::Q8_0) {
            s = ref_dot(ref_q8_0(keys[p].data(), dim).data(), q8);
        } else if (kt == KvType::Q4_0) {
            s = ref_dot(ref_q4_0(keys[p].data(), dim).data(), q8);
        } else {
            // ggml_vec_dot_f16 for head sizes of 64: one step of 4 x 16 lanes (see flash_attention_test).
            float a[4][16] = {};
            for (int32_t i = 0; i < dim; i += 64)
                for (int j = 0; j < 4; ++j)
                    for (int l = 0; l < 16; ++l)
                        a[j][l] = std::fma(to_f16(keys[p][static_cast<size_t>(i + 16 * j + l)]), to_f16(q[static_cast<size_t>(i + 16 * j + l)]), a[j][l]);
            float x[16], h8[8], h4[4];
            for (int l = 0; l < 16; ++l) x[l] = (a[0][l] + a[2][l]) + (a[1][l] + a[3][l]);
            for (int l = 0; l < 8; ++l) h8[l] = x[l + 8] + x[l];
            for (int l = 0; l < 4; ++l) h4[l] = h8[l + 4] + h8[l];
            s = (h4[0] + h4[2]) + (h4[1] + h4[3]);
        }
        s *= scale;
        if (f32_sum) {
            scores.push_back(s);
            continue;
        }
        float ms = 1.0f, vs = 1.0f;
        const float m_old = M;
        if (s > M) {
            M = s;
            ms = std::exp(m_old - M);
            for (float& x : acc) x = vt == KvType::F16 ? to_f16(x * ms) : x * ms;
        } else {
            vs = std::exp(s - M);
        }
        if (vt == KvType::Q8_0) ref_to_float(ref_q8_0(values[p].data(), dim).data(), dim, vrow.data());
        else if (vt == KvType::Q4_0) ref_to_float(ref_q4_0(values[p].data(), dim).data(), dim, vrow.data());
        else for (int32_t i = 0; i < dim; ++i) vrow[static_cast<size_t>(i)] = to_f16(values[p][static_cast<size_t>(i)]);
        for (int32_t i = 0; i < dim; ++i) {
            if (vt == KvType::F16) {
                acc[static_cast<size_t>(i)] = to_f16(std::fma(vrow[static_cast<size_t>(i)], vs, acc[static_cast<size_t>(i)]));
            } else {
                // A quantized V's product is rounded before the sum (model/kv_kernels.h).
                const float product = vrow[static_cast<size_t>(i)] * vs;
                acc[static_cast<size_t>(i)] += product;
            }
        }
        S = S * ms;
        S = S + vs;
    }
    if (f32_sum) {
        for (const float s : scores) M = std::max(M, s);
        for (float& s : scores) {
            s = std::exp(s - M);
            S += s;
        }
        for (size_t p = 0; p < keys.size(); ++p)
            for (int32_t i = 0; i < dim; ++i) {
                const float product = to_f16(values[p][static_cast<size_t>(i)]) * scores[p];
                acc[static_cast<size_t>(i)] += product;   // a product, then a sum: two roundings
            }
    }
    const float inv = S == 0.0f ? 0.0f : 1.0f / S;
    for (float& x : acc) x *= inv;
    return acc;
}

// Values of three magnitudes in turn, so that block scales span a wide range.
float trial_spread(int trial) { return trial % 3 == 0 ? 100.0f : (trial % 3 == 1 ? 1.0f : 1e-3f); }

std::vector<float> random_row(std::mt19937& rng, int32_t n, float spread) {
    std::normal_distribution<float> normal(0.0f, spread);
    std::vector<float> r(static_cast<size_t>(n));
    for (float& x : r) x = normal(rng);
    return r;
}

}  // namespace

TEST_CASE("KV type names, row sizes and blocks", "[model][kv]") {
    CHECK(parse_kv_type("q8_0") == KvType::Q8_0);
    CHECK(parse_kv_type("Q4_0") == KvType::Q4_0);
    CHECK(parse_kv_type("f16") == KvType::F16);
    CHECK_FALSE(parse_kv_type("q5_0").has_value());
    CHECK_FALSE(parse_kv_type("").has_value());
    CHECK(kv_row_bytes(KvType::Q8_0, 2048) == 64 * 34);
    CHECK(kv_row_bytes(KvType::Q4_0, 2048) == 64 * 18);
    CHECK(kv_row_bytes(KvType::F16, 2048) == 4096);
    CHECK(kv_type_block(KvType::Q4_0) == 32);
}

TEST_CASE("quantized rows are stored as llama.cpp stores them and read back dequantized", "[model][kv]") {
    const int32_t dim = 128;
    std::mt19937 rng(5);
    for (const KvType t : {KvType::Q8_0, KvType::Q4_0}) {
        INFO(kv_type_name(t));
        KvCache cache(2, 4, dim, 32, t, t);
        std::vector<float> k = random_row(rng, dim, 2.0f), v = random_row(rng, dim, 0.5f);
        // Ties of Q8_0's rounding: with amax 127 the scale is 1 and x.5 rounds to even.
        for (int j = 1; j < 8; ++j) k[static_cast<size_t>(j)] = static_cast<float>(j) + 0.5f;
        k[0] = 127.0f;
        cache.store(1, 3, k.data(), v.data());
        std::vector<float> got_k(static_cast<size_t>(dim)), got_v(static_cast<size_t>(dim)), want(static_cast<size_t>(dim));
        cache.load_k(1, 3, got_k.data());
        cache.load_v(1, 3, got_v.data());
        if (t == KvType::Q8_0) {
            ref_to_float(ref_q8_0(k.data(), dim).data(), dim, want.data());
            CHECK(got_k == want);
            CHECK(got_k[1] == 2.0f);   // 1.5 -> 2
            CHECK(got_k[2] == 2.0f);   // 2.5 -> 2 (roundf would give 3)
            CHECK(got_k[4] == 4.0f);   // 4.5 -> 4
            ref_to_float(ref_q8_0(v.data(), dim).data(), dim, want.data());
            CHECK(got_v == want);
        } else {
            ref_to_float(ref_q4_0(k.data(), dim).data(), dim, want.data());
            CHECK(got_k == want);
            ref_to_float(ref_q4_0(v.data(), dim).data(), dim, want.data());
            CHECK(got_v == want);
        }
        // Rewriting a row (a context shift re-rotating a key) and moving rows keep the bytes.
        cache.store_k(1, 3, v.data());
        cache.load_k(1, 3, got_k.data());
        cache.load_v(1, 3, want.data());
        if (t == KvType::Q8_0) CHECK(got_k == got_v);
        cache.move_row(1, 3, 0);
        std::vector<float> moved(static_cast<size_t>(dim));
        cache.load_k(1, 0, moved.data());
        CHECK(moved == got_k);
        cache.load_v(1, 0, moved.data());
        CHECK(moved == got_v);
        CHECK(cache.bytes() == 2ull * 4 * kv_row_bytes(t, dim) * 2);
    }
}

TEST_CASE("quantized K.q scores: scalar and SIMD twins and llama.cpp's arithmetic agree bit for bit",
          "[model][kv]") {
    std::mt19937 rng(11);
    const float scale = 0.125f;
    for (const int32_t dim : {32, 64, 128}) {
        const size_t nb = static_cast<size_t>(dim / quant::kQK);
        for (int trial = 0; trial < 200; ++trial) {
            // 1..9 keys: the SIMD twins' groups of four and every leftover count.
            const int32_t n_keys = 1 + trial % 9;
            INFO("dim " << dim << " trial " << trial << " keys " << n_keys);
            const float spread = trial_spread(trial);
            const std::vector<float> q = random_row(rng, dim, spread);
            kv_kernels::QueryQ8 q8;
            kv_kernels::prepare_query(q.data(), dim, &q8);
            const std::vector<BlockQ8_0> rq = ref_q8_0(q.data(), dim);
            std::vector<BlockQ8_0> k8;
            std::vector<BlockQ4_0> k4;
            std::vector<float> want8, want4;
            for (int32_t p = 0; p < n_keys; ++p) {
                const std::vector<float> k = random_row(rng, dim, trial_spread(trial + p));
                const std::vector<BlockQ8_0> r8 = ref_q8_0(k.data(), dim);
                const std::vector<BlockQ4_0> r4 = ref_q4_0(k.data(), dim);
                want8.push_back(ref_dot(r8.data(), rq) * scale);
                want4.push_back(ref_dot(r4.data(), rq) * scale);
                k8.insert(k8.end(), r8.begin(), r8.end());
                k4.insert(k4.end(), r4.begin(), r4.end());
            }
            const kv_kernels::KeyRows keys8{reinterpret_cast<const uint8_t*>(k8.data()), nb * sizeof(BlockQ8_0), n_keys};
            const kv_kernels::KeyRows keys4{reinterpret_cast<const uint8_t*>(k4.data()), nb * sizeof(BlockQ4_0), n_keys};
            std::vector<float> got(static_cast<size_t>(n_keys));
            kv_kernels::scalar::scores_q8_0(keys8, q8, scale, got.data());
            CHECK(got == want8);
            kv_kernels::best::scores_q8_0(keys8, q8, scale, got.data());
            CHECK(got == want8);
            kv_kernels::scalar::scores_q4_0(keys4, q8, scale, got.data());
            CHECK(got == want4);
            kv_kernels::best::scores_q4_0(keys4, q8, scale, got.data());
            CHECK(got == want4);
        }
    }
}

TEST_CASE("quantized V rows summed with the online softmax's factors: scalar and SIMD twins and the reference agree bit for bit",
          "[model][kv]") {
    std::mt19937 rng(12);
    for (const int32_t dim : {32, 64, 128}) {
        for (int trial = 0; trial < 40; ++trial) {
            INFO("dim " << dim << " trial " << trial);
            const float spread = trial_spread(trial);
            const int32_t n_keys = 1 + trial * 7;
            std::vector<BlockQ8_0> v8;
            std::vector<BlockQ4_0> v4;
            std::vector<float> weights;
            for (int32_t p = 0; p < n_keys; ++p) {
                const std::vector<float> v = random_row(rng, dim, spread);
                const std::vector<BlockQ8_0> r8 = ref_q8_0(v.data(), dim);
                const std::vector<BlockQ4_0> r4 = ref_q4_0(v.data(), dim);
                v8.insert(v8.end(), r8.begin(), r8.end());
                v4.insert(v4.end(), r4.begin(), r4.end());
                // Every fifth key raised the maximum: minus its shrink factor (-0.0 the first time).
                const float w = std::exp(-static_cast<float>((trial + p) % 40) * 0.7f);
                weights.push_back(p == 0 ? -0.0f : (p % 5 == 0 ? -w : w));
            }
            const int32_t nb = dim / 32;
            // The reference: acc *= shrink, or acc += v * w with the product rounded first.
            auto reference = [&](auto to_float, const auto& rows) {
                std::vector<float> acc(static_cast<size_t>(dim), 0.0f), v(static_cast<size_t>(dim));
                for (int32_t p = 0; p < n_keys; ++p) {
                    float w = weights[static_cast<size_t>(p)];
                    if (std::signbit(w)) {
                        for (float& a : acc) a *= -w;
                        w = 1.0f;
                    }
                    to_float(rows.data() + static_cast<size_t>(p) * static_cast<size_t>(nb), dim, v.data());
                    for (int32_t i = 0; i < dim; ++i) {
                        const float product = v[static_cast<size_t>(i)] * w;
                        acc[static_cast<size_t>(i)] += product;
                    }
                }
                return acc;
            };
            const std::vector<float> want8 = reference([](const BlockQ8_0* b, int32_t n, float* out) { ref_to_float(b, n, out); }, v8);
            const std::vector<float> want4 = reference([](const BlockQ4_0* b, int32_t n, float* out) { ref_to_float(b, n, out); }, v4);
            const kv_kernels::WeightedRows rows8{reinterpret_cast<const uint8_t*>(v8.data()), nb * sizeof(BlockQ8_0), weights.data(), n_keys};
            const kv_kernels::WeightedRows rows4{reinterpret_cast<const uint8_t*>(v4.data()), nb * sizeof(BlockQ4_0), weights.data(), n_keys};
            std::vector<float> a(static_cast<size_t>(dim), 0.0f), b = a, c = a, d = a;
            kv_kernels::scalar::sum_rows_q8_0(a.data(), rows8, nb);
            kv_kernels::best::sum_rows_q8_0(b.data(), rows8, nb);
            kv_kernels::scalar::sum_rows_q4_0(c.data(), rows4, nb);
            kv_kernels::best::sum_rows_q4_0(d.data(), rows4, nb);
            CHECK(a == want8);
            CHECK(b == want8);
            CHECK(c == want4);
            CHECK(d == want4);
        }
    }
}

TEST_CASE("attention over a quantized cache computes llama.cpp's flash attention bit for bit", "[model][kv]") {
    const int32_t dim = 64, heads = 2, kv_dim = dim * heads;
    std::mt19937 rng(21);
    const KvType types[] = {KvType::F16, KvType::Q8_0, KvType::Q4_0};
    for (const KvType kt : types) {
        for (const KvType vt : types) {
            // 512 and 600: past kSplitKeys (f16 K and V summed in f32; the others unchanged).
            for (const int32_t n_keys : {1, 7, 100, 512, 600}) {
                INFO("K " << kv_type_name(kt) << " V " << kv_type_name(vt) << " keys " << n_keys);
                KvCache cache(1, n_keys, kv_dim, dim, kt, vt);
                std::vector<std::vector<float>> keys, values;   // head 1's columns
                for (int32_t p = 0; p < n_keys; ++p) {
                    const std::vector<float> k = random_row(rng, kv_dim, 1.5f), v = random_row(rng, kv_dim, 1.0f);
                    cache.store(0, p, k.data(), v.data());
                    keys.emplace_back(k.begin() + dim, k.end());
                    values.emplace_back(v.begin() + dim, v.end());
                }
                const std::vector<float> q = random_row(rng, dim, 1.5f);
                const float scale = 0.125f;
                std::vector<float> got(static_cast<size_t>(dim)), scores(static_cast<size_t>(n_keys));
                cache.attend(0, n_keys, dim, q.data(), dim, scale, false, scores.data(), got.data());
                CHECK(got == ref_attend(q, keys, values, kt, vt, scale));
            }
        }
    }
}
