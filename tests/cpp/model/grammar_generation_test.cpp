// Constrained decoding through Engine::begin_generation / step: every output of a random
// model under a grammar or JSON schema belongs to it, with every sampler option on; seeded
// runs repeat; bad grammars and impossible ones are InvalidArgument errors, never a hang.
#include <cmath>
#include <cstdio>
#include <regex>
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

Engine& engine() {
    // One thread: this engine lives for the whole test binary, and in the wasm build a worker
    // it held would be missing from the fixed pthread pool the 8-thread tests need.
    static std::unique_ptr<Engine> e = [] {
        EngineOptions o;
        o.n_threads = 1;
        o.context_size = 256;
        return test::load_engine(test::small_model_path("gen-f16", test::small_spec()), o);
    }();
    return *e;
}

// Every sampler option on: what the mask must compose with.
GenerationOptions sampled(uint64_t seed) {
    GenerationOptions g;
    g.sampling.temperature = 1.3f;
    g.sampling.top_k = 40;
    g.sampling.top_p = 0.95f;
    g.sampling.min_p = 0.01f;
    g.sampling.repeat_penalty = 1.1f;
    g.sampling.presence_penalty = 0.3f;
    g.sampling.frequency_penalty = 0.2f;
    g.sampling.seed = seed;
    g.max_tokens = 48;
    return g;
}

ErrorKind kind_of(Engine& e, const GenerationOptions& g) {
    try {
        generate(e, {1, 2, 3}, g);
    } catch (const EngineError& err) {
        INFO(err.what());
        return err.kind();
    }
    FAIL("no error");
    return ErrorKind::Internal;
}

std::string message_of(Engine& e, const GenerationOptions& g) {
    try {
        generate(e, {1, 2, 3}, g);
    } catch (const EngineError& err) {
        return err.what();
    }
    return "";
}

}  // namespace

TEST_CASE("every sampled output under a GBNF grammar belongs to it", "[model][grammar]") {
    Engine& e = engine();
    const std::regex shape(R"(\{[a-z]{1,6}( [0-9]{2})?\})");
    for (uint64_t seed = 1; seed <= 12; ++seed) {
        GenerationOptions g = sampled(seed);
        g.grammar = "root ::= \"{\" [a-z]{1,6} (\" \" [0-9]{2})? \"}\"\n";
        g.ignore_eos = seed % 2 == 0;   // then the grammar's completion ends the output
        const Run r = generate(e, {5, 6, 7, 8}, g);
        INFO("seed " << seed << ": " << r.text);
        CHECK(r.finish_reason == "stop");
        CHECK(std::regex_match(r.text, shape));
    }
}

TEST_CASE("a seeded run under a grammar repeats; another seed differs", "[model][grammar]") {
    Engine& e = engine();
    GenerationOptions g = sampled(77);
    g.grammar = "root ::= [a-z ]{40}\n";
    const Run a = generate(e, {9, 10}, g);
    const Run b = generate(e, {9, 10}, g);
    g.sampling.seed = 78;
    const Run c = generate(e, {9, 10}, g);
    CHECK(a.tokens == b.tokens);
    CHECK(a.tokens != c.tokens);
    CHECK(std::regex_match(a.text, std::regex("[a-z ]{40}")));
}

TEST_CASE("greedy under a grammar picks the best allowed token", "[model][grammar]") {
    Engine& e = engine();
    GenerationOptions g;
    g.sampling.temperature = 0.0f;
    g.max_tokens = 1;
    // The unconstrained choice, then a grammar that forbids exactly its first character.
    const Run free = generate(e, {11, 12, 13}, g);
    REQUIRE(free.tokens.size() == 1);
    const std::string piece = e.detokenize(free.tokens, false);
    REQUIRE(!piece.empty());
    const unsigned char first = static_cast<unsigned char>(piece[0]);
    char cls[16];
    std::snprintf(cls, sizeof cls, "[^\\x%02X]", first);
    g.grammar = std::string("root ::= ") + cls + "+\n";
    const Run forced = generate(e, {11, 12, 13}, g);
    REQUIRE(forced.tokens.size() == 1);
    CHECK(forced.tokens[0] != free.tokens[0]);
    CHECK(static_cast<unsigned char>(forced.text[0]) != first);
}

TEST_CASE("a JSON schema constrains the output to it", "[model][grammar]") {
    Engine& e = engine();
    for (uint64_t seed = 1; seed <= 6; ++seed) {
        GenerationOptions g = sampled(seed);
        g.max_tokens = 200;
        g.json_schema = R"({"type":"object","properties":{"ok":{"type":"boolean"},"n":{"enum":[1,2,3]}},"required":["ok","n"],"additionalProperties":false})";
        const Run r = generate(e, {5, 6, 7}, g);
        INFO(r.text);
        CHECK(r.finish_reason == "stop");
        CHECK(std::regex_match(r.text, std::regex(R"(\{\s*"ok"\s*:\s*(true|false)\s*,\s*"n"\s*:\s*[123]\s*\}\s*)")));
    }
}

TEST_CASE("bad grammars and schemas are InvalidArgument errors naming the place", "[model][grammar]") {
    Engine& e = engine();
    GenerationOptions g;
    g.grammar = "root ::= \"a\"\nother ::= [a-\n";
    CHECK(kind_of(e, g) == ErrorKind::InvalidArgument);
    CHECK_THAT(message_of(e, g), Catch::Contains("line 2, column"));
    g.grammar = "start ::= \"a\"\n";
    CHECK_THAT(message_of(e, g), Catch::Contains("root"));
    g.grammar.clear();
    g.json_schema = R"({"type":"object","properties":{"a":{"type":"string","uniqueItems":true, "multipleOf": 3}}})";
    CHECK(kind_of(e, g) == ErrorKind::InvalidArgument);
    g.json_schema = "{\"type\":";
    CHECK(kind_of(e, g) == ErrorKind::InvalidArgument);
    g.json_schema = R"({"type":"object"})";
    g.grammar = "root ::= \"a\"\n";
    CHECK_THAT(message_of(e, g), Catch::Contains("not both"));
    // The engine still generates after a refused request.
    GenerationOptions ok;
    ok.max_tokens = 2;
    CHECK(generate(e, {1, 2, 3}, ok).tokens.size() <= 2);
}

TEST_CASE("a grammar no token can follow is an error, and bans it cannot pass are too", "[model][grammar]") {
    Engine& e = engine();
    GenerationOptions g;
    g.max_tokens = 8;
    // llama.cpp never allows a token whose piece starts with NUL.
    g.grammar = "root ::= \"\\x00\"\n";
    CHECK(kind_of(e, g) == ErrorKind::InvalidArgument);
    CHECK_THAT(message_of(e, g), Catch::Contains("allows no token"));
    // Every token the grammar allows is banned by logit_bias.
    g.grammar = "root ::= [a-z]+\n";
    g.sampling.temperature = 0.0f;
    for (int32_t id = 0; id < e.n_vocab(); ++id) g.sampling.logit_bias.emplace_back(id, -INFINITY);
    CHECK(kind_of(e, g) == ErrorKind::InvalidArgument);
}
