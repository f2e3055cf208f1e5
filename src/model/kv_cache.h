// Keys and values of every layer for positions [0, n_ctx), stored f16 (the default, like
// llama.cpp) or f32. Rows are position-major: one kv_dim row per position per layer, so a
// decode step appends one row and a head reads a strided column of rows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <atomic>
#include <functional>
#include <memory>

namespace smollm {

class KvCache {
public:
    KvCache() = default;
    KvCache(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, bool f16);

    static uint64_t bytes_for(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, bool f16);

    int32_t n_ctx() const { return n_ctx_; }
    bool is_f16() const { return f16_; }
    uint64_t bytes() const;

    void store(int32_t layer, int32_t pos, const float* k, const float* v);

    // out[0..n) = attention of query `q` over positions [0, n_keys) of `layer`, columns
    // [offset, offset + n), keys scaled by `scale`; `scores` is scratch for n_keys floats. An f16
    // cache computes it as llama.cpp's CPU flash attention does (model/flash_attention.h); an f32
    // cache with an f32 softmax and weighted sum.
    void attend(int32_t layer, int32_t n_keys, int32_t offset, const float* q, int32_t n, float scale, float* scores,
                float* out) const;

    // Context shift, llama.cpp's seq_rm + seq_add and its K-shift graph (kv_cache_shift.cpp):
    // removes positions [n_keep, n_keep + n_discard) of `layer`, moving positions
    // [n_keep + n_discard, n_used) down by n_discard. Values move unchanged; each moved key row
    // is widened to f32, handed to `rerotate` (which turns its RoPE angles back by n_discard
    // positions) and stored back in the cache's type, as ggml's in-place RoPE on the cache does.
    using KeyRotation = std::function<void(float* key_row)>;
    void shift(int32_t layer, int32_t n_keep, int32_t n_discard, int32_t n_used, const KeyRotation& rerotate);

private:
    size_t row_index(int32_t layer, int32_t pos) const {
        return (static_cast<size_t>(layer) * static_cast<size_t>(n_ctx_) + static_cast<size_t>(pos)) *
               static_cast<size_t>(kv_dim_);
    }
    int32_t n_layers_ = 0;
    int32_t n_ctx_ = 0;
    int32_t kv_dim_ = 0;
    bool f16_ = true;
    // Set once any stored half is inf or NaN (a K or V value beyond f16's range): until then
    // the wasm build reads halves with a conversion that need not handle them.
    std::atomic<bool> has_inf_nan_{false};
    std::unique_ptr<uint16_t[]> k16_, v16_;
    std::unique_ptr<float[]> k32_, v32_;
};

}  // namespace smollm
