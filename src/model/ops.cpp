#include "model/ops.h"

#include <cmath>

#include "model/ggml_expf.h"
#include "model/rope_trig.h"
#include "quant/fused_madd.h"

namespace smollm {

void rms_norm(const float* x, const float* weight, float* out, int32_t n, float eps) {
    double sum = 0.0;
    for (int32_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
    const float mean = static_cast<float>(sum / n);
    const float scale = 1.0f / std::sqrt(mean + eps);
    for (int32_t i = 0; i < n; ++i) out[i] = (x[i] * scale) * weight[i];
}

void softmax(float* x, int32_t n) {
    float max = x[0];
    for (int32_t i = 1; i < n; ++i) max = x[i] > max ? x[i] : max;
    double sum = 0.0;
    for (int32_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += static_cast<double>(x[i]);
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int32_t i = 0; i < n; ++i) x[i] *= inv;
}

void swiglu(float* gate, const float* up, int32_t n) {
    // ggml_vec_swiglu_f32 on x86 with AVX-512: 16 lanes at a time through ggml_v_expf, the
    // n % 16 left over through libm's expf.
    const int32_t vector_end = n - n % 16;
    for (int32_t i = 0; i < vector_end; ++i) {
        const float g = gate[i];
        gate[i] = g / (1.0f + ggml_v_expf(0.0f - g)) * up[i];
    }
    for (int32_t i = vector_end; i < n; ++i) {
        const float g = gate[i];
        gate[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
}

RopeTable::RopeTable(int32_t n_ctx, int32_t n_rot, float theta_base, float freq_scale,
                     const std::vector<float>& freq_factors)
    : half_(n_rot / 2) {
    const size_t n = static_cast<size_t>(n_ctx) * static_cast<size_t>(half_);
    cos_.resize(n);
    sin_.resize(n);
    // ggml walks the angle down by repeated multiplication in float; doing the same keeps the
    // angles bit-identical to llama.cpp's at every position, and rope_trig's sin and cos are
    // glibc's, which llama.cpp calls on Linux (emscripten's differ for some angles).
    const float step = std::pow(theta_base, -2.0f / static_cast<float>(n_rot));
    for (int32_t p = 0; p < n_ctx; ++p) {
        float theta = static_cast<float>(p);
        for (int32_t i = 0; i < half_; ++i) {
            const float factor = freq_factors.empty() ? 1.0f : freq_factors[static_cast<size_t>(i)];
            const float angle = freq_scale * (theta / factor);
            const size_t at = static_cast<size_t>(p) * static_cast<size_t>(half_) + static_cast<size_t>(i);
            rope_trig::sin_cos(angle, &sin_[at], &cos_[at]);
            theta *= step;
        }
    }
}

void RopeTable::apply(float* x, int32_t pos) const {
    const size_t at = static_cast<size_t>(pos) * static_cast<size_t>(half_);
    rotate_pairs(x, cos_.data() + at, sin_.data() + at, 1.0f);
}

void RopeTable::rotate(float* x, int32_t delta) const {
    const int32_t magnitude = delta < 0 ? -delta : delta;
    const size_t at = static_cast<size_t>(magnitude) * static_cast<size_t>(half_);
    rotate_pairs(x, cos_.data() + at, sin_.data() + at, delta < 0 ? -1.0f : 1.0f);
}

void RopeTable::rotate_pairs(float* x, const float* c, const float* s, float sin_sign) const {
    // ggml's x86 build fuses each rotation into one multiply-add over a rounded product, GCC
    // fusing the first product of each expression: fma(x0, cos, -(x1 * sin)) and
    // fma(x0, sin, x1 * cos), done here in double (quant/fused_madd.h). (Checked element by
    // element against a llama.cpp build whose logits equal node-llama-cpp's zen4 variant bit
    // for bit: the second output had been fma(x1, cos, x0 * sin), one ulp off in ~30% of the
    // pairs.) Q and K are rounded to f16 next, so a one-ulp difference here shows
    // only when it flips that rounding, but then it does. Not vectorised: emscripten 3.1.6's
    // clang turns this loop's double <-> float conversions into vector code that gives wrong
    // values (wasm logits 17% of the range off from position 1). sin_sign is exact (+-1).
#if defined(__clang__)
#pragma clang loop vectorize(disable)
#endif
    for (int32_t i = 0; i < half_; ++i) {
        const float x0 = x[2 * i];
        const float x1 = x[2 * i + 1];
        const float sin_i = s[i] * sin_sign;
        const float x1s = x1 * sin_i, x1c = x1 * c[i];
        x[2 * i] = quant::fused_madd(x0, c[i], -x1s);
        x[2 * i + 1] = quant::fused_madd(x0, sin_i, x1c);
    }
}

}  // namespace smollm
