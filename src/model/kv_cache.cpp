#include "model/kv_cache.h"

#include <cstring>

#include "model/f16.h"
#include "model/flash_attention.h"
#include "model/flash_attention_tiled.h"
#include "model/ops.h"
#include "quant/quant.h"

namespace smollm {

KvCache::KvCache(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, int32_t head_dim, KvType k_type, KvType v_type)
    : n_layers_(n_layers),
      n_ctx_(n_ctx),
      kv_dim_(kv_dim),
      head_dim_(head_dim),
      n_heads_(kv_dim / head_dim),
      k_type_(k_type),
      v_type_(v_type),
      k_slice_bytes_(kv_row_bytes(k_type, head_dim)),
      v_slice_bytes_(kv_row_bytes(v_type, head_dim)) {
    const size_t slices = static_cast<size_t>(n_layers) * static_cast<size_t>(n_heads_) * static_cast<size_t>(n_ctx);
    // Left uninitialised on purpose: a position is always stored before it is read, and zeroing
    // 384 MiB (SmolLM2-1.7B at 2048 positions) touched every page of it at load, 0.55 s in
    // wasm, for memory most chats never reach.
    k_.reset(new uint8_t[slices * k_slice_bytes_]);
    v_.reset(new uint8_t[slices * v_slice_bytes_]);
}

uint64_t KvCache::bytes_for(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, KvType k_type, KvType v_type) {
    const uint64_t rows = static_cast<uint64_t>(n_layers) * static_cast<uint64_t>(n_ctx);
    return rows * (kv_row_bytes(k_type, kv_dim) + kv_row_bytes(v_type, kv_dim));
}

uint64_t KvCache::bytes() const { return bytes_for(n_layers_, n_ctx_, kv_dim_, k_type_, v_type_); }

void KvCache::store_slice(KvType type, uint8_t* dst, const float* x) {
    switch (type) {
        case KvType::F32: std::memcpy(dst, x, static_cast<size_t>(head_dim_) * sizeof(float)); return;
        case KvType::F16: {
            uint32_t inf_or_nan = 0;   // a half is inf or NaN when its exponent bits are all set
            auto* h = reinterpret_cast<uint16_t*>(dst);
            for (int32_t i = 0; i < head_dim_; ++i) {
                h[i] = f32_to_f16(x[i]);
                inf_or_nan |= (h[i] & 0x7c00u) == 0x7c00u;
            }
            if (inf_or_nan) has_inf_nan_.store(true, std::memory_order_relaxed);
            return;
        }
        // llama.cpp's CPU backend stores a cache row with its type's from_float: the x86
        // quantize_row_q8_0 (our Q8_0 activation quantizer) and quantize_row_q4_0_ref. Both
        // work block by block and a head is whole blocks, so quantizing head by head gives the
        // row's blocks.
        case KvType::Q8_0: quantize_activation_row(GgmlType::Q8_0, x, dst, head_dim_); return;
        case KvType::Q4_0: quantize_row(GgmlType::Q4_0, x, dst, head_dim_, nullptr); return;
    }
}

void KvCache::load_slice(KvType type, const uint8_t* src, float* x) const {
    switch (type) {
        case KvType::F32: std::memcpy(x, src, static_cast<size_t>(head_dim_) * sizeof(float)); return;
        case KvType::F16: {
            const auto* h = reinterpret_cast<const uint16_t*>(src);
            for (int32_t i = 0; i < head_dim_; ++i) x[i] = f16_to_f32(h[i]);
            return;
        }
        case KvType::Q8_0: dequantize_row(GgmlType::Q8_0, src, x, head_dim_); return;
        case KvType::Q4_0: dequantize_row(GgmlType::Q4_0, src, x, head_dim_); return;
    }
}

void KvCache::store_row(KvType type, uint8_t* base, size_t slice_bytes, int32_t layer, int32_t pos, const float* x) {
    for (int32_t h = 0; h < n_heads_; ++h)
        store_slice(type, base + slice_offset(layer, h, pos, slice_bytes), x + static_cast<size_t>(h) * head_dim_);
}

void KvCache::load_row(KvType type, const uint8_t* base, size_t slice_bytes, int32_t layer, int32_t pos,
                       float* x) const {
    for (int32_t h = 0; h < n_heads_; ++h)
        load_slice(type, base + slice_offset(layer, h, pos, slice_bytes), x + static_cast<size_t>(h) * head_dim_);
}

void KvCache::store_k(int32_t layer, int32_t pos, const float* k) {
    store_row(k_type_, k_.get(), k_slice_bytes_, layer, pos, k);
}

void KvCache::store_v(int32_t layer, int32_t pos, const float* v) {
    store_row(v_type_, v_.get(), v_slice_bytes_, layer, pos, v);
}

void KvCache::store(int32_t layer, int32_t pos, const float* k, const float* v) {
    store_k(layer, pos, k);
    store_v(layer, pos, v);
}

void KvCache::load_k(int32_t layer, int32_t pos, float* k) const {
    load_row(k_type_, k_.get(), k_slice_bytes_, layer, pos, k);
}

void KvCache::load_v(int32_t layer, int32_t pos, float* v) const {
    load_row(v_type_, v_.get(), v_slice_bytes_, layer, pos, v);
}

void KvCache::move_row(int32_t layer, int32_t from, int32_t to) {
    for (int32_t h = 0; h < n_heads_; ++h) {
        std::memmove(k_.get() + slice_offset(layer, h, to, k_slice_bytes_),
                     k_.get() + slice_offset(layer, h, from, k_slice_bytes_), k_slice_bytes_);
        std::memmove(v_.get() + slice_offset(layer, h, to, v_slice_bytes_),
                     v_.get() + slice_offset(layer, h, from, v_slice_bytes_), v_slice_bytes_);
    }
}

void KvCache::attend(int32_t layer, int32_t n_keys, int32_t offset, const float* q, int32_t n, float scale, bool tiled,
                     float* scores, float* out) const {
    const int32_t head = offset / head_dim_;
    if (k_type_ == KvType::F32) {
        attend_f32(layer, n_keys, head, q, n, scale, scores, out);
        return;
    }
    if (tiled && tiles(n)) {
        flash_attend_tiled_f16(q, as_f16(head_keys(layer, head)), as_f16(head_values(layer, head)), n_keys, n, scale, out);
        return;
    }
    const bool finite = !has_inf_nan_.load(std::memory_order_relaxed);
    flash_attend(q, head_keys(layer, head), head_values(layer, head), n_keys, n, scale, finite, scores, out);
}

void KvCache::attend_tiled(int32_t layer, int32_t offset, const TiledQueries& queries, int32_t n, float scale,
                           void* scratch) const {
    const int32_t head = offset / head_dim_;
    flash_attend_tiled_f16_queries(queries, as_f16(head_keys(layer, head)), as_f16(head_values(layer, head)), n, scale,
                                   scratch);
}

void KvCache::attend_f32(int32_t layer, int32_t n_keys, int32_t head, const float* q, int32_t n, float scale,
                         float* scores, float* out) const {
    const size_t stride = static_cast<size_t>(head_dim_);
    const auto* kb = reinterpret_cast<const float*>(head_keys(layer, head).base);
    const auto* vb = reinterpret_cast<const float*>(head_values(layer, head).base);
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
