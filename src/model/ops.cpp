#include "model/ops.h"

#include <cmath>

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
    for (int32_t i = 0; i < n; ++i) {
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
    // angles bit-identical to llama.cpp's at every position.
    const float step = std::pow(theta_base, -2.0f / static_cast<float>(n_rot));
    for (int32_t p = 0; p < n_ctx; ++p) {
        float theta = static_cast<float>(p);
        for (int32_t i = 0; i < half_; ++i) {
            const float factor = freq_factors.empty() ? 1.0f : freq_factors[static_cast<size_t>(i)];
            const float angle = freq_scale * (theta / factor);
            const size_t at = static_cast<size_t>(p) * static_cast<size_t>(half_) + static_cast<size_t>(i);
            cos_[at] = std::cos(angle);
            sin_[at] = std::sin(angle);
            theta *= step;
        }
    }
}

void RopeTable::apply(float* x, int32_t pos) const {
    const float* c = cos_.data() + static_cast<size_t>(pos) * static_cast<size_t>(half_);
    const float* s = sin_.data() + static_cast<size_t>(pos) * static_cast<size_t>(half_);
    for (int32_t i = 0; i < half_; ++i) {
        const float x0 = x[2 * i];
        const float x1 = x[2 * i + 1];
        x[2 * i] = x0 * c[i] - x1 * s[i];
        x[2 * i + 1] = x0 * s[i] + x1 * c[i];
    }
}

}  // namespace smollm
