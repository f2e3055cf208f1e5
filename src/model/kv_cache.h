// Keys and values of every layer for positions [0, n_ctx), each stored in its own KvType
// (model/kv_type.h): f16 by default, like llama.cpp, Q8_0 or Q4_0 blocks to save memory, or
// f32 (both, tests and the native tool). The layout is head-major: layer, then KV head, then
// position, so the keys (or values) one head attends over lie one after another in memory. A
// head's walk over thousands of positions then streams through consecutive cache lines that
// the hardware prefetches, instead of touching one 4 KiB-strided slice per position (one page
// and one TLB entry each): at 4,096 cached tokens of the SmolLM2-1.7B shape, attention took
// 2.1x longer position-major (bench/kvcache/RESULTS.md). A stored position is n_kv_heads
// slices, one per head.
//
// Rows go in as f32 and are converted as llama.cpp converts a cache row (f16 rounding to
// nearest even, x86 quantize_row_q8_0, quantize_row_q4_0_ref); attention reads them in place
// (model/flash_attention.h). load_k / load_v / store_k / store_v / move_row are the per-row
// interface for anything that rewrites the cache (a context shift re-rotating keys).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "model/flash_attention.h"
#include "model/flash_attention_tiled.h"
#include "model/kv_type.h"

namespace smollm {

class KvCache {
public:
    KvCache() = default;
    // kv_dim = n_kv_heads * head_dim; head_dim must be a multiple of kv_type_block of each
    // type; F32 only for both K and V.
    KvCache(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, int32_t head_dim, KvType k_type, KvType v_type);

    static uint64_t bytes_for(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, KvType k_type, KvType v_type);

    int32_t n_ctx() const { return n_ctx_; }
    KvType k_type() const { return k_type_; }
    KvType v_type() const { return v_type_; }
    uint64_t bytes() const;

    // Stores position `pos` of `layer` (kv_dim values each).
    void store(int32_t layer, int32_t pos, const float* k, const float* v);
    void store_k(int32_t layer, int32_t pos, const float* k);
    void store_v(int32_t layer, int32_t pos, const float* v);
    // The stored row as f32 (what attention reads: the rounded or dequantized values).
    void load_k(int32_t layer, int32_t pos, float* k) const;
    void load_v(int32_t layer, int32_t pos, float* v) const;
    // Copies position `from`'s K and V rows of `layer` to position `to`, bytes as stored.
    void move_row(int32_t layer, int32_t from, int32_t to);

    // out[0..n) = attention of query `q` over positions [0, n_keys) of `layer`, columns
    // [offset, offset + n) (one head: offset a multiple of head_dim, n = head_dim), keys scaled
    // by `scale`; `scores` is scratch for n_keys floats. F16 and quantized caches compute it as
    // llama.cpp's CPU flash attention does (model/flash_attention.h); an f32 cache with an f32
    // softmax and weighted sum. `tiled`: the query is one of a micro-batch that llama.cpp
    // evaluates with its tiled kernel (model/flash_attention_tiled.h), which an f16 K and V
    // then follow; other caches have one order.
    void attend(int32_t layer, int32_t n_keys, int32_t offset, const float* q, int32_t n, float scale, bool tiled,
                float* scores, float* out) const;

    // Whether llama.cpp's tiled attention takes this cache: an f16 K and V whose head size is a
    // multiple of its 16-lane vectors.
    bool tiles(int32_t head_size) const {
        return k_type_ == KvType::F16 && v_type_ == KvType::F16 && head_size % 16 == 0;
    }
    // Queries of one head of a micro-batch that llama.cpp evaluates with its tiled attention,
    // at once (flash_attend_tiled_f16_queries). Needs tiles(n).
    void attend_tiled(int32_t layer, int32_t offset, const TiledQueries& queries, int32_t n, float scale,
                      void* scratch) const;

    // KV head `head`'s keys (values) of `layer` as stored, position p's slice at row(p): what
    // attend() reads, for benchmarks that time its kernels on the cache itself.
    KvRows head_keys(int32_t layer, int32_t head) const {
        return KvRows{k_type_, k_.get() + slice_offset(layer, head, 0, k_slice_bytes_), k_slice_bytes_};
    }
    KvRows head_values(int32_t layer, int32_t head) const {
        return KvRows{v_type_, v_.get() + slice_offset(layer, head, 0, v_slice_bytes_), v_slice_bytes_};
    }

    // Context shift, llama.cpp's seq_rm + seq_add and its K-shift graph (kv_cache_shift.cpp):
    // removes positions [n_keep, n_keep + n_discard) of `layer`, moving positions
    // [n_keep + n_discard, n_used) down by n_discard. Values move unchanged; each moved key row
    // is widened to f32, handed to `rerotate` (which turns its RoPE angles back by n_discard
    // positions) and stored back in the cache's type, as ggml's in-place RoPE on the cache does.
    using KeyRotation = std::function<void(float* key_row)>;
    void shift(int32_t layer, int32_t n_keep, int32_t n_discard, int32_t n_used, const KeyRotation& rerotate);

private:
    // Where head `head`'s slice of position `pos` starts, for slices of `slice_bytes` each.
    size_t slice_offset(int32_t layer, int32_t head, int32_t pos, size_t slice_bytes) const {
        const size_t column = static_cast<size_t>(layer) * static_cast<size_t>(n_heads_) + static_cast<size_t>(head);
        return (column * static_cast<size_t>(n_ctx_) + static_cast<size_t>(pos)) * slice_bytes;
    }
    // A row of kv_dim values to or from its n_kv_heads slices of position `pos`.
    void store_row(KvType type, uint8_t* base, size_t slice_bytes, int32_t layer, int32_t pos, const float* x);
    void load_row(KvType type, const uint8_t* base, size_t slice_bytes, int32_t layer, int32_t pos, float* x) const;
    void store_slice(KvType type, uint8_t* dst, const float* x);
    void load_slice(KvType type, const uint8_t* src, float* x) const;
    void attend_f32(int32_t layer, int32_t n_keys, int32_t head, const float* q, int32_t n, float scale,
                    float* scores, float* out) const;

    int32_t n_layers_ = 0;
    int32_t n_ctx_ = 0;
    int32_t kv_dim_ = 0;
    int32_t head_dim_ = 0;
    int32_t n_heads_ = 0;   // KV heads: kv_dim / head_dim
    KvType k_type_ = KvType::F16;
    KvType v_type_ = KvType::F16;
    size_t k_slice_bytes_ = 0;   // one head's keys (values) at one position, as stored
    size_t v_slice_bytes_ = 0;
    // Set once any stored half is inf or NaN (a K or V value beyond f16's range): until then
    // the wasm build reads halves with a conversion that need not handle them.
    std::atomic<bool> has_inf_nan_{false};
    std::unique_ptr<uint8_t[]> k_, v_;
};

}  // namespace smollm
