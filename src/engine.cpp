// The engine: GGUF parts in memory -> tokenizer + llama model + KV cache, and a generation
// loop driven one step at a time (prefill chunks, then one token per step).
#include "engine.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <new>
#include <optional>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "grammar/json_schema_to_gbnf.h"
#include "model/llama_model.h"
#include "model/model_error.h"
#include "model/tensor_table.h"
#include "runtime/thread_pool.h"

namespace smollm {

namespace {

constexpr uint32_t kMaxContext = 1u << 20;
// wasm32 tops out at 4 GiB: nothing the engine allocates may need more, and without a tighter
// limit from the caller the default context is chosen to fit in it.
constexpr uint64_t kWasmMemory = 4ull << 30;
constexpr uint64_t kMaxKvBytes = kWasmMemory;
// A default context below the trained one is a multiple of this (llama.cpp pads its cache
// to 256 cells too).
constexpr uint32_t kContextStep = 256;
constexpr int32_t kMaxThreads = 256;
// Logits of every position (all_logits) are rows x n_vocab floats: 1024 positions of a 2^22
// vocabulary would be 16 GiB, and the product wraps a 32-bit size_t. Larger requests are
// refused with an error naming this limit.
constexpr uint64_t kMaxLogitsBytes = 1ull << 30;

[[noreturn]] void fail(ErrorKind kind, const std::string& message) { throw EngineError(kind, message); }

[[noreturn]] void model_error(const ModelError& e) {
    fail(e.unsupported() ? ErrorKind::UnsupportedModel : ErrorKind::InvalidModel, e.what());
}

void check_kv_types(const LlamaConfig& c, const EngineOptions& o) {
    if ((o.kv_type_k == KvType::F32) != (o.kv_type_v == KvType::F32)) {
        fail(ErrorKind::InvalidArgument, "an f32 KV cache needs both keys and values in f32");
    }
    for (const KvType t : {o.kv_type_k, o.kv_type_v}) {
        if (c.head_dim % kv_type_block(t) != 0) {
            fail(ErrorKind::InvalidArgument, std::string("KV cache type ") + kv_type_name(t) + " needs a head size that is a multiple of " +
                 std::to_string(kv_type_block(t)) + "; this model's is " + std::to_string(c.head_dim) + ": use f16");
        }
    }
}

uint64_t kv_bytes(const LlamaConfig& c, uint32_t n_ctx, const EngineOptions& o) {
    return KvCache::bytes_for(c.n_layers, static_cast<int32_t>(n_ctx), c.kv_dim, o.kv_type_k, o.kv_type_v);
}

void check_context(const LlamaConfig& c, uint32_t n_ctx, const EngineOptions& o) {
    if (n_ctx > kMaxContext) {
        fail(ErrorKind::InvalidArgument, "context_size " + std::to_string(n_ctx) + " is too large (at most " + std::to_string(kMaxContext) +
             "); ask for a smaller context");
    }
    const uint64_t kv = kv_bytes(c, n_ctx, o);
    if (kv > kMaxKvBytes) {
        throw EngineError(ErrorKind::OutOfMemory,
                          "a context of " + std::to_string(n_ctx) + " tokens needs " + std::to_string(kv >> 20) +
                              " MiB of KV cache, more than wasm memory can hold; ask for a smaller context_size",
                          kv, kMaxKvBytes);
    }
}

std::string mib(uint64_t bytes) { return std::to_string((bytes + (1u << 19)) >> 20) + " MiB"; }

// The vocabulary size when the header has no llama.vocab_size: the embedding's rows, or for
// the first part of a split model (whose embedding may lie in another part) the token list.
int64_t vocab_hint(const GgufFile& header) {
    const GgufTensorInfo* embd = header.find_tensor("token_embd.weight");
    if (embd && embd->n_dims == 2) return static_cast<int64_t>(embd->ne[1]);
    const auto* tokens = header.get_string_array("tokenizer.ggml.tokens");
    return tokens ? static_cast<int64_t>(tokens->size()) : 0;
}

// The grammar a generation asks for (GBNF or a JSON schema), or null for none. Errors name
// the field and the place: a GBNF line and column, a schema path.
std::shared_ptr<const grammar::Grammar> compile_grammar(const GenerationOptions& o) {
    if (!o.grammar.empty() && !o.json_schema.empty()) {
        fail(ErrorKind::InvalidArgument, "give a grammar or a JSON schema, not both");
    }
    if (o.grammar.empty() && o.json_schema.empty()) {
        if (!o.grammar_trigger.empty()) fail(ErrorKind::InvalidArgument, "grammarTrigger needs a grammar or a JSON schema to switch on");
        return nullptr;
    }
    std::string gbnf = o.grammar;
    if (!o.json_schema.empty()) {
        try {
            gbnf = grammar::json_schema_to_gbnf(std::string_view(o.json_schema));
        } catch (const std::invalid_argument& e) {
            fail(ErrorKind::InvalidArgument, std::string("jsonSchema: ") + e.what());
        }
    }
    try {
        return std::make_shared<const grammar::Grammar>(grammar::parse_gbnf(gbnf));
    } catch (const grammar::GrammarError& e) {
        // The converter's output is ours: a GBNF error there is a bug, not the caller's.
        if (!o.json_schema.empty()) fail(ErrorKind::Internal, std::string("the grammar made of the JSON schema does not parse: ") + e.what());
        const std::string where = e.line() ? "line " + std::to_string(e.line()) + ", column " + std::to_string(e.column()) + ": " : "";
        fail(ErrorKind::InvalidArgument, "grammar: " + where + e.what());
    }
}

uint64_t split_count(const GgufFile& header) {
    uint64_t n = 1;
    return header.get_u64("split.count", &n) ? n : 1;
}

uint64_t tokenizer_bytes_estimate(const GgufFile& header) {
    uint64_t bytes = 0;
    // The tokenizer's tables, then the grammar's token trie (pieces, nodes, edges).
    if (const auto* tokens = header.get_string_array("tokenizer.ggml.tokens")) bytes += 2 * tokens->text_bytes() + 160 * tokens->size();
    if (const auto* merges = header.get_string_array("tokenizer.ggml.merges")) bytes += merges->text_bytes() + 64 * merges->size();
    return bytes;
}

}  // namespace

MemoryPlan plan_memory(const GgufFile& header, const EngineOptions& options) {
    try {
        const LlamaConfig config = llama_config_from_gguf(header, vocab_hint(header));
        check_kv_types(config, options);
        // An asked-for context is judged from the shape alone, before the tensors are.
        if (options.context_size != 0) check_context(config, options.context_size, options);
        const int32_t threads = std::clamp(options.n_threads, 1, kMaxThreads);
        // The other parts of a split model are not in this header: their tensor types are unknown.
        std::optional<LlamaWeights> weights;
        if (split_count(header) == 1) {
            TensorTable table;
            table.add_part(header, nullptr);
            weights = llama_weights_bind(config, table, false);
        }
        const auto plan_for = [&](uint32_t n_ctx) {
            MemoryPlan plan;
            plan.context_size = n_ctx;
            plan.file_bytes = header.file_size != 0 ? header.file_size : header.data_offset + header.data_size;
            plan.kv_cache_bytes = kv_bytes(config, n_ctx, options);
            if (weights) {
                plan.scratch_bytes = LlamaModel::scratch_bytes_for(config, *weights, static_cast<int32_t>(n_ctx), threads);
            } else {
                // Assume f32 activations.
                const uint64_t widest = static_cast<uint64_t>(std::max({config.dim, config.q_dim, config.ffn_dim}));
                plan.scratch_bytes = static_cast<uint64_t>(LlamaModel::kMaxBatch) *
                                         (4ull * config.dim + 2ull * config.q_dim + 2ull * config.kv_dim + 2ull * config.ffn_dim +
                                          3ull * widest) * sizeof(float) +
                                     static_cast<uint64_t>(threads) * n_ctx * sizeof(float) +
                                     static_cast<uint64_t>(n_ctx) * config.n_rot * sizeof(float);
            }
            plan.scratch_bytes += static_cast<uint64_t>(config.n_vocab) * sizeof(float) + tokenizer_bytes_estimate(header);
            plan.total_bytes = plan.file_bytes + plan.kv_cache_bytes + plan.scratch_bytes;
            return plan;
        };
        if (options.context_size != 0) {
            MemoryPlan plan = plan_for(options.context_size);
            plan.context_reason = "requested (context_size)";
            return plan;
        }
        // The default: the trained context if it fits the memory limit, else the largest
        // multiple of kContextStep that does (the plan grows with the context).
        const uint64_t limit = options.memory_limit != 0 ? options.memory_limit : kWasmMemory;
        const auto fits = [&](const MemoryPlan& p) { return p.total_bytes <= limit && p.kv_cache_bytes <= kMaxKvBytes; };
        // A header may state up to 2^24 trained positions: never more than the engine's limit.
        const uint32_t trained = std::min(config.n_ctx_train, kMaxContext);
        const std::string kv_types = std::string("a ") + kv_type_name(options.kv_type_k) + " K / " + kv_type_name(options.kv_type_v) + " V cache";
        MemoryPlan plan = plan_for(trained);
        if (fits(plan)) {
            plan.context_reason = "the model's trained context (" + std::to_string(trained) + " tokens) fits in " + mib(limit) +
                                  " with " + kv_types;
            return plan;
        }
        const std::string why = "the trained context of " + std::to_string(trained) + " tokens would need " + mib(plan.total_bytes) +
                                " with " + kv_types + ", more than the " + mib(limit) + " available";
        uint32_t lo = 0, hi = trained / kContextStep;   // steps: lo fits (or is 0), above hi does not
        while (lo < hi) {
            const uint32_t mid = lo + (hi - lo + 1) / 2;
            if (fits(plan_for(mid * kContextStep))) lo = mid;
            else hi = mid - 1;
        }
        if (lo == 0) {
            // Not even kContextStep tokens fit: planned at that size, the loader refuses it with the sizes.
            plan = plan_for(std::min(trained, kContextStep));
            plan.context_reason = why + "; not even " + std::to_string(plan.context_size) + " tokens fit";
            return plan;
        }
        plan = plan_for(lo * kContextStep);
        plan.context_reason = "the largest that fits: " + why;
        return plan;
    } catch (const ModelError& e) {
        model_error(e);
    }
}

struct Engine::State {
    std::vector<FileBuffer> parts;   // owned once load() succeeds
    std::vector<std::unique_ptr<GgufFile>> headers;
    TensorTable tensors;
    std::unique_ptr<Tokenizer> tokenizer;
    std::unique_ptr<ThreadPool> pool;
    std::unique_ptr<LlamaModel> model;
    std::vector<int32_t> eog_ids;

    std::vector<int32_t> cached;     // tokens whose keys and values are in the cache
    std::vector<float> logits;       // logits_rows x n_vocab
    int32_t logits_rows = 0;

    // Generation in progress.
    bool generating = false;
    bool finished = false;
    GenerationOptions options;
    std::vector<int32_t> prompt;
    std::vector<int32_t> history;    // prompt and sampled tokens, for the penalties
    int32_t prefill_next = 0;        // next prompt index to evaluate
    int32_t prefill_first = 0;       // first prompt index that was not reused
    int32_t reused = 0;
    int32_t generated = 0;
    int32_t pending_token = -1;      // sampled and shown, not yet in the cache
    int32_t keep = 0;                // prompt tokens a context shift keeps (options.n_keep + BOS)
    int32_t shifts = 0;              // context shifts of this generation
    int32_t shifted_out = 0;         // cached tokens they discarded
    std::string finish_reason;
    std::unique_ptr<Sampler> sampler;
    std::unique_ptr<StreamDetokenizer> detokenizer;
    std::unique_ptr<StopStringMatcher> stops;
    // Constrained decoding: the vocabulary's trie is built once, at load (~40 ms native, ~90 ms
    // wasm for 49,152 tokens), so a request's grammar setup is only its compile (< 1 ms); the
    // matcher and its mask live for one generation.
    std::unique_ptr<grammar::TokenTrie> trie;
    std::unique_ptr<grammar::GrammarMatcher> matcher;
    std::vector<uint32_t> mask;
    // A lazy constraint (GenerationOptions::grammar_trigger) not yet switched on: the matcher
    // waits, and trigger_tail keeps the last generated bytes that could begin the trigger.
    bool grammar_pending = false;
    std::string trigger_tail;
    std::vector<uint32_t> free_mask;   // every token but the ones a pending trigger refused

    ~State() {
        for (FileBuffer& p : parts) std::free(p.bytes);
    }

    int32_t n_vocab() const { return model->config().n_vocab; }

    // A pending lazy grammar looks at each sampled token: when the output so far plus its text
    // holds the trigger, the text after the trigger goes to the matcher and the grammar is on
    // from here. A token whose text after the trigger the grammar refuses is masked out and
    // the sampler draws again (each retry bans one more token, so this ends). Returns the
    // token kept.
    int32_t watch_trigger(int32_t token, const float* step_logits) {
        const std::string& trigger = options.grammar_trigger;
        free_mask.clear();
        for (;;) {
            const std::string window = trigger_tail + std::string(trie->piece(token));
            const size_t at = window.find(trigger);
            if (at == std::string::npos) {
                trigger_tail = window.size() < trigger.size() ? window : window.substr(window.size() - trigger.size() + 1);
                return token;
            }
            if (matcher->accept_text(std::string_view(window).substr(at + trigger.size()))) {
                grammar_pending = false;
                trigger_tail.clear();
                return token;
            }
            if (free_mask.empty()) free_mask.assign((static_cast<size_t>(n_vocab()) + 31) / 32, ~0u);
            free_mask[static_cast<size_t>(token) >> 5] &= ~(1u << (token & 31));
            try {
                token = sampler->sample(step_logits, n_vocab(), history, &free_mask);
            } catch (const std::runtime_error& e) {
                fail(ErrorKind::InvalidArgument, std::string(e.what()) + ": every token that may come next completes the grammar's trigger with text the grammar refuses");
            }
            if (tokenizer->is_end_of_generation(token)) return token;
        }
    }

    // `span`: the whole evaluation these tokens belong to when the prefill feeds a prompt in
    // steps (LlamaModel::forward; llama.cpp would evaluate the prompt at once).
    void evaluate(const int32_t* tokens, int32_t n, int32_t n_past, bool all_logits, EvalSpan span = {}) {
        const int32_t vocab = n_vocab();
        const int32_t ctx = model->n_ctx();
        if (n <= 0 || !tokens) fail(ErrorKind::InvalidArgument, "eval needs at least one token");
        if (n_past < 0 || n_past > static_cast<int32_t>(cached.size())) {
            fail(ErrorKind::InvalidArgument, "eval at position " + std::to_string(n_past) + " but only " + std::to_string(cached.size()) +
                 " tokens are cached; evaluate from a position at most the cached length");
        }
        if (static_cast<int64_t>(n_past) + n > ctx) {
            throw EngineError(ErrorKind::ContextLength,
                              "the context is full: " + std::to_string(n_past) + " + " + std::to_string(n) +
                                  " tokens exceed the context size " + std::to_string(ctx) +
                                  "; shorten the input or load with a larger context_size",
                              static_cast<uint64_t>(n_past) + static_cast<uint64_t>(n), static_cast<uint64_t>(ctx));
        }
        for (int32_t i = 0; i < n; ++i) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                fail(ErrorKind::InvalidArgument, "token id " + std::to_string(tokens[i]) + " at index " + std::to_string(i) +
                     " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
            }
        }
        const int32_t rows = all_logits ? n : 1;
        // 64-bit before anything reaches a size_t: in wasm32 rows * vocab wraps.
        const uint64_t logit_floats = static_cast<uint64_t>(rows) * static_cast<uint64_t>(vocab);
        if (logit_floats * sizeof(float) > kMaxLogitsBytes) {
            fail(ErrorKind::InvalidArgument, "keeping the logits of all " + std::to_string(rows) + " positions needs " +
                 std::to_string((logit_floats * sizeof(float)) >> 20) + " MiB (" + std::to_string(rows) + " x " +
                 std::to_string(vocab) + " floats), over the " + std::to_string(kMaxLogitsBytes >> 20) +
                 " MiB limit; evaluate fewer tokens per call when asking for every position's logits");
        }
        cached.resize(static_cast<size_t>(n_past));
        logits_rows = 0;
        // Grows only for all-positions requests larger than any before; decode never allocates.
        if (logits.size() < logit_floats) logits.resize(static_cast<size_t>(logit_floats));
        model->forward(tokens, n, n_past, all_logits, logits.data(), span);
        cached.insert(cached.end(), tokens, tokens + n);
        logits_rows = rows;
    }

    // Removes cached tokens [n_keep, n_keep + n_discard), moving the rest down.
    void shift(int32_t n_keep, int32_t n_discard) {
        model->shift_cache(n_keep, n_discard, static_cast<int32_t>(cached.size()));
        cached.erase(cached.begin() + n_keep, cached.begin() + n_keep + n_discard);
        logits_rows = 0;
    }

    // llama.cpp's context shift (tools/completion): keep the first `keep` tokens, discard half
    // of the rest. False when nothing after them can be discarded.
    bool shift_context() {
        const int32_t used = static_cast<int32_t>(cached.size());
        const int32_t n_discard = (used - keep) / 2;
        if (n_discard < 1) return false;
        shift(keep, n_discard);
        ++shifts;
        shifted_out += n_discard;
        // The penalties' history would grow with every token: past twice the context it keeps
        // the last n_ctx tokens (the penalty window then reaches back at most that far).
        const size_t n_ctx = static_cast<size_t>(model->n_ctx());
        if (history.size() > 2 * n_ctx) history.erase(history.begin(), history.end() - static_cast<std::ptrdiff_t>(n_ctx));
        return true;
    }

    StepResult finish(const std::string& reason) {
        finished = true;
        finish_reason = reason;
        StepResult r;
        r.kind = StepResult::Kind::Done;
        r.finish_reason = reason;
        const StopStringMatcher::Result tail = stops->push(detokenizer->flush());
        r.text = tail.emit;
        if (!tail.stopped) r.text += stops->flush();
        return r;
    }
};

Engine::Engine() : s_(std::make_unique<State>()) {}
Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::load(std::vector<FileBuffer> parts, const EngineOptions& options) {
    if (parts.empty()) fail(ErrorKind::InvalidArgument, "no file given: pass the GGUF file's bytes (or every part of a split model)");
    std::unique_ptr<Engine> engine(new Engine());
    State& s = *engine->s_;
    try {
        for (size_t i = 0; i < parts.size(); ++i) {
            const FileBuffer& p = parts[i];
            if (!p.bytes || p.size == 0) fail(ErrorKind::InvalidModel, "part " + std::to_string(i + 1) + " is empty; the download did not complete");
            GgufParseResult r = gguf_parse(p.bytes, p.size, p.size);
            const std::string which = parts.size() > 1 ? "part " + std::to_string(i + 1) + ": " : "";
            if (r.status == GgufParseResult::Status::NeedMore) {
                fail(ErrorKind::InvalidModel, which + "the file is truncated (its header needs at least " + std::to_string(r.bytes_needed) +
                     " bytes, the file has " + std::to_string(p.size) + "); download it again");
            }
            if (r.status != GgufParseResult::Status::Complete) {
                fail(r.unsupported ? ErrorKind::UnsupportedModel : ErrorKind::InvalidModel, which + "not a valid GGUF file: " + r.error);
            }
            s.headers.push_back(std::move(r.file));
        }
        const GgufFile& first = *s.headers[0];
        const uint64_t n_split = split_count(first);
        if (n_split != parts.size()) {
            fail(ErrorKind::InvalidArgument, "the model is split into " + std::to_string(n_split) + " files but " + std::to_string(parts.size()) +
                 " were given; pass every part (-00001-of-N.gguf ...) in order");
        }
        for (size_t i = 0; i < parts.size(); ++i) {
            uint64_t no = i;
            if (parts.size() > 1 && (!s.headers[i]->get_u64("split.no", &no) || no != i)) {
                fail(ErrorKind::InvalidArgument, "part " + std::to_string(i + 1) + " is not split part " + std::to_string(i + 1) +
                     " of this model; pass the parts in order");
            }
            s.tensors.add_part(*s.headers[i], parts[i].bytes);
        }

        const TensorRef* embd = s.tensors.find("token_embd.weight");
        const int64_t hint = embd && embd->info->n_dims == 2 ? static_cast<int64_t>(embd->info->ne[1]) : 0;
        const LlamaConfig config = llama_config_from_gguf(first, hint);
        check_kv_types(config, options);
        const uint32_t n_ctx = plan_memory(first, options).context_size;
        LlamaWeights weights = llama_weights_bind(config, s.tensors, true);

        try {
            s.tokenizer = Tokenizer::from_gguf(first);
        } catch (const UnsupportedTokenizer& e) {
            fail(ErrorKind::UnsupportedModel, std::string("the file's tokenizer cannot be used: ") + e.what());
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception& e) {
            fail(ErrorKind::InvalidModel, std::string("the file's tokenizer cannot be used: ") + e.what());
        }
        if (s.tokenizer->n_vocab() != config.n_vocab) {
            fail(ErrorKind::InvalidModel, "the tokenizer has " + std::to_string(s.tokenizer->n_vocab()) + " tokens but the model's embedding has " +
                 std::to_string(config.n_vocab) + " rows; the file is inconsistent");
        }
        for (int32_t id = 0; id < config.n_vocab; ++id) {
            if (s.tokenizer->is_end_of_generation(id)) s.eog_ids.push_back(id);
        }
        s.trie = std::make_unique<grammar::TokenTrie>(grammar::TokenTrie::from_tokenizer(*s.tokenizer));

        // At most as many threads run at once as the platform reports cores, fewer where a
        // probe at start finds fewer really running (runtime/concurrency_probe.h).
        s.pool = std::make_unique<ThreadPool>(std::clamp(options.n_threads, 1, kMaxThreads), 0, /*adaptive=*/true,
                                              /*measure=*/true);
        s.model = std::make_unique<LlamaModel>(config, std::move(weights), static_cast<int32_t>(n_ctx), options.kv_type_k,
                                                options.kv_type_v, *s.pool, options.batch_order);
        s.logits.assign(static_cast<size_t>(config.n_vocab), 0.0f);
        s.cached.reserve(n_ctx);
    } catch (const ModelError& e) {
        model_error(e);
    } catch (const std::bad_alloc&) {
        fail(ErrorKind::OutOfMemory, "out of memory while preparing the model; close other tabs or ask for a smaller context_size");
    }
    // Ownership passes only now: on any error above the caller still owns the buffers.
    s.parts = std::move(parts);
    return engine;
}

const GgufFile& Engine::gguf() const { return *s_->headers[0]; }
const Tokenizer& Engine::tokenizer() const { return *s_->tokenizer; }
int32_t Engine::n_vocab() const { return s_->n_vocab(); }
int32_t Engine::n_ctx() const { return s_->model->n_ctx(); }
int32_t Engine::n_threads() const { return s_->pool->size(); }
int32_t Engine::threads_at_once() const { return s_->pool->running_at_start(); }

uint64_t Engine::memory_bytes() const {
    uint64_t bytes = 0;
    for (const FileBuffer& p : s_->parts) bytes += p.size;
    return bytes + s_->model->kv_cache_bytes() + s_->model->scratch_bytes() + s_->logits.capacity() * sizeof(float);
}

void Engine::eval(const int32_t* tokens, int32_t n, int32_t n_past, bool all_logits) {
    s_->generating = false;
    s_->evaluate(tokens, n, n_past, all_logits);
}

const float* Engine::logits(int32_t i) const {
    if (i < 0 || i >= s_->logits_rows) {
        fail(ErrorKind::InvalidArgument, "no logits for batch position " + std::to_string(i) + " (the last eval kept " + std::to_string(s_->logits_rows) +
             " rows; pass all_logits to keep every position)");
    }
    return s_->logits.data() + static_cast<size_t>(i) * n_vocab();
}

double Engine::neg_log_likelihood(int32_t i, int32_t target) const {
    const float* l = logits(i);
    const int32_t n = n_vocab();
    if (target < 0 || target >= n) {
        fail(ErrorKind::InvalidArgument,
             "target token id " + std::to_string(target) + " is outside the vocabulary [0, " + std::to_string(n) + ")");
    }
    return log_sum_exp(l, n) - static_cast<double>(l[target]);
}

std::vector<int32_t> Engine::tokenize(std::string_view text, bool parse_special, bool add_bos) const {
    const Tokenizer& tok = *s_->tokenizer;
    std::vector<int32_t> ids;
    if (add_bos && tok.add_bos() && tok.bos_id() >= 0) ids.push_back(tok.bos_id());
    const std::vector<int32_t> body = tok.encode(text, parse_special);
    ids.insert(ids.end(), body.begin(), body.end());
    return ids;
}

std::string Engine::detokenize(const std::vector<int32_t>& ids, bool render_special) const {
    for (size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0 || ids[i] >= n_vocab()) {
            fail(ErrorKind::InvalidArgument, "token id " + std::to_string(ids[i]) + " at index " + std::to_string(i) +
                                                 " is outside the vocabulary [0, " + std::to_string(n_vocab()) + ")");
        }
    }
    return s_->tokenizer->decode(ids.data(), ids.size(), render_special);
}

const std::vector<int32_t>& Engine::cached_tokens() const { return s_->cached; }

void Engine::truncate_cache(int32_t n_tokens) {
    if (n_tokens < 0) fail(ErrorKind::InvalidArgument, "truncate_cache needs a non-negative length");
    if (static_cast<size_t>(n_tokens) < s_->cached.size()) {
        s_->cached.resize(static_cast<size_t>(n_tokens));
        s_->logits_rows = 0;
    }
    s_->generating = false;
}

void Engine::shift_cache(int32_t n_keep, int32_t n_discard) {
    State& s = *s_;
    const int64_t used = static_cast<int64_t>(s.cached.size());
    if (n_keep < 0 || n_discard < 0 || static_cast<int64_t>(n_keep) + n_discard > used) {
        fail(ErrorKind::InvalidArgument, "shift_cache(" + std::to_string(n_keep) + ", " + std::to_string(n_discard) + ") needs 0 <= n_keep, 0 <= n_discard and n_keep + n_discard <= " +
             std::to_string(used) + " (the cached tokens)");
    }
    s.generating = false;
    if (n_discard > 0) s.shift(n_keep, n_discard);
}

int32_t Engine::shift_cache_to_match(const std::vector<int32_t>& prompt) {
    State& s = *s_;
    // A shorter run is not worth re-using keys computed in another context.
    constexpr size_t kMinRun = 4;
    const std::vector<int32_t>& cached = s.cached;
    if (prompt.size() < 2) return 0;
    const size_t last = prompt.size() - 1;   // the last prompt token is always evaluated again
    size_t common = 0;
    while (common < last && common < cached.size() && cached[common] == prompt[common]) ++common;
    if (common >= last || common >= cached.size()) return 0;
    size_t best_at = 0, best_run = 0;
    for (size_t at = common + 1; at < cached.size(); ++at) {
        size_t run = 0;
        while (common + run < last && at + run < cached.size() && cached[at + run] == prompt[common + run]) ++run;
        if (run > best_run) {
            best_run = run;
            best_at = at;
        }
    }
    if (best_run < kMinRun) return 0;
    const int32_t removed = static_cast<int32_t>(best_at - common);
    s.generating = false;
    s.shift(static_cast<int32_t>(common), removed);
    return removed;
}

void Engine::begin_generation(const std::vector<int32_t>& prompt, const GenerationOptions& options) {
    State& s = *s_;
    if (prompt.empty()) fail(ErrorKind::InvalidArgument, "the prompt is empty; give at least one token");
    // A prompt that fills the context leaves no room for a single new token.
    if (static_cast<int64_t>(prompt.size()) >= n_ctx()) {
        throw EngineError(ErrorKind::ContextLength,
                          "the prompt has " + std::to_string(prompt.size()) + " tokens but the context holds " +
                              std::to_string(n_ctx()) + "; shorten the prompt or load with a larger context_size",
                          prompt.size(), static_cast<uint64_t>(n_ctx()));
    }
    for (size_t i = 0; i < prompt.size(); ++i) {
        if (prompt[i] < 0 || prompt[i] >= n_vocab()) {
            fail(ErrorKind::InvalidArgument, "prompt token id " + std::to_string(prompt[i]) + " at index " + std::to_string(i) + " is outside the vocabulary");
        }
    }
    if (options.max_tokens < 0) fail(ErrorKind::InvalidArgument, "max_tokens must be zero or more");
    if (options.n_keep < -1) fail(ErrorKind::InvalidArgument, "n_keep must be -1 (the whole prompt) or more, got " + std::to_string(options.n_keep));
    if (options.top_logprobs < 0 || options.top_logprobs > kMaxTopLogprobs) {
        fail(ErrorKind::InvalidArgument, "top_logprobs must be between 0 and " + std::to_string(kMaxTopLogprobs) + ", got " +
                                             std::to_string(options.top_logprobs));
    }
    if (options.top_logprobs > 0 && !options.logprobs) fail(ErrorKind::InvalidArgument, "top_logprobs needs logprobs to be true");
    // The sampler skips ids outside the vocabulary; a caller that names one made a mistake.
    for (const auto& [id, bias] : options.sampling.logit_bias) {
        if (id < 0 || id >= n_vocab()) {
            fail(ErrorKind::InvalidArgument, "logit_bias: token id " + std::to_string(id) +
                                                 " is not a token of the vocabulary [0, " + std::to_string(n_vocab()) + ")");
        }
        // -Infinity bans a token; NaN or +Infinity would make every probability NaN.
        if (std::isnan(bias) || bias == INFINITY) {
            fail(ErrorKind::InvalidArgument, "logit_bias: a bias must be a finite number or -Infinity");
        }
    }
    // The matcher would skip an empty stop string: a caller that sends one made a mistake.
    for (const std::string& stop : options.stop) {
        if (stop.empty()) fail(ErrorKind::InvalidArgument, "stop: a stop string is empty (give non-empty strings)");
    }

    // Before any state changes: a bad grammar leaves the engine as it was.
    std::shared_ptr<const grammar::Grammar> constraint = compile_grammar(options);

    // The last prompt token is always evaluated again: its logits pick the first new token.
    size_t common = 0;
    while (common + 1 < prompt.size() && common < s.cached.size() && s.cached[common] == prompt[common]) ++common;
    s.cached.resize(common);
    s.logits_rows = 0;

    s.options = options;
    if (s.options.prefill_chunk <= 0) s.options.prefill_chunk = static_cast<int32_t>(prompt.size());
    SamplingParams sampling = options.sampling;
    if (options.ignore_eos) {
        for (int32_t id : s.eog_ids) sampling.logit_bias.emplace_back(id, -INFINITY);
    }
    try {
        s.sampler = std::make_unique<Sampler>(sampling);
    } catch (const std::invalid_argument& e) {
        fail(ErrorKind::InvalidArgument, e.what());
    }
    s.detokenizer = std::make_unique<StreamDetokenizer>(*s.tokenizer);
    s.stops = std::make_unique<StopStringMatcher>(options.stop);
    s.matcher.reset();
    if (constraint) {
        s.matcher = std::make_unique<grammar::GrammarMatcher>(std::move(constraint));
    }
    s.grammar_pending = s.matcher && !options.grammar_trigger.empty();
    s.trigger_tail.clear();
    s.prompt = prompt;
    s.history = prompt;
    // Without a context shift generation stops when the context is full, and with one the
    // history is trimmed past twice the context (State::shift_context): a request's max_tokens
    // (5e8) never sizes memory.
    const int64_t most = options.context_shift ? 2ll * n_ctx() + 1 : n_ctx() + 1;
    s.history.reserve(static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(prompt.size()) + options.max_tokens, most)));
    const int32_t bos = tokenizer().bos_id() >= 0 && prompt[0] == tokenizer().bos_id() ? 1 : 0;
    const int64_t keep = options.n_keep < 0 ? static_cast<int64_t>(prompt.size()) : static_cast<int64_t>(options.n_keep) + bos;
    s.keep = static_cast<int32_t>(std::min<int64_t>(keep, static_cast<int64_t>(prompt.size())));
    s.shifts = 0;
    s.shifted_out = 0;
    s.reused = static_cast<int32_t>(common);
    s.prefill_first = s.reused;
    s.prefill_next = s.reused;
    s.generated = 0;
    s.pending_token = -1;
    s.finished = false;
    s.finish_reason.clear();
    s.generating = true;
}

StepResult Engine::step() {
    State& s = *s_;
    if (!s.generating) fail(ErrorKind::InvalidArgument, "step() needs begin_generation() first (eval and truncate_cache end a generation)");
    if (s.finished) {
        StepResult r;
        r.kind = StepResult::Kind::Done;
        r.finish_reason = s.finish_reason;
        return r;
    }

    const int32_t prompt_len = static_cast<int32_t>(s.prompt.size());
    if (s.prefill_next < prompt_len) {
        const int32_t n = std::min(s.options.prefill_chunk, prompt_len - s.prefill_next);
        s.evaluate(s.prompt.data() + s.prefill_next, n, s.prefill_next, false,
                   EvalSpan{prompt_len - s.prefill_first, s.prefill_next - s.prefill_first});
        s.prefill_next += n;
        StepResult r;
        r.kind = StepResult::Kind::Prefill;
        r.prefill_done = s.prefill_next - s.prefill_first;
        r.prefill_total = prompt_len - s.prefill_first;
        return r;
    }

    // The last sampled token is evaluated only when another one is wanted.
    if (s.generated >= s.options.max_tokens) return s.finish("length");
    if (s.pending_token >= 0) {
        if (static_cast<int32_t>(s.cached.size()) >= n_ctx() && !(s.options.context_shift && s.shift_context())) {
            return s.finish("length");
        }
        const int32_t token = s.pending_token;
        s.evaluate(&token, 1, static_cast<int32_t>(s.cached.size()), false);
        s.pending_token = -1;
    }

    const std::vector<uint32_t>* allowed = nullptr;
    if (s.matcher && !s.grammar_pending) {
        const grammar::MaskResult m = s.matcher->fill_mask(*s.trie, s.mask);
        size_t n_allowed = m.n_allowed;
        if (m.end_allowed && s.options.ignore_eos) {
            // ignore_eos goes on only where the grammar can: its end-of-generation tokens are out.
            for (int32_t id : s.trie->end_of_generation_tokens()) {
                uint32_t& word = s.mask[static_cast<size_t>(id) >> 5];
                if (word >> (id & 31) & 1u) {
                    word &= ~(1u << (id & 31));
                    --n_allowed;
                }
            }
        }
        // The grammar is complete and allows nothing more: the output is whole.
        if (n_allowed == 0 && m.end_allowed) return s.finish("stop");
        if (n_allowed == 0) {
            fail(ErrorKind::InvalidArgument, "the grammar allows no token of this model's vocabulary after " + std::to_string(s.generated) +
                 " generated tokens (it needs text that no token can start); change the grammar");
        }
        allowed = &s.mask;
    }

    int32_t token = -1;
    try {
        token = s.sampler->sample(logits(0), n_vocab(), s.history, allowed);
    } catch (const std::runtime_error& e) {
        if (allowed && !s.options.sampling.logit_bias.empty()) {
            fail(ErrorKind::InvalidArgument, std::string(e.what()) + ": logit_bias bans every token the grammar allows here");
        }
        // Found by fuzz_model_eval: weights that give NaN or -inf logits everywhere.
        fail(ErrorKind::Internal, std::string(e.what()) + ": the model's logits are NaN or -inf for every token (corrupt weights?), "
             "or logit_bias bans every token");
    }
    if (s.grammar_pending && !s.tokenizer->is_end_of_generation(token)) token = s.watch_trigger(token, logits(0));
    // Only a complete grammar allows an end-of-generation token, which the checks below end on.
    // The token that switched a lazy grammar on was accepted by watch_trigger.
    else if (s.matcher && !s.grammar_pending && !s.matcher->accept_token(*s.trie, token)) {
        fail(ErrorKind::Internal, "the grammar refused token " + std::to_string(token) + ", which its own mask allowed");
    }
    if (!s.options.ignore_eos && s.tokenizer->is_end_of_generation(token)) return s.finish("stop");
    s.history.push_back(token);
    ++s.generated;
    s.pending_token = token;

    const StopStringMatcher::Result shown = s.stops->push(s.detokenizer->push(token));
    if (shown.stopped) {
        s.finished = true;
        s.finish_reason = "stop";
        StepResult r;
        r.kind = StepResult::Kind::Done;
        r.finish_reason = "stop";
        r.text = shown.emit;
        r.token = token;
        return r;
    }
    StepResult r;
    r.kind = StepResult::Kind::Token;
    r.text = shown.emit;
    r.token = token;
    if (s.options.logprobs) {
        // The cache still holds the logits the token was sampled from: the pending token is
        // evaluated only at the next step.
        token_logprobs(logits(0), n_vocab(), token, s.options.top_logprobs, r.logprobs);
        r.has_logprobs = true;
    }
    return r;
}

int32_t Engine::reused_tokens() const { return s_->reused; }
int32_t Engine::generated_tokens() const { return s_->generated; }
int32_t Engine::context_shifts() const { return s_->shifts; }
int32_t Engine::shifted_out_tokens() const { return s_->shifted_out; }

}  // namespace smollm
