// BatchOrder::LlamaCpp (quant/quant.h): a prompt sums as llama.cpp would sum it evaluated at once,
// whether the engine evaluates it in one call or the generation loop feeds it in prefill steps
// (LlamaModel's EvalSpan), and its tiled attention only from 64 tokens in a micro-batch.
#include <vector>

#include <catch.hpp>

#include "model_fixtures.h"

using namespace smollm;

namespace {

std::vector<int32_t> prompt_of(int32_t n, int32_t vocab) {
    std::vector<int32_t> p;
    for (int32_t i = 0; i < n; ++i) p.push_back(20 + (i * 53) % (vocab - 20));
    return p;
}

std::unique_ptr<Engine> engine(GgmlType weights, BatchOrder order) {
    tools::ModelSpec spec = test::small_spec();
    spec.weight_type = weights;
    EngineOptions o;
    o.n_threads = 2;
    o.context_size = 256;
    o.batch_order = order;
    return test::load_engine(test::small_model_path(std::string("batch-order-") + std::string(ggml_type_name(weights)), spec), o);
}

std::vector<float> last_logits(Engine& e) { return {e.logits(0), e.logits(0) + e.n_vocab()}; }

}  // namespace

TEST_CASE("llama.cpp batch order: a prompt fed in prefill steps sums as one batch", "[model][batch_order]") {
    for (const GgmlType weights : {GgmlType::F16, GgmlType::Q4_K, GgmlType::Q6_K}) {
        INFO(ggml_type_name(weights));
        for (const int32_t n : {100, 40}) {   // past 64 the steps are 64 + 36 tokens of one tiled batch
            auto at_once = engine(weights, BatchOrder::LlamaCpp);
            const std::vector<int32_t> prompt = prompt_of(n, at_once->n_vocab());
            at_once->eval(prompt.data(), n, 0, false);
            const std::vector<float> want = last_logits(*at_once);

            auto stepped = engine(weights, BatchOrder::LlamaCpp);
            GenerationOptions g;
            g.max_tokens = 1;
            g.prefill_chunk = 64;
            stepped->begin_generation(prompt, g);
            int32_t steps = 0;
            while (stepped->step().kind == StepResult::Kind::Prefill) {
                ++steps;
                if (steps * 64 >= n) break;
            }
            REQUIRE(steps == (n + 63) / 64);
            INFO("prompt " << n);
            CHECK(last_logits(*stepped) == want);

            // Fed as separate evaluations instead, the last 36 tokens are a micro-batch of their
            // own, under the tiled kernel's threshold: another order, other bits.
            if (n == 100) {
                auto split = engine(weights, BatchOrder::LlamaCpp);
                split->eval(prompt.data(), 64, 0, false);
                split->eval(prompt.data() + 64, n - 64, 64, false);
                CHECK(last_logits(*split) != want);
            }
        }
    }
}

TEST_CASE("both batch orders give the decode path's bits one token at a time", "[model][batch_order]") {
    for (const GgmlType weights : {GgmlType::Q4_K, GgmlType::Q6_K}) {
        INFO(ggml_type_name(weights));
        auto fast = engine(weights, BatchOrder::Fast);
        auto llama = engine(weights, BatchOrder::LlamaCpp);
        const std::vector<int32_t> prompt = prompt_of(20, fast->n_vocab());
        for (int32_t i = 0; i < 20; ++i) {
            fast->eval(&prompt[static_cast<size_t>(i)], 1, i, false);
            llama->eval(&prompt[static_cast<size_t>(i)], 1, i, false);
            REQUIRE(last_logits(*fast) == last_logits(*llama));
        }
    }
}
