// Every EngineError carries the kind the JS side maps to an error class (src/engine_error.h):
// the kind is decided where the failure is found, never read back from the message.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <catch.hpp>

#include "model_fixtures.h"
#include "test_support.h"

using namespace smollm;

namespace {

std::vector<uint8_t> small_bytes() { return test::read_file_bytes(test::small_model_path("kinds-f16", test::small_spec())); }

ErrorKind kind_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const EngineError& e) {
        return e.kind();
    }
    FAIL("no EngineError");
    return ErrorKind::Internal;
}

MemoryPlan plan_of(const std::vector<uint8_t>& bytes, const EngineOptions& o) {
    GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), bytes.size());
    REQUIRE(r.status == GgufParseResult::Status::Complete);
    return plan_memory(*r.file, o);
}

}  // namespace

TEST_CASE("every kind has the name the JS table uses", "[model][errors]") {
    std::vector<std::string> names;
    for (const ErrorKind k : kErrorKinds) names.emplace_back(error_kind_name(k));
    CHECK(names == std::vector<std::string>{"Internal", "InvalidArgument", "InvalidModel", "UnsupportedModel", "ContextLength",
                                            "OutOfMemory"});
}

TEST_CASE("a model of another kind is UnsupportedModel, a broken one InvalidModel", "[model][errors]") {
    const auto bytes = small_bytes();
    const auto gpt2 = test::with_metadata(bytes, {{"general.architecture", test::string_value("gpt2")}});
    CHECK(kind_of([&] { plan_of(gpt2, EngineOptions{}); }) == ErrorKind::UnsupportedModel);
    CHECK(kind_of([&] { test::load_engine(gpt2, EngineOptions{}); }) == ErrorKind::UnsupportedModel);
    const auto bert = test::with_metadata(bytes, {{"tokenizer.ggml.model", test::string_value("bert")}});
    CHECK(kind_of([&] { test::load_engine(bert, EngineOptions{}); }) == ErrorKind::UnsupportedModel);
    const auto shapes = test::with_metadata(bytes, {{"llama.feed_forward_length", test::u32_value(1024)}});
    CHECK(kind_of([&] { plan_of(shapes, EngineOptions{}); }) == ErrorKind::InvalidModel);
    auto truncated = bytes;
    truncated.resize(truncated.size() / 2);
    CHECK(kind_of([&] { test::load_engine(truncated, EngineOptions{}); }) == ErrorKind::InvalidModel);
    auto v1 = bytes;
    v1[4] = 1;   // GGUF version 1, little-endian u32 at byte 4
    CHECK(kind_of([&] { test::load_engine(v1, EngineOptions{}); }) == ErrorKind::UnsupportedModel);
}

TEST_CASE("a context past the engine's limit is InvalidArgument, past wasm32 OutOfMemory with the sizes", "[model][errors]") {
    const auto bytes = small_bytes();
    EngineOptions o;
    o.context_size = 1u << 21;
    CHECK(kind_of([&] { plan_of(bytes, o); }) == ErrorKind::InvalidArgument);
    const auto wide = test::with_metadata(bytes, {{"llama.block_count", test::u32_value(64)}});
    o.context_size = 1u << 20;
    try {
        plan_of(wide, o);
        FAIL("planned");
    } catch (const EngineError& e) {
        CHECK(e.kind() == ErrorKind::OutOfMemory);
        CHECK(e.needed() > e.limit());
        CHECK(e.limit() == (4ull << 30));
    }
}

TEST_CASE("a loaded engine: ContextLength with its sizes, InvalidArgument for misuse", "[model][errors]") {
    EngineOptions o;
    o.context_size = 16;
    auto e = test::load_engine(small_bytes(), o);
    const std::vector<int32_t> full(16, 1);
    try {
        e->begin_generation(full, GenerationOptions{});
        FAIL("a prompt that fills the context was accepted");
    } catch (const EngineError& error) {
        CHECK(error.kind() == ErrorKind::ContextLength);
        CHECK(error.needed() == 16);
        CHECK(error.limit() == 16);
    }
    const std::vector<int32_t> past(17, 1);
    CHECK(kind_of([&] { e->eval(past.data(), 17, 0, false); }) == ErrorKind::ContextLength);
    CHECK(kind_of([&] { e->detokenize({e->n_vocab()}, false); }) == ErrorKind::InvalidArgument);
    CHECK(kind_of([&] { e->step(); }) == ErrorKind::InvalidArgument);
    CHECK(kind_of([&] { e->logits(3); }) == ErrorKind::InvalidArgument);
    e->eval(full.data(), 4, 0, true);
    CHECK(kind_of([&] { e->neg_log_likelihood(1, -1); }) == ErrorKind::InvalidArgument);
}

TEST_CASE("neg_log_likelihood is -log softmax of the logits", "[model]") {
    EngineOptions o;
    o.context_size = 16;
    auto e = test::load_engine(small_bytes(), o);
    const std::vector<int32_t> tokens{1, 5, 9, 13};
    e->eval(tokens.data(), 4, 0, true);
    for (int32_t i = 0; i < 4; ++i) {
        const float* l = e->logits(i);
        double sum = 0.0;
        for (int32_t k = 0; k < e->n_vocab(); ++k) sum += std::exp(static_cast<double>(l[k]));
        const int32_t target = 7 + i;
        CHECK(e->neg_log_likelihood(i, target) == Approx(std::log(sum) - l[target]).epsilon(1e-9));
    }
}

TEST_CASE("tokenize adds the BOS the vocabulary asks for, detokenize inverts it", "[model]") {
    auto e = test::load_engine(small_bytes(), EngineOptions{});
    const std::vector<int32_t> plain = e->tokenize("hello world", false, false);
    const std::vector<int32_t> with_bos = e->tokenize("hello world", false, true);
    const Tokenizer& tok = e->tokenizer();
    if (tok.add_bos() && tok.bos_id() >= 0) {
        REQUIRE(with_bos.size() == plain.size() + 1);
        CHECK(with_bos[0] == tok.bos_id());
    } else {
        CHECK(with_bos == plain);
    }
    CHECK(e->detokenize(plain, false) == "hello world");
}
