// The hyperparameters of a llama-architecture model, read from the GGUF `llama.*` keys and
// checked for sanity before anything is allocated from them.
#pragma once
#include <cstdint>

namespace smollm {

class GgufFile;

struct LlamaConfig {
    static constexpr int32_t kMaxHeadDim = 1024;

    int32_t dim = 0;          // embedding length
    int32_t n_layers = 0;
    int32_t n_heads = 0;
    int32_t n_kv_heads = 0;   // < n_heads: grouped-query attention
    int32_t head_dim = 0;
    int32_t q_dim = 0;        // n_heads * head_dim
    int32_t kv_dim = 0;       // n_kv_heads * head_dim
    int32_t ffn_dim = 0;
    int32_t n_vocab = 0;
    int32_t n_rot = 0;        // leading dimensions of each head that RoPE rotates
    uint32_t n_ctx_train = 0;
    float norm_eps = 1e-5f;
    float rope_theta = 10000.0f;
    float rope_freq_scale = 1.0f;   // linear RoPE scaling: positions are multiplied by it
};

// Throws ModelError naming the key when the architecture is not llama or a value is missing
// or absurd. The vocabulary size comes from the token embedding when the key is absent, so
// `n_vocab_hint` (the embedding's row count, or 0 when unknown) is used then.
LlamaConfig llama_config_from_gguf(const GgufFile& file, int64_t n_vocab_hint);

}  // namespace smollm
