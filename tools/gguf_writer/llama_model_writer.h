// Writes llama-architecture GGUF files with seeded random weights, shaped like a real model
// (any dim / layers / heads / kv heads / ffn / vocab), in one weight type or a llama.cpp mix,
// with the metadata keys convert_hf_to_gguf.py writes. Tests and benchmarks generate every
// model they need with it, so no large model is committed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_types.h"
#include "gguf_writer/quant_mix.h"
#include "gguf_writer/tokenizer_spec.h"

namespace smollm::tools {

struct ModelSpec {
    uint32_t dim = 256;
    uint32_t n_layers = 2;
    uint32_t n_heads = 4;
    uint32_t n_kv_heads = 2;
    uint32_t ffn = 768;
    uint32_t vocab = 0;              // 0: the tokenizer's size (512 for the synthetic one)
    uint32_t context = 2048;
    float rope_theta = 10000.0f;
    float rms_eps = 1e-5f;
    bool tied = true;                // no output.weight: token_embd is the output matrix
    uint64_t seed = 1;
    GgmlType weight_type = GgmlType::F16;   // used when mix is None
    WeightMix mix = WeightMix::None;
    std::string tokenizer_json;      // Hugging Face tokenizer.json; empty: synthetic BPE vocabulary
    std::string chat_template_file;  // overrides the tokenizer's chat template
    std::string pre_tokenizer;       // overrides the detected tokenizer.ggml.pre
    std::string name = "smollm-wasm random llama";
    uint32_t threads = 1;            // quantization threads
};

struct TensorPlan {
    std::string name;
    std::vector<uint64_t> ne;   // ggml order: ne[0] is the row length
    GgmlType type;
    TensorRole role;
    uint32_t layer;
};

// Throws std::invalid_argument naming the inconsistent field (e.g. dim not divisible by heads).
void validate_model_spec(const ModelSpec& spec);

// The tensors of the model in file order, with the type each gets.
std::vector<TensorPlan> plan_llama_tensors(const ModelSpec& spec, uint32_t vocab_size);

// The tokenizer the spec asks for (tokenizer.json or synthetic), padded to spec.vocab, with
// the chat template override applied.
TokenizerSpec resolve_tokenizer(const ModelSpec& spec);

struct WrittenModel {
    std::vector<TensorPlan> tensors;
    uint32_t vocab_size = 0;
    uint64_t file_bytes = 0;
};

// Writes the model to `path`. Throws std::invalid_argument / std::runtime_error with a message
// naming the problem (bad shape, unreadable tokenizer, unwritable path).
WrittenModel write_random_llama_model(const ModelSpec& spec, const std::string& path);

// The f32 values a tensor of the model holds before conversion to its type: deterministic
// in (seed, tensor name, row), so tests can compare a file's contents with what was meant.
void random_tensor_row(const ModelSpec& spec, const TensorPlan& t, uint64_t row, float* out);

}  // namespace smollm::tools
