// Scalar dot-product kernels: the reference every SIMD kernel is tested against, and the
// kernels of the native build. Integer sums are exact; floats are combined per block in the
// same order as the SIMD twins where the block holds one integer sum (k-quants, IQ4_XS), so
// those agree bit for bit.
#include <cstring>

#include "quant/f16_dot_order.h"
#include "quant/blocks.h"
#include "quant/fp16.h"
#include "quant/fused_madd.h"
#include "quant/kernels.h"

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

float q4_0_row(const BlockQ4_0* w, const BlockQ8_0* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t isum = 0;
        for (int j = 0; j < kQK / 2; ++j) {
            isum += ((w[i].qs[j] & 0xf) - 8) * a[i].qs[j];
            isum += ((w[i].qs[j] >> 4) - 8) * a[i].qs[j + kQK / 2];
        }
        sum += static_cast<float>(isum) * (fp16_to_fp32(w[i].d) * fp16_to_fp32(a[i].d));
    }
    return sum;
}

// Q4_1 / Q5_1 against Q8_1, in the float order of llama.cpp's x86 ggml_vec_dot_q4_1_q8_1 /
// q5_1_q8_1 (the SIMD128 twins give the same bits): eight lanes, lane k summing elements
// 4k..4k+3 of each block as an integer, scaled by dw * da (exact: two halves) and accumulated
// with a fused multiply-add (exact operands: see fused_madd.h); the lanes folded as
// hsum_float_8 does; then the block mins times the activation sums s (exact products of
// halves), summed in order. (The Q8_0 types keep a plain f32 sum: the same order for them
// costs 1.8-2.8x their decode speed in wasm, see tests/parity/README.md.)
template <typename WBlock, typename Levels>
float q8_1_lanes_row(const WBlock* w, const BlockQ8_1* a, int64_t nb, Levels levels) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    float mins = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t q[kQK];
        levels(w[i], q);
        const float d = fp16_to_fp32(w[i].d) * fp16_to_fp32(a[i].d);
        mins += fp16_to_fp32(w[i].m) * fp16_to_fp32(a[i].s);
        for (int k = 0; k < 8; ++k) {
            int32_t lane = 0;
            for (int e = 4 * k; e < 4 * k + 4; ++e) lane += q[e] * a[i].qs[e];
            acc[k] = fused_madd(d, static_cast<float>(lane), acc[k]);
        }
    }
    return (((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))) + mins;
}

float q4_1_row(const BlockQ4_1* w, const BlockQ8_1* a, int64_t nb) {
    return q8_1_lanes_row(w, a, nb, [](const BlockQ4_1& b, int32_t* q) {
        for (int j = 0; j < kQK / 2; ++j) {
            q[j] = b.qs[j] & 0xf;
            q[j + kQK / 2] = b.qs[j] >> 4;
        }
    });
}

float q5_0_row(const BlockQ5_0* w, const BlockQ8_0* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) {
        uint32_t qh;
        std::memcpy(&qh, w[i].qh, sizeof qh);
        int32_t isum = 0;
        for (int j = 0; j < kQK / 2; ++j) {
            isum += (((w[i].qs[j] & 0xf) | q5_bit(qh, j)) - 16) * a[i].qs[j];
            isum += (((w[i].qs[j] >> 4) | q5_bit(qh, j + 16)) - 16) * a[i].qs[j + kQK / 2];
        }
        sum += static_cast<float>(isum) * (fp16_to_fp32(w[i].d) * fp16_to_fp32(a[i].d));
    }
    return sum;
}

float q5_1_row(const BlockQ5_1* w, const BlockQ8_1* a, int64_t nb) {
    return q8_1_lanes_row(w, a, nb, [](const BlockQ5_1& b, int32_t* q) {
        uint32_t qh;
        std::memcpy(&qh, b.qh, sizeof qh);
        for (int j = 0; j < kQK / 2; ++j) {
            q[j] = (b.qs[j] & 0xf) | q5_bit(qh, j);
            q[j + kQK / 2] = (b.qs[j] >> 4) | q5_bit(qh, j + 16);
        }
    });
}

float q8_0_row(const BlockQ8_0* w, const BlockQ8_0* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t isum = 0;
        for (int j = 0; j < kQK; ++j) isum += w[i].qs[j] * a[i].qs[j];
        sum += static_cast<float>(isum) * (fp16_to_fp32(w[i].d) * fp16_to_fp32(a[i].d));
    }
    return sum;
}

float iq4_nl_row(const BlockIQ4_NL* w, const BlockQ8_0* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t isum = 0;
        for (int j = 0; j < kQK / 2; ++j) {
            isum += kIQ4Values[w[i].qs[j] & 0xf] * a[i].qs[j];
            isum += kIQ4Values[w[i].qs[j] >> 4] * a[i].qs[j + kQK / 2];
        }
        sum += static_cast<float>(isum) * (fp16_to_fp32(w[i].d) * fp16_to_fp32(a[i].d));
    }
    return sum;
}

float q2_k_row(const BlockQ2_K* w, const BlockQ8_K* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t summs = 0;
        for (int j = 0; j < 16; ++j) summs += (w[i].scales[j] >> 4) * a[i].bsums[j];
        int32_t isum = 0;
        const int8_t* q8 = a[i].qs;
        for (int n = 0; n < 2; ++n) {
            const uint8_t* q2 = w[i].qs + 32 * n;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; ++half, q8 += 16) {
                    const int sc = w[i].scales[8 * n + shift + half] & 0xf;
                    int32_t s = 0;
                    for (int l = 0; l < 16; ++l) s += ((q2[16 * half + l] >> shift) & 3) * q8[l];
                    isum += sc * s;
                }
            }
        }
        const float dall = a[i].d * fp16_to_fp32(w[i].d);
        const float dmin = a[i].d * fp16_to_fp32(w[i].dmin);
        sum += dall * static_cast<float>(isum) - dmin * static_cast<float>(summs);
    }
    return sum;
}

float q3_k_row(const BlockQ3_K* w, const BlockQ8_K* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int8_t sc[16];
        q3_k_scales(w[i].scales, sc);
        int32_t isum = 0;
        const int8_t* q8 = a[i].qs;
        for (int n = 0; n < 2; ++n) {
            const uint8_t* q3 = w[i].qs + 32 * n;
            for (int j = 0; j < 4; ++j) {
                const int shift = 2 * j;
                const uint8_t mask = static_cast<uint8_t>(1u << (4 * n + j));
                for (int half = 0; half < 2; ++half, q8 += 16) {
                    int32_t s = 0;
                    for (int l = 16 * half; l < 16 * half + 16; ++l) {
                        const int v = ((q3[l] >> shift) & 3) - ((w[i].hmask[l] & mask) ? 0 : 4);
                        s += v * q8[l - 16 * half];
                    }
                    isum += sc[8 * n + 2 * j + half] * s;
                }
            }
        }
        sum += (fp16_to_fp32(w[i].d) * a[i].d) * static_cast<float>(isum);
    }
    return sum;
}

// Q4_K and Q5_K share everything but the fifth bit.
template <bool kFiveBit, typename Block>
float k4_row(const Block* w, const BlockQ8_K* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t isum = 0, summs = 0;
        const int8_t* q8 = a[i].qs;
        for (int j = 0; j < 8; ++j, q8 += 32) {
            uint8_t sc, mn;
            k4_scale_min(j, w[i].scales, &sc, &mn);
            summs += mn * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
            const uint8_t* qs = w[i].qs + 32 * (j / 2);
            const int shift = 4 * (j % 2);
            int32_t s = 0;
            for (int l = 0; l < 32; ++l) {
                int v = (qs[l] >> shift) & 0xf;
                if constexpr (kFiveBit) v |= ((w[i].qh[l] >> j) & 1) << 4;
                s += v * q8[l];
            }
            isum += sc * s;
        }
        const float d = a[i].d * fp16_to_fp32(w[i].d);
        const float dmin = a[i].d * fp16_to_fp32(w[i].dmin);
        sum += d * static_cast<float>(isum) - dmin * static_cast<float>(summs);
    }
    return sum;
}

float q6_k_row(const BlockQ6_K* w, const BlockQ8_K* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t isum = 0;
        for (int n = 0; n < 2; ++n) {
            const uint8_t* ql = w[i].ql + 64 * n;
            const uint8_t* qh = w[i].qh + 32 * n;
            const int8_t* q8 = a[i].qs + 128 * n;
            for (int g = 0; g < 8; ++g) {  // group g covers elements 16g..16g+15 of this half
                const int quarter = g / 2;  // which 32-run: low/high nibble of ql, qh bits
                int32_t s = 0;
                for (int l = 16 * (g % 2); l < 16 * (g % 2) + 16; ++l) {
                    const int low = (quarter & 1) ? ql[l + 32] : ql[l];
                    const int nib = (quarter & 2) ? (low >> 4) : (low & 0xf);
                    const int v = (nib | (((qh[l] >> (2 * quarter)) & 3) << 4)) - 32;
                    s += v * q8[32 * quarter + l];
                }
                isum += w[i].scales[8 * n + g] * s;
            }
        }
        sum += (fp16_to_fp32(w[i].d) * a[i].d) * static_cast<float>(isum);
    }
    return sum;
}

float iq4_xs_row(const BlockIQ4_XS* w, const BlockQ8_K* a, int64_t nb) {
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t isum = 0;
        for (int ib = 0; ib < 8; ++ib) {
            const uint8_t* qs = w[i].qs + 16 * ib;
            const int8_t* q8 = a[i].qs + 32 * ib;
            int32_t s = 0;
            for (int j = 0; j < 16; ++j)
                s += kIQ4Values[qs[j] & 0xf] * q8[j] + kIQ4Values[qs[j] >> 4] * q8[j + 16];
            isum += iq4_xs_scale(w[i], ib) * s;
        }
        sum += (fp16_to_fp32(w[i].d) * a[i].d) * static_cast<float>(isum);
    }
    return sum;
}

}  // namespace

void f32_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, int n_tok,
             float* y, int64_t y_stride) {
    const auto* w = static_cast<const float*>(w_row);
    for_each_token(xq, xq_stride, n_tok, y, y_stride, [&](const uint8_t* x) {
        const auto* a = reinterpret_cast<const float*>(x);
        float sum = 0;
        for (int64_t i = 0; i < n_cols; ++i) sum += w[i] * a[i];
        return sum;
    });
}

// In ggml_vec_dot_f16's order (quant/f16_dot_order.h), llama.cpp's one-token F16 matmul.
void f16_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, int n_tok,
             float* y, int64_t y_stride) {
    const auto* w = static_cast<const uint16_t*>(w_row);
    for_each_token(xq, xq_stride, n_tok, y, y_stride, [&](const uint8_t* x) {
        const auto* a = reinterpret_cast<const uint16_t*>(x);
        return f16_order::dot_scalar([w](int64_t i) { return fp16_to_fp32(w[i]); },
                                     [a](int64_t i) { return fp16_to_fp32(a[i]); }, n_cols);
    });
}

void bf16_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride, int n_tok,
              float* y, int64_t y_stride) {
    const auto* w = static_cast<const uint16_t*>(w_row);
    for_each_token(xq, xq_stride, n_tok, y, y_stride, [&](const uint8_t* x) {
        const auto* a = reinterpret_cast<const uint16_t*>(x);
        float sum = 0;
        for (int64_t i = 0; i < n_cols; ++i) sum += bf16_to_fp32(w[i]) * bf16_to_fp32(a[i]);
        return sum;
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

SMOLLM_SCALAR_BLOCK_KERNEL(q4_0, q4_0_row, BlockQ4_0, BlockQ8_0, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q4_1, q4_1_row, BlockQ4_1, BlockQ8_1, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q5_0, q5_0_row, BlockQ5_0, BlockQ8_0, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q5_1, q5_1_row, BlockQ5_1, BlockQ8_1, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q8_0, q8_0_row, BlockQ8_0, BlockQ8_0, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(iq4_nl, iq4_nl_row, BlockIQ4_NL, BlockQ8_0, kQK)
SMOLLM_SCALAR_BLOCK_KERNEL(q2_k, q2_k_row, BlockQ2_K, BlockQ8_K, kQK_K)
SMOLLM_SCALAR_BLOCK_KERNEL(q3_k, q3_k_row, BlockQ3_K, BlockQ8_K, kQK_K)
SMOLLM_SCALAR_BLOCK_KERNEL(q4_k, (k4_row<false, BlockQ4_K>), BlockQ4_K, BlockQ8_K, kQK_K)
SMOLLM_SCALAR_BLOCK_KERNEL(q5_k, (k4_row<true, BlockQ5_K>), BlockQ5_K, BlockQ8_K, kQK_K)
SMOLLM_SCALAR_BLOCK_KERNEL(q6_k, q6_k_row, BlockQ6_K, BlockQ8_K, kQK_K)
SMOLLM_SCALAR_BLOCK_KERNEL(iq4_xs, iq4_xs_row, BlockIQ4_XS, BlockQ8_K, kQK_K)

#undef SMOLLM_SCALAR_BLOCK_KERNEL

}  // namespace smollm::quant::scalar
