// Request values that reach the engine from a caller (an HTTP request through `serve`, the
// page): invalid sampling settings are an EngineError naming the setting, the contract of
// begin_generation, never another exception type or NaN probabilities.
#include <catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "engine_loading.h"
#include "gguf_bytes.h"
#include "tiny_llama.h"

using namespace smollm;
using namespace smollm::hostile;

TEST_CASE("invalid sampling settings are refused by begin_generation as EngineError", "[hostile][request]") {
    std::unique_ptr<Engine> engine = load_copy(write_gguf(tiny_llama_spec()));
    struct Case { const char* what; void (*set)(SamplingParams&); const char* named; };
    const Case cases[] = {
        {"top_p 0", [](SamplingParams& s) { s.top_p = 0.0f; }, "top_p"},
        {"NaN temperature", [](SamplingParams& s) { s.temperature = NAN; }, "temperature"},
        {"NaN logit bias", [](SamplingParams& s) { s.logit_bias.emplace_back(5, NAN); }, "bias"},
        {"+inf logit bias", [](SamplingParams& s) { s.logit_bias.emplace_back(5, INFINITY); }, "bias"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        GenerationOptions g;
        c.set(g.sampling);
        try {
            engine->begin_generation({5, 6}, g);
            FAIL("accepted");
        } catch (const EngineError& e) {
            CHECK(mentions(e.what(), c.named));
        }
    }
    // -inf bans a token and is fine.
    GenerationOptions g;
    g.sampling.logit_bias.emplace_back(5, -INFINITY);
    engine->begin_generation({5, 6}, g);
    CHECK(engine->step().kind == StepResult::Kind::Prefill);
}

TEST_CASE("a logit bias for a token outside the vocabulary and an empty stop string are refused", "[hostile][request]") {
    // The sampler would skip both silently; the wasm glue checked the ids before it bound
    // GenerationOptions directly (web/generation_options.cpp), so the engine checks them now.
    std::unique_ptr<Engine> engine = load_copy(write_gguf(tiny_llama_spec()));
    for (const int32_t id : {-1, engine->n_vocab()}) {
        INFO(id);
        GenerationOptions g;
        g.sampling.logit_bias.emplace_back(id, 1.0f);
        try {
            engine->begin_generation({5, 6}, g);
            FAIL("accepted");
        } catch (const EngineError& e) {
            CHECK(mentions(e.what(), "logit_bias"));
            CHECK(mentions(e.what(), std::to_string(id)));
        }
    }
    GenerationOptions g;
    g.stop = {"ok", ""};
    try {
        engine->begin_generation({5, 6}, g);
        FAIL("accepted");
    } catch (const EngineError& e) {
        CHECK(mentions(e.what(), "stop"));
    }
    g.stop = {"ok"};
    g.sampling.logit_bias.emplace_back(engine->n_vocab() - 1, 1.0f);
    engine->begin_generation({5, 6}, g);
    CHECK(engine->step().kind == StepResult::Kind::Prefill);
}

TEST_CASE("no token left to sample is an EngineError from step", "[hostile][request]") {
    // Every token banned (or, found by fuzz_model_eval, weights whose logits are all NaN): the
    // sampler's own exception escaped step() before.
    std::unique_ptr<Engine> engine = load_copy(write_gguf(tiny_llama_spec()));
    GenerationOptions g;
    g.ignore_eos = true;
    for (int32_t id = 0; id < engine->n_vocab(); ++id) g.sampling.logit_bias.emplace_back(id, -INFINITY);
    engine->begin_generation({5, 6}, g);
    CHECK(engine->step().kind == StepResult::Kind::Prefill);
    try {
        engine->step();
        FAIL("sampled from nothing");
    } catch (const EngineError& e) {
        CHECK(mentions(e.what(), "logit"));
    }
}
