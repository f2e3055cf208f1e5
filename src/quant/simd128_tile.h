// The tile plumbing every SIMD128 kernel shares: activation row pointers for NT tokens and the
// switch from a runtime token count to the compile-time NT the kernels are unrolled for.
#pragma once
#if defined(__wasm_simd128__)
#include <cstddef>
#include <cstdint>

#include "quant/kernels.h"

namespace smollm::quant::simd128 {

template <typename ABlock, int NT>
struct ActivationTile {
    const ABlock* row[NT];
    ActivationTile(const void* xq, size_t stride) {
        for (int t = 0; t < NT; ++t)
            row[t] = reinterpret_cast<const ABlock*>(static_cast<const uint8_t*>(xq) + t * stride);
    }
};

}  // namespace smollm::quant::simd128

// Defines simd128::<name>_dot on top of `template <int NT, ...> void impl(int64_t n_cols,
// const void* w_row, const void* xq, size_t xq_stride, float* y, int64_t y_stride)`; the
// arguments after `impl` are its template arguments after NT.
#define SMOLLM_SIMD128_TILE_ENTRY(name, ...) SMOLLM_SIMD128_TILE_ENTRY_T(name, __VA_ARGS__)
#define SMOLLM_SIMD128_TILE_ENTRY_T(name, impl, ...)                                           \
    void name##_dot(int64_t n_cols, const void* w_row, const void* xq, size_t xq_stride,       \
                    int n_tok, float* y, int64_t y_stride) {                                    \
        static_assert(::smollm::quant::kMaxTileTokens == 4, "unrolled for tiles of 1..4");     \
        switch (n_tok) {                                                                        \
        case 1: impl<1 __VA_OPT__(,) __VA_ARGS__>(n_cols, w_row, xq, xq_stride, y, y_stride); break; \
        case 2: impl<2 __VA_OPT__(,) __VA_ARGS__>(n_cols, w_row, xq, xq_stride, y, y_stride); break; \
        case 3: impl<3 __VA_OPT__(,) __VA_ARGS__>(n_cols, w_row, xq, xq_stride, y, y_stride); break; \
        default: impl<4 __VA_OPT__(,) __VA_ARGS__>(n_cols, w_row, xq, xq_stride, y, y_stride); break; \
        }                                                                                       \
    }
#endif
