// KvCache::shift: the cache side of a context shift. llama.cpp leaves the kept cells where they
// are and re-rotates their keys in place (llama_kv_cache::build_graph_shift: ggml_rope_ext on
// the cache's own type, positions = the shift); our attention reads positions [0, n_used) of
// each head as one run, so the rows move down to their new positions first and the same
// rotation is applied there. The arithmetic of a key is llama.cpp's: f16 -> f32, rotate
// (ggml's rotate_pairs, model/ops.h), f32 -> f16; a quantized key is dequantized, re-rotated
// and quantized again (the caller undoes and redoes the Hadamard rotation of a quantized K
// around the RoPE step: model/hadamard.h).
#include <cstring>
#include <vector>

#include "model/kv_cache.h"

namespace smollm {

void KvCache::shift(int32_t layer, int32_t n_keep, int32_t n_discard, int32_t n_used, const KeyRotation& rerotate) {
    if (n_discard <= 0) return;
    std::vector<float> key(static_cast<size_t>(kv_dim_));
    // Increasing positions: a row is read before anything is written over it (to < from).
    // Values move as stored; a key is widened to f32 (load_k: f16 or dequantized blocks),
    // re-rotated and stored back in the cache's type (store_k: f16 rounding or quantizing).
    for (int32_t from = n_keep + n_discard; from < n_used; ++from) {
        const int32_t to = from - n_discard;
        move_row(layer, from, to);
        load_k(layer, to, key.data());
        rerotate(key.data());
        store_k(layer, to, key.data());
    }
}

}  // namespace smollm
