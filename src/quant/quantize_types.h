// Per-type row quantizers behind quantize_row (quant.h). Each converts `nb` blocks.
#pragma once
#include <cstdint>

#include "quant/blocks.h"

namespace smollm::quant {

void quantize_q4_0(const float* x, BlockQ4_0* y, int64_t nb);
void quantize_q4_1(const float* x, BlockQ4_1* y, int64_t nb);
void quantize_q5_0(const float* x, BlockQ5_0* y, int64_t nb);
void quantize_q5_1(const float* x, BlockQ5_1* y, int64_t nb);
void quantize_q8_0(const float* x, BlockQ8_0* y, int64_t nb);
void quantize_q2_k(const float* x, BlockQ2_K* y, int64_t nb);
void quantize_q3_k(const float* x, BlockQ3_K* y, int64_t nb);
void quantize_q4_k(const float* x, BlockQ4_K* y, int64_t nb);
void quantize_q5_k(const float* x, BlockQ5_K* y, int64_t nb);
void quantize_q6_k(const float* x, BlockQ6_K* y, int64_t nb);
// IQ4: `importance` (or null: weights x^2, as llama-quantize without an imatrix) per element.
void quantize_iq4_nl(const float* x, BlockIQ4_NL* y, int64_t nb, const float* importance);
void quantize_iq4_xs(const float* x, BlockIQ4_XS* y, int64_t nb, const float* importance);

}  // namespace smollm::quant
