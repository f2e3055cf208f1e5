// Quantizers of the 32-element types, following llama.cpp's quantize_row_*_ref: these are the
// exact quantizers llama-quantize runs when no importance matrix is given.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "quant/fp16.h"
#include "quant/quantize_types.h"

namespace smollm::quant {
namespace {

// llama.cpp's (int8_t) cast of a level, defined for every input: finite values of a block
// land in the int8 range; NaN and values beyond int32 (a block holding inf or NaN: a model
// whose activations overflowed, a fuzzed file) give 0, as x86's conversion to int32 does
// (0x80000000, low byte 0), instead of undefined behaviour.
int8_t trunc_i8(float v) {
    if (!(v > -2147483648.0f && v < 2147483648.0f)) return 0;
    return static_cast<int8_t>(static_cast<int32_t>(v));
}

// The value of largest magnitude (keeping its sign) and that magnitude.
void signed_absmax(const float* x, int n, float* max, float* amax) {
    *max = 0;
    *amax = 0;
    for (int j = 0; j < n; ++j) {
        if (*amax < std::fabs(x[j])) {
            *amax = std::fabs(x[j]);
            *max = x[j];
        }
    }
}

void min_max(const float* x, int n, float* min, float* max) {
    *min = FLT_MAX;
    *max = -FLT_MAX;
    for (int j = 0; j < n; ++j) {
        if (x[j] < *min) *min = x[j];
        if (x[j] > *max) *max = x[j];
    }
}

// Packs 32 five-bit levels into the low nibbles (qs) and the bit field qh.
void pack_q5(const uint8_t* levels, uint8_t* qs, uint8_t* qh_bytes) {
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
        const uint8_t a = levels[j], b = levels[j + kQK / 2];
        qs[j] = static_cast<uint8_t>((a & 0x0f) | ((b & 0x0f) << 4));
        qh |= static_cast<uint32_t>((a & 0x10u) >> 4) << j;
        qh |= static_cast<uint32_t>((b & 0x10u) >> 4) << (j + kQK / 2);
    }
    std::memcpy(qh_bytes, &qh, sizeof qh);
}

}  // namespace

void quantize_q4_0(const float* x, BlockQ4_0* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float max, amax;
        signed_absmax(x, kQK, &max, &amax);
        const float d = max / -8;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = fp32_to_fp16(d);
        for (int j = 0; j < kQK / 2; ++j) {
            // Truncation after +8.5 is llama.cpp's rounding; keep it for identical files.
            const int a = std::min(15, static_cast<int>(trunc_i8(x[j] * id + 8.5f)));
            const int b = std::min(15, static_cast<int>(trunc_i8(x[j + kQK / 2] * id + 8.5f)));
            y[i].qs[j] = static_cast<uint8_t>(a | (b << 4));
        }
    }
}

void quantize_q4_1(const float* x, BlockQ4_1* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float min, max;
        min_max(x, kQK, &min, &max);
        const float d = (max - min) / 15;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = fp32_to_fp16(d);
        y[i].m = fp32_to_fp16(min);
        for (int j = 0; j < kQK / 2; ++j) {
            const int a = std::min(15, static_cast<int>(trunc_i8((x[j] - min) * id + 0.5f)));
            const int b = std::min(15, static_cast<int>(trunc_i8((x[j + kQK / 2] - min) * id + 0.5f)));
            y[i].qs[j] = static_cast<uint8_t>(a | (b << 4));
        }
    }
}

void quantize_q5_0(const float* x, BlockQ5_0* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float max, amax;
        signed_absmax(x, kQK, &max, &amax);
        const float d = max / -16;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = fp32_to_fp16(d);
        uint8_t levels[kQK];
        for (int j = 0; j < kQK; ++j)
            levels[j] = static_cast<uint8_t>(std::min(31, static_cast<int>(trunc_i8(x[j] * id + 16.5f))));
        pack_q5(levels, y[i].qs, y[i].qh);
    }
}

void quantize_q5_1(const float* x, BlockQ5_1* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float min, max;
        min_max(x, kQK, &min, &max);
        const float d = (max - min) / 31;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = fp32_to_fp16(d);
        y[i].m = fp32_to_fp16(min);
        uint8_t levels[kQK];
        for (int j = 0; j < kQK; ++j) levels[j] = static_cast<uint8_t>((x[j] - min) * id + 0.5f);
        pack_q5(levels, y[i].qs, y[i].qh);
    }
}

void quantize_q8_0(const float* x, BlockQ8_0* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float amax = 0;
        for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = fp32_to_fp16(d);
        for (int j = 0; j < kQK; ++j) y[i].qs[j] = trunc_i8(std::round(x[j] * id));
    }
}

}  // namespace smollm::quant
