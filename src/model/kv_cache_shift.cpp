// KvCache::shift: the cache side of a context shift. llama.cpp leaves the kept cells where they
// are and re-rotates their keys in place (llama_kv_cache::build_graph_shift: ggml_rope_ext on
// the cache's own type, positions = the shift); our cache is position-major, so the rows move
// down to their new positions first and the same rotation is applied there. The arithmetic of
// a key is llama.cpp's: f16 -> f32, rotate (ggml's rotate_pairs, model/ops.h), f32 -> f16.
#include <cstring>
#include <vector>

#include "model/f16.h"
#include "model/kv_cache.h"

namespace smollm {

void KvCache::shift(int32_t layer, int32_t n_keep, int32_t n_discard, int32_t n_used, const KeyRotation& rerotate) {
    if (n_discard <= 0) return;
    const size_t n = static_cast<size_t>(kv_dim_);
    std::vector<float> key(n);
    uint32_t inf_or_nan = 0;
    // Increasing positions: a row is read before anything is written over it (to < from).
    for (int32_t from = n_keep + n_discard; from < n_used; ++from) {
        const size_t src = row_index(layer, from), dst = row_index(layer, from - n_discard);
        if (f16_) {
            std::memcpy(&v16_[dst], &v16_[src], n * sizeof(uint16_t));
            for (size_t i = 0; i < n; ++i) key[i] = f16_to_f32(k16_[src + i]);
            rerotate(key.data());
            for (size_t i = 0; i < n; ++i) {
                const uint16_t h = f32_to_f16(key[i]);
                k16_[dst + i] = h;
                inf_or_nan |= (h & 0x7c00u) == 0x7c00u;
            }
        } else {
            std::memcpy(&v32_[dst], &v32_[src], n * sizeof(float));
            std::memcpy(key.data(), &k32_[src], n * sizeof(float));
            rerotate(key.data());
            std::memcpy(&k32_[dst], key.data(), n * sizeof(float));
        }
    }
    if (inf_or_nan) has_inf_nan_.store(true, std::memory_order_relaxed);
}

}  // namespace smollm
