#include "model/kv_cache.h"

#include <cstring>

#include "model/f16.h"
#include "model/flash_attention.h"
#include "model/ops.h"
#include "quant/quant.h"

namespace smollm {

KvCache::KvCache(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, KvType k_type, KvType v_type)
    : n_layers_(n_layers),
      n_ctx_(n_ctx),
      kv_dim_(kv_dim),
      k_type_(k_type),
      v_type_(v_type),
      k_row_bytes_(kv_row_bytes(k_type, kv_dim)),
      v_row_bytes_(kv_row_bytes(v_type, kv_dim)) {
    const size_t rows = static_cast<size_t>(n_layers) * static_cast<size_t>(n_ctx);
    // Left uninitialised on purpose: a position is always stored before it is read, and zeroing
    // 384 MiB (SmolLM2-1.7B at 2048 positions) touched every page of it at load, 0.55 s in
    // wasm, for memory most chats never reach.
    k_.reset(new uint8_t[rows * k_row_bytes_]);
    v_.reset(new uint8_t[rows * v_row_bytes_]);
}

uint64_t KvCache::bytes_for(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, KvType k_type, KvType v_type) {
    const uint64_t rows = static_cast<uint64_t>(n_layers) * static_cast<uint64_t>(n_ctx);
    return rows * (kv_row_bytes(k_type, kv_dim) + kv_row_bytes(v_type, kv_dim));
}

uint64_t KvCache::bytes() const { return bytes_for(n_layers_, n_ctx_, kv_dim_, k_type_, v_type_); }

void KvCache::store_row(KvType type, uint8_t* dst, const float* x) {
    switch (type) {
        case KvType::F32: std::memcpy(dst, x, static_cast<size_t>(kv_dim_) * sizeof(float)); return;
        case KvType::F16: {
            uint32_t inf_or_nan = 0;   // a half is inf or NaN when its exponent bits are all set
            auto* h = reinterpret_cast<uint16_t*>(dst);
            for (int32_t i = 0; i < kv_dim_; ++i) {
                h[i] = f32_to_f16(x[i]);
                inf_or_nan |= (h[i] & 0x7c00u) == 0x7c00u;
            }
            if (inf_or_nan) has_inf_nan_.store(true, std::memory_order_relaxed);
            return;
        }
        // llama.cpp's CPU backend stores a cache row with its type's from_float: the x86
        // quantize_row_q8_0 (our Q8_0 activation quantizer) and quantize_row_q4_0_ref.
        case KvType::Q8_0: quantize_activation_row(GgmlType::Q8_0, x, dst, kv_dim_); return;
        case KvType::Q4_0: quantize_row(GgmlType::Q4_0, x, dst, kv_dim_, nullptr); return;
    }
}

void KvCache::load_row(KvType type, const uint8_t* src, float* x) const {
    switch (type) {
        case KvType::F32: std::memcpy(x, src, static_cast<size_t>(kv_dim_) * sizeof(float)); return;
        case KvType::F16: {
            const auto* h = reinterpret_cast<const uint16_t*>(src);
            for (int32_t i = 0; i < kv_dim_; ++i) x[i] = f16_to_f32(h[i]);
            return;
        }
        case KvType::Q8_0: dequantize_row(GgmlType::Q8_0, src, x, kv_dim_); return;
        case KvType::Q4_0: dequantize_row(GgmlType::Q4_0, src, x, kv_dim_); return;
    }
}

void KvCache::store_k(int32_t layer, int32_t pos, const float* k) {
    store_row(k_type_, k_.get() + row_offset(layer, pos, k_row_bytes_), k);
}

void KvCache::store_v(int32_t layer, int32_t pos, const float* v) {
    store_row(v_type_, v_.get() + row_offset(layer, pos, v_row_bytes_), v);
}

void KvCache::store(int32_t layer, int32_t pos, const float* k, const float* v) {
    store_k(layer, pos, k);
    store_v(layer, pos, v);
}

void KvCache::load_k(int32_t layer, int32_t pos, float* k) const {
    load_row(k_type_, k_.get() + row_offset(layer, pos, k_row_bytes_), k);
}

void KvCache::load_v(int32_t layer, int32_t pos, float* v) const {
    load_row(v_type_, v_.get() + row_offset(layer, pos, v_row_bytes_), v);
}

void KvCache::move_row(int32_t layer, int32_t from, int32_t to) {
    std::memmove(k_.get() + row_offset(layer, to, k_row_bytes_), k_.get() + row_offset(layer, from, k_row_bytes_),
                 k_row_bytes_);
    std::memmove(v_.get() + row_offset(layer, to, v_row_bytes_), v_.get() + row_offset(layer, from, v_row_bytes_),
                 v_row_bytes_);
}

void KvCache::attend(int32_t layer, int32_t n_keys, int32_t offset, const float* q, int32_t n, float scale,
                     float* scores, float* out) const {
    if (k_type_ == KvType::F32) {
        attend_f32(layer, n_keys, offset, q, n, scale, scores, out);
        return;
    }
    // A head's columns [offset, offset + n) are whole blocks of a quantized row.
    const KvRows k{k_type_, k_.get() + row_offset(layer, 0, k_row_bytes_) + kv_row_bytes(k_type_, offset), k_row_bytes_};
    const KvRows v{v_type_, v_.get() + row_offset(layer, 0, v_row_bytes_) + kv_row_bytes(v_type_, offset), v_row_bytes_};
    const bool finite = !has_inf_nan_.load(std::memory_order_relaxed);
    flash_attend(q, k, v, n_keys, n, scale, finite, scores, out);
}

void KvCache::attend_f32(int32_t layer, int32_t n_keys, int32_t offset, const float* q, int32_t n, float scale,
                         float* scores, float* out) const {
    const size_t stride = static_cast<size_t>(kv_dim_);
    const float* kb = reinterpret_cast<const float*>(k_.get() + row_offset(layer, 0, k_row_bytes_)) + offset;
    const float* vb = reinterpret_cast<const float*>(v_.get() + row_offset(layer, 0, v_row_bytes_)) + offset;
    for (int32_t p = 0; p < n_keys; ++p) {
        const float* k = kb + static_cast<size_t>(p) * stride;
        float dot = 0.0f;
        for (int32_t i = 0; i < n; ++i) dot += q[i] * k[i];
        scores[p] = dot * scale;
    }
    softmax(scores, n_keys);
    for (int32_t i = 0; i < n; ++i) out[i] = 0.0f;
    for (int32_t p = 0; p < n_keys; ++p) {
        const float* v = vb + static_cast<size_t>(p) * stride;
        for (int32_t i = 0; i < n; ++i) out[i] += scores[p] * v[i];
    }
}

}  // namespace smollm
