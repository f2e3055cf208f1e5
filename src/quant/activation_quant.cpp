// Activation formats: each weight type multiplies activations in the format llama.cpp's CPU
// backend uses for it (its vec_dot_type), quantized the way its x86 build does, so our logits
// track llama.cpp's (Q4_1 and Q5_1 included: their Q8_1 blocks carry d * sum(qs) rounded to f16,
// slightly less exact than the integer sum itself, and that is what llama.cpp multiplies).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "quant/blocks.h"
#include "quant/fp16.h"
#include "quant/quant.h"
#include "quant/quantize_search.h"

namespace smollm {
namespace {

using namespace quant;

// llama.cpp's x86 quantize_row_q8_0: scale amax/127 stored as f16, values x*127/amax rounded
// to nearest even.
void quantize_q8_0_activations(const float* x, BlockQ8_0* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float amax = 0;
        for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
        y[i].d = fp32_to_fp16(amax / 127.f);
        const float id = amax != 0.0f ? 127.f / amax : 0.0f;
        for (int j = 0; j < kQK; ++j) {
            // Non-finite products (NaN inputs, or id overflowing for denormal-only blocks, whose
            // f16 scale is 0 anyway) become 0 instead of an undefined conversion.
            const float v = x[j] * id;
            y[i].qs[j] = std::isfinite(v) ? static_cast<int8_t>(std::nearbyint(v)) : int8_t{0};
        }
    }
}

// llama.cpp's x86 quantize_row_q8_1: Q8_0's scale and values, plus s = f16(d * sum(qs)) with
// the unrounded d.
void quantize_q8_1_activations(const float* x, BlockQ8_1* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float amax = 0;
        for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.f;
        y[i].d = fp32_to_fp16(d);
        const float id = amax != 0.0f ? 127.f / amax : 0.0f;
        int32_t sum = 0;
        for (int j = 0; j < kQK; ++j) {
            const float v = x[j] * id;
            y[i].qs[j] = std::isfinite(v) ? static_cast<int8_t>(std::nearbyint(v)) : int8_t{0};
            sum += y[i].qs[j];
        }
        y[i].s = fp32_to_fp16(d * static_cast<float>(sum));
    }
}

// llama.cpp's quantize_row_q8_K_ref: f32 scale from the signed extreme, values clamped to 127.
void quantize_q8_k_activations(const float* x, BlockQ8_K* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
        float max = 0, amax = 0;
        for (int j = 0; j < kQK_K; ++j) {
            const float ax = std::fabs(x[j]);
            if (ax > amax) { amax = ax; max = x[j]; }
        }
        if (amax == 0.f) {
            std::memset(&y[i], 0, sizeof y[i]);
            continue;
        }
        const float iscale = -127.f / max;
        for (int j = 0; j < kQK_K; ++j)
            y[i].qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
        for (int j = 0; j < kQK_K / 16; ++j) {
            int32_t sum = 0;
            for (int l = 0; l < 16; ++l) sum += y[i].qs[16 * j + l];
            y[i].bsums[j] = static_cast<int16_t>(sum);
        }
        y[i].d = 1 / iscale;
    }
}

const GgmlTypeInfo& supported_info(GgmlType weight_type, const char* what) {
    const GgmlTypeInfo* info = ggml_type_info(weight_type);
    if (!info || !quant_supported(weight_type))
        throw std::invalid_argument(std::string(what) + ": unsupported weight type " +
                                    std::string(ggml_type_name(weight_type)));
    return *info;
}

}  // namespace

GgmlType activation_type_for(GgmlType weight_type) {
    switch (weight_type) {
    case GgmlType::F32: return GgmlType::F32;
    case GgmlType::F16: return GgmlType::F16;
    case GgmlType::BF16: return GgmlType::BF16;
    case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0: case GgmlType::IQ4_NL:
        return GgmlType::Q8_0;
    case GgmlType::Q4_1: case GgmlType::Q5_1:
        return GgmlType::Q8_1;
    case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K:
    case GgmlType::Q6_K: case GgmlType::IQ4_XS:
        return GgmlType::Q8_K;
    default:
        throw std::invalid_argument("activation_type_for: unsupported weight type " +
                                    std::string(ggml_type_name(weight_type)));
    }
}

size_t activation_row_bytes(GgmlType weight_type, int64_t n_cols) {
    const GgmlTypeInfo& w = supported_info(weight_type, "activation_row_bytes");
    if (n_cols < 0 || n_cols % w.block_elems != 0)
        throw std::invalid_argument("activation_row_bytes: " + std::to_string(n_cols) +
                                    " columns is not a multiple of the " + std::string(w.name) +
                                    " block size");
    const GgmlTypeInfo* a = ggml_type_info(activation_type_for(weight_type));
    return static_cast<size_t>(n_cols / a->block_elems) * a->block_bytes;
}

void quantize_activation_row(GgmlType weight_type, const float* x, void* dst, int64_t n_cols) {
    activation_row_bytes(weight_type, n_cols);  // validates type and length
    switch (activation_type_for(weight_type)) {
    case GgmlType::F32:
        std::memcpy(dst, x, static_cast<size_t>(n_cols) * sizeof(float));
        break;
    case GgmlType::F16: {
        auto* h = static_cast<uint16_t*>(dst);
        for (int64_t i = 0; i < n_cols; ++i) h[i] = fp32_to_fp16(x[i]);
        break;
    }
    case GgmlType::BF16: {
        auto* h = static_cast<uint16_t*>(dst);
        for (int64_t i = 0; i < n_cols; ++i) h[i] = fp32_to_bf16(x[i]);
        break;
    }
    case GgmlType::Q8_0:
        quantize_q8_0_activations(x, static_cast<BlockQ8_0*>(dst), n_cols / kQK);
        break;
    case GgmlType::Q8_1:
        quantize_q8_1_activations(x, static_cast<BlockQ8_1*>(dst), n_cols / kQK);
        break;
    case GgmlType::Q8_K:
        quantize_q8_k_activations(x, static_cast<BlockQ8_K*>(dst), n_cols / kQK_K);
        break;
    default: break;
    }
}

}  // namespace smollm
