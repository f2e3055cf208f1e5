// Header values that parse but make no sense. Each must be refused with an EngineError that
// names the cause, from the header alone: the peak of what this process allocates through
// operator new during the attempt stays far below what the absurd value would need.
#include <catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "alloc_tracker.h"
#include "engine_loading.h"
#include "gguf_bytes.h"
#include "tiny_llama.h"

using namespace smollm;
using namespace smollm::hostile;

namespace {

constexpr uint64_t kSmallPeak = 16ull << 20;   // the whole valid model is < 100 KiB

// Loads `spec` and returns the EngineError message, checking that the attempt stayed small.
std::string refused(const GgufSpec& spec, const EngineOptions& options = small_options()) {
    const std::vector<uint8_t> bytes = write_gguf(spec);
    reset_allocated_peak();
    const uint64_t before = allocated_now();
    const std::optional<std::string> err = load_error(bytes, options);
    const uint64_t peak = allocated_peak() - before;
    INFO("peak operator-new bytes during the load: " << peak);
    CHECK(peak < kSmallPeak);
    REQUIRE(err.has_value());
    CHECK(!err->empty());
    return err.value_or("");
}

TinyLlamaShape shape() { return TinyLlamaShape{}; }

}  // namespace

TEST_CASE("10^9 tensors or 10^9 metadata entries in a small file", "[hostile][absurd]") {
    GgufSpec spec = tiny_llama_spec(shape());
    spec.override_counts = true;
    spec.tensor_count = 1000000000ull;
    spec.kv_count = spec.kvs.size();
    const std::string tensors = refused(spec);
    CHECK((mentions(tensors, "tensor") || mentions(tensors, "count")));

    spec.tensor_count = spec.tensors.size();
    spec.kv_count = 1000000000ull;
    const std::string kvs = refused(spec);
    CHECK((mentions(kvs, "metadata") || mentions(kvs, "kv") || mentions(kvs, "count") || mentions(kvs, "key")));

    spec.tensor_count = UINT64_MAX;
    spec.kv_count = UINT64_MAX;
    refused(spec);
}

TEST_CASE("a tensor of 2^62 elements, and dimensions that overflow", "[hostile][absurd]") {
    struct Case { const char* what; std::vector<uint64_t> ne; };
    const Case cases[] = {
        {"2^31 x 2^31", {1ull << 31, 1ull << 31}},
        {"2^62 x 1", {1ull << 62, 1}},
        {"2^32 x 2^32 (wraps to 0)", {1ull << 32, 1ull << 32}},
        {"UINT64_MAX x 2", {UINT64_MAX, 2}},
        {"a zero dimension", {32, 0}},
        {"five dimensions", {2, 2, 2, 2, 2}},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        GgufSpec spec = tiny_llama_spec(shape());
        TensorEntry* t = spec.tensor("blk.0.ffn_up.weight");
        REQUIRE(t);
        t->ne = c.ne;
        const std::string err = refused(spec);
        CHECK((mentions(err, "blk.0.ffn_up.weight") || mentions(err, "dimension") || mentions(err, "shape")));
    }
}

TEST_CASE("offsets past the file, misaligned and overlapping", "[hostile][absurd]") {
    struct Case { const char* what; uint64_t offset; };
    const Case cases[] = {{"past the end", 1ull << 40}, {"misaligned", 4}, {"overlapping the first tensor", 0},
                          {"wrapping around", UINT64_MAX - 31}};
    for (const Case& c : cases) {
        INFO(c.what);
        GgufSpec spec = tiny_llama_spec(shape());
        TensorEntry* t = spec.tensor("output_norm.weight");
        REQUIRE(t);
        t->raw_offset = true;
        t->offset = c.offset;
        refused(spec);
    }
}

TEST_CASE("a context length of 2^31, in the header or asked for, is refused", "[hostile][absurd]") {
    EngineOptions trained = small_options();
    trained.context_size = 0;   // the model's trained context when it fits memory
    for (uint64_t ctx : {1ull << 31, 1ull << 40, 0ull}) {
        INFO("llama.context_length = " << ctx);
        GgufSpec spec = tiny_llama_spec(shape());
        spec.set("llama.context_length", typed_u64(ctx));
        CHECK(mentions(refused(spec, trained), "context_length"));
    }
    const GgufSpec spec = tiny_llama_spec(shape());
    for (uint32_t asked : {1u << 31, UINT32_MAX}) {
        INFO("context_size option = " << asked);
        EngineOptions options = small_options();
        options.context_size = asked;
        const std::string err = refused(spec, options);
        CHECK((mentions(err, "context") || mentions(err, "memory") || mentions(err, "kv")));
    }
    INFO("a sane trained context still loads, at its size (it fits memory)");
    GgufSpec sane = tiny_llama_spec(shape());
    sane.set("llama.context_length", typed_u32(8192));
    std::unique_ptr<Engine> engine = load_copy(write_gguf(sane), trained);
    CHECK(engine->n_ctx() == 8192);
    check_engine_usable(*engine);
}

TEST_CASE("head counts that do not fit the dimensions", "[hostile][absurd]") {
    struct Case { const char* what; uint32_t heads, kv_heads; };
    const Case cases[] = {
        {"heads do not divide dim (32 / 5)", 5, 5},
        {"kv heads do not divide heads (4 / 3)", 4, 3},
        {"more kv heads than heads", 4, 8},
        {"zero heads", 0, 0},
        {"zero kv heads", 4, 0},
        {"2^31 heads", 1u << 31, 1u << 31},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        GgufSpec spec = tiny_llama_spec(shape());
        spec.set("llama.attention.head_count", typed_u32(c.heads));
        spec.set("llama.attention.head_count_kv", typed_u32(c.kv_heads));
        const std::string err = refused(spec);
        CHECK(mentions(err, "head"));
    }
}

TEST_CASE("absurd sizes in the hyperparameters", "[hostile][absurd]") {
    struct Case { const char* key; uint64_t value; };
    const Case cases[] = {
        {"llama.embedding_length", 1ull << 40}, {"llama.embedding_length", 0},
        {"llama.block_count", 1000000000ull}, {"llama.block_count", 0},
        {"llama.feed_forward_length", 1ull << 40}, {"llama.feed_forward_length", 0},
        {"llama.vocab_size", 1ull << 40},
    };
    for (const Case& c : cases) {
        INFO(c.key << " = " << c.value);
        GgufSpec spec = tiny_llama_spec(shape());
        spec.set(c.key, typed_u64(c.value));
        refused(spec);
    }
}

TEST_CASE("a vocabulary that disagrees with the embedding", "[hostile][absurd]") {
    {
        INFO("llama.vocab_size larger than the token list");
        GgufSpec spec = tiny_llama_spec(shape());
        spec.set("llama.vocab_size", typed_u32(1000));
        refused(spec);
    }
    {
        INFO("token_embd has more rows than the token list");
        GgufSpec spec = tiny_llama_spec(shape());
        spec.erase("llama.vocab_size");
        TensorEntry* t = spec.tensor("token_embd.weight");
        const uint64_t rows = t->ne[1] + 10;
        t->ne = {t->ne[0], rows};
        t->data.resize(t->ne[0] * rows * 4);
        const std::string err = refused(spec);
        CHECK((mentions(err, "vocab") || mentions(err, "token")));
    }
    {
        INFO("token types shorter than the tokens");
        GgufSpec spec = tiny_llama_spec(shape());
        spec.set("tokenizer.ggml.token_type", typed_i32_array({1, 1, 1}));
        refused(spec);
    }
    {
        INFO("no token list");
        GgufSpec spec = tiny_llama_spec(shape());
        spec.erase("tokenizer.ggml.tokens");
        CHECK(mentions(refused(spec), "tokenizer.ggml.tokens"));
    }
    {
        // Refused at load, or loaded with every use of that id refused: never an embedding
        // row read past the table.
        INFO("bos id past the vocabulary");
        GgufSpec spec = tiny_llama_spec(shape());
        spec.set("tokenizer.ggml.bos_token_id", typed_u32(1u << 30));
        spec.set("tokenizer.ggml.add_bos_token", typed_bool(true));
        const std::vector<uint8_t> bytes = write_gguf(spec);
        if (load_error(bytes).has_value()) return;
        std::unique_ptr<Engine> engine = load_copy(bytes);
        const int32_t bos = engine->tokenizer().bos_id();
        if (bos >= 0 && bos < engine->n_vocab()) return;   // the loader dropped the bad id
        CHECK_THROWS_AS(engine->eval(&bos, 1, 0, false), EngineError);
        CHECK_THROWS_AS(engine->begin_generation({bos, 5}, GenerationOptions{}), EngineError);
        check_engine_usable(*engine);
    }
}

TEST_CASE("token ids outside the vocabulary are refused by eval and generation", "[hostile][absurd]") {
    std::unique_ptr<Engine> engine = load_copy(write_gguf(tiny_llama_spec(shape())));
    const int32_t n = engine->n_vocab();
    for (int32_t bad : {-1, n, n + 1, INT32_MAX, INT32_MIN}) {
        INFO("token id " << bad);
        const int32_t tokens[3] = {5, bad, 6};
        CHECK_THROWS_AS(engine->eval(tokens, 3, 0, false), EngineError);
        CHECK_THROWS_AS(engine->begin_generation({5, bad}, GenerationOptions{}), EngineError);
        check_engine_usable(*engine);
    }
    const int32_t one = 5;
    CHECK_THROWS_AS(engine->eval(&one, 1, 1000, false), EngineError);
    CHECK_THROWS_AS(engine->eval(&one, 1, -1, false), EngineError);
    CHECK_THROWS_AS(engine->eval(&one, 0, 0, false), EngineError);
    CHECK_THROWS_AS(engine->logits(5), EngineError);
    check_engine_usable(*engine);
}

TEST_CASE("missing tensors are named", "[hostile][absurd]") {
    for (const char* name : {"token_embd.weight", "output_norm.weight", "blk.0.attn_q.weight",
                             "blk.0.attn_k.weight", "blk.0.attn_v.weight", "blk.0.attn_output.weight",
                             "blk.0.ffn_gate.weight", "blk.0.ffn_up.weight", "blk.0.ffn_down.weight",
                             "blk.0.attn_norm.weight", "blk.0.ffn_norm.weight"}) {
        INFO(name);
        GgufSpec spec = tiny_llama_spec(shape());
        spec.tensors.erase(spec.tensors.begin() + (spec.tensor(name) - spec.tensors.data()));
        CHECK(mentions(refused(spec), name));
    }
    INFO("block_count says 2, the file has 1 block");
    GgufSpec spec = tiny_llama_spec(shape());
    spec.set("llama.block_count", typed_u32(2));
    CHECK(mentions(refused(spec), "blk.1."));
}

TEST_CASE("tensors of the wrong shape are named", "[hostile][absurd]") {
    struct Case { const char* name; std::vector<uint64_t> ne; };
    const Case cases[] = {
        {"blk.0.attn_q.weight", {32, 33}},
        {"blk.0.attn_k.weight", {32, 32}},
        {"blk.0.ffn_down.weight", {32, 64}},
        {"blk.0.attn_norm.weight", {16}},
        {"token_embd.weight", {16, 0}},
        {"output_norm.weight", {32, 2}},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        GgufSpec spec = tiny_llama_spec(shape());
        TensorEntry* t = spec.tensor(c.name);
        uint64_t elems = 1;
        for (uint64_t d : c.ne) elems *= d;
        t->ne = c.ne;
        t->data.assign(elems * 4, 0);
        CHECK(mentions(refused(spec), c.name));
    }
}

TEST_CASE("an architecture or a weight type this engine cannot run is named", "[hostile][absurd]") {
    {
        GgufSpec spec = tiny_llama_spec(shape());
        spec.set("general.architecture", typed_str("gpt-neox"));
        CHECK(mentions(refused(spec), "gpt-neox"));
    }
    {
        GgufSpec spec = tiny_llama_spec(shape());
        spec.erase("general.architecture");
        CHECK(mentions(refused(spec), "architecture"));
    }
    {
        // IQ2_XXS: a real ggml type, 66 bytes per 256 elements, that this engine has no kernel
        // for. Rows of 256 so the shape itself is valid.
        TinyLlamaShape wide = shape();
        wide.dim = 256;
        wide.ffn = 256;
        GgufSpec spec = tiny_llama_spec(wide);
        TensorEntry* t = spec.tensor("blk.0.ffn_up.weight");
        t->type = 16;
        t->data.assign(256 * 66, 0);
        const std::string err = refused(spec);
        CHECK((mentions(err, "IQ2_XXS") || mentions(err, "type")));
    }
    {
        GgufSpec spec = tiny_llama_spec(shape());
        spec.tensor("blk.0.ffn_up.weight")->type = 9999;
        CHECK(mentions(refused(spec), "blk.0.ffn_up.weight"));
    }
}
