// Attention of one query head over an f16 KV cache in the order of llama.cpp's batch path:
// from 64 queries per micro-batch on (GGML_FA_TILE_Q), its CPU flash attention switches from
// the one-query kernel (model/flash_attention.h) to ggml_compute_forward_flash_attn_ext_tiled,
// which rounds differently:
//   - the query stays f32; each score is one chain of fused multiply-adds over the head's
//     dimensions (simd_gemm: acc = fma(k[d], q[d], acc), d ascending, from 0), then times scale;
//   - the keys go in tiles of 64 from position 0 (GGML_FA_TILE_KV); per tile, the running
//     maximum M grows to the tile's maximum score (the f32 sum S and the f32 accumulator of V
//     times expf(M_old - M_new) when it grows), the tile's weights are ggml_v_expf(s - M)
//     (ggml_vec_soft_max_f32: 16 lanes at a time, each group's sum by _mm512_reduce_add_ps's
//     tree, the groups added in double, that double added to S), and each V row is added to the
//     accumulator with a fused multiply-add per element, keys in order;
//   - the result is the accumulator times 1/S.
// Each query's result depends only on its own keys, not on which other queries share its tile,
// so one query at a time gives the tiled kernel's bits. The fused multiply-adds are emulated in
// double (quant/fused_madd.h: the product of an f32 and a half is exact there).
#pragma once
#include <cstdint>

#include "model/flash_attention.h"

namespace smollm {

namespace flash_attention {
// llama.cpp's GGML_FA_TILE_Q and GGML_FA_TILE_KV.
constexpr int32_t kTileQueries = 64;
constexpr int32_t kTileKeys = 64;
}  // namespace flash_attention

// out[0..head_dim) = attention of `q` over rows [0, n_keys) of `k` and `v` in the tiled order
// above. head_dim must be at most LlamaConfig::kMaxHeadDim.
void flash_attend_tiled_f16(const float* q, F16Rows k, F16Rows v, int32_t n_keys, int32_t head_dim, float scale,
                            float* out);

// Queries of one head that attend over the same cache rows, each over its own first keys, as
// the tiled kernel takes a tile of them: query i (head_dim floats at q + i * q_stride) over rows
// [0, n_keys[i]), its result to out + i * out_stride; count <= kTileQueries. In the wasm SIMD
// build each tile of keys and values is widened once for all of them; every build gives
// flash_attend_tiled_f16's bits for each query. `scratch`: tiled_scratch_bytes(head_dim) bytes,
// 16-byte aligned.
struct TiledQueries {
    const float* q;
    size_t q_stride;
    const int32_t* n_keys;
    int32_t count;
    float* out;
    size_t out_stride;
};
void flash_attend_tiled_f16_queries(const TiledQueries& queries, F16Rows k, F16Rows v, int32_t head_dim, float scale,
                                    void* scratch);
size_t tiled_scratch_bytes(int32_t head_dim);

}  // namespace smollm
