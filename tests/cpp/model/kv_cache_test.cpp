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
    for (bool kv_f16 : {true, false}) {
        INFO("kv_f16 " << kv_f16);
        tools::ModelSpec spec = test::small_spec();
        spec.weight_type = GgmlType::Q4_0;
        const std::string path = test::small_model_path("kv-q4_0", spec);
        EngineOptions o;
        o.n_threads = 2;
        o.context_size = 128;
        o.kv_f16 = kv_f16;
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

namespace {

// Every finite half, in rows of `dim` (the last row padded with zeros).
std::vector<uint16_t> finite_halves() {
    std::vector<uint16_t> out;
    for (uint32_t h = 0; h < 0x10000u; ++h) {
        if ((h & 0x7c00u) != 0x7c00u) out.push_back(static_cast<uint16_t>(h));
    }
    return out;
}

// Reads position `pos` of layer 0 back through value_axpy (weight 1 into zeros) and key_dots
// (a one-hot query per element), the two vector paths of the wasm build.
void expect_exact_reads(const KvCache& cache, int32_t pos, const float* row, int32_t dim) {
    std::vector<float> out(static_cast<size_t>(dim), 0.0f);
    cache.value_axpy(0, pos, 0, 1.0f, out.data(), dim);
    for (int32_t i = 0; i < dim; ++i) {
        INFO("position " << pos << " element " << i << " value " << row[i]);
        const float want = 0.0f + f16_to_f32(f32_to_f16(row[i]));   // 0 + 1 * x, -0 included
        if (std::isnan(want)) REQUIRE(std::isnan(out[static_cast<size_t>(i)]));
        else REQUIRE(out[static_cast<size_t>(i)] == want);
    }
    std::vector<float> q(static_cast<size_t>(dim), 0.0f), dots(4);
    for (int32_t i = 0; i < dim; ++i) {
        q[static_cast<size_t>(i)] = 1.0f;
        // Four positions per call (the vector loop's width); only `pos` is checked.
        const int32_t first = pos - pos % 4;
        cache.key_dots(0, first, 4, 0, q.data(), dim, dots.data());
        const float got = dots[static_cast<size_t>(pos - first)];
        const float want = cache.key_dot(0, pos, 0, q.data(), dim);
        INFO("key_dots: position " << pos << " element " << i << " value " << row[i]);
        if (std::isnan(want)) REQUIRE(std::isnan(got));
        else REQUIRE(got == want);
        q[static_cast<size_t>(i)] = 0.0f;
    }
}

}  // namespace

TEST_CASE("the f16 cache reads back every half exactly, before and after an inf or NaN is stored",
          "[model][kv]") {
    const int32_t dim = 64;
    const std::vector<uint16_t> halves = finite_halves();
    const int32_t rows = static_cast<int32_t>((halves.size() + dim - 1) / dim);
    KvCache cache(1, rows + 8, dim, true);
    std::vector<float> values(static_cast<size_t>(rows + 8) * dim, 0.0f);
    for (size_t i = 0; i < halves.size(); ++i) values[i] = f16_to_f32(halves[i]);
    for (int32_t p = 0; p < rows + 8; ++p) {
        const float* row = &values[static_cast<size_t>(p) * dim];
        cache.store(0, p, row, row);
    }
    // A sample of rows through key_dots (64 queries each) and all of them through value_axpy.
    for (int32_t p = 0; p < rows; ++p) {
        const float* row = &values[static_cast<size_t>(p) * dim];
        if (p % 37 == 0 || p == rows - 1) {
            expect_exact_reads(cache, p, row, dim);
        } else {
            std::vector<float> out(static_cast<size_t>(dim), 0.0f);
            cache.value_axpy(0, p, 0, 1.0f, out.data(), dim);
            for (int32_t i = 0; i < dim; ++i) REQUIRE(out[static_cast<size_t>(i)] == 0.0f + row[i]);
        }
    }
    // Values beyond f16's range become inf, a NaN stays NaN: the exact conversion takes over.
    float* special = &values[static_cast<size_t>(rows) * dim];
    special[0] = 1e6f;
    special[1] = -1e6f;
    special[2] = std::nanf("");
    special[3] = 65504.0f;
    special[4] = -5.9604645e-08f;   // the smallest subnormal half
    cache.store(0, rows, special, special);
    expect_exact_reads(cache, rows, special, dim);
    expect_exact_reads(cache, rows - 1, &values[static_cast<size_t>(rows - 1) * dim], dim);
}
