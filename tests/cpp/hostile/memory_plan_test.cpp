// A model too big for wasm memory is known from its header, before any weight is downloaded:
// plan_memory on the header alone gives the sizes the loader compares with 4 GiB.
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

constexpr uint64_t kWasmMemory = 4ull << 30;

struct BigShape {
    uint32_t dim, layers, heads, kv_heads, ffn, vocab;
    uint32_t matrix_type;   // ggml type id of the weight matrices
    uint32_t embd_type;
};

uint64_t type_bytes(uint32_t type, uint64_t elems) {
    switch (type) {
        case 0: return elems * 4;
        case 1: return elems * 2;
        case 12: return elems / 256 * 144;   // Q4_K
        case 14: return elems / 256 * 210;   // Q6_K
        default: FAIL("type not in this test's table"); return 0;
    }
}

// The header of a model with `s`'s shape whose tensors are described but not present: the
// bytes a loader has after the first chunk of a download. `file_size` gets the full size.
std::vector<uint8_t> big_header(const BigShape& s, uint64_t* file_size) {
    GgufSpec spec = tiny_llama_spec(TinyLlamaShape{});
    spec.tensors.clear();
    std::vector<std::string> tokens = tiny_vocab_tokens();
    while (tokens.size() < s.vocab) tokens.push_back("<filler_" + std::to_string(tokens.size()) + ">");
    spec.set("tokenizer.ggml.tokens", typed_str_array(tokens));
    spec.set("tokenizer.ggml.token_type", typed_i32_array(std::vector<int32_t>(tokens.size(), 1)));
    spec.set("llama.vocab_size", typed_u32(s.vocab));
    spec.set("llama.embedding_length", typed_u32(s.dim));
    spec.set("llama.block_count", typed_u32(s.layers));
    spec.set("llama.attention.head_count", typed_u32(s.heads));
    spec.set("llama.attention.head_count_kv", typed_u32(s.kv_heads));
    spec.set("llama.feed_forward_length", typed_u32(s.ffn));
    spec.set("llama.rope.dimension_count", typed_u32(s.dim / s.heads));
    spec.set("llama.context_length", typed_u32(8192));
    uint64_t cursor = 0;
    auto add = [&](std::string name, std::vector<uint64_t> ne, uint32_t type) {
        uint64_t elems = 1;
        for (uint64_t d : ne) elems *= d;
        TensorEntry t{std::move(name), std::move(ne), type, {}};
        t.raw_offset = true;
        t.offset = cursor;
        cursor += (type_bytes(type, elems) + 31) / 32 * 32;
        spec.tensors.push_back(std::move(t));
    };
    const uint64_t kv_dim = static_cast<uint64_t>(s.dim) / s.heads * s.kv_heads;
    add("token_embd.weight", {s.dim, s.vocab}, s.embd_type);
    add("output_norm.weight", {s.dim}, 0);
    for (uint32_t l = 0; l < s.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        add(p + "attn_norm.weight", {s.dim}, 0);
        add(p + "attn_q.weight", {s.dim, s.dim}, s.matrix_type);
        add(p + "attn_k.weight", {s.dim, kv_dim}, s.matrix_type);
        add(p + "attn_v.weight", {s.dim, kv_dim}, s.matrix_type);
        add(p + "attn_output.weight", {s.dim, s.dim}, s.matrix_type);
        add(p + "ffn_norm.weight", {s.dim}, 0);
        add(p + "ffn_gate.weight", {s.dim, s.ffn}, s.matrix_type);
        add(p + "ffn_up.weight", {s.dim, s.ffn}, s.matrix_type);
        add(p + "ffn_down.weight", {s.ffn, s.dim}, s.matrix_type);
    }
    GgufLayout layout;
    std::vector<uint8_t> header = write_gguf(spec, &layout);
    *file_size = layout.data_offset + cursor;
    return header;
}

// SmolLM2-1.7B's shape (MODELS.md) with Q4_K matrices and a Q6_K embedding: ~1 GB.
const BigShape kSmolLM2_1_7B = {2048, 24, 32, 32, 8192, 49152, 12, 14};
// A 7B llama in F16: ~13 GB, far past wasm's 4 GiB.
const BigShape kLlama7B_F16 = {4096, 32, 32, 32, 11008, 32000, 1, 1};

}  // namespace

TEST_CASE("plan_memory sizes SmolLM2-1.7B from its header alone", "[hostile][memory]") {
    uint64_t file_size = 0;
    const std::vector<uint8_t> header = big_header(kSmolLM2_1_7B, &file_size);
    INFO("header " << header.size() << " bytes, file " << file_size << " bytes");
    REQUIRE(header.size() < (2u << 20));   // SmolLM2's real header is 1.77 MB
    const std::unique_ptr<GgufFile> file = parse_header(header, file_size);
    EngineOptions options;
    options.context_size = 2048;
    reset_allocated_peak();
    const uint64_t before = allocated_now();
    const MemoryPlan plan = plan_memory(*file, options);
    CHECK(allocated_peak() - before < (16u << 20));
    CHECK(plan.file_bytes == file_size);
    // f16 K and V for 24 layers x 2048 positions x 2048 (kv dim).
    const uint64_t kv = 2ull * 24 * 2048 * 2048 * 2;
    CHECK(plan.kv_cache_bytes >= kv);
    CHECK(plan.kv_cache_bytes <= kv + kv / 4);
    CHECK(plan.total_bytes >= plan.file_bytes + plan.kv_cache_bytes);
    CHECK(plan.total_bytes < kWasmMemory);

    options.kv_type_k = options.kv_type_v = KvType::F32;
    CHECK(plan_memory(*file, options).kv_cache_bytes >= 2 * kv);
    // Q8_0: 34 bytes per 32 values, Q4_0: 18.
    options.kv_type_k = options.kv_type_v = KvType::Q8_0;
    CHECK(plan_memory(*file, options).kv_cache_bytes == kv / 64 * 34);
    options.kv_type_v = KvType::Q4_0;
    CHECK(plan_memory(*file, options).kv_cache_bytes == kv / 128 * 34 + kv / 128 * 18);
}

TEST_CASE("a model bigger than wasm memory is refused from its header", "[hostile][memory]") {
    uint64_t file_size = 0;
    const std::vector<uint8_t> header = big_header(kLlama7B_F16, &file_size);
    REQUIRE(file_size > kWasmMemory);
    const std::unique_ptr<GgufFile> file = parse_header(header, file_size);
    EngineOptions options;
    options.context_size = 2048;
    try {
        const MemoryPlan plan = plan_memory(*file, options);
        CHECK(plan.file_bytes == file_size);
        CHECK(plan.total_bytes > kWasmMemory);
    } catch (const EngineError& e) {
        CHECK(!std::string(e.what()).empty());
    }
}

TEST_CASE("a KV cache bigger than wasm memory is refused from the header", "[hostile][memory]") {
    uint64_t file_size = 0;
    const std::vector<uint8_t> header = big_header(kSmolLM2_1_7B, &file_size);
    const std::unique_ptr<GgufFile> file = parse_header(header, file_size);
    EngineOptions options;
    options.context_size = 65536;
    options.kv_type_k = options.kv_type_v = KvType::F32;
    try {
        const MemoryPlan plan = plan_memory(*file, options);
        CHECK(plan.total_bytes > kWasmMemory);
    } catch (const EngineError& e) {
        CHECK(!std::string(e.what()).empty());
    }
}

TEST_CASE("the header alone, handed to Engine::load, is refused without allocating the model",
          "[hostile][memory]") {
    uint64_t file_size = 0;
    const std::vector<uint8_t> header = big_header(kSmolLM2_1_7B, &file_size);
    reset_allocated_peak();
    const uint64_t before = allocated_now();
    const std::optional<std::string> err = load_error(header);
    CHECK(allocated_peak() - before < (64u << 20));
    REQUIRE(err.has_value());
    CHECK(!err->empty());
}

TEST_CASE("the default context is the trained one when it fits, else the largest that does", "[hostile][memory]") {
    uint64_t file_size = 0;
    const std::vector<uint8_t> header = big_header(kSmolLM2_1_7B, &file_size);
    const std::unique_ptr<GgufFile> file = parse_header(header, file_size);
    EngineOptions options;   // context_size 0: the default
    const MemoryPlan full = plan_memory(*file, options);
    CHECK(full.context_size == 8192);
    CHECK(full.context_reason.rfind("the model's trained context (8192 tokens) fits in 4096 MiB", 0) == 0);
    CHECK(full.kv_cache_bytes == 2ull * 24 * 8192 * 2048 * 2);   // 1.5 GiB

    // 384 MiB beside the file: f16 fits about 1900 positions (192 KiB each), q8_0 almost twice
    // that, q4_0 more still.
    options.memory_limit = file_size + (384ull << 20);
    uint32_t previous = 0;
    for (const KvType t : {KvType::F16, KvType::Q8_0, KvType::Q4_0}) {
        INFO(kv_type_name(t));
        options.kv_type_k = options.kv_type_v = t;
        const MemoryPlan p = plan_memory(*file, options);
        CHECK(p.context_size % 256 == 0);
        CHECK(p.context_size > previous);
        CHECK(p.context_size < 8192);
        CHECK(p.total_bytes <= options.memory_limit);
        CHECK(p.context_reason.rfind("the largest that fits: the trained context of 8192 tokens would need", 0) == 0);
        EngineOptions next = options;
        next.context_size = p.context_size + 256;
        const MemoryPlan over = plan_memory(*file, next);
        CHECK(over.total_bytes > options.memory_limit);
        CHECK(over.context_reason == "requested (context_size)");
        previous = p.context_size;
    }

    // Nothing fits: planned at 256 tokens, whose total the loader then refuses.
    options.memory_limit = file_size / 2;
    const MemoryPlan none = plan_memory(*file, options);
    CHECK(none.context_size == 256);
    CHECK(none.total_bytes > options.memory_limit);
    CHECK(none.context_reason.find("not even 256 tokens fit") != std::string::npos);
}

TEST_CASE("a quantized KV cache needs whole blocks per head", "[hostile][memory]") {
    uint64_t file_size = 0;
    // 64 dims over 4 heads: heads of 16 values, half a Q8_0 block.
    const BigShape odd = {64, 1, 4, 4, 128, 49152, 1, 1};
    const std::vector<uint8_t> header = big_header(odd, &file_size);
    const std::unique_ptr<GgufFile> file = parse_header(header, file_size);
    EngineOptions options;
    options.context_size = 64;
    options.kv_type_k = KvType::Q4_0;
    try {
        (void)plan_memory(*file, options);
        FAIL("a q4_0 cache was planned for heads of 16 values");
    } catch (const EngineError& e) {
        CHECK(e.kind() == ErrorKind::InvalidArgument);
        CHECK(std::string(e.what()).find("q4_0 needs a head size that is a multiple of 32; this model's is 16") != std::string::npos);
    }
    options.kv_type_k = KvType::F16;
    options.kv_type_v = KvType::F32;
    CHECK_THROWS_AS(plan_memory(*file, options), EngineError);
}
