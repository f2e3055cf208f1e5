// Absurd but valid sizes (issue 15, item 4): in wasm32 size_t is 32 bits, so every size made
// from a file or request value must be checked in 64 bits first. This suite runs natively,
// under ASan and in the wasm build; each case gets a clear EngineError (or works), never a
// wrapped allocation followed by an out-of-bounds write.
#include <catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "alloc_tracker.h"
#include "engine_loading.h"
#include "gguf_bytes.h"
#include "tiny_llama.h"

using namespace smollm;
using namespace smollm::hostile;

namespace {

constexpr uint64_t kFourGiB = 1ull << 32;

// The header of `spec` with every tensor's data left out (offsets laid out as if present):
// what the loader probes before it downloads anything. `file_size` gets the implied size.
std::vector<uint8_t> header_only(GgufSpec spec, uint64_t* file_size) {
    uint64_t cursor = 0;
    for (TensorEntry& t : spec.tensors) {
        t.raw_offset = true;
        t.offset = cursor;
        uint64_t bytes = t.type == 0 ? 4 : 0;
        for (uint64_t d : t.ne) bytes *= d;
        cursor += (bytes + 31) / 32 * 32;
        t.data.clear();
    }
    GgufLayout layout;
    std::vector<uint8_t> header = write_gguf(spec, &layout);
    *file_size = layout.data_offset + cursor;
    return header;
}

std::string engine_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const EngineError& e) {
        return e.what();
    }
    FAIL("no EngineError");
    return "";
}

// A tiny llama whose vocabulary is padded with normal tokens to `vocab` entries and whose
// (tied) embedding is Q4_0 zeros: 18 bytes a row, so 2^22 rows are 72 MiB.
std::vector<uint8_t> big_vocab_model(uint32_t vocab, uint64_t context) {
    TinyLlamaShape shape;
    shape.context = context;
    GgufSpec spec = tiny_llama_spec(shape);
    std::vector<std::string> tokens = tiny_vocab_tokens();
    std::vector<int32_t> types(vocab, 1);
    types[0] = types[1] = types[2] = 3;
    tokens.reserve(vocab);
    while (tokens.size() < vocab) tokens.push_back("<x" + std::to_string(tokens.size()) + ">");
    spec.set("tokenizer.ggml.tokens", typed_str_array(tokens));
    spec.set("tokenizer.ggml.token_type", typed_i32_array(types));
    spec.set("llama.vocab_size", typed_u32(vocab));
    TensorEntry* embd = spec.tensor("token_embd.weight");
    REQUIRE(embd);
    embd->ne = {shape.dim, vocab};
    embd->type = 2;   // Q4_0
    embd->data.assign(static_cast<size_t>(vocab) * (shape.dim / 32) * 18, 0);
    return write_gguf(spec);
}

}  // namespace

TEST_CASE("a 2^22-token vocabulary: decode works, 1024 positions of logits are refused by name",
          "[hostile][wasm32]") {
    // 1024 x 2^22 floats is 2^32 floats: the old size_t product wrapped to 0 in wasm32, the
    // buffer was not grown and the forward pass wrote 16 GiB past it.
    constexpr uint32_t kVocab = 1u << 22;
    EngineOptions options = small_options();
    options.context_size = 1024;
    std::unique_ptr<Engine> engine = load_copy(big_vocab_model(kVocab, 1024), options);
    REQUIRE(engine->n_vocab() == static_cast<int32_t>(kVocab));

    std::vector<int32_t> tokens(1024);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>((i * 4099) % kVocab);
    const std::string err = engine_error([&] { engine->eval(tokens.data(), 1024, 0, true); });
    CHECK(mentions(err, "MiB limit"));
    CHECK(mentions(err, "1024"));

    // Still usable: the refusal came before anything changed.
    engine->eval(tokens.data(), 2, 0, false);
    const float* logits = engine->logits(0);
    bool finite = true;
    for (uint32_t i = 0; i < kVocab; ++i) finite = finite && std::isfinite(logits[i]);
    CHECK(finite);
    // All positions of a short batch fit (2 x 16 MiB).
    engine->eval(tokens.data(), 2, 0, true);
    CHECK(engine->logits(1) == engine->logits(0) + kVocab);
}

TEST_CASE("a 2^24-token vocabulary is refused from the header, naming the vocabulary",
          "[hostile][wasm32]") {
    GgufSpec spec = tiny_llama_spec();
    spec.set("llama.vocab_size", typed_u32(1u << 24));
    spec.tensor("token_embd.weight")->ne = {32, 1u << 24};
    uint64_t file_size = 0;
    const std::vector<uint8_t> header = header_only(spec, &file_size);
    CHECK(file_size > (1ull << 31));   // 2 GiB of F32 embedding
    const std::unique_ptr<GgufFile> file = parse_header(header, file_size);
    const std::string err = engine_error([&] { plan_memory(*file, small_options()); });
    CHECK(mentions(err, "vocab"));
    CHECK(load_error(header).has_value());
}

TEST_CASE("a context of 2^20 positions loads and runs; more is refused by name", "[hostile][wasm32]") {
    const std::vector<uint8_t> bytes = write_gguf(tiny_llama_spec());
    EngineOptions options = small_options();
    options.context_size = 1u << 20;
    std::unique_ptr<Engine> engine = load_copy(bytes, options);
    CHECK(engine->n_ctx() == (1 << 20));
    check_engine_usable(*engine);

    options.context_size = (1u << 20) + 1;
    const std::optional<std::string> err = load_error(bytes, options);
    REQUIRE(err.has_value());
    CHECK(mentions(*err, "context"));

    // A trained context of 2^24 (the largest the header may state) is capped by default at
    // the engine's limit (the tiny model's cache fits memory there).
    GgufSpec spec = tiny_llama_spec();
    spec.set("llama.context_length", typed_u32(1u << 24));
    options.context_size = 0;
    std::unique_ptr<Engine> capped = load_copy(write_gguf(spec), options);
    CHECK(capped->n_ctx() == (1 << 20));
}

TEST_CASE("dim 2^16: the plan is computed in 64 bits and the model is refused", "[hostile][wasm32]") {
    TinyLlamaShape shape;
    shape.dim = 1u << 16;
    shape.heads = 1;
    shape.kv_heads = 1;
    shape.ffn = 1u << 16;
    shape.with_data = false;
    GgufSpec spec = tiny_llama_spec(shape);
    uint64_t file_size = 0;
    const std::vector<uint8_t> header = header_only(spec, &file_size);
    // Six 2^16 x 2^16 F32 matrices: 96 GiB, far past 2^32 (a 32-bit sum would wrap to small).
    REQUIRE(file_size > 6 * (1ull << 34));
    const std::unique_ptr<GgufFile> file = parse_header(header, file_size);
    try {
        const MemoryPlan plan = plan_memory(*file, small_options());
        CHECK(plan.file_bytes == file_size);
        CHECK(plan.total_bytes > file_size);
        CHECK(plan.scratch_bytes > 0);
    } catch (const EngineError& e) {
        CHECK(!std::string(e.what()).empty());
    }
    const std::optional<std::string> err = load_error(header);
    REQUIRE(err.has_value());
    CHECK(mentions(*err, "outside"));
}

TEST_CASE("a tensor straddling 2^32 is refused; the plan counts it in full", "[hostile][wasm32]") {
    GgufSpec spec = tiny_llama_spec();
    TensorEntry* up = spec.tensor("blk.0.ffn_up.weight");
    REQUIRE(up);
    up->raw_offset = true;
    up->offset = kFourGiB - 4096;   // 32 x 64 F32 = 8 KiB: [2^32 - 4 KiB, 2^32 + 4 KiB)
    up->data.clear();
    const std::vector<uint8_t> bytes = write_gguf(spec);
    const std::optional<std::string> err = load_error(bytes);
    REQUIRE(err.has_value());
    CHECK(mentions(*err, "ffn_up"));

    // With the size unknown (a download without Content-Length), the header parses and the
    // plan carries the whole 2^32 + 4 KiB, so the loader's 4 GiB check refuses it.
    GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), 0);
    REQUIRE(r.status == GgufParseResult::Status::Complete);
    CHECK(r.file->data_offset + r.file->data_size > kFourGiB);
    const MemoryPlan plan = plan_memory(*r.file, small_options());
    CHECK(plan.file_bytes > kFourGiB);
}

TEST_CASE("max_tokens of 5e8 sizes nothing by it", "[hostile][wasm32]") {
    // The generation history was reserved for prompt + max_tokens: 2 GB for 5e8, in wasm memory
    // that never shrinks. Generation cannot outrun the context, so the context bounds it.
    std::unique_ptr<Engine> engine = load_copy(write_gguf(tiny_llama_spec()));
    GenerationOptions g;
    g.max_tokens = 500000000;
    g.ignore_eos = true;
    reset_allocated_peak();
    const uint64_t before = allocated_now();
    engine->begin_generation({5, 6, 7}, g);
    CHECK(allocated_peak() - before < (1u << 20));
    int32_t steps = 0;
    StepResult r;
    do {
        r = engine->step();
        ++steps;
    } while (r.kind != StepResult::Kind::Done && steps < 1000);
    CHECK(r.finish_reason == "length");
    CHECK(engine->generated_tokens() == engine->n_ctx() - 3 + 1);
}
