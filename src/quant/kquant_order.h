// The float order of llama.cpp's x86 k-quant dot products (its AVX-512 builds run the AVX2
// code of ggml_vec_dot_q3_K_q8_K / q5_K / q6_K / iq4_xs; tests/parity/README.md), shared by the
// scalar kernels and, lane for lane, by their SIMD twins:
//   - per super-block, eight int32 lanes: lane k sums the products of elements 4k..4k+3 of
//     every 32-element run (times their group scales; Q6_K's lane k also subtracts 32 times
//     the scaled Q8_K sums of groups 2k and 2k+1, its level offset);
//   - each lane converted to f32 (rounded to nearest even past 2^24), then
//     acc[k] = fma(d, lane, acc[k]) with d = the two scales' f32 product: exact in double
//     (two 24-bit significands), so fused_madd gives the fused result;
//   - the eight accumulators folded as hsum_float_8: ((0+4) + (2+6)) + ((1+5) + (3+7)).
// Q4_K and Q2_K are different: llama.cpp repacks them on x86 (ggml_gemv_q4_K_8x8_q8_K, and
// ggml_gemv_q2_K_8x8_q8_K with AVX-512), one integer per super-block and row, see
// kquant_row_repacked in dot_scalar.cpp.
#pragma once
#include <cstdint>

#include "quant/fused_madd.h"

namespace smollm::quant::kquant_order {

// The lane of element e of a super-block.
constexpr int lane_of(int e) { return (e % 32) / 4; }

struct EightLanes {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};

    void add(float d, const int32_t* lane) {
        for (int k = 0; k < 8; ++k) acc[k] = fused_madd(d, static_cast<float>(lane[k]), acc[k]);
    }
    float fold() const { return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7])); }
};

}  // namespace smollm::quant::kquant_order
