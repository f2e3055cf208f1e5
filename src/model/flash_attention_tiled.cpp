#include "model/flash_attention_tiled.h"

#include <cmath>
#include <limits>

#include "model/f16.h"
#include "model/ggml_expf.h"
#include "model/llama_config.h"
#include "quant/f16_dot_order.h"
#include "quant/fused_madd.h"

namespace smollm {
namespace {

using flash_attention::kTileKeys;
using quant::fused_madd_f32;

// s[0..n) = scale * (k row p . q) for keys [first, first + n): one fused chain per key.
void tile_scores(const float* q, F16Rows k, int32_t first, int32_t n, int32_t head_dim, float scale, float* s) {
    for (int32_t t = 0; t < n; ++t) {
        const uint16_t* row = k.row(first + t);
        float acc = 0.0f;
        for (int32_t d = 0; d < head_dim; ++d) acc = fused_madd_f32(f16_to_f32(row[d]), q[d], acc);
        s[t] = acc * scale;
    }
}

// s[i] = ggml_v_expf(s[i] - max) for the whole tile (padding included, whose -inf gives 0);
// returns their sum as ggml_vec_soft_max_f32 forms it.
double tile_weights(float* s, float max) {
    double sum = 0.0;
    for (int32_t g = 0; g < kTileKeys; g += 16) {
        for (int32_t i = g; i < g + 16; ++i) s[i] = ggml_v_expf(s[i] - max);
        sum += static_cast<double>(quant::f16_order::reduce_add16(s + g));
    }
    return sum;
}

}  // namespace

void flash_attend_tiled_f16(const float* q, F16Rows k, F16Rows v, int32_t n_keys, int32_t head_dim, float scale,
                            float* out) {
    float acc[LlamaConfig::kMaxHeadDim];
    for (int32_t i = 0; i < head_dim; ++i) acc[i] = 0.0f;
    float max = -std::numeric_limits<float>::infinity();
    float sum = 0.0f;
    float s[kTileKeys];
    for (int32_t first = 0; first < n_keys; first += kTileKeys) {
        const int32_t n = n_keys - first < kTileKeys ? n_keys - first : kTileKeys;
        tile_scores(q, k, first, n, head_dim, scale, s);
        for (int32_t t = n; t < kTileKeys; ++t) s[t] = -std::numeric_limits<float>::infinity();
        float tile_max = -std::numeric_limits<float>::infinity();
        for (int32_t t = 0; t < n; ++t) tile_max = s[t] > tile_max ? s[t] : tile_max;
        if (tile_max == -std::numeric_limits<float>::infinity()) continue;
        const float new_max = std::fmax(max, tile_max);
        if (new_max > max) {
            const float shrink = std::exp(max - new_max);
            for (int32_t i = 0; i < head_dim; ++i) acc[i] *= shrink;
            sum *= shrink;
        }
        max = new_max;
        sum = static_cast<float>(static_cast<double>(sum) + tile_weights(s, max));
        for (int32_t t = 0; t < n; ++t) {
            const uint16_t* row = v.row(first + t);
            for (int32_t i = 0; i < head_dim; ++i) acc[i] = fused_madd_f32(f16_to_f32(row[i]), s[t], acc[i]);
        }
    }
    const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
    for (int32_t i = 0; i < head_dim; ++i) out[i] = acc[i] * inv;
}

}  // namespace smollm
