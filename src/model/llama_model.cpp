// The forward pass, one screen per step of a layer. Work is shared out by the pool in chunks
// of output rows (matrix products) or of tokens / (token, head) pairs (everything else),
// claimed by whichever threads are running; no dot product is ever split, so the logits are
// identical for every thread count.
#include "model/llama_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>

#include "model/flash_attention_tiled.h"
#include "model/hadamard.h"
#include "quant/quant.h"
#include "runtime/thread_pool.h"

namespace smollm {

namespace {

// Matrix rows are handed out in blocks of this many, so a kernel that tiles rows sees the
// same tiles whatever the thread count.
constexpr int64_t kRowAlign = 16;

// Chunks per thread and job: a thread that loses its core mid-job delays the job by at most
// the chunk it holds, about 1/kChunksPerThread of its share, and claiming (one
// compare-and-swap per chunk) stays far below the work of a chunk.
constexpr int64_t kChunksPerThread = 16;
// A matmul chunk has at least this many rows: in wasm each chunk widens its activations once,
// which costs about as much as a few rows of dot products.
constexpr int64_t kMinChunkRowBlocks = 4;

size_t rows_bytes(int32_t rows, int32_t cols) { return static_cast<size_t>(rows) * static_cast<size_t>(cols); }

int64_t row_blocks(const WeightMatrix& w) { return (w.rows + kRowAlign - 1) / kRowAlign; }

// One thread's share of the tiled attention's scratch, in doubles (its widened tiles).
size_t tiled_scratch_doubles(int32_t head_dim) { return (tiled_scratch_bytes(head_dim) + sizeof(double) - 1) / sizeof(double); }

}  // namespace

LlamaModel::LlamaModel(const LlamaConfig& config, LlamaWeights weights, int32_t n_ctx, KvType kv_type_k,
                       KvType kv_type_v, ThreadPool& pool, BatchOrder batch_order)
    : config_(config),
      weights_(std::move(weights)),
      cache_(config.n_layers, n_ctx, config.kv_dim, config.head_dim, kv_type_k, kv_type_v),
      rope_(n_ctx, config.n_rot, config.rope_theta, config.rope_freq_scale, weights_.rope_freq_factors),
      pool_(pool) {
    attn_scale_ = 1.0f / std::sqrt(static_cast<float>(config.head_dim));
    batch_order_ = batch_order;
    rotate_k_ = kv_type_block(kv_type_k) > 1 && hadamard_applies(config.head_dim);
    rotate_v_ = kv_type_block(kv_type_v) > 1 && hadamard_applies(config.head_dim);
    for (const WeightMatrix* m : weights_.matrices()) {
        act_stride_ = std::max(act_stride_, activation_row_bytes(m->type, m->cols));
    }
    const int32_t b = kMaxBatch;
    x_.assign(rows_bytes(b, config.dim), 0.0f);
    xb_.assign(rows_bytes(b, std::max(config.dim, config.q_dim)), 0.0f);
    xb2_.assign(rows_bytes(b, config.q_dim), 0.0f);
    q_.assign(rows_bytes(b, config.q_dim), 0.0f);
    k_.assign(rows_bytes(b, config.kv_dim), 0.0f);
    v_.assign(rows_bytes(b, config.kv_dim), 0.0f);
    hb_.assign(rows_bytes(b, config.ffn_dim), 0.0f);
    hb2_.assign(rows_bytes(b, config.ffn_dim), 0.0f);
    for (auto& a : act_) a.assign(act_stride_ * static_cast<size_t>(b), 0);
    scores_.assign(static_cast<size_t>(pool.size()) * static_cast<size_t>(n_ctx), 0.0f);
    for (const WeightMatrix* m : weights_.matrices()) {
        matmul_scratch_stride_ = std::max(matmul_scratch_stride_, matmul_scratch_bytes(m->type, m->cols));
    }
    matmul_scratch_.assign(static_cast<size_t>(pool.size()) * matmul_scratch_stride_, 0);
    // Only the llama.cpp batch order takes the tiled attention (the memory plan counts it for
    // either order: it is a few hundred KiB at most).
    if (batch_order_ == BatchOrder::LlamaCpp) {
        tiled_scratch_stride_ = tiled_scratch_doubles(config.head_dim);
        tiled_scratch_.assign(static_cast<size_t>(pool.size()) * tiled_scratch_stride_, 0.0);
    }
    scratch_bytes_ = scratch_bytes_for(config, weights_, n_ctx, pool.size());
}

uint64_t LlamaModel::scratch_bytes_for(const LlamaConfig& c, const LlamaWeights& w, int32_t n_ctx, int32_t n_threads) {
    size_t act = 0, matmul_scratch = 0;
    for (const WeightMatrix* m : w.matrices()) {
        act = std::max(act, activation_row_bytes(m->type, m->cols));
        matmul_scratch = std::max(matmul_scratch, matmul_scratch_bytes(m->type, m->cols));
    }
    const uint64_t b = kMaxBatch;
    const uint64_t floats_per_token = static_cast<uint64_t>(c.dim) + std::max(c.dim, c.q_dim) + 2ull * c.q_dim +
                                      2ull * c.kv_dim + 2ull * c.ffn_dim;
    const uint64_t rope = 2ull * static_cast<uint64_t>(n_ctx) * static_cast<uint64_t>(c.n_rot / 2) * sizeof(float);
    const uint64_t tiled = tiled_scratch_doubles(c.head_dim) * sizeof(double);
    return b * floats_per_token * sizeof(float) + 3 * b * act + static_cast<uint64_t>(n_threads) * n_ctx * sizeof(float) +
           rope + static_cast<uint64_t>(n_threads) * (matmul_scratch + tiled);
}

int64_t LlamaModel::chunk_for(int64_t n_items, int64_t min_chunk) const {
    return std::max(min_chunk, n_items / (static_cast<int64_t>(pool_.size()) * kChunksPerThread));
}

template <class Fn>
void LlamaModel::parallel_chunks(int64_t n_items, int64_t chunk, const Fn& fn) {
    // Capturing one pointer keeps the std::function in its small buffer: no allocation.
    const Fn* f = &fn;
    pool_.for_chunks(n_items, chunk, ThreadPool::ChunkFn([f](int64_t begin, int64_t end, int thread) {
        (*f)(begin, end, thread);
    }));
}

template <class Fn>
void LlamaModel::for_each_token(int32_t n, const Fn& fn) {
    parallel_chunks(n, chunk_for(n, 1), [&](int64_t begin, int64_t end, int) {
        for (int64_t t = begin; t < end; ++t) fn(static_cast<int32_t>(t));
    });
}

// The products share one job: their row blocks are numbered one after another, so threads
// that finish one matrix early move on to the next instead of waiting.
void LlamaModel::matmuls(std::initializer_list<MatmulTask> tasks, int32_t n_tokens) {
    int64_t total = 0;
    for (const MatmulTask& m : tasks) total += row_blocks(*m.w);
    parallel_chunks(total, chunk_for(total, kMinChunkRowBlocks), [&](int64_t begin, int64_t end, int thread) {
        int64_t first = 0;
        for (const MatmulTask& m : tasks) {
            const int64_t blocks = row_blocks(*m.w);
            const int64_t b0 = std::max(begin, first) - first, b1 = std::min(end, first + blocks) - first;
            if (b0 < b1) matmul_rows(*m.w, m.xq, n_tokens, m.y, m.y_stride, b0 * kRowAlign, b1 * kRowAlign, thread);
            first += blocks;
        }
    });
}

void LlamaModel::quantize_input(const float* x, int32_t t, const WeightMatrix* const* ms, int32_t count) {
    for (int32_t i = 0; i < count; ++i) {
        bool shared = false;
        for (int32_t j = 0; j < i; ++j) {
            if (activation_type_for(ms[j]->type) == activation_type_for(ms[i]->type)) shared = true;
        }
        if (!shared) {
            quantize_activation_row(ms[i]->type, x, act_[i].data() + static_cast<size_t>(t) * act_stride_, ms[i]->cols);
        }
    }
}

const uint8_t* LlamaModel::quantized_input(const WeightMatrix* const* ms, int32_t index) const {
    for (int32_t j = 0; j < index; ++j) {
        if (activation_type_for(ms[j]->type) == activation_type_for(ms[index]->type)) return act_[j].data();
    }
    return act_[index].data();
}

void LlamaModel::matmul_rows(const WeightMatrix& w, const uint8_t* xq, int32_t n_tokens, float* y, int64_t y_stride,
                             int64_t row_begin, int64_t row_end, int thread) {
    const int64_t r0 = std::min(w.rows, row_begin);
    const int64_t r1 = std::min(w.rows, row_end);
    if (r0 >= r1) return;
    uint8_t* scratch = matmul_scratch_stride_ ? &matmul_scratch_[static_cast<size_t>(thread) * matmul_scratch_stride_] : nullptr;
    matmul(w.type, w.data, w.row_bytes, w.cols, r0, r1, xq, act_stride_, n_tokens, y, y_stride, scratch, batch_order_);
}

bool LlamaModel::tiled_attention(int32_t index, int32_t total) {
    const int32_t ubatch_start = index / kLlamaUbatch * kLlamaUbatch;
    return std::min(kLlamaUbatch, total - ubatch_start) >= flash_attention::kTileQueries;
}

void LlamaModel::forward(const int32_t* tokens, int32_t n, int32_t n_past, bool all_logits, float* logits, EvalSpan span) {
    if (span.total == 0) span = EvalSpan{n, 0};
    for (int32_t done = 0; done < n; done += kMaxBatch) {
        const int32_t nb = std::min(kMaxBatch, n - done);
        const bool last_batch = done + nb == n;
        const EvalSpan sub{span.total, span.offset + done};
        pool_.begin_step(nb);
        const auto start = std::chrono::steady_clock::now();
        if (all_logits) {
            forward_batch(tokens + done, nb, n_past + done, 0, logits + static_cast<size_t>(done) * config_.n_vocab, sub);
        } else {
            forward_batch(tokens + done, nb, n_past + done, last_batch ? nb - 1 : nb, logits, sub);
        }
        // The pool compares its widths by tokens per second (runtime/slot_governor.h).
        pool_.end_step(nb, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start));
    }
}

void LlamaModel::shift_cache(int32_t n_keep, int32_t n_discard, int32_t n_used) {
    const LlamaConfig& c = config_;
    // Only the first n_rot dimensions of each head carry RoPE (the rest stay as they are),
    // as llama.cpp's K-shift view of n_rot x n_head_kv.
    // A quantized K holds Hadamard-rotated heads (model/hadamard.h): back to RoPE's basis
    // first (H is its own inverse), then rotated again for the cache.
    const KvCache::KeyRotation rerotate = [&](float* key) {
        for (int32_t h = 0; h < c.n_kv_heads; ++h) {
            float* head = key + h * c.head_dim;
            if (rotate_k_) hadamard_rotate(head, c.head_dim);
            rope_.rotate(head, -n_discard);
            if (rotate_k_) hadamard_rotate(head, c.head_dim);
        }
    };
    // One layer per work item: layers are independent and each is a few MiB at most.
    parallel_chunks(c.n_layers, 1, [&](int64_t begin, int64_t end, int) {
        for (int64_t l = begin; l < end; ++l) cache_.shift(static_cast<int32_t>(l), n_keep, n_discard, n_used, rerotate);
    });
}

// Logits are produced for batch tokens [first_out, n), row (t - first_out) of `logits`.
void LlamaModel::forward_batch(const int32_t* tokens, int32_t n, int32_t pos0, int32_t first_out, float* logits,
                               EvalSpan span) {
    const LlamaConfig& c = config_;
    const size_t dim = static_cast<size_t>(c.dim);

    for_each_token(n, [&](int32_t t) {
        const WeightMatrix& e = weights_.token_embd;
        dequantize_row(e.type, e.row(tokens[t]), &x_[t * dim], c.dim);
    });

    for (int32_t l = 0; l < c.n_layers; ++l) {
        const LayerWeights& lw = weights_.layers[static_cast<size_t>(l)];

        // Attention block: x += Wo * attention(rope(Wq xn), rope(Wk xn), Wv xn).
        const WeightMatrix* qkv[3] = {&lw.wq, &lw.wk, &lw.wv};
        for_each_token(n, [&](int32_t t) {
            rms_norm(&x_[t * dim], lw.attn_norm.data(), &xb_[t * dim], c.dim, c.norm_eps);
            quantize_input(&xb_[t * dim], t, qkv, 3);
        });
        matmuls({{&lw.wq, quantized_input(qkv, 0), q_.data(), c.q_dim},
                 {&lw.wk, quantized_input(qkv, 1), k_.data(), c.kv_dim},
                 {&lw.wv, quantized_input(qkv, 2), v_.data(), c.kv_dim}},
                n);
        attention_layer(l, n, pos0, span);
        const WeightMatrix* wo[1] = {&lw.wo};
        for_each_token(n, [&](int32_t t) { quantize_input(&xb2_[static_cast<size_t>(t) * c.q_dim], t, wo, 1); });
        matmuls({{&lw.wo, act_[0].data(), xb_.data(), c.dim}}, n);

        // Feed-forward block: x += W_down (silu(W_gate xn) * (W_up xn)).
        const WeightMatrix* gate_up[2] = {&lw.w_gate, &lw.w_up};
        for_each_token(n, [&](int32_t t) {
            float* xt = &x_[t * dim];
            const float* dt = &xb_[t * dim];
            for (size_t i = 0; i < dim; ++i) xt[i] += dt[i];
            rms_norm(xt, lw.ffn_norm.data(), &xb_[t * dim], c.dim, c.norm_eps);
            quantize_input(&xb_[t * dim], t, gate_up, 2);
        });
        matmuls({{&lw.w_gate, quantized_input(gate_up, 0), hb_.data(), c.ffn_dim},
                 {&lw.w_up, quantized_input(gate_up, 1), hb2_.data(), c.ffn_dim}},
                n);
        const WeightMatrix* down[1] = {&lw.w_down};
        for_each_token(n, [&](int32_t t) {
            float* h = &hb_[static_cast<size_t>(t) * c.ffn_dim];
            swiglu(h, &hb2_[static_cast<size_t>(t) * c.ffn_dim], c.ffn_dim);
            quantize_input(h, t, down, 1);
        });
        matmuls({{&lw.w_down, act_[0].data(), xb_.data(), c.dim}}, n);
        for_each_token(n, [&](int32_t t) {
            float* xt = &x_[t * dim];
            const float* dt = &xb_[t * dim];
            for (size_t i = 0; i < dim; ++i) xt[i] += dt[i];
        });
    }

    // Output: logits = W_out norm(x), only for the positions the caller wants.
    const int32_t n_out = n - first_out;
    if (n_out <= 0) return;
    const WeightMatrix* out[1] = {&weights_.output};
    for_each_token(n_out, [&](int32_t i) {
        const size_t t = static_cast<size_t>(first_out + i);
        rms_norm(&x_[t * dim], weights_.output_norm.data(), &xb_[t * dim], c.dim, c.norm_eps);
        quantize_input(&xb_[t * dim], i, out, 1);
    });
    matmuls({{&weights_.output, act_[0].data(), logits, c.n_vocab}}, n_out);
}

void LlamaModel::attention_layer(int32_t layer, int32_t n, int32_t pos0, EvalSpan span) {
    const LlamaConfig& c = config_;
    for_each_token(n, [&](int32_t t) {
        float* q = &q_[static_cast<size_t>(t) * c.q_dim];
        float* k = &k_[static_cast<size_t>(t) * c.kv_dim];
        for (int32_t h = 0; h < c.n_heads; ++h) rope_.apply(q + h * c.head_dim, pos0 + t);
        for (int32_t h = 0; h < c.n_kv_heads; ++h) rope_.apply(k + h * c.head_dim, pos0 + t);
        float* v = &v_[static_cast<size_t>(t) * c.kv_dim];
        // llama.cpp's rotation of the heads a quantized cache holds (model/hadamard.h).
        if (rotate_k_) {
            for (int32_t h = 0; h < c.n_heads; ++h) hadamard_rotate(q + h * c.head_dim, c.head_dim);
            for (int32_t h = 0; h < c.n_kv_heads; ++h) hadamard_rotate(k + h * c.head_dim, c.head_dim);
        }
        if (rotate_v_) {
            for (int32_t h = 0; h < c.n_kv_heads; ++h) hadamard_rotate(v + h * c.head_dim, c.head_dim);
        }
        cache_.store(layer, pos0 + t, k, v);
    });
    // A micro-batch llama.cpp evaluates with its tiled attention: one work item per head, which
    // widens each tile of that head's keys and values once for all the batch's queries.
    const bool llama_batches = batch_order_ == BatchOrder::LlamaCpp;
    if (llama_batches && cache_.tiles(c.head_dim) && tiled_attention(span.offset, span.total) &&
        tiled_attention(span.offset + n - 1, span.total)) {
        int32_t n_keys[kMaxBatch];
        for (int32_t t = 0; t < n; ++t) n_keys[t] = pos0 + t + 1;
        parallel_chunks(c.n_heads, 1, [&](int64_t begin, int64_t end, int thread) {
            void* scratch = tiled_scratch_.data() + static_cast<size_t>(thread) * tiled_scratch_stride_;
            for (int64_t h = begin; h < end; ++h) {
                const size_t col = static_cast<size_t>(h) * static_cast<size_t>(c.head_dim);
                const TiledQueries queries{&q_[col], static_cast<size_t>(c.q_dim), n_keys, n, &xb2_[col],
                                           static_cast<size_t>(c.q_dim)};
                const int32_t kv_head = static_cast<int32_t>(h) / (c.n_heads / c.n_kv_heads);
                cache_.attend_tiled(layer, kv_head * c.head_dim, queries, c.head_dim, attn_scale_, scratch);
            }
        });
        return;
    }
    // One work item per (token, head): decode spreads its heads over the threads.
    const int64_t items = static_cast<int64_t>(n) * c.n_heads;
    parallel_chunks(items, chunk_for(items, 1), [&](int64_t begin, int64_t end, int thread) {
        float* scores = &scores_[static_cast<size_t>(thread) * static_cast<size_t>(cache_.n_ctx())];
        for (int64_t i = begin; i < end; ++i) {
            const int32_t t = static_cast<int32_t>(i / c.n_heads);
            attend(layer, t, static_cast<int32_t>(i % c.n_heads), pos0 + t,
                   llama_batches && tiled_attention(span.offset + t, span.total), scores);
        }
    });
}

// Causal attention of one head of one token over cached positions [0, pos].
void LlamaModel::attend(int32_t layer, int32_t t, int32_t head, int32_t pos, bool tiled, float* scores) {
    const LlamaConfig& c = config_;
    const int32_t kv_head = head / (c.n_heads / c.n_kv_heads);
    const int32_t offset = kv_head * c.head_dim;
    const float* q = &q_[static_cast<size_t>(t) * c.q_dim + static_cast<size_t>(head) * c.head_dim];
    float* out = &xb2_[static_cast<size_t>(t) * c.q_dim + static_cast<size_t>(head) * c.head_dim];
    cache_.attend(layer, pos + 1, offset, q, c.head_dim, attn_scale_, tiled, scores, out);
    if (rotate_v_) hadamard_rotate(out, c.head_dim);   // back from the rotated values
}

}  // namespace smollm
