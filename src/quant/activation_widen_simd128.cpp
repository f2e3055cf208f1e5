// Widens activation rows into the layout the SIMD128 kernels read (kernels.h): done by matmul
// once per token tile, so the per-row inner loops load int16 levels and f32 scales directly.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <cstring>

#include "quant/blocks.h"
#include "quant/float_dot_order.h"
#include "quant/fp16.h"
#include "quant/kernels.h"
#include "quant/quant.h"

namespace smollm::quant::simd128 {
namespace {

inline void widen16(const int8_t* src, int16_t* dst) {
    const v128_t v = wasm_v128_load(src);
    wasm_v128_store(dst, wasm_i16x8_extend_low_i8x16(v));
    wasm_v128_store(dst + 8, wasm_i16x8_extend_high_i8x16(v));
}

// 16 levels as the even elements, then the odd ones (WideQ8_K's layout).
inline void widen16_even_odd(const int8_t* src, int16_t* dst) {
    const v128_t v = wasm_v128_load(src);
    wasm_v128_store(dst, wasm_i16x8_shr(wasm_i16x8_shl(v, 8), 8));
    wasm_v128_store(dst + 8, wasm_i16x8_shr(v, 8));
}

}  // namespace

size_t widened_row_bytes(GgmlType weight_type, int64_t n_cols) {
    switch (smollm::activation_type_for(weight_type)) {
    case GgmlType::Q8_0: return static_cast<size_t>(n_cols / kQK) * sizeof(WideQ8_0);
    case GgmlType::Q8_1: return static_cast<size_t>(n_cols / kQK) * sizeof(WideQ8_1);
    case GgmlType::Q8_K: return static_cast<size_t>(n_cols / kQK_K) * sizeof(WideQ8_K);
    case GgmlType::F16: case GgmlType::BF16: return static_cast<size_t>(n_cols) * sizeof(float);
    default: return 0;
    }
}

void widen_activation_row(GgmlType weight_type, const void* xq, void* dst, int64_t n_cols) {
    switch (smollm::activation_type_for(weight_type)) {
    case GgmlType::Q8_0: {
        const auto* a = static_cast<const BlockQ8_0*>(xq);
        auto* w = static_cast<WideQ8_0*>(dst);
        const float* f16 = fp16_table();
        // Q8_0 / Q5_0 weights are unpacked even-then-odd too (WideQ8_0 in kernels.h).
        const bool even_odd = wide_q8_0_even_odd(weight_type);
        for (int64_t i = 0; i < n_cols / kQK; ++i) {
            w[i].d = f16[a[i].d];
            if (even_odd) {
                widen16_even_odd(a[i].qs, w[i].qs);
                widen16_even_odd(a[i].qs + 16, w[i].qs + 16);
            } else {
                widen16(a[i].qs, w[i].qs);
                widen16(a[i].qs + 16, w[i].qs + 16);
            }
        }
        break;
    }
    case GgmlType::Q8_1: {
        const auto* a = static_cast<const BlockQ8_1*>(xq);
        auto* w = static_cast<WideQ8_1*>(dst);
        const float* f16 = fp16_table();
        for (int64_t i = 0; i < n_cols / kQK; ++i) {
            w[i].d = f16[a[i].d];
            w[i].s = f16[a[i].s];
            widen16(a[i].qs, w[i].qs);
            widen16(a[i].qs + 16, w[i].qs + 16);
        }
        break;
    }
    case GgmlType::Q8_K: {
        const auto* a = static_cast<const BlockQ8_K*>(xq);
        auto* w = static_cast<WideQ8_K*>(dst);
        for (int64_t i = 0; i < n_cols / kQK_K; ++i) {
            w[i].d = a[i].d;
            std::memcpy(w[i].bsums, a[i].bsums, sizeof w[i].bsums);
            for (int j = 0; j < kQK_K; j += 16) widen16_even_odd(a[i].qs + j, w[i].qs + j);
        }
        break;
    }
    case GgmlType::F16: {
        const auto* h = static_cast<const uint16_t*>(xq);
        const float* f16 = fp16_table();
        auto* f = static_cast<float*>(dst);
        for (int64_t i = 0; i < n_cols; ++i) f[i] = f16[h[i]];
        break;
    }
    case GgmlType::BF16:
        float_order::bf16_widen_row(static_cast<const uint16_t*>(xq), static_cast<float*>(dst), n_cols);
        break;
    default: break;
    }
}

}  // namespace smollm::quant::simd128
#endif
