// The step-driven generation loop: determinism, prefill chunks, length limits, stop strings,
// end-of-generation tokens and reuse of the cached prefix.
#include <string>
#include <vector>

#include <catch.hpp>

#include "model_fixtures.h"

using namespace smollm;

namespace {

using Run = test::GenerationRun;

Run generate(Engine& e, const std::vector<int32_t>& prompt, const GenerationOptions& g) {
    return test::run_generation(e, prompt, g);
}

std::vector<int32_t> prompt_of(int32_t n, int32_t vocab) {
    std::vector<int32_t> p;
    for (int32_t i = 0; i < n; ++i) p.push_back(20 + (i * 53) % (vocab - 20));
    return p;
}

std::unique_ptr<Engine> engine(uint32_t ctx = 256) {
    EngineOptions o;
    o.n_threads = 2;
    o.context_size = ctx;
    return test::load_engine(test::small_model_path("gen-f16", test::small_spec()), o);
}

GenerationOptions sampled(int32_t max_tokens) {
    GenerationOptions g;
    g.sampling.temperature = 0.9f;
    g.sampling.top_p = 0.95f;
    g.sampling.seed = 1234;
    g.max_tokens = max_tokens;
    g.ignore_eos = true;
    return g;
}

}  // namespace

TEST_CASE("a seeded generation is reproducible", "[model][generate]") {
    auto a = engine();
    auto b = engine();
    const auto prompt = prompt_of(12, a->n_vocab());
    const Run first = generate(*a, prompt, sampled(24));
    const Run second = generate(*b, prompt, sampled(24));
    CHECK(first.tokens.size() == 24);
    CHECK(first.tokens == second.tokens);
    CHECK(first.text == second.text);
    // Again on the same engine: the cached prompt is reused and the result is the same.
    const Run third = generate(*a, prompt, sampled(24));
    CHECK(a->reused_tokens() == 11);
    CHECK(third.tokens == first.tokens);
}

TEST_CASE("prefill runs in chunks of prefill_chunk tokens", "[model][generate]") {
    auto e = engine();
    GenerationOptions g = sampled(1);
    g.prefill_chunk = 16;
    const Run r = generate(*e, prompt_of(50, e->n_vocab()), g);
    REQUIRE(r.prefill.size() == 4);
    CHECK(r.prefill[0].prefill_done == 16);
    CHECK(r.prefill[3].prefill_done == 50);
    for (const StepResult& s : r.prefill) CHECK(s.prefill_total == 50);
}

TEST_CASE("max_tokens and a full context end with finish_reason length", "[model][generate]") {
    auto e = engine();
    const Run r = generate(*e, prompt_of(5, e->n_vocab()), sampled(6));
    CHECK(r.tokens.size() == 6);
    CHECK(e->generated_tokens() == 6);
    CHECK(r.finish_reason == "length");

    auto small = engine(24);
    const Run full = generate(*small, prompt_of(20, small->n_vocab()), sampled(100));
    CHECK(full.finish_reason == "length");
    // 20 prompt tokens fill positions 0..19; tokens sampled from the logits of positions 19..23.
    CHECK(full.tokens.size() == 5);
    CHECK(small->cached_tokens().size() == 24);

    CHECK_THROWS_AS(small->begin_generation(prompt_of(25, small->n_vocab()), sampled(1)), EngineError);
}

TEST_CASE("a stop string ends generation and is never shown", "[model][generate]") {
    auto e = engine();
    GenerationOptions g = sampled(30);
    const auto prompt = prompt_of(8, e->n_vocab());
    const Run free_run = generate(*e, prompt, g);
    REQUIRE(free_run.text.size() >= 8);
    const std::string stop = free_run.text.substr(free_run.text.size() / 2, 3);
    g.stop = {stop};
    const Run stopped = generate(*e, prompt, g);
    CHECK(stopped.finish_reason == "stop");
    CHECK(stopped.text == free_run.text.substr(0, free_run.text.find(stop)));
}

TEST_CASE("an end-of-generation token stops unless ignore_eos", "[model][generate]") {
    auto e = engine();
    const int32_t eos = e->tokenizer().eos_id();
    REQUIRE(eos >= 0);
    GenerationOptions g = sampled(5);
    g.ignore_eos = false;
    g.sampling.logit_bias = {{eos, 1000.0f}};
    const Run stopped = generate(*e, prompt_of(4, e->n_vocab()), g);
    CHECK(stopped.finish_reason == "stop");
    CHECK(stopped.tokens.empty());
    g.ignore_eos = true;
    const Run ignored = generate(*e, prompt_of(4, e->n_vocab()), g);
    CHECK(ignored.tokens.size() == 5);
    for (int32_t t : ignored.tokens) CHECK_FALSE(e->tokenizer().is_end_of_generation(t));
}

TEST_CASE("a follow-up turn reuses the cached conversation", "[model][generate]") {
    auto e = engine();
    auto fresh = engine();
    GenerationOptions g;
    g.sampling.temperature = 0.0f;
    g.max_tokens = 8;
    g.ignore_eos = true;
    const auto prompt = prompt_of(10, e->n_vocab());
    const Run turn1 = generate(*e, prompt, g);
    REQUIRE(turn1.tokens.size() == 8);
    std::vector<int32_t> next = prompt;
    next.insert(next.end(), turn1.tokens.begin(), turn1.tokens.end());
    next.push_back(21);
    next.push_back(22);
    const Run turn2 = generate(*e, next, g);
    // Prompt + the 7 generated tokens that were evaluated (the 8th was sampled, not evaluated).
    CHECK(e->reused_tokens() == 17);
    CHECK(turn2.tokens == generate(*fresh, next, g).tokens);
    CHECK(fresh->reused_tokens() == 0);
}
