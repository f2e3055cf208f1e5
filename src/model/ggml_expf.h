// ggml_v_expf, the AVX-512 exp of ggml's vectorised SiLU and of its softmax
// (ggml_vec_soft_max_f32, used by the tiled flash attention): an Arm optimized-routines
// polynomial, within 1.95 ulp of exp. n = round(x / ln 2) by the 1.5 * 2^23 shift,
// b = x - n ln 2 in two parts, a degree-5 polynomial in b, scaled by 2^n; |n| > 192 saturates
// to 0 or inf (so exp(-inf) is 0). The fused multiply-adds are emulated in double (fused_madd.h).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "quant/fp16.h"
#include "quant/fused_madd.h"

namespace smollm {

inline float ggml_v_expf(float x) {
    using quant::fused_madd;
    const float r = 0x1.8p23f;
    const float n = fused_madd(x, 0x1.715476p+0f, r) - r;
    const float b = fused_madd(-n, 0x1.7f7d1cp-20f, fused_madd(-n, 0x1.62e4p-1f, x));
    if (std::isnan(n)) return n;   // NaN in, NaN out (the int conversion below would be undefined)
    if (std::fabs(n) > 192.0f) return n <= 0.0f ? 0.0f : std::numeric_limits<float>::infinity();
    const float u = b * b;
    const float odd = fused_madd(fused_madd(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fused_madd(0x1.555e66p-3f, b, 0x1.fffdb6p-2f));
    const float j = fused_madd(odd, u, fused_madd(0x1.ffffecp-1f, b, 1.0f));
    // _mm512_scalef_ps(j, n) = j * 2^n with one rounding: a plain multiply by 2^n when 2^n is
    // a normal float (every x that SiLU meets in practice), ldexp otherwise.
    const int32_t e = static_cast<int32_t>(n);
    if (e >= -126 && e <= 127) return j * quant::f32_from_bits(static_cast<uint32_t>(e + 127) << 23);
    return std::ldexp(j, e);
}

}  // namespace smollm
