// A lazy grammar (GenerationOptions::grammar_trigger): decoding is free, token for token the
// same as without a grammar, until the output holds the trigger; the text after it then
// belongs to the grammar. A token that would complete the trigger with text the grammar
// refuses is never kept. This is what tool calls under tool_choice "auto" rely on.
#include <regex>
#include <string>
#include <vector>

#include <catch.hpp>

#include "model_fixtures.h"

using namespace smollm;

namespace {

using Run = test::GenerationRun;

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

GenerationOptions sampled(uint64_t seed) {
    GenerationOptions g;
    g.sampling.temperature = 1.0f;
    g.sampling.top_k = 40;
    g.sampling.seed = seed;
    g.max_tokens = 40;
    return g;
}

const std::vector<int32_t> kPrompt = {5, 6, 7, 8};
const char* kGrammar = "root ::= [0-9]{3} \"!\"\n";
const std::regex kAfter("[0-9]{3}!");

// The text of tokens [0, n) of a run.
std::string text_of(Engine& e, const Run& r, size_t n) {
    return e.detokenize(std::vector<int32_t>(r.tokens.begin(), r.tokens.begin() + static_cast<std::ptrdiff_t>(n)), false);
}

}  // namespace

TEST_CASE("a lazy grammar leaves decoding free until its trigger, then holds", "[model][grammar]") {
    Engine& e = engine();
    int checked = 0;
    for (uint64_t seed = 1; seed <= 6; ++seed) {
        const Run free = test::run_generation(e, kPrompt, sampled(seed));
        // A trigger that first appears as the whole text of token k (k >= 2): it ends at a
        // token boundary, so the lazy run keeps the free run's tokens up to k exactly.
        for (size_t k = 2; k + 1 < free.tokens.size(); ++k) {
            const std::string before = text_of(e, free, k);
            const std::string trigger = e.detokenize({free.tokens[k]}, false);
            if (trigger.size() < 2 || (before + trigger).find(trigger) != before.size()) continue;
            GenerationOptions g = sampled(seed);
            g.grammar = kGrammar;
            g.grammar_trigger = trigger;
            g.max_tokens = 80;   // room for the grammar's part after a late trigger
            const Run lazy = test::run_generation(e, kPrompt, g);
            INFO("seed " << seed << ", trigger \"" << trigger << "\": " << lazy.text);
            REQUIRE(lazy.tokens.size() > k);
            CHECK(std::vector<int32_t>(lazy.tokens.begin(), lazy.tokens.begin() + static_cast<std::ptrdiff_t>(k + 1)) ==
                  std::vector<int32_t>(free.tokens.begin(), free.tokens.begin() + static_cast<std::ptrdiff_t>(k + 1)));
            // The streamed text (which shows a split character only once whole) up to the
            // trigger is the free run's; after it, the grammar's.
            const size_t at = lazy.text.find(trigger);
            REQUIRE(at != std::string::npos);
            CHECK(lazy.text.substr(0, at) == free.text.substr(0, at));
            CHECK(std::regex_match(lazy.text.substr(at + trigger.size()), kAfter));
            CHECK(lazy.finish_reason == "stop");
            ++checked;
            break;
        }
    }
    CHECK(checked >= 3);
}

TEST_CASE("a token that completes the trigger with text the grammar refuses is sampled again", "[model][grammar]") {
    Engine& e = engine();
    int checked = 0;
    for (uint64_t seed = 1; seed <= 8; ++seed) {
        const Run free = test::run_generation(e, kPrompt, sampled(seed));
        // Token k's text less its last character (not a digit) as the trigger: token k itself
        // would go on past the trigger with that character, which [0-9] refuses.
        for (size_t k = 2; k + 1 < free.tokens.size(); ++k) {
            const std::string before = text_of(e, free, k);
            const std::string piece = e.detokenize({free.tokens[k]}, false);
            if (piece.size() < 3 || static_cast<unsigned char>(piece.back()) >= 0x80 || (piece.back() >= '0' && piece.back() <= '9')) continue;
            const std::string trigger = piece.substr(0, piece.size() - 1);
            if ((before + trigger).find(trigger) != before.size()) continue;
            GenerationOptions g = sampled(seed);
            g.grammar = kGrammar;
            g.grammar_trigger = trigger;
            g.max_tokens = 80;   // room for the grammar's part after a late trigger
            const Run lazy = test::run_generation(e, kPrompt, g);
            INFO("seed " << seed << ", trigger \"" << trigger << "\": " << lazy.text);
            REQUIRE(lazy.tokens.size() > k);
            CHECK(std::vector<int32_t>(lazy.tokens.begin(), lazy.tokens.begin() + static_cast<std::ptrdiff_t>(k)) ==
                  std::vector<int32_t>(free.tokens.begin(), free.tokens.begin() + static_cast<std::ptrdiff_t>(k)));
            CHECK(lazy.tokens[k] != free.tokens[k]);
            // Wherever the trigger appears, what follows it belongs to the grammar.
            const size_t at = lazy.text.find(trigger);
            if (at != std::string::npos && lazy.finish_reason == "stop") CHECK(std::regex_match(lazy.text.substr(at + trigger.size()), kAfter));
            ++checked;
            break;
        }
    }
    CHECK(checked >= 3);
}

TEST_CASE("a trigger that never appears leaves the run as it is without a grammar", "[model][grammar]") {
    Engine& e = engine();
    const Run free = test::run_generation(e, kPrompt, sampled(11));
    GenerationOptions g = sampled(11);
    g.grammar = kGrammar;
    g.grammar_trigger = "\x01\x02never";
    const Run lazy = test::run_generation(e, kPrompt, g);
    CHECK(lazy.tokens == free.tokens);
    CHECK(lazy.text == free.text);
}

TEST_CASE("a trigger without a grammar is an InvalidArgument error", "[model][grammar]") {
    Engine& e = engine();
    GenerationOptions g;
    g.grammar_trigger = "<tool_call>";
    try {
        test::run_generation(e, kPrompt, g);
        FAIL("no error");
    } catch (const EngineError& err) {
        CHECK(err.kind() == ErrorKind::InvalidArgument);
        CHECK_THAT(std::string(err.what()), Catch::Contains("grammarTrigger"));
    }
}
