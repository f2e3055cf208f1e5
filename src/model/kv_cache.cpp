#include "model/kv_cache.h"

#include "model/f16.h"

namespace smollm {

KvCache::KvCache(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, bool f16)
    : n_layers_(n_layers), n_ctx_(n_ctx), kv_dim_(kv_dim), f16_(f16) {
    const size_t n = static_cast<size_t>(n_layers) * static_cast<size_t>(n_ctx) * static_cast<size_t>(kv_dim);
    if (f16) {
        k16_.assign(n, 0);
        v16_.assign(n, 0);
    } else {
        k32_.assign(n, 0.0f);
        v32_.assign(n, 0.0f);
    }
}

uint64_t KvCache::bytes_for(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, bool f16) {
    return 2ull * static_cast<uint64_t>(n_layers) * static_cast<uint64_t>(n_ctx) * static_cast<uint64_t>(kv_dim) *
           (f16 ? 2u : 4u);
}

uint64_t KvCache::bytes() const { return bytes_for(n_layers_, n_ctx_, kv_dim_, f16_); }

void KvCache::store(int32_t layer, int32_t pos, const float* k, const float* v) {
    const size_t base = row_index(layer, pos);
    if (f16_) {
        for (int32_t i = 0; i < kv_dim_; ++i) {
            k16_[base + static_cast<size_t>(i)] = f32_to_f16(k[i]);
            v16_[base + static_cast<size_t>(i)] = f32_to_f16(v[i]);
        }
    } else {
        for (int32_t i = 0; i < kv_dim_; ++i) {
            k32_[base + static_cast<size_t>(i)] = k[i];
            v32_[base + static_cast<size_t>(i)] = v[i];
        }
    }
}

float KvCache::key_dot(int32_t layer, int32_t pos, int32_t offset, const float* q, int32_t n) const {
    const size_t base = row_index(layer, pos) + static_cast<size_t>(offset);
    float sum = 0.0f;
    if (f16_) {
        const uint16_t* k = k16_.data() + base;
        for (int32_t i = 0; i < n; ++i) sum += q[i] * f16_to_f32(k[i]);
    } else {
        const float* k = k32_.data() + base;
        for (int32_t i = 0; i < n; ++i) sum += q[i] * k[i];
    }
    return sum;
}

void KvCache::value_axpy(int32_t layer, int32_t pos, int32_t offset, float weight, float* out, int32_t n) const {
    const size_t base = row_index(layer, pos) + static_cast<size_t>(offset);
    if (f16_) {
        const uint16_t* v = v16_.data() + base;
        for (int32_t i = 0; i < n; ++i) out[i] += weight * f16_to_f32(v[i]);
    } else {
        const float* v = v32_.data() + base;
        for (int32_t i = 0; i < n; ++i) out[i] += weight * v[i];
    }
}

}  // namespace smollm
