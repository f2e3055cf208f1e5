// Rows are shared out across threads (in chunks claimed at run time, so which thread computes
// which rows changes from run to run) but no dot product is split: the logits must be
// bit-identical for every thread count, more threads than cores included.
#include <cstring>
#include <vector>

#include <catch.hpp>

#include "model_fixtures.h"
#include "runtime/thread_pool.h"

using namespace smollm;

namespace {

std::vector<int32_t> ids(int32_t n, int32_t vocab, uint32_t seed) {
    std::vector<int32_t> out;
    for (int32_t i = 0; i < n; ++i) {
        seed = seed * 1664525u + 1013904223u;
        out.push_back(static_cast<int32_t>(seed % static_cast<uint32_t>(vocab)));
    }
    return out;
}

std::vector<float> all_logits(Engine& e, const std::vector<int32_t>& tokens) {
    e.eval(tokens.data(), static_cast<int32_t>(tokens.size()), 0, true);
    std::vector<float> out;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const float* l = e.logits(static_cast<int32_t>(i));
        out.insert(out.end(), l, l + e.n_vocab());
    }
    return out;
}

}  // namespace

TEST_CASE("logits are identical for 1, 2, 3, 4 and 8 threads", "[model][threads]") {
    tools::ModelSpec f16 = test::small_spec();
    tools::ModelSpec q4k = test::small_spec();
    q4k.weight_type = GgmlType::Q4_K;
    tools::ModelSpec gqa = test::small_spec();   // SmolLM2-135M head layout: 9 heads, 3 kv heads
    gqa.dim = 576;
    gqa.n_heads = 9;
    gqa.n_kv_heads = 3;
    gqa.weight_type = GgmlType::Q8_0;
    const std::pair<const char*, tools::ModelSpec> models[] = {{"f16", f16}, {"q4_k", q4k}, {"gqa-q8_0", gqa}};
    for (const auto& [name, spec] : models) {
        INFO("model " << name);
        const std::string path = test::small_model_path(std::string("threads-") + name, spec);
        // 80 tokens: one full 64-token micro-batch and a remainder.
        std::vector<int32_t> tokens;
        std::vector<float> reference;
        for (int threads : {1, 2, 3, 4, 8}) {
            EngineOptions o;
            o.n_threads = threads;
            o.context_size = 128;
            auto e = test::load_engine(path, o);
            if (tokens.empty()) tokens = ids(80, e->n_vocab(), 42);
            std::vector<float> logits = all_logits(*e, tokens);
            // Decode too: one token after the prompt.
            const int32_t next = 7;
            e->eval(&next, 1, static_cast<int32_t>(tokens.size()), false);
            logits.insert(logits.end(), e->logits(0), e->logits(0) + e->n_vocab());
            if (threads == 1) {
                reference = logits;
                continue;
            }
            INFO("threads " << threads);
            REQUIRE(logits.size() == reference.size());
            CHECK(std::memcmp(logits.data(), reference.data(), logits.size() * sizeof(float)) == 0);
        }
    }
}
