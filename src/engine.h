// The one C++ face of the engine, used by web/bindings.cpp, the native tools and tests.
// It never knows it runs in a browser: the caller puts the file's bytes in memory (the web
// loader streams them there chunk by chunk) and hands the buffer over.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine_error.h"
#include "gguf/gguf_reader.h"
#include "model/kv_type.h"
#include "quant/quant.h"
#include "sample/logprobs.h"
#include "sample/sampler.h"
#include "text/tokenizer.h"

namespace smollm {

struct EngineOptions {
    int n_threads = 1;
    // 0: the model's trained context when the memory plan fits memory_limit, else the largest
    // that fits (plan_memory says which, and why).
    uint32_t context_size = 0;
    KvType kv_type_k = KvType::F16;   // how the KV cache stores keys and values
    KvType kv_type_v = KvType::F16;
    // Bytes the plan's total (file + KV cache + scratch) may take when choosing the default
    // context; 0: wasm32's 4 GiB.
    uint64_t memory_limit = 0;
    // How prompts evaluated as a batch sum (quant.h): Fast, or llama.cpp's batch orders (its
    // logits bit for bit on the types it covers, at a cost in prefill speed).
    BatchOrder batch_order = BatchOrder::Fast;
};

// What a model will need, known from its header alone (before downloading the weights).
struct MemoryPlan {
    uint64_t file_bytes = 0;
    uint64_t kv_cache_bytes = 0;
    uint64_t scratch_bytes = 0;   // activations, logits, tokenizer tables (estimate)
    uint64_t total_bytes = 0;
    uint32_t context_size = 0;    // the context this plan is for (the caller's, or the default)
    std::string context_reason;   // why that size, e.g. "the model's trained context (8192 tokens) fits ..."
};

// Throws EngineError when the header describes a model this engine cannot run
// (architecture, tensor types, missing tensors, absurd shapes), or a context that cannot fit. This is the one memory plan:
// the loader checks it against wasm32's limit and grows memory to it before any download.
// For the first part of a split model it covers that part's file (the caller adds the
// others' sizes) and estimates the scratch without the other parts' tensor types.
MemoryPlan plan_memory(const GgufFile& header, const EngineOptions& options);

// One generation's settings. The package sends every field: web/generation_options.cpp binds
// this struct and SamplingParams as Embind value objects under the names declared once in
// js/src/options/generation-fields.js (with the package's defaults and ranges); the defaults
// here serve native callers. begin_generation checks what the sampler cannot (token ids,
// empty stop strings), so a value that skipped the package's checks is still an EngineError.
struct GenerationOptions {
    SamplingParams sampling;
    std::vector<std::string> stop;   // stop strings, none empty
    int32_t max_tokens = 256;
    bool ignore_eos = false;
    int32_t prefill_chunk = 64;      // tokens evaluated per step() call during prefill
    // Constrained decoding, at most one of the two (empty: none): a GBNF grammar
    // (llama.cpp's syntax), or a JSON schema as JSON text, converted as llama.cpp's
    // json-schema-to-grammar converts it (`{"type":"object"}` is json_object mode). Tokens the
    // grammar does not allow are removed before sampling; end-of-generation tokens are allowed
    // only where the grammar is complete. A bad grammar or schema is an InvalidArgument error
    // naming the place (line and column for GBNF, the schema path for a schema).
    std::string grammar;
    std::string json_schema;
    // A lazy constraint (llama.cpp's grammar_lazy with one word trigger): with a grammar or a
    // schema, decoding is free until the output contains this text, and the constraint then
    // covers the text after it (the trigger itself is not part of the grammar). A token whose
    // text completes the trigger and goes on with text the grammar refuses is never sampled:
    // it is masked and the step samples again. Empty: the constraint holds from the first
    // token. A trigger without a grammar or schema is an InvalidArgument error.
    std::string grammar_trigger;
    // Each sampled token's log-probability (sample/logprobs.h: raw logits, before bias,
    // penalties and temperature) and its top_logprobs most likely alternatives (0..20).
    // Computed only when asked: a step without them does no extra pass over the vocabulary.
    bool logprobs = false;
    int32_t top_logprobs = 0;
    // Context shift (llama.cpp's --context-shift): when the next token would not fit, keep the
    // first n_keep prompt tokens (after a BOS, which is always kept; -1: the whole prompt),
    // discard half of the cached tokens after them and go on, the kept keys re-rotated to their
    // new positions. Off: generation ends with finish_reason "length" at the context size.
    // Off here for native callers (as llama.cpp's tools); the package turns it on by default.
    bool context_shift = false;
    int32_t n_keep = 0;
};

struct StepResult {
    enum class Kind { Prefill, Token, Done };
    Kind kind = Kind::Done;
    std::string text;            // Token: text safe to show now (may be empty mid-character)
    int32_t token = -1;          // Token: the sampled id
    int32_t prefill_done = 0;    // Prefill: prompt tokens evaluated so far
    int32_t prefill_total = 0;
    std::string finish_reason;   // Done: "stop" (EOG token or stop string) or "length"
    // Token, when GenerationOptions::logprobs: the sampled token's and the alternatives'.
    // The token that completes a stop string ends generation (Done) without them: its text
    // is not part of the output.
    bool has_logprobs = false;
    StepLogprobs logprobs;
};

class LlamaModel;   // model/llama_model.h

class Engine {
public:
    // One GGUF file held in memory: allocated with malloc, owned by the engine after load()
    // (freed with free), weights used in place.
    struct FileBuffer {
        uint8_t* bytes = nullptr;
        uint64_t size = 0;
    };
    // `parts` is one buffer for a plain file, or every file of a split model
    // (-00001-of-0000N.gguf) in order. Throws EngineError (and then frees nothing it was not
    // given: on error the caller still owns the buffers).
    static std::unique_ptr<Engine> load(std::vector<FileBuffer> parts, const EngineOptions& options);
    ~Engine();

    const GgufFile& gguf() const;
    const Tokenizer& tokenizer() const;
    int32_t n_vocab() const;
    int32_t n_ctx() const;
    int32_t n_threads() const;
    int32_t threads_at_once() const;   // how many run at once at first: the cores reported, or fewer measured
    uint64_t memory_bytes() const;   // weights + KV cache + scratch held by this engine

    // Ids for `text`, with the BOS the vocabulary asks for first when add_bos.
    std::vector<int32_t> tokenize(std::string_view text, bool parse_special, bool add_bos) const;
    // Text of `ids`; throws EngineError (InvalidArgument) for an id outside the vocabulary.
    std::string detokenize(const std::vector<int32_t>& ids, bool render_special) const;

    // Evaluates `n` tokens at positions [n_past, n_past + n); anything cached at or after
    // n_past is discarded first. Logits of every position are kept when all_logits, else only
    // the last. Throws EngineError past the context size.
    void eval(const int32_t* tokens, int32_t n, int32_t n_past, bool all_logits);
    // Logits of batch position i (all_logits) or of the last position (i = 0 otherwise).
    const float* logits(int32_t i = 0) const;
    // -log p(target) under the logits of batch position i: perplexity without copying logits.
    double neg_log_likelihood(int32_t i, int32_t target) const;
    // Tokens currently in the KV cache.
    const std::vector<int32_t>& cached_tokens() const;
    void truncate_cache(int32_t n_tokens);
    // Context shift of the cache: removes cached tokens [n_keep, n_keep + n_discard) and moves
    // the rest down, their keys re-rotated to their new positions (llama.cpp's seq_rm +
    // seq_add). What follows the removed span keeps the keys and values it was computed with
    // (they saw the removed tokens): cheaper than evaluating the rest again, and not the same.
    void shift_cache(int32_t n_keep, int32_t n_discard);
    // When `prompt` continues the cached tokens with one span of them left out (a chat that
    // dropped its oldest turns), removes that span by shift_cache so that begin_generation
    // reuses what followed it. Returns the tokens removed: 0 when no cached run after the
    // common prefix continues the prompt.
    int32_t shift_cache_to_match(const std::vector<int32_t>& prompt);

    // Generation, driven one step at a time so the caller can stop between steps.
    // Reuses the longest cached prefix of `prompt`; reused_tokens() says how many.
    void begin_generation(const std::vector<int32_t>& prompt, const GenerationOptions& options);
    StepResult step();
    int32_t reused_tokens() const;
    int32_t generated_tokens() const;
    // Context shifts during the current generation, and the cached tokens they discarded.
    int32_t context_shifts() const;
    int32_t shifted_out_tokens() const;

private:
    Engine();
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace smollm
