// The per-position pieces of attention over a quantized KV cache (Q8_0 or Q4_0 blocks):
//   - a quantized K multiplies a query quantized to its vec_dot_type, Q8_0 for both (x86
//     quantize_row_q8_0: nearest-even rounding), in the order of ggml_vec_dot_q8_0_q8_0 /
//     ggml_vec_dot_q4_0_q8_0's AVX2 code: per block, eight integer lanes of four consecutive
//     products, each lane scaled by d_k * d_q and added to its accumulator, the eight lanes
//     folded as hsum_float_8 does;
//   - a quantized V is converted to f32 (level * d, exact) and each row times its weight is
//     added to an f32 accumulator (ggml_vec_mad_f32).
// Both round each product before adding it, as llama.cpp's x86 builds without FMA do (its AVX
// variant: the same eight lanes, then _mm256_mul_ps and _mm256_add_ps; for V also its wasm
// SIMD build, which wllama runs: GGML_F32x4_FMA is a multiply then an add there). Its x86
// FMA builds fuse the two. wasm SIMD128 has no fused multiply-add, and
// emulating one in double (exact: quant/fused_madd.h) cost more than it is worth here: for V
// two thirds of the time of attention over a q8_0 cache (220 against 150 ms per token of the
// SmolLM2-1.7B shape over 4,096 keys, one thread), for K.q 40% of the kernel (33.5 against
// 20 ms), each for one rounding of a product, some 2^-24 of the term: far below the error of
// the 8-bit (or 4-bit) values themselves, which already keeps a quantized cache's logits from
// being llama.cpp's bits (a key ~1e-7 from llama.cpp's rounds now and then to the neighbouring
// level), and within the parity bounds (tests/parity/kv_types).
// Every kernel has a scalar twin (the reference, and the native build's) and a SIMD128 twin
// (wasm); they give the same bits.
#pragma once
#include <cstddef>
#include <cstdint>

#include "model/llama_config.h"
#include "quant/blocks.h"

namespace smollm::kv_kernels {

// One head's query as the Q8_0 blocks a quantized K multiplies, with its values widened to
// int16 and its scales to f32 (the SIMD kernels' operands; same numbers). qs_even_odd holds the
// values again, each sixteen as its eight even elements then its eight odd ones (the SIMD
// K.q's order).
struct QueryQ8 {
    int32_t n_blocks = 0;
    float d[LlamaConfig::kMaxHeadDim / quant::kQK];
    int16_t qs[LlamaConfig::kMaxHeadDim];
    int16_t qs_even_odd[LlamaConfig::kMaxHeadDim];
};

// Quantizes q (n values, n a multiple of 32) as llama.cpp quantizes the query for a Q8_0 /
// Q4_0 K.
void prepare_query(const float* q, int32_t n, QueryQ8* out);

// One head's keys: row p's blocks start at base + p * stride bytes.
struct KeyRows {
    const uint8_t* base;
    size_t stride;
    int32_t n_keys;
    const uint8_t* row(int32_t p) const { return base + static_cast<size_t>(p) * stride; }
};

// scores[p] = (row p . q) * scale for every key, each dot in the order described above. The
// SIMD twins take four keys at a time and fold their eight lanes together.

// One head's V rows with the online softmax's factor for each key, worked out before any row
// is read (model/flash_attention.cpp): weights[p] is key p's weight, or, where key p raised the
// running maximum, minus the factor that shrinks what was summed before it (the sign bit is set;
// the key's own weight is then 1). Row p's blocks start at base + p * stride bytes.
struct WeightedRows {
    const uint8_t* base;
    size_t stride;
    const float* weights;
    int32_t n_keys;
};

// acc (n_blocks * 32 floats, zeros on entry) = the weighted sum of the rows, key by key in the
// online softmax's order: acc *= shrink (f32 products, ggml_vec_scale_f32) where a key raised
// the maximum, then acc += v * w per element (v = level * d; the product rounded, then the
// sum). The SIMD twins keep a block's 32 sums in registers over all keys.

namespace scalar {
void scores_q8_0(const KeyRows& keys, const QueryQ8& q, float scale, float* scores);
void scores_q4_0(const KeyRows& keys, const QueryQ8& q, float scale, float* scores);
void sum_rows_q8_0(float* acc, const WeightedRows& rows, int32_t n_blocks);
void sum_rows_q4_0(float* acc, const WeightedRows& rows, int32_t n_blocks);
}  // namespace scalar

#if defined(__wasm_simd128__)
namespace simd128 {
void scores_q8_0(const KeyRows& keys, const QueryQ8& q, float scale, float* scores);
void scores_q4_0(const KeyRows& keys, const QueryQ8& q, float scale, float* scores);
void sum_rows_q8_0(float* acc, const WeightedRows& rows, int32_t n_blocks);
void sum_rows_q4_0(float* acc, const WeightedRows& rows, int32_t n_blocks);
}  // namespace simd128
namespace best = simd128;
#else
namespace best = scalar;
#endif

}  // namespace smollm::kv_kernels
