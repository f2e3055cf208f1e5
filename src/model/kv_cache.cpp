#include "model/kv_cache.h"

#include "model/f16.h"
#include "model/flash_attention.h"
#include "model/ops.h"

namespace smollm {

KvCache::KvCache(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, bool f16)
    : n_layers_(n_layers), n_ctx_(n_ctx), kv_dim_(kv_dim), f16_(f16) {
    const size_t n = static_cast<size_t>(n_layers) * static_cast<size_t>(n_ctx) * static_cast<size_t>(kv_dim);
    // Left uninitialised on purpose: a position is always stored before it is read, and zeroing
    // 384 MiB (SmolLM2-1.7B at 2048 positions) touched every page of it at load, 0.55 s in
    // wasm, for memory most chats never reach.
    if (f16) {
        k16_.reset(new uint16_t[n]);
        v16_.reset(new uint16_t[n]);
    } else {
        k32_.reset(new float[n]);
        v32_.reset(new float[n]);
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
        uint32_t inf_or_nan = 0;   // a half is inf or NaN when its exponent bits are all set
        for (int32_t i = 0; i < kv_dim_; ++i) {
            const uint16_t hk = f32_to_f16(k[i]), hv = f32_to_f16(v[i]);
            k16_[base + static_cast<size_t>(i)] = hk;
            v16_[base + static_cast<size_t>(i)] = hv;
            inf_or_nan |= ((hk & 0x7c00u) == 0x7c00u) | ((hv & 0x7c00u) == 0x7c00u);
        }
        if (inf_or_nan) has_inf_nan_.store(true, std::memory_order_relaxed);
    } else {
        for (int32_t i = 0; i < kv_dim_; ++i) {
            k32_[base + static_cast<size_t>(i)] = k[i];
            v32_[base + static_cast<size_t>(i)] = v[i];
        }
    }
}

void KvCache::attend(int32_t layer, int32_t n_keys, int32_t offset, const float* q, int32_t n, float scale,
                     float* scores, float* out) const {
    const size_t base = row_index(layer, 0) + static_cast<size_t>(offset);
    const size_t stride = static_cast<size_t>(kv_dim_);
    if (f16_) {
        const bool finite = !has_inf_nan_.load(std::memory_order_relaxed);
        flash_attend_f16(q, F16Rows{k16_.get() + base, stride}, F16Rows{v16_.get() + base, stride}, n_keys, n, scale,
                         finite, scores, out);
        return;
    }
    for (int32_t p = 0; p < n_keys; ++p) {
        const float* k = k32_.get() + base + static_cast<size_t>(p) * stride;
        float dot = 0.0f;
        for (int32_t i = 0; i < n; ++i) dot += q[i] * k[i];
        scores[p] = dot * scale;
    }
    softmax(scores, n_keys);
    for (int32_t i = 0; i < n; ++i) out[i] = 0.0f;
    for (int32_t p = 0; p < n_keys; ++p) {
        const float* v = v32_.get() + base + static_cast<size_t>(p) * stride;
        for (int32_t i = 0; i < n; ++i) out[i] += scores[p] * v[i];
    }
}

}  // namespace smollm
