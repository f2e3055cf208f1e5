// Attention of one query head over an f16 KV cache, computed the way llama.cpp's CPU backend
// computes it. node-llama-cpp, llama-cli and llama-server create contexts with flash attention
// "auto", which resolves to on for the CPU backend, so the arithmetic to match is
// ggml_compute_forward_flash_attn_ext_f16_one_chunk as its x86 AVX-512 build (the zen4 /
// skylakex variants node-llama-cpp loads on such machines) executes it:
//   - the query is rounded to f16 and each K.q dot product is summed in the tree of
//     ggml_vec_dot_f16 (16 lanes x 4 accumulators, folded pairwise; leftovers in double);
//   - the softmax is online: a running maximum M, a running sum S in f32, and the weighted sum
//     of V kept in an f16 accumulator, rescaled (f32 product, rounded to f16) when M grows and
//     updated with a fused multiply-add rounded to f16 at every position;
//   - the result is that accumulator times 1/S.
// One row at a time, every thread count gives the same bits.
//
// Except from kSplitKeys keys on, for an f16 K and V. There llama.cpp's one-token path splits
// the keys among its threads (ggml_compute_forward_flash_attn_ext_f16's use_split_kv_path: its
// KV view, the used cells padded to 256, is at least 512 long), each with its own f16
// accumulator, and merges the parts in f32: its result depends on how many threads it runs,
// and there is no one answer to match. There the V rows are summed in f32 (closer to exact
// arithmetic than an f16 accumulator) with the softmax in two passes, without the f64
// arithmetic that rounding every multiply-add to f16 takes in wasm (with this file's K.q
// kernel, one thread's attention over 4,096 keys went from 460 to 181 ms per token of the
// SmolLM2-1.7B shape: bench/kvcache/RESULTS.md). A quantized K or V, or an f16
// one beside a quantized other, keeps llama.cpp's one-chunk order (one online softmax) at
// every length: it never splits those; only the products of a quantized K's lanes and of a
// quantized V are rounded before they are added (model/kv_kernels.h).
#pragma once
#include <cstddef>
#include <cstdint>

#include "model/kv_type.h"

namespace smollm {

// Keys / values of one head: row p starts at base + p * stride halves.
struct F16Rows {
    const uint16_t* base;
    size_t stride;
    const uint16_t* row(int32_t p) const { return base + static_cast<size_t>(p) * stride; }
};

// out[0..head_dim) = attention of `q` (head_dim f32 values) over rows [0, n_keys) of `k` and
// `v`, keys scaled by `scale`. `scores` is scratch for n_keys floats. `finite_cache` promises
// no stored half is inf or NaN (the wasm build then reads halves with a shorter conversion).
// head_dim must be at most LlamaConfig::kMaxHeadDim.
void flash_attend_f16(const float* q, F16Rows k, F16Rows v, int32_t n_keys, int32_t head_dim, float scale,
                      bool finite_cache, float* scores, float* out);

// Keys or values of one head in a cache of type F16, Q8_0 or Q4_0: row p starts at
// base + p * stride bytes and holds head_dim values (whole blocks for the quantized types).
struct KvRows {
    KvType type;
    const uint8_t* base;
    size_t stride;
    const uint8_t* row(int32_t p) const { return base + static_cast<size_t>(p) * stride; }
};

// An F16 cache's rows as halves.
inline F16Rows as_f16(KvRows r) {
    return F16Rows{reinterpret_cast<const uint16_t*>(r.base), r.stride / sizeof(uint16_t)};
}

// flash_attend_f16 for any pair of those types, as llama.cpp computes each: a quantized K
// multiplies the query quantized to Q8_0 (model/kv_kernels.h); a quantized V goes through an
// f32 accumulator instead of the f16 one. The products of both are rounded before they are
// added (where llama.cpp's FMA builds fuse them: kv_kernels.h says why). F16 K and V give flash_attend_f16's bits.
void flash_attend(const float* q, KvRows k, KvRows v, int32_t n_keys, int32_t head_dim, float scale,
                  bool finite_cache, float* scores, float* out);

// The pieces, exposed so tests can check them on their own.
namespace flash_attention {

// From this many keys on, an f16 K and V are summed in f32 (see the top of this file).
constexpr int32_t kSplitKeys = 512;

// f32 -> nearest f16 (ties to even) -> f32, as one value.
float round_to_f16(float x);

// acc[i] = round_to_f16(fma(v[i], w, acc[i])) for i < n (acc holds f16 values).
void mad_f16(float* acc, const uint16_t* v, float w, int32_t n, bool finite_cache);

}  // namespace flash_attention

}  // namespace smollm
