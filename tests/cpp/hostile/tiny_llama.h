// A complete, valid llama GGUF small enough to build for every hostile case: byte-level BPE
// vocabulary (256 byte tokens, 3 ChatML specials, a few merges) and F32 weights from a seeded
// generator. Each test then breaks exactly one thing in it.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gguf_bytes.h"

namespace smollm::hostile {

struct TinyLlamaShape {
    uint32_t dim = 32;
    uint32_t layers = 1;
    uint32_t heads = 4;
    uint32_t kv_heads = 2;
    uint32_t ffn = 64;
    uint64_t context = 128;
    bool tied = true;
    uint32_t seed = 7;
    bool with_data = true;   // false: tensors without bytes (for header-only shapes of any size)
};

// GPT-2's byte-to-unicode table: printable bytes map to themselves, the rest to U+0100.. .
inline std::vector<std::string> gpt2_byte_tokens() {
    std::vector<std::string> out(256);
    auto utf8 = [](uint32_t cp) {
        std::string s;
        if (cp < 0x80) {
            s += static_cast<char>(cp);
        } else {
            s += static_cast<char>(0xC0 | (cp >> 6));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        }
        return s;
    };
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
        out[b] = utf8(printable ? b : next++);
    }
    return out;
}

inline std::vector<std::string> tiny_vocab_tokens() {
    std::vector<std::string> tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
    for (auto& t : gpt2_byte_tokens()) tokens.push_back(t);
    for (const char* merged : {"\xC4\xA0" "t", "he", "\xC4\xA0" "the", "in", "\xC4\xA0" "a"}) tokens.push_back(merged);
    return tokens;
}

inline std::vector<std::string> tiny_vocab_merges() {
    return {"\xC4\xA0 t", "h e", "\xC4\xA0t he", "i n", "\xC4\xA0 a"};
}

inline std::vector<uint8_t> random_f32_bytes(std::mt19937& rng, uint64_t n) {
    std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
    std::vector<uint8_t> bytes(n * 4);
    for (uint64_t i = 0; i < n; ++i) {
        const float v = dist(rng);
        std::memcpy(bytes.data() + i * 4, &v, 4);
    }
    return bytes;
}

inline std::vector<uint8_t> ones_f32_bytes(uint64_t n) {
    std::vector<uint8_t> bytes(n * 4);
    const float one = 1.0f;
    for (uint64_t i = 0; i < n; ++i) std::memcpy(bytes.data() + i * 4, &one, 4);
    return bytes;
}

inline GgufSpec tiny_llama_spec(const TinyLlamaShape& s = {}) {
    GgufSpec spec;
    const std::vector<std::string> tokens = tiny_vocab_tokens();
    const uint64_t vocab = tokens.size();
    std::vector<int32_t> types(vocab, 1);
    types[0] = types[1] = types[2] = 3;   // control

    spec.set("general.architecture", typed_str("llama"));
    spec.set("general.name", typed_str("hostile-tiny"));
    spec.set("llama.context_length", typed_u32(static_cast<uint32_t>(s.context)));
    spec.set("llama.embedding_length", typed_u32(s.dim));
    spec.set("llama.block_count", typed_u32(s.layers));
    spec.set("llama.feed_forward_length", typed_u32(s.ffn));
    spec.set("llama.attention.head_count", typed_u32(s.heads));
    spec.set("llama.attention.head_count_kv", typed_u32(s.kv_heads));
    spec.set("llama.rope.freq_base", typed_f32(10000.0f));
    spec.set("llama.attention.layer_norm_rms_epsilon", typed_f32(1e-5f));
    spec.set("llama.rope.dimension_count", typed_u32(s.heads ? s.dim / s.heads : 0));
    spec.set("llama.vocab_size", typed_u32(static_cast<uint32_t>(vocab)));
    spec.set("tokenizer.ggml.model", typed_str("gpt2"));
    spec.set("tokenizer.ggml.pre", typed_str("gpt2"));
    spec.set("tokenizer.ggml.tokens", typed_str_array(tokens));
    spec.set("tokenizer.ggml.token_type", typed_i32_array(types));
    spec.set("tokenizer.ggml.merges", typed_str_array(tiny_vocab_merges()));
    spec.set("tokenizer.ggml.bos_token_id", typed_u32(0));
    spec.set("tokenizer.ggml.eos_token_id", typed_u32(2));
    spec.set("tokenizer.ggml.add_bos_token", typed_bool(false));

    std::mt19937 rng(s.seed);
    const uint64_t head_dim = s.heads ? s.dim / s.heads : 0;
    const uint64_t kv_dim = head_dim * s.kv_heads;
    auto weight = [&](std::string name, uint64_t cols, uint64_t rows) {
        spec.tensors.push_back({std::move(name), {cols, rows}, 0, s.with_data ? random_f32_bytes(rng, cols * rows) : std::vector<uint8_t>{}});
    };
    auto norm = [&](std::string name) {
        spec.tensors.push_back({std::move(name), {s.dim}, 0, s.with_data ? ones_f32_bytes(s.dim) : std::vector<uint8_t>{}});
    };
    weight("token_embd.weight", s.dim, vocab);
    norm("output_norm.weight");
    if (!s.tied) weight("output.weight", s.dim, vocab);
    for (uint32_t l = 0; l < s.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        norm(p + "attn_norm.weight");
        weight(p + "attn_q.weight", s.dim, s.dim);
        weight(p + "attn_k.weight", s.dim, kv_dim);
        weight(p + "attn_v.weight", s.dim, kv_dim);
        weight(p + "attn_output.weight", s.dim, s.dim);
        norm(p + "ffn_norm.weight");
        weight(p + "ffn_gate.weight", s.dim, s.ffn);
        weight(p + "ffn_up.weight", s.dim, s.ffn);
        weight(p + "ffn_down.weight", s.ffn, s.dim);
    }
    return spec;
}

}  // namespace smollm::hostile
