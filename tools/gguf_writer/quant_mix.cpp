#include "gguf_writer/quant_mix.h"

#include <cctype>
#include <stdexcept>

namespace smollm::tools {
namespace {

uint32_t block_of(GgmlType t) { return ggml_type_info(t)->block_elems; }

// llama.cpp's layer choice for the tensors that get more bits in the _M mixes: the first
// and last eighth of the layers, and every third layer in between.
bool use_more_bits(uint32_t i_layer, uint32_t n_layers) {
    const int64_t i = i_layer, n = n_layers;
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

GgmlType base_type(WeightMix mix) {
    switch (mix) {
        case WeightMix::Q4_K_M: return GgmlType::Q4_K;
        case WeightMix::Q5_K_M: return GgmlType::Q5_K;
        default: return GgmlType::IQ4_XS;
    }
}

GgmlType mix_type(WeightMix mix, const TensorTypeQuery& q) {
    const GgmlType base = base_type(mix);
    if (q.role == TensorRole::Output || (q.tied && q.role == TensorRole::TokenEmbd))
        return q.row_length % block_of(base) != 0 ? GgmlType::Q8_0 : GgmlType::Q6_K;
    switch (q.role) {
        case TensorRole::AttnV:
            if (mix == WeightMix::IQ4_XS && q.n_gqa >= 4) return GgmlType::Q5_K;
            if (mix != WeightMix::IQ4_XS && use_more_bits(q.layer, q.n_layers)) return GgmlType::Q6_K;
            return base;
        case TensorRole::FfnDown:
            if (mix == WeightMix::IQ4_XS) return q.layer < q.n_layers / 8 ? GgmlType::Q5_K : base;
            return use_more_bits(q.layer, q.n_layers) ? GgmlType::Q6_K : base;
        default:
            return base;
    }
}

}  // namespace

GgmlType fallback_type(GgmlType t, uint64_t row_length) {
    if (row_length % block_of(t) == 0) return t;
    GgmlType next;
    switch (t) {
        case GgmlType::Q4_K: next = GgmlType::Q5_0; break;
        case GgmlType::Q5_K: next = GgmlType::Q5_1; break;
        case GgmlType::Q6_K: next = GgmlType::Q8_0; break;
        case GgmlType::IQ4_XS:
        case GgmlType::Q2_K:
        case GgmlType::Q3_K: next = GgmlType::IQ4_NL; break;
        default:
            throw std::invalid_argument("row length " + std::to_string(row_length) + " is not a multiple of " +
                                        std::string(ggml_type_name(t)) + "'s block size " +
                                        std::to_string(block_of(t)) + " and the type has no fallback");
    }
    return row_length % block_of(next) == 0 ? next : GgmlType::F16;
}

GgmlType pick_tensor_type(WeightMix mix, GgmlType single, const TensorTypeQuery& q) {
    if (q.role == TensorRole::Norm) return GgmlType::F32;
    const GgmlType wanted = mix == WeightMix::None ? single : mix_type(mix, q);
    return fallback_type(wanted, q.row_length);
}

uint32_t llama_file_type(WeightMix mix, GgmlType single) {
    switch (mix) {
        case WeightMix::Q4_K_M: return 15;
        case WeightMix::Q5_K_M: return 17;
        case WeightMix::IQ4_XS: return 30;
        case WeightMix::None: break;
    }
    switch (single) {
        case GgmlType::F32: return 0;
        case GgmlType::F16: return 1;
        case GgmlType::Q4_0: return 2;
        case GgmlType::Q4_1: return 3;
        case GgmlType::Q8_0: return 7;
        case GgmlType::Q5_0: return 8;
        case GgmlType::Q5_1: return 9;
        case GgmlType::Q2_K: return 10;
        case GgmlType::Q3_K: return 11;   // Q3_K_S: every matrix Q3_K
        case GgmlType::Q4_K: return 14;   // Q4_K_S
        case GgmlType::Q5_K: return 16;   // Q5_K_S
        case GgmlType::Q6_K: return 18;
        case GgmlType::IQ4_NL: return 25;
        case GgmlType::IQ4_XS: return 30;
        case GgmlType::BF16: return 32;
        default: throw std::invalid_argument("no llama file type for " + std::string(ggml_type_name(single)));
    }
}

bool weight_mix_from_name(const std::string& name, WeightMix* out) {
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "q4_k_m") *out = WeightMix::Q4_K_M;
    else if (lower == "q5_k_m") *out = WeightMix::Q5_K_M;
    else if (lower == "iq4_xs") *out = WeightMix::IQ4_XS;
    else return false;
    return true;
}

const char* weight_mix_name(WeightMix mix) {
    switch (mix) {
        case WeightMix::Q4_K_M: return "Q4_K_M";
        case WeightMix::Q5_K_M: return "Q5_K_M";
        case WeightMix::IQ4_XS: return "IQ4_XS";
        default: return "none";
    }
}

}  // namespace smollm::tools
