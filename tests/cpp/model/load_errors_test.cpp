// Files the engine cannot run are refused with a message naming the cause, before any large
// allocation; misuse of eval gets an EngineError, never a crash.
#include <string>
#include <vector>

#include <catch.hpp>

#include "model_fixtures.h"
#include "test_support.h"

using namespace smollm;
using Catch::Matchers::Contains;

namespace {

std::vector<uint8_t> small_bytes() { return test::read_file_bytes(test::small_model_path("errors-f16", test::small_spec())); }

// Both the header-only plan and the full load must refuse the file with `message`.
void require_refused(const std::vector<uint8_t>& bytes, const std::string& message) {
    GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), bytes.size());
    REQUIRE(r.status == GgufParseResult::Status::Complete);
    REQUIRE_THROWS_WITH(plan_memory(*r.file, EngineOptions{}), Contains(message));
    REQUIRE_THROWS_WITH(test::load_engine(bytes, EngineOptions{}), Contains(message));
}

}  // namespace

TEST_CASE("other architectures are refused by name", "[model][errors]") {
    require_refused(test::with_metadata(small_bytes(), {{"general.architecture", test::string_value("gpt2")}}),
                    "architecture 'gpt2' is not supported");
}

TEST_CASE("absurd hyperparameters are refused before allocation", "[model][errors]") {
    const auto bytes = small_bytes();
    require_refused(test::with_metadata(bytes, {{"llama.context_length", test::u32_value(1u << 31)}}), "llama.context_length");
    require_refused(test::with_metadata(bytes, {{"llama.attention.head_count", test::u32_value(6)}}), "not divisible");
    require_refused(test::with_metadata(bytes, {{"llama.attention.head_count_kv", test::u32_value(3)}}),
                    "not a multiple of llama.attention.head_count_kv");
    require_refused(test::with_metadata(bytes, {{"llama.embedding_length", test::u32_value(4000000000u)}}), "llama.embedding_length");
    require_refused(test::with_metadata(bytes, {{"llama.block_count", test::u32_value(0)}}), "llama.block_count");
    // A header that is fine but whose tensors do not match it.
    require_refused(test::with_metadata(bytes, {{"llama.feed_forward_length", test::u32_value(1024)}}), "ffn_gate.weight");
    require_refused(test::with_metadata(bytes, {{"llama.block_count", test::u32_value(3)}}), "blk.2.attn_norm.weight' is missing");
}

TEST_CASE("an asked-for context too large for wasm memory is refused", "[model][errors]") {
    EngineOptions o;
    o.context_size = 1u << 21;
    REQUIRE_THROWS_WITH(test::load_engine(small_bytes(), o), Contains("ask for a smaller context"));
}

TEST_CASE("a truncated file is refused", "[model][errors]") {
    auto bytes = small_bytes();
    bytes.resize(bytes.size() / 2);
    REQUIRE_THROWS_AS(test::load_engine(bytes, EngineOptions{}), EngineError);
}

TEST_CASE("plan_memory gives the KV cache and a total from the header alone", "[model]") {
    const auto bytes = small_bytes();
    GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), bytes.size());
    REQUIRE(r.status == GgufParseResult::Status::Complete);
    EngineOptions o;
    o.context_size = 100;
    const MemoryPlan p = plan_memory(*r.file, o);
    const tools::ModelSpec s = test::small_spec();
    CHECK(p.kv_cache_bytes == 2ull * s.n_layers * 100 * (s.dim / s.n_heads * s.n_kv_heads) * 2);
    CHECK(p.file_bytes == bytes.size());
    CHECK(p.total_bytes == p.file_bytes + p.kv_cache_bytes + p.scratch_bytes);
    auto e = test::load_engine(bytes, o);
    CHECK(e->memory_bytes() <= p.total_bytes);
    CHECK(e->memory_bytes() >= p.file_bytes + p.kv_cache_bytes);
}

TEST_CASE("eval misuse gets an EngineError", "[model][errors]") {
    EngineOptions o;
    o.context_size = 16;
    auto e = test::load_engine(small_bytes(), o);
    const int32_t bad = e->n_vocab();
    REQUIRE_THROWS_WITH(e->eval(&bad, 1, 0, false), Contains("outside the vocabulary"));
    std::vector<int32_t> tokens(17, 1);
    REQUIRE_THROWS_WITH(e->eval(tokens.data(), 17, 0, false), Contains("context is full"));
    REQUIRE_THROWS_WITH(e->eval(tokens.data(), 1, 3, false), Contains("only 0 tokens are cached"));
    e->eval(tokens.data(), 4, 0, false);
    REQUIRE_THROWS_WITH(e->logits(1), Contains("all_logits"));
    REQUIRE_THROWS_WITH(e->step(), Contains("begin_generation"));
    REQUIRE_THROWS_AS(e->begin_generation({}, GenerationOptions{}), EngineError);
}
