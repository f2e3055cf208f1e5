// Scalar dot-product kernels: the reference every SIMD kernel is tested against, and the
// kernels of the native build. Integer sums are exact; floats are combined per block in the
// same order as the SIMD twins for the k-quants, IQ4_XS, F16, BF16, Q4_1 and Q5_1 (and F32 for
// one token: llama.cpp's x86 order), so those agree bit for bit.
#include <cstring>

#include "quant/f16_dot_order.h"
#include "quant/float_dot_order.h"
#include "quant/blocks.h"
#include "quant/fp16.h"
#include "quant/fused_madd.h"
#include "quant/kernels.h"
#include "quant/kquant_order.h"

namespace smollm::quant::scalar {
namespace {

// Runs a one-token dot over the tile's activation rows.
template <typename RowDot>
inline void for_each_token(const void* xq, size_t xq_stride, int n_tok, float* y, int64_t y_stride,
                           RowDot row_dot) {
    const auto* x = static_cast<const uint8_t*>(xq);
    for (int t = 0; t < n_tok; ++t) y[t * y_stride] = row_dot(x + t * xq_stride);
}

inline int q5_bit(uint32_t qh, int j) { return static_cast<int>((qh >> j) & 1u) << 4; }

// The 32-element types: each block's 32 levels (signed for the types against Q8_0 activations,
// unsigned with a min for Q4_1 / Q5_1), then one of the float orders below over the exact
// integer products.
inline void levels(const BlockQ4_0& b, int32_t* q) {
    for (int j = 0; j < kQK / 2; ++j) {
        q[j] = (b.qs[j] & 0xf) - 8;
        q[j + kQK / 2] = (b.qs[j] >> 4) - 8;
    }
}
inline void levels(const BlockIQ4_NL& b, int32_t* q) {
    for (int j = 0; j < kQK / 2; ++j) {
        q[j] = kIQ4Values[b.qs[j] & 0xf];
        q[j + kQK / 2] = kIQ4Values[b.qs[j] >> 4];
    }
}
inline void levels(const BlockQ5_0& b, int32_t* q) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, sizeof qh);
    for (int j = 0; j < kQK / 2; ++j) {
        q[j] = ((b.qs[j] & 0xf) | q5_bit(qh, j)) - 16;
        q[j + kQK / 2] = ((b.qs[j] >> 4) | q5_bit(qh, j + 16)) - 16;
    }
}
inline void levels(const BlockQ8_0& b, int32_t* q) {
    for (int j = 0; j < kQK; ++j) q[j] = b.qs[j];
}
inline void levels(const BlockQ4_1& b, int32_t* q) {
    for (int j = 0; j < kQK / 2; ++j) {
        q[j] = b.qs[j] & 0xf;
        q[j + kQK / 2] = b.qs[j] >> 4;
    }
}
inline void levels(const BlockQ5_1& b, int32_t* q) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, sizeof qh);
    for (int j = 0; j < kQK / 2; ++j) {
        q[j] = (b.qs[j] & 0xf) | q5_bit(qh, j);
        q[j + kQK / 2] = (b.qs[j] >> 4) | q5_bit(qh, j + 16);
    }
}

template <typename WBlock>
int32_t block_isum(const WBlock& w, const BlockQ8_0& a) {
    int32_t q[kQK];
    levels(w, q);
    int32_t isum = 0;
    for (int j = 0; j < kQK; ++j) isum += q[j] * a.qs[j];
    return isum;
}

// A block's products in llama.cpp's eight x86 lanes: lane k sums elements 4k..4k+3.
template <typename WBlock>
void block_lanes(const WBlock& w, const int8_t* a_qs, int32_t* lane) {
    int32_t q[kQK];
    levels(w, q);
    for (int k = 0; k < 8; ++k) {
        lane[k] = 0;
        for (int e = 4 * k; e < 4 * k + 4; ++e) lane[k] += q[e] * a_qs[e];
    }
}

// BatchOrder::Fast: each block's total times dw * da, added in f32.
template <typename WBlock>
float block32_sum_row(const WBlock* w, const BlockQ8_0* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) sum += static_cast<float>(block_isum(w[i], a[i])) * (fp16_to_fp32(w[i].d) * fp16_to_fp32(a[i].d));
    return sum;
}

// Q4_0 / IQ4_NL in the order of llama.cpp's repacked x86 GEMV (gemv_q4_b32_8x8_q8_0_lut_avx,
// which every Q4_0 / IQ4_NL matrix of a multiple of 8 rows goes through there, one token or a
// batch): per block, the exact integer sum times dw * da (exact: two halves) added to the row's
// sum with one fused multiply-add (exact operands: |isum| < 2^19, see fused_madd.h).
template <typename WBlock>
float block32_chain_row(const WBlock* w, const BlockQ8_0* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i)
        sum = fused_madd(static_cast<float>(block_isum(w[i], a[i])), fp16_to_fp32(w[i].d) * fp16_to_fp32(a[i].d), sum);
    return sum;
}

// Q8_0 / Q5_0 in the order of llama.cpp's x86 ggml_vec_dot_q8_0_q8_0 / q5_0_q8_0 (not repacked
// there; its batches call it per token): each block's eight lanes scaled by dw * da (exact: two
// halves) and accumulated with a fused multiply-add (lanes below 2^17: exact operands), folded
// as hsum_float_8.
template <typename WBlock>
float block32_lanes_row(const WBlock* w, const BlockQ8_0* a, int64_t nb) {
    kquant_order::EightLanes lanes;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t lane[8];
        block_lanes(w[i], a[i].qs, lane);
        lanes.add(fp16_to_fp32(w[i].d) * fp16_to_fp32(a[i].d), lane);
    }
    return lanes.fold();
}

// Q4_1 / Q5_1 against Q8_1, in the float order of llama.cpp's x86 ggml_vec_dot_q4_1_q8_1 /
// q5_1_q8_1 (the SIMD128 twins give the same bits): block32_lanes_row's lanes, then the block
// mins times the activation sums s (exact products of halves), summed in order.
template <typename WBlock>
float q8_1_lanes_row(const WBlock* w, const BlockQ8_1* a, int64_t nb) {
    kquant_order::EightLanes lanes;
    float mins = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t lane[8];
        block_lanes(w[i], a[i].qs, lane);
        mins += fp16_to_fp32(w[i].m) * fp16_to_fp32(a[i].s);
        lanes.add(fp16_to_fp32(w[i].d) * fp16_to_fp32(a[i].d), lane);
    }
    return lanes.fold() + mins;
}

// One super-block's exact integers, in llama.cpp's eight x86 lanes (quant/kquant_order.h),
// and for Q2_K / Q4_K / Q5_K the mins times the Q8_K sums.
struct SuperBlockSums {
    int32_t lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int32_t mins = 0;

    int32_t total() const {
        int32_t t = 0;
        for (int32_t l : lane) t += l;
        return t;
    }
};

// Q4_K and Q5_K share everything but the fifth bit.
template <bool kFiveBit, typename Block>
SuperBlockSums k4_sums(const Block& w, const BlockQ8_K& a) {
    SuperBlockSums s;
    const int8_t* q8 = a.qs;
    for (int j = 0; j < 8; ++j, q8 += 32) {
        uint8_t sc, mn;
        k4_scale_min(j, w.scales, &sc, &mn);
        s.mins += mn * (a.bsums[2 * j] + a.bsums[2 * j + 1]);
        const uint8_t* qs = w.qs + 32 * (j / 2);
        const int shift = 4 * (j % 2);
        for (int l = 0; l < 32; ++l) {
            int v = (qs[l] >> shift) & 0xf;
            if constexpr (kFiveBit) v |= ((w.qh[l] >> j) & 1) << 4;
            s.lane[kquant_order::lane_of(l)] += sc * v * q8[l];
        }
    }
    return s;
}

// Q6_K's levels unsigned (0..63); lane k less 32 * (scale * Q8_K sum) of groups 2k and 2k+1,
// where llama.cpp's x86 kernel subtracts the -32 offset.
SuperBlockSums q6_k_sums(const BlockQ6_K& w, const BlockQ8_K& a) {
    SuperBlockSums s;
    for (int n = 0; n < 2; ++n) {
        const uint8_t* ql = w.ql + 64 * n;
        const uint8_t* qh = w.qh + 32 * n;
        const int8_t* q8 = a.qs + 128 * n;
        for (int g = 0; g < 8; ++g) {  // group g covers elements 16g..16g+15 of this half
            const int quarter = g / 2;  // which 32-run: low/high nibble of ql, qh bits
            const int scale = w.scales[8 * n + g];
            for (int l = 16 * (g % 2); l < 16 * (g % 2) + 16; ++l) {
                const int low = (quarter & 1) ? ql[l + 32] : ql[l];
                const int nib = (quarter & 2) ? (low >> 4) : (low & 0xf);
                const int v = nib | (((qh[l] >> (2 * quarter)) & 3) << 4);
                s.lane[kquant_order::lane_of(l)] += scale * v * q8[32 * quarter + l];
            }
        }
    }
    for (int k = 0; k < 8; ++k)
        s.lane[k] -= 32 * (a.bsums[2 * k] * w.scales[2 * k] + a.bsums[2 * k + 1] * w.scales[2 * k + 1]);
    return s;
}

// Q2_K: levels 0..3 with four-bit scales and mins; the total goes to lane 0 (its one-token
// order is the repacked GEMV's, which has no lanes).
SuperBlockSums q2_k_sums(const BlockQ2_K& w, const BlockQ8_K& a) {
    SuperBlockSums s;
    for (int j = 0; j < 16; ++j) s.mins += (w.scales[j] >> 4) * a.bsums[j];
    const int8_t* q8 = a.qs;
    for (int n = 0; n < 2; ++n) {
        const uint8_t* q2 = w.qs + 32 * n;
        for (int shift = 0; shift < 8; shift += 2, q8 += 32) {
            for (int l = 0; l < 32; ++l) s.lane[0] += (w.scales[8 * n + shift + l / 16] & 0xf) * ((q2[l] >> shift) & 3) * q8[l];
        }
    }
    return s;
}

// Q3_K: level = two low bits, less 4 where the hmask bit is clear; sixteen signed scales.
SuperBlockSums q3_k_sums(const BlockQ3_K& w, const BlockQ8_K& a) {
    SuperBlockSums s;
    int8_t sc[16];
    q3_k_scales(w.scales, sc);
    const int8_t* q8 = a.qs;
    for (int n = 0; n < 2; ++n) {
        const uint8_t* q3 = w.qs + 32 * n;
        for (int j = 0; j < 4; ++j, q8 += 32) {
            const int shift = 2 * j;
            const uint8_t mask = static_cast<uint8_t>(1u << (4 * n + j));
            for (int l = 0; l < 32; ++l) {
                const int v = ((q3[l] >> shift) & 3) - ((w.hmask[l] & mask) ? 0 : 4);
                s.lane[kquant_order::lane_of(l)] += sc[8 * n + 2 * j + l / 16] * v * q8[l];
            }
        }
    }
    return s;
}

SuperBlockSums iq4_xs_sums(const BlockIQ4_XS& w, const BlockQ8_K& a) {
    SuperBlockSums s;
    for (int ib = 0; ib < 8; ++ib) {
        const uint8_t* qs = w.qs + 16 * ib;
        const int8_t* q8 = a.qs + 32 * ib;
        const int scale = iq4_xs_scale(w, ib);
        for (int j = 0; j < 16; ++j) {
            s.lane[kquant_order::lane_of(j)] += scale * kIQ4Values[qs[j] & 0xf] * q8[j];
            s.lane[kquant_order::lane_of(j + 16)] += scale * kIQ4Values[qs[j] >> 4] * q8[j + 16];
        }
    }
    return s;
}

// The float orders of kernels.h (kHasMins: Q4_K / Q5_K, with d and dmin; else d only).
// Batch tiles: one total per super-block, sum += d * total - dmin * mins. One token (Q5_K /
// Q6_K / IQ4_XS): ggml_vec_dot_*_q8_K's x86 order (kquant_order.h), Q5_K's mins scaled by
// -dmin and accumulated with a fused multiply-add in a scalar sum added after the fold.
template <bool kHasMins, typename Block, typename Sums>
float kquant_row(const Block* w, const BlockQ8_K* a, int64_t nb, Sums sums, bool one_token) {
    kquant_order::EightLanes lanes;
    float sum = 0, mins = 0;
    for (int64_t i = 0; i < nb; ++i) {
        const SuperBlockSums s = sums(w[i], a[i]);
        const float d = a[i].d * fp16_to_fp32(w[i].d);
        if (one_token) {
            lanes.add(d, s.lane);
            if constexpr (kHasMins) mins = fused_madd(-a[i].d * fp16_to_fp32(w[i].dmin), static_cast<float>(s.mins), mins);
        } else if constexpr (kHasMins) {
            sum += d * static_cast<float>(s.total()) - (a[i].d * fp16_to_fp32(w[i].dmin)) * static_cast<float>(s.mins);
        } else {
            sum += d * static_cast<float>(s.total());
        }
    }
    return one_token ? lanes.fold() + mins : sum;
}

// One token, Q4_K and Q2_K: llama.cpp's x86 repacked GEMV (ggml_gemv_q4_K_8x8_q8_K, every
// Q4_K matrix whose rows are a multiple of 8; ggml_gemv_q2_K_8x8_q8_K likewise on AVX-512):
// the super-block's total and its mins term each converted to f32 and accumulated with a fused
// multiply-add into its own sum; the mins' sum subtracted at the end.
template <typename Block, typename Sums>
float kquant_row_repacked(const Block* w, const BlockQ8_K* a, int64_t nb, Sums sums) {
    float acc = 0, acc_min = 0;
    for (int64_t i = 0; i < nb; ++i) {
        const SuperBlockSums s = sums(w[i], a[i]);
        acc = fused_madd(static_cast<float>(s.total()), fp16_to_fp32(w[i].d) * a[i].d, acc);
        acc_min = fused_madd(static_cast<float>(s.mins), fp16_to_fp32(w[i].dmin) * a[i].d, acc_min);
    }
    return acc - acc_min;
}

// Q4_K in a batch, tokens in whole groups of four: llama.cpp's x86 repacked GEMM
// (ggml_gemm_q4_K_8x8_q8_K) converts the integer total of each 64-element pair of sub-blocks
// (and of its mins term) to f32 and accumulates it with a fused multiply-add, four per
// super-block where its GEMV (kquant_row_repacked) has one.
float q4_k_row_pairs(const BlockQ4_K* w, const BlockQ8_K* a, int64_t nb) {
    float acc = 0, acc_min = 0;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(w[i].d) * a[i].d, dmin = fp16_to_fp32(w[i].dmin) * a[i].d;
        for (int p = 0; p < 4; ++p) {
            int32_t total = 0, mins = 0;
            for (int j = 2 * p; j < 2 * p + 2; ++j) {
                uint8_t sc, mn;
                k4_scale_min(j, w[i].scales, &sc, &mn);
                mins += mn * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
                const int shift = 4 * (j % 2);
                int32_t sum = 0;
                for (int l = 0; l < 32; ++l) sum += ((w[i].qs[32 * p + l] >> shift) & 0xf) * a[i].qs[32 * j + l];
                total += sc * sum;
            }
            acc = fused_madd(static_cast<float>(total), d, acc);
            acc_min = fused_madd(static_cast<float>(mins), dmin, acc_min);
        }
    }
    return acc - acc_min;
}

}  // namespace

// One token in ggml_vec_dot_f32's order (quant/float_dot_order.h), llama.cpp's one-token F32
// matmul; larger tiles (prefill) in plain order, as llama.cpp's batch path (tinyBLAS) differs
// anyway and the fused adds, emulated in double, cost speed.
void f32_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, int n_tok,
             float* y, int64_t y_stride) {
    const auto* w = static_cast<const float*>(w_row);
    for_each_token(xq, xq_stride, n_tok, y, y_stride, [&](const uint8_t* x) {
        const auto* a = reinterpret_cast<const float*>(x);
        if (n_tok == 1) return float_order::f32_dot_scalar(w, a, n_cols);
        float sum = 0;
        for (int64_t i = 0; i < n_cols; ++i) sum += w[i] * a[i];
        return sum;
    });
}

// In llama.cpp's order (quant/f16_dot_order.h): one token as ggml_vec_dot_f16, its decode
// matmul; a tile of 2 or more as its batch path's tinyBLAS.
void f16_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, int n_tok,
             float* y, int64_t y_stride) {
    const auto* w = static_cast<const uint16_t*>(w_row);
    for_each_token(xq, xq_stride, n_tok, y, y_stride, [&](const uint8_t* x) {
        const auto* a = reinterpret_cast<const uint16_t*>(x);
        if (n_tok > 1 && n_cols % f16_order::kBatchLanes == 0) {
            return f16_order::batch_dot_scalar([w](int64_t i) { return fp16_to_fp32(w[i]); },
                                               [a](int64_t i) { return fp16_to_fp32(a[i]); }, n_cols);
        }
        return f16_order::dot_scalar([w](int64_t i) { return fp16_to_fp32(w[i]); },
                                     [a](int64_t i) { return fp16_to_fp32(a[i]); }, n_cols);
    });
}

// BatchOrder::Fast (quant.h): every tile in ggml_vec_dot_f16's order, as one token.
void f16_fast_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, int n_tok, float* y,
                  int64_t y_stride) {
    for (int t = 0; t < n_tok; ++t)
        f16_dot(n_cols, w_row, static_cast<const uint8_t*>(xq) + t * xq_stride, xq_stride, 1, y + t * y_stride, y_stride);
}

// In ggml_vec_dot_bf16's order (quant/float_dot_order.h), llama.cpp's one-token BF16 matmul;
// plain adds only, so batches take it too.
void bf16_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, int n_tok,
              float* y, int64_t y_stride) {
    const auto* w = static_cast<const uint16_t*>(w_row);
    for_each_token(xq, xq_stride, n_tok, y, y_stride, [&](const uint8_t* x) {
        const auto* a = reinterpret_cast<const uint16_t*>(x);
        return float_order::bf16_dot_scalar([w](int64_t i) { return bf16_to_fp32(w[i]); },
                                            [a](int64_t i) { return bf16_to_fp32(a[i]); }, n_cols);
    });
}

#define SMOLLM_SCALAR_BLOCK_KERNEL(name, row_fn, WBlock, ABlock, block_elems)                  \
    void name##_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride,      \
                    int n_tok, float* y, int64_t y_stride) {                                  \
        const auto* w = static_cast<const WBlock*>(w_row);                                     \
        for_each_token(xq, xq_stride, n_tok, y, y_stride, [&](const uint8_t* x) {              \
            return row_fn(w, reinterpret_cast<const ABlock*>(x), n_cols / (block_elems));      \
        });                                                                                    \
    }

SMOLLM_SCALAR_BLOCK_KERNEL(q4_0, block32_chain_row, BlockQ4_0, BlockQ8_0, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q4_1, q8_1_lanes_row, BlockQ4_1, BlockQ8_1, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q5_0, block32_lanes_row, BlockQ5_0, BlockQ8_0, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q5_1, q8_1_lanes_row, BlockQ5_1, BlockQ8_1, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q8_0, block32_lanes_row, BlockQ8_0, BlockQ8_0, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(iq4_nl, block32_chain_row, BlockIQ4_NL, BlockQ8_0, kQK)
// BatchOrder::Fast: the same four types summed in f32 per block (kernels.h).
SMOLLM_SCALAR_BLOCK_KERNEL(q4_0_fast, block32_sum_row, BlockQ4_0, BlockQ8_0, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q5_0_fast, block32_sum_row, BlockQ5_0, BlockQ8_0, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q8_0_fast, block32_sum_row, BlockQ8_0, BlockQ8_0, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(iq4_nl_fast, block32_sum_row, BlockIQ4_NL, BlockQ8_0, kQK)

// The k-quants and IQ4_XS in llama.cpp's x86 orders (kernels.h): a tile of one token as its
// decode path, larger tiles as its batch path. Q3_K / Q5_K / Q6_K / IQ4_XS take their one-token
// dot for every token of a batch too (ggml_compute_forward_mul_mat calls the same vec_dot per
// token); Q4_K's batch is its repacked GEMM's (matmul makes tiles of one of the tokens past the
// last group of four, which its GEMV takes); Q2_K's batch keeps one total per super-block.
#define SMOLLM_SCALAR_KQUANT_KERNEL(name, Block, one_token_row, batch_row)                      \
    void name##_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride,      \
                    int n_tok, float* y, int64_t y_stride) {                                  \
        const auto* w = static_cast<const Block*>(w_row);                                      \
        const int64_t nb = n_cols / kQK_K;                                                     \
        for_each_token(xq, xq_stride, n_tok, y, y_stride, [&](const uint8_t* x) {              \
            const auto* a = reinterpret_cast<const BlockQ8_K*>(x);                             \
            return n_tok == 1 ? one_token_row : batch_row;                                     \
        });                                                                                    \
    }

#define SMOLLM_LANES(sums, has_mins) (kquant_row<has_mins>(w, a, nb, sums, true))
SMOLLM_SCALAR_KQUANT_KERNEL(q3_k, BlockQ3_K, SMOLLM_LANES(q3_k_sums, false), SMOLLM_LANES(q3_k_sums, false))
SMOLLM_SCALAR_KQUANT_KERNEL(q2_k, BlockQ2_K, kquant_row_repacked(w, a, nb, q2_k_sums),
                            (kquant_row<true>(w, a, nb, q2_k_sums, false)))
SMOLLM_SCALAR_KQUANT_KERNEL(q4_k, BlockQ4_K, (kquant_row_repacked(w, a, nb, k4_sums<false, BlockQ4_K>)),
                            q4_k_row_pairs(w, a, nb))
SMOLLM_SCALAR_KQUANT_KERNEL(q5_k, BlockQ5_K, SMOLLM_LANES((k4_sums<true, BlockQ5_K>), true),
                            SMOLLM_LANES((k4_sums<true, BlockQ5_K>), true))
SMOLLM_SCALAR_KQUANT_KERNEL(q6_k, BlockQ6_K, SMOLLM_LANES(q6_k_sums, false), SMOLLM_LANES(q6_k_sums, false))
SMOLLM_SCALAR_KQUANT_KERNEL(iq4_xs, BlockIQ4_XS, SMOLLM_LANES(iq4_xs_sums, false), SMOLLM_LANES(iq4_xs_sums, false))
// BatchOrder::Fast (quant.h): batch tiles with one total per super-block.
#define SMOLLM_TOTAL(sums, has_mins) (kquant_row<has_mins>(w, a, nb, sums, false))
SMOLLM_SCALAR_KQUANT_KERNEL(q3_k_fast, BlockQ3_K, SMOLLM_LANES(q3_k_sums, false), SMOLLM_TOTAL(q3_k_sums, false))
SMOLLM_SCALAR_KQUANT_KERNEL(q4_k_fast, BlockQ4_K, (kquant_row_repacked(w, a, nb, k4_sums<false, BlockQ4_K>)),
                            SMOLLM_TOTAL((k4_sums<false, BlockQ4_K>), true))
SMOLLM_SCALAR_KQUANT_KERNEL(q5_k_fast, BlockQ5_K, SMOLLM_LANES((k4_sums<true, BlockQ5_K>), true),
                            SMOLLM_TOTAL((k4_sums<true, BlockQ5_K>), true))
SMOLLM_SCALAR_KQUANT_KERNEL(q6_k_fast, BlockQ6_K, SMOLLM_LANES(q6_k_sums, false), SMOLLM_TOTAL(q6_k_sums, false))
SMOLLM_SCALAR_KQUANT_KERNEL(iq4_xs_fast, BlockIQ4_XS, SMOLLM_LANES(iq4_xs_sums, false), SMOLLM_TOTAL(iq4_xs_sums, false))
#undef SMOLLM_TOTAL
#undef SMOLLM_LANES

// IQ4_XS in a batch of kIqPanelMinTokens or more (kernels.h): llama.cpp's IQ panel GEMM, the
// super-block's integer total fused into one sum.
void iq4_xs_panel_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, int n_tok, float* y,
                      int64_t y_stride) {
    const auto* w = static_cast<const BlockIQ4_XS*>(w_row);
    const int64_t nb = n_cols / kQK_K;
    for_each_token(xq, xq_stride, n_tok, y, y_stride, [&](const uint8_t* x) {
        const auto* a = reinterpret_cast<const BlockQ8_K*>(x);
        float acc = 0;
        for (int64_t i = 0; i < nb; ++i)
            acc = fused_madd(static_cast<float>(iq4_xs_sums(w[i], a[i]).total()), a[i].d * fp16_to_fp32(w[i].d), acc);
        return acc;
    });
}

#undef SMOLLM_SCALAR_BLOCK_KERNEL

}  // namespace smollm::quant::scalar
