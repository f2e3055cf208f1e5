// A llama model ready to run: weights (views into the file), KV cache and every scratch
// buffer, all sized at construction. forward() allocates nothing.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "model/kv_cache.h"
#include "model/llama_config.h"
#include "model/llama_weights.h"
#include "model/ops.h"
#include "quant/quant.h"

namespace smollm {

class ThreadPool;

// Tokens [offset, offset + n) of an evaluation of `total` tokens (LlamaModel::forward).
struct EvalSpan {
    int32_t total = 0;    // 0: the n tokens of the call are the whole evaluation
    int32_t offset = 0;
};

class LlamaModel {
public:
    // Tokens per internal micro-batch: prefill runs matrix-matrix products over this many
    // tokens at once, and the scratch buffers are sized for it.
    static constexpr int32_t kMaxBatch = 64;

    // `batch_order`: how a batch of tokens sums (quant.h); LlamaCpp also takes llama.cpp's tiled
    // attention order for its micro-batches of 64 or more tokens (tiled_attention).
    LlamaModel(const LlamaConfig& config, LlamaWeights weights, int32_t n_ctx, KvType kv_type_k, KvType kv_type_v,
               ThreadPool& pool, BatchOrder batch_order = BatchOrder::Fast);

    // Scratch bytes a model of this shape needs (for plan_memory, before loading).
    static uint64_t scratch_bytes_for(const LlamaConfig& config, const LlamaWeights& weights, int32_t n_ctx,
                                      int32_t n_threads);

    const LlamaConfig& config() const { return config_; }
    const LlamaWeights& weights() const { return weights_; }
    int32_t n_ctx() const { return cache_.n_ctx(); }
    uint64_t kv_cache_bytes() const { return cache_.bytes(); }
    // The cache itself, for benchmarks that fill it without evaluating tokens.
    KvCache& kv_cache() { return cache_; }
    uint64_t scratch_bytes() const { return scratch_bytes_; }

    // Evaluates `tokens` at positions [n_past, n_past + n), writing keys and values into the
    // cache. Logits: n rows of n_vocab when all_logits, else the last position's row only.
    // The caller checks ids and positions (n_past + n <= n_ctx, ids < n_vocab).
    // `span`: the evaluation these tokens belong to, when a caller feeds one in several calls
    // (the engine's prefill steps): llama.cpp would evaluate all of it at once, and its
    // attention's order depends on the size of each micro-batch (kLlamaUbatch tokens).
    void forward(const int32_t* tokens, int32_t n, int32_t n_past, bool all_logits, float* logits, EvalSpan span = {});

    // llama.cpp's default micro-batch (n_ubatch of llama-cli, llama-server, node-llama-cpp):
    // an evaluation is cut into micro-batches of this many tokens, and one of at least
    // flash_attention::kTileQueries goes through its tiled attention.
    static constexpr int32_t kLlamaUbatch = 512;
    // Whether token `index` of an evaluation of `total` tokens falls in a micro-batch that
    // llama.cpp evaluates with its tiled attention.
    static bool tiled_attention(int32_t index, int32_t total);

    // Context shift: drops cached positions [n_keep, n_keep + n_discard) of every layer and
    // moves [n_keep + n_discard, n_used) down to follow them, their keys re-rotated to their
    // new positions (KvCache::shift). The caller checks n_keep + n_discard <= n_used <= n_ctx.
    void shift_cache(int32_t n_keep, int32_t n_discard, int32_t n_used);

private:
    // Items per chunk for a job of n_items: about kChunksPerThread chunks per thread.
    int64_t chunk_for(int64_t n_items, int64_t min_chunk) const;
    // fn(begin, end, thread) over [0, n_items) in chunks claimed by the pool's threads.
    template <class Fn>
    void parallel_chunks(int64_t n_items, int64_t chunk, const Fn& fn);
    template <class Fn>
    void for_each_token(int32_t n, const Fn& fn);

    // One product y = W x for the tokens of a batch (y row t at y + t * y_stride).
    struct MatmulTask {
        const WeightMatrix* w;
        const uint8_t* xq;
        float* y;
        int64_t y_stride;
    };
    void matmuls(std::initializer_list<MatmulTask> tasks, int32_t n_tokens);

    void forward_batch(const int32_t* tokens, int32_t n, int32_t pos0, int32_t first_out, float* logits, EvalSpan span);
    void attention_layer(int32_t layer, int32_t n, int32_t pos0, EvalSpan span);
    void attend(int32_t layer, int32_t t, int32_t head, int32_t pos, bool tiled, float* scores);

    // Activations are quantized once per op into one buffer per distinct activation format
    // among the matrices that share the input (e.g. Q, K and V).
    void quantize_input(const float* x, int32_t t, const WeightMatrix* const* ms, int32_t count);
    const uint8_t* quantized_input(const WeightMatrix* const* ms, int32_t index) const;
    void matmul_rows(const WeightMatrix& w, const uint8_t* xq, int32_t n_tokens, float* y, int64_t y_stride,
                     int64_t row_begin, int64_t row_end, int thread);

    LlamaConfig config_;
    LlamaWeights weights_;
    KvCache cache_;
    RopeTable rope_;
    ThreadPool& pool_;
    float attn_scale_ = 1.0f;
    BatchOrder batch_order_ = BatchOrder::Fast;
    bool rotate_k_ = false;   // Hadamard rotation of Q / K and of V heads (model/hadamard.h)
    bool rotate_v_ = false;
    size_t act_stride_ = 0;   // bytes between quantized activation rows

    // Scratch, kMaxBatch rows each.
    std::vector<float> x_, xb_, xb2_, q_, k_, v_, hb_, hb2_;
    std::vector<uint8_t> act_[3];
    std::vector<float> scores_;   // n_threads x n_ctx attention weights
    // n_threads x matmul_scratch_bytes of the widest matrix: a thread's matmul scratch, planned
    // here because which thread claims which rows changes from step to step.
    std::vector<uint8_t> matmul_scratch_;
    size_t matmul_scratch_stride_ = 0;
    // n_threads x tiled_scratch_bytes(head_dim): the tiled attention's widened tiles.
    std::vector<double> tiled_scratch_;
    size_t tiled_scratch_stride_ = 0;   // in doubles
    uint64_t scratch_bytes_ = 0;
};

}  // namespace smollm
