// The element-wise pieces of the forward pass, written to round the way ggml's CPU backend
// does (double accumulators where it uses them), so logits track llama.cpp's closely.
#pragma once
#include <cstdint>
#include <vector>

namespace smollm {

// out = x / rms(x) * weight.
void rms_norm(const float* x, const float* weight, float* out, int32_t n, float eps);

// x[i] = exp(x[i] - max) / sum, in place.
void softmax(float* x, int32_t n);

// gate[i] = silu(gate[i]) * up[i], in place.
void swiglu(float* gate, const float* up, int32_t n);

// cos/sin of every (position, pair) RoPE needs, computed once at load.
class RopeTable {
public:
    RopeTable() = default;
    // `freq_factors` (n_rot / 2 values, or empty) divide each pair's angle (Llama 3 style).
    RopeTable(int32_t n_ctx, int32_t n_rot, float theta_base, float freq_scale, const std::vector<float>& freq_factors);

    // Rotates the pairs (x[2i], x[2i+1]) for 2i < n_rot, llama.cpp's "normal" layout for
    // llama files (the converter permuted Q/K so this matches the Hugging Face model).
    void apply(float* x, int32_t pos) const;
    // Rotates by `delta` positions (negative turns back; |delta| < n_ctx): what llama.cpp's
    // K-shift does to a cached key whose position moved by delta. Its angles are ggml's for
    // position delta, and ggml's for -delta are their exact negation (theta starts at -delta
    // and is only multiplied), so the table's row |delta| with sin's sign flipped gives them.
    void rotate(float* x, int32_t delta) const;
    uint64_t bytes() const { return (cos_.size() + sin_.size()) * sizeof(float); }

private:
    void rotate_pairs(float* x, const float* c, const float* s, float sin_sign) const;

    int32_t half_ = 0;
    std::vector<float> cos_, sin_;
};

}  // namespace smollm
