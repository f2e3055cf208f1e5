// quantize_row: f32 rows to any weight type, for the model writer. Without importance weights
// each type runs llama.cpp's imatrix-free quantizer; importance weights are honoured by the
// IQ4 types (llama.cpp's imatrix path) and rejected elsewhere rather than silently ignored.
#include <cstring>
#include <stdexcept>
#include <string>

#include "quant/fp16.h"
#include "quant/quant.h"
#include "quant/quantize_types.h"

namespace smollm {

void quantize_row(GgmlType t, const float* src, void* dst, int64_t n, const float* importance) {
    using namespace quant;
    const GgmlTypeInfo* info = ggml_type_info(t);
    if (!info || !quant_supported(t))
        throw std::invalid_argument("quantize_row: unsupported type " + std::string(ggml_type_name(t)));
    if (n < 0 || n % info->block_elems != 0)
        throw std::invalid_argument("quantize_row: " + std::to_string(n) + " values is not a multiple of the " +
                                    std::string(info->name) + " block size " + std::to_string(info->block_elems));
    if (importance && t != GgmlType::IQ4_NL && t != GgmlType::IQ4_XS)
        throw std::invalid_argument("quantize_row: importance weights are supported only for IQ4_NL and IQ4_XS, not " +
                                    std::string(info->name));
    const int64_t nb = n / info->block_elems;
    switch (t) {
    case GgmlType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); break;
    case GgmlType::F16: {
        auto* h = static_cast<uint16_t*>(dst);
        for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(src[i]);
        break;
    }
    case GgmlType::BF16: {
        auto* h = static_cast<uint16_t*>(dst);
        for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(src[i]);
        break;
    }
    case GgmlType::Q4_0: quantize_q4_0(src, static_cast<BlockQ4_0*>(dst), nb); break;
    case GgmlType::Q4_1: quantize_q4_1(src, static_cast<BlockQ4_1*>(dst), nb); break;
    case GgmlType::Q5_0: quantize_q5_0(src, static_cast<BlockQ5_0*>(dst), nb); break;
    case GgmlType::Q5_1: quantize_q5_1(src, static_cast<BlockQ5_1*>(dst), nb); break;
    case GgmlType::Q8_0: quantize_q8_0(src, static_cast<BlockQ8_0*>(dst), nb); break;
    case GgmlType::Q2_K: quantize_q2_k(src, static_cast<BlockQ2_K*>(dst), nb); break;
    case GgmlType::Q3_K: quantize_q3_k(src, static_cast<BlockQ3_K*>(dst), nb); break;
    case GgmlType::Q4_K: quantize_q4_k(src, static_cast<BlockQ4_K*>(dst), nb); break;
    case GgmlType::Q5_K: quantize_q5_k(src, static_cast<BlockQ5_K*>(dst), nb); break;
    case GgmlType::Q6_K: quantize_q6_k(src, static_cast<BlockQ6_K*>(dst), nb); break;
    case GgmlType::IQ4_NL: quantize_iq4_nl(src, static_cast<BlockIQ4_NL*>(dst), nb, importance); break;
    case GgmlType::IQ4_XS: quantize_iq4_xs(src, static_cast<BlockIQ4_XS*>(dst), nb, importance); break;
    default: break;
    }
}

}  // namespace smollm
