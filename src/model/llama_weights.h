// The weights of a llama model as typed views into the file's bytes (no copies), except the
// norm vectors and RoPE frequency factors, which are tiny and kept as f32.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_types.h"
#include "model/llama_config.h"
#include "model/tensor_table.h"

namespace smollm {

// A row-major matrix of `rows` rows of `cols` elements, stored in `type`.
struct WeightMatrix {
    std::string name;
    GgmlType type = GgmlType::F32;
    const uint8_t* data = nullptr;
    int64_t cols = 0;
    int64_t rows = 0;
    size_t row_bytes = 0;
    const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

struct LayerWeights {
    std::vector<float> attn_norm;   // dim
    WeightMatrix wq;                // q_dim x dim
    WeightMatrix wk;                // kv_dim x dim
    WeightMatrix wv;                // kv_dim x dim
    WeightMatrix wo;                // dim x q_dim
    std::vector<float> ffn_norm;    // dim
    WeightMatrix w_gate;            // ffn x dim
    WeightMatrix w_up;              // ffn x dim
    WeightMatrix w_down;            // dim x ffn
};

struct LlamaWeights {
    WeightMatrix token_embd;          // n_vocab x dim, any type (rows are dequantized on lookup)
    WeightMatrix output;              // n_vocab x dim: the token embedding when tied
    bool tied_output = false;
    std::vector<float> output_norm;   // dim
    std::vector<float> rope_freq_factors;   // n_rot / 2, empty when the file has none
    std::vector<LayerWeights> layers;

    // Every matrix the forward pass multiplies with, for planning activation buffers.
    std::vector<const WeightMatrix*> matrices() const;
};

// Binds every tensor the model needs, checking names, shapes and types. With `read_data`
// false only the header is checked (data pointers are not dereferenced), which is what
// plan_memory needs before the weights have arrived. Throws ModelError naming the tensor.
LlamaWeights llama_weights_bind(const LlamaConfig& config, const TensorTable& table, bool read_data);

}  // namespace smollm
