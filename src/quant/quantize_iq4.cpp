// IQ4_NL and IQ4_XS quantizers: llama.cpp's non-linear 4-bit search (quantize_row_iq4_nl_impl,
// ntry 7). Each group of 32 gets the scale that best fits the 16 fixed levels under weights
// x^2 (or importance * sqrt(sigma^2 + x^2) when an importance vector is given); IQ4_XS then
// stores the group scales as six-bit multiples of one f16 super-block scale.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/fp16.h"
#include "quant/quantize_search.h"
#include "quant/quantize_types.h"

namespace smollm::quant {
namespace {

constexpr int kNtry = 7;

// Best scale for one group of 32 values; fills L with level indices for that scale.
float fit_iq4_group(const float* xb, const float* weight, uint8_t* L) {
    float amax = 0, max = 0;
    for (int j = 0; j < 32; ++j) {
        const float ax = std::fabs(xb[j]);
        if (ax > amax) { amax = ax; max = xb[j]; }
    }
    if (amax < 1e-15f) {
        std::memset(L, 0, 32);
        return 0.f;
    }
    float d = -max / kIQ4Values[0];
    float id = 1 / d;
    float sumqx = 0, sumq2 = 0;
    for (int j = 0; j < 32; ++j) {
        const int l = iq4_best_index(kIQ4Values, id * xb[j]);
        L[j] = static_cast<uint8_t>(l);
        const float q = kIQ4Values[l];
        sumqx += weight[j] * q * xb[j];
        sumq2 += weight[j] * q * q;
    }
    d = sumqx / sumq2;
    float best = d * sumqx;
    for (int itry = -kNtry; itry <= kNtry; ++itry) {
        id = (itry + kIQ4Values[0]) / max;
        sumqx = sumq2 = 0;
        for (int j = 0; j < 32; ++j) {
            const float q = kIQ4Values[iq4_best_index(kIQ4Values, id * xb[j])];
            sumqx += weight[j] * q * xb[j];
            sumq2 += weight[j] * q * q;
        }
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

// Per-element weights of a super-block of n values (llama.cpp's choice for each case).
void iq4_weights(const float* x, int n, const float* importance, float* weight) {
    if (!importance) {
        for (int j = 0; j < n; ++j) weight[j] = x[j] * x[j];
        return;
    }
    float sigma2 = 0;
    for (int j = 0; j < n; ++j) sigma2 += x[j] * x[j];
    sigma2 *= 2.f / n;
    for (int j = 0; j < n; ++j) weight[j] = importance[j] * std::sqrt(sigma2 + x[j] * x[j]);
}

// IQ4 nibble order: byte j of a 32-group holds element j (low) and j+16 (high).
void pack_iq4(const uint8_t* L, uint8_t* qs) {
    for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>(L[j] | (L[j + 16] << 4));
}

}  // namespace

void quantize_iq4_nl(const float* x, BlockIQ4_NL* y, int64_t nb, const float* importance) {
    float weight[32];
    uint8_t L[32];
    for (int64_t i = 0; i < nb; ++i, x += 32) {
        iq4_weights(x, 32, importance ? importance + 32 * i : nullptr, weight);
        const float d = fit_iq4_group(x, weight, L);
        y[i].d = fp32_to_fp16(d);
        const float id = d != 0.f ? 1 / d : 0.f;
        for (int j = 0; j < 32; ++j) L[j] = static_cast<uint8_t>(iq4_best_index(kIQ4Values, id * x[j]));
        pack_iq4(L, y[i].qs);
    }
}

void quantize_iq4_xs(const float* x, BlockIQ4_XS* y, int64_t nb, const float* importance) {
    float weight[kQK_K];
    float scales[kQK_K / 32];
    uint8_t L[kQK_K];
    for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
        iq4_weights(x, kQK_K, importance ? importance + kQK_K * i : nullptr, weight);
        float max_scale = 0, amax_scale = 0;
        for (int ib = 0; ib < kQK_K / 32; ++ib) {
            scales[ib] = fit_iq4_group(x + 32 * ib, weight + 32 * ib, L + 32 * ib);
            if (std::fabs(scales[ib]) > amax_scale) {
                amax_scale = std::fabs(scales[ib]);
                max_scale = scales[ib];
            }
        }
        const float d = -max_scale / 32;
        y[i].d = fp32_to_fp16(d);
        y[i].scales_h = 0;
        std::memset(y[i].scales_l, 0, sizeof y[i].scales_l);
        const float id = d ? 1 / d : 0.f;
        for (int ib = 0; ib < kQK_K / 32; ++ib) {
            int l = std::max(-32, std::min(31, nearest_int(id * scales[ib])));
            const float dl = d * l;
            const float idl = dl ? 1 / dl : 0.f;
            for (int j = 0; j < 32; ++j)
                L[32 * ib + j] = static_cast<uint8_t>(iq4_best_index(kIQ4Values, idl * x[32 * ib + j]));
            l += 32;
            y[i].scales_l[ib / 2] |= static_cast<uint8_t>((l & 0xf) << (4 * (ib % 2)));
            y[i].scales_h |= static_cast<uint16_t>((l >> 4) << (2 * ib));
        }
        for (int ib = 0; ib < kQK_K / 32; ++ib) pack_iq4(L + 32 * ib, y[i].qs + 16 * ib);
    }
}

}  // namespace smollm::quant
