// Which ggml type each tensor of a llama model gets: one type for every matrix, or one of
// llama.cpp's mixes (Q4_K_M, Q5_K_M, IQ4_XS) following llama-quantize's per-tensor rules,
// including the fallback for rows that do not divide into the type's blocks.
#pragma once
#include <cstdint>
#include <string>

#include "gguf/gguf_types.h"

namespace smollm::tools {

enum class WeightMix { None, Q4_K_M, Q5_K_M, IQ4_XS };

enum class TensorRole { TokenEmbd, Output, Norm, AttnQ, AttnK, AttnV, AttnOutput, FfnGate, FfnUp, FfnDown };

struct TensorTypeQuery {
    TensorRole role;
    uint32_t layer = 0;       // for per-layer tensors
    uint32_t n_layers = 1;
    uint64_t row_length = 0;  // ne[0]
    uint32_t n_gqa = 1;       // heads / kv heads
    bool tied = true;         // token_embd doubles as the output matrix
};

// `single` is used when `mix` is None. Norms are always F32. Throws std::invalid_argument
// when a row length fits neither the type nor its fallback chain.
GgmlType pick_tensor_type(WeightMix mix, GgmlType single, const TensorTypeQuery& q);

// llama.cpp's fallback for a row length the type's blocks do not divide: Q4_K->Q5_0,
// Q5_K->Q5_1, Q6_K->Q8_0, IQ4_XS/Q2_K/Q3_K->IQ4_NL, then F16 when even 32 does not divide.
GgmlType fallback_type(GgmlType t, uint64_t row_length);

// general.file_type (llama_ftype) for a single type or a mix.
uint32_t llama_file_type(WeightMix mix, GgmlType single);

bool weight_mix_from_name(const std::string& name, WeightMix* out);   // "q4_k_m", "Q5_K_M", "iq4_xs"
const char* weight_mix_name(WeightMix mix);

}  // namespace smollm::tools
