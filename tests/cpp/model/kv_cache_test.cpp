// The KV cache must make evaluation order irrelevant: a prompt evaluated at once, token by
// token, or as a reused prefix plus the rest gives the same logits.
#include <cmath>
#include <vector>

#include <catch.hpp>

#include "model/f16.h"
#include "model/kv_cache.h"
#include "model_fixtures.h"

using namespace smollm;

namespace {

float max_abs_diff(const float* a, const float* b, int32_t n) {
    float d = 0;
    for (int32_t i = 0; i < n; ++i) d = std::max(d, std::fabs(a[i] - b[i]));
    return d;
}

}  // namespace

TEST_CASE("eval all at once == token by token == prefix reuse", "[model][kv]") {
    for (const KvType kv : {KvType::F16, KvType::F32, KvType::Q8_0, KvType::Q4_0}) {
        INFO("kv " << kv_type_name(kv));
        tools::ModelSpec spec = test::small_spec();
        spec.weight_type = GgmlType::Q4_0;
        const std::string path = test::small_model_path("kv-q4_0", spec);
        EngineOptions o;
        o.n_threads = 2;
        o.context_size = 128;
        o.kv_type_k = o.kv_type_v = kv;
        auto batch = test::load_engine(path, o);
        auto single = test::load_engine(path, o);
        const int32_t n = 70;
        const int32_t vocab = batch->n_vocab();
        std::vector<int32_t> tokens;
        for (int32_t i = 0; i < n; ++i) tokens.push_back((i * 37 + 11) % vocab);

        batch->eval(tokens.data(), n, 0, true);
        std::vector<float> at_once(batch->logits(0), batch->logits(0) + static_cast<size_t>(n) * vocab);

        for (int32_t i = 0; i < n; ++i) {
            single->eval(&tokens[static_cast<size_t>(i)], 1, i, false);
            INFO("position " << i);
            // Per-token results do not depend on how many tokens share a batch.
            REQUIRE(max_abs_diff(single->logits(0), &at_once[static_cast<size_t>(i) * vocab], vocab) == 0.0f);
        }
        CHECK(single->cached_tokens() == tokens);

        // Prefix reuse: keep the first 30 positions, evaluate the rest from there.
        batch->truncate_cache(30);
        CHECK(batch->cached_tokens().size() == 30);
        batch->eval(tokens.data() + 30, n - 30, 30, true);
        for (int32_t i = 30; i < n; ++i) {
            INFO("position " << i);
            REQUIRE(max_abs_diff(batch->logits(i - 30), &at_once[static_cast<size_t>(i) * vocab], vocab) == 0.0f);
        }

        // Overwriting a cached suffix with different tokens, then restoring it.
        std::vector<int32_t> other(tokens.begin() + 50, tokens.end());
        for (int32_t& t : other) t = (t + 1) % vocab;
        batch->eval(other.data(), static_cast<int32_t>(other.size()), 50, false);
        batch->eval(tokens.data() + 50, n - 50, 50, false);
        CHECK(max_abs_diff(batch->logits(0), &at_once[static_cast<size_t>(n - 1) * vocab], vocab) == 0.0f);
    }
}

TEST_CASE("the f16 cache reads back every half exactly, before and after an inf or NaN is stored",
          "[model][kv]") {
    // With one cached position the attention output is that position's value row (weight 1),
    // so each value half comes back through the cache's vector read path.
    const int32_t dim = 64;
    KvCache cache(1, 1, dim, dim, KvType::F16, KvType::F16);
    std::vector<float> row(static_cast<size_t>(dim)), out(static_cast<size_t>(dim)), scores(1);
    const std::vector<float> q(static_cast<size_t>(dim), 0.0f), key(static_cast<size_t>(dim), 0.0f);
    auto check = [&](const char* when) {
        cache.store(0, 0, key.data(), row.data());
        cache.attend(0, 1, 0, q.data(), dim, 0.125f, false, scores.data(), out.data());
        for (int32_t i = 0; i < dim; ++i) {
            INFO(when << ": element " << i << " value " << row[static_cast<size_t>(i)]);
            const float want = f16_to_f32(f32_to_f16(row[static_cast<size_t>(i)]));
            if (std::isnan(want)) REQUIRE(std::isnan(out[static_cast<size_t>(i)]));
            else REQUIRE(out[static_cast<size_t>(i)] == want);
        }
    };
    uint32_t h = 0;
    while (h < 0x10000u) {
        int32_t filled = 0;
        for (; filled < dim && h < 0x10000u; ++h) {
            if ((h & 0x7c00u) != 0x7c00u) row[static_cast<size_t>(filled++)] = f16_to_f32(static_cast<uint16_t>(h));
        }
        for (int32_t i = filled; i < dim; ++i) row[static_cast<size_t>(i)] = 0.0f;
        check("finite halves");
    }
    // Values beyond f16's range become inf, a NaN stays NaN: the exact conversion takes over.
    row.assign(static_cast<size_t>(dim), 0.5f);
    row[0] = 1e6f;
    row[1] = -1e6f;
    row[3] = 65504.0f;
    row[4] = -5.9604645e-08f;   // the smallest subnormal half
    check("inf stored");
    row[2] = std::nanf("");
    check("NaN stored");
}
