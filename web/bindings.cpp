// Embind glue between js/ and the engine (src/engine.h). Thin on purpose: it converts
// arguments, turns C++ exceptions into JS errors that keep their message, and hands logits
// out as typed-array views into wasm memory. Every size is a double on the JS side (files
// and memory go past 2^31); pointers are plain numbers the JS reads as unsigned.
#include <emscripten.h>
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "engine.h"
#include "gguf_json.h"
#include "text/json_string.h"
#include "runtime/thread_pool.h"
#include "util/sha256.h"

using emscripten::val;

namespace smollm {
namespace {

// Throws a JS Error (not a C++ exception) so the message survives into the worker and page.
// The message lives in a static buffer: nothing on the C++ stack needs destroying when the
// JS throw unwinds through wasm frames.
EM_JS(void, throw_js_error, (const char* name, const char* message), {
    const error = new Error(UTF8ToString(message));
    error.name = UTF8ToString(name);
    throw error;
});

std::string& error_buffer() {
    static std::string buffer;
    return buffer;
}

constexpr const char* kOutOfMemory = "out of wasm memory (the 4 GB address space is exhausted): use a smaller "
                                     "model, a smaller quantization or a smaller context size";

// Runs `f`; any C++ exception becomes a JS Error named `name` (or "OutOfMemoryError"). Every
// Embind entry point that can throw goes through here: an exception that reached JS on its own
// would arrive as a bare number. Out of memory, the message is a constant (copying one could
// fail again).
template <class F>
auto guarded(const char* name, F&& f) -> decltype(f()) {
    const char* error_name = name;
    const char* message = kOutOfMemory;
    try {
        return f();
    } catch (const std::bad_alloc&) {
        error_name = "OutOfMemoryError";
    } catch (const std::exception& e) {
        try {
            error_buffer() = e.what();
            message = error_buffer().c_str();
        } catch (const std::bad_alloc&) {
            error_name = "OutOfMemoryError";
        }
    } catch (...) {
        // Not a std::exception. Seen only with wasm memory exhausted to the last bytes, where
        // the exception machinery itself cannot match types any more.
        message = "unexpected internal error (wasm memory may be exhausted)";
    }
    throw_js_error(error_name, message);
    __builtin_unreachable();
}

// A (pointer, size) pair from JS as a range of wasm memory: both whole numbers, the range
// inside the heap. A size past 2^32 (a header that lies) must never be cast to a 32-bit size_t.
uint8_t* heap_range(double ptr, double size, const char* what) {
    const double heap = static_cast<double>(emscripten_get_heap_size());
    if (!(ptr >= 0 && size >= 0 && ptr == std::floor(ptr) && size == std::floor(size) && ptr + size <= heap)) {
        throw EngineError(std::string(what) + ": " + std::to_string(size) + " bytes at " + std::to_string(ptr) +
                          " are not inside wasm memory (" + std::to_string(heap) + " bytes)");
    }
    return reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(ptr));
}

// A count from JS as uint32, saturating (UB, a trap in wasm, for a double out of range).
uint32_t saturate_u32(double d) {
    if (!(d > 0)) return 0;
    return d >= 4294967295.0 ? UINT32_MAX : static_cast<uint32_t>(d);
}

std::vector<int32_t> to_tokens(const val& array) {
    return emscripten::convertJSArrayToNumberVector<int32_t>(array);
}

val memory_plan_object(const MemoryPlan& plan) {
    val o = val::object();
    o.set("fileBytes", static_cast<double>(plan.file_bytes));
    o.set("kvCacheBytes", static_cast<double>(plan.kv_cache_bytes));
    o.set("scratchBytes", static_cast<double>(plan.scratch_bytes));
    o.set("totalBytes", static_cast<double>(plan.total_bytes));
    return o;
}

// Parses the header from the first `available` bytes of a file of `file_size` bytes (0 when
// unknown). Result: {status: "complete" | "need_more" | "error", bytesNeeded, error,
// header (JSON text), plan | planError}. The plan is computed for `context_size` (0: the
// model's default) and says whether the engine can run this model at all.
val probe_header_unguarded(double ptr, double available, double file_size, double context_size, bool kv_f16,
                           bool with_tensors) {
    if (!(file_size >= 0 && file_size < 18446744073709551616.0)) throw EngineError("probeHeader: bad file size");
    GgufParseResult r = gguf_parse(heap_range(ptr, available, "probeHeader"), static_cast<uint64_t>(available),
                                   static_cast<uint64_t>(file_size));
    val o = val::object();
    switch (r.status) {
        case GgufParseResult::Status::NeedMore:
            o.set("status", std::string("need_more"));
            o.set("bytesNeeded", static_cast<double>(r.bytes_needed));
            return o;
        case GgufParseResult::Status::Error:
            o.set("status", std::string("error"));
            o.set("error", r.error);
            return o;
        case GgufParseResult::Status::Complete:
            break;
    }
    o.set("status", std::string("complete"));
    o.set("header", gguf_header_json(*r.file, 64, with_tensors));
    o.set("typeHistogram", gguf_type_histogram_json(*r.file));
    EngineOptions options;
    options.context_size = saturate_u32(context_size);
    options.kv_f16 = kv_f16;
    try {
        o.set("plan", memory_plan_object(plan_memory(*r.file, options)));
    } catch (const std::exception& e) {
        o.set("planError", std::string(e.what()));
    }
    return o;
}

// Any failure, an allocation failure in the reader included, reaches JS as an Error.
val probe_header(double ptr, double available, double file_size, double context_size, bool kv_f16,
                 bool with_tensors) {
    return guarded("EngineError", [&] {
        return probe_header_unguarded(ptr, available, file_size, context_size, kv_f16, with_tensors);
    });
}

// Grows wasm memory once, to the current break plus `bytes` (the memory plan's total, known
// from the header), so that the file buffer, KV cache and scratch that follow fit without
// further growth. Growing in one step to the planned size keeps the heap from overshooting
// (each later growth adds at most MEMORY_GROWTH_GEOMETRIC_CAP) and makes a browser that
// cannot give that much memory fail before the weights are downloaded. False when it cannot.
bool reserve_memory(double bytes) {
    if (!(bytes >= 0)) return false;
    const double target = static_cast<double>(reinterpret_cast<uintptr_t>(sbrk(0))) + bytes;
    if (target > static_cast<double>(emscripten_get_heap_max())) return false;
    if (target <= static_cast<double>(emscripten_get_heap_size())) return true;
    return emscripten_resize_heap(static_cast<size_t>(target)) != 0;
}

// One loaded model. Owns the engine, which owns the file buffers JS filled.
class WebEngine {
public:
    // parts: [{ptr, size}, ...] of malloc'ed buffers holding complete files. On success the
    // engine owns them; on error (a thrown JS Error) the caller still does and frees them.
    static WebEngine* load(val parts, double n_threads, double context_size, bool kv_f16) {
        return guarded("EngineLoadError", [&] {
            std::vector<Engine::FileBuffer> buffers;
            const auto n = parts["length"].as<uint32_t>();
            for (uint32_t i = 0; i < n; ++i) {
                const double size = parts[i]["size"].as<double>();
                Engine::FileBuffer b;
                b.bytes = heap_range(parts[i]["ptr"].as<double>(), size, "Engine.load");
                b.size = static_cast<uint64_t>(size);
                buffers.push_back(b);
            }
            EngineOptions options;
            options.n_threads = static_cast<int>(std::min<uint32_t>(saturate_u32(n_threads), 1024));
            options.context_size = saturate_u32(context_size);
            options.kv_f16 = kv_f16;
            auto* web = new WebEngine();
            try {
                web->engine_ = Engine::load(std::move(buffers), options);
            } catch (...) {
                delete web;
                throw;
            }
            return web;
        });
    }

    std::string info_json() const {
        return guarded("EngineError", [&] {
            const Engine& e = *engine_;
            const Tokenizer& tok = e.tokenizer();
            std::string template_text;
            const bool has_template = e.gguf().get_string("tokenizer.chat_template", &template_text);
            uint64_t trained_ctx = 0;
            e.gguf().arch_u64("context_length", &trained_ctx);
            std::string out = "{\"architecture\":";
            json_append_string(out, e.gguf().architecture());
            out += ",\"contextSize\":" + std::to_string(e.n_ctx());
            out += ",\"trainedContextSize\":" + std::to_string(trained_ctx);
            out += ",\"threads\":" + std::to_string(e.n_threads());
            out += ",\"memoryBytes\":" + std::to_string(e.memory_bytes());
            out += ",\"nVocab\":" + std::to_string(e.n_vocab());
            out += ",\"bosId\":" + std::to_string(tok.bos_id());
            out += ",\"eosId\":" + std::to_string(tok.eos_id());
            out += std::string(",\"addBos\":") + (tok.add_bos() ? "true" : "false");
            out += ",\"tokenizerModel\":";
            json_append_string(out, std::string(tok.model_name()));
            out += ",\"preTokenizer\":";
            json_append_string(out, std::string(tok.pre_tokenizer()));
            out += ",\"chatTemplate\":";
            if (has_template) json_append_string(out, template_text); else out += "null";
            out += ",\"tensorTypes\":" + gguf_type_histogram_json(e.gguf());
            out += ",\"header\":" + gguf_header_json(e.gguf(), 64, false);
            out += '}';
            return out;
        });
    }

    // Ids for `text`, with the BOS the vocabulary asks for when add_bos.
    val tokenize(const std::string& text, bool parse_special, bool add_bos) {
        return guarded("EngineError", [&] {
            const Tokenizer& tok = engine_->tokenizer();
            ids_.clear();
            if (add_bos && tok.add_bos() && tok.bos_id() >= 0) ids_.push_back(tok.bos_id());
            const auto body = tok.encode(text, parse_special);
            ids_.insert(ids_.end(), body.begin(), body.end());
            // A view into ids_: the JS copies it before the next call.
            return val(emscripten::typed_memory_view(ids_.size(), ids_.data()));
        });
    }

    std::string detokenize(val ids, bool render_special) {
        return guarded("EngineError", [&] {
            const auto v = to_tokens(ids);
            check_ids(v);
            return engine_->tokenizer().decode(v.data(), v.size(), render_special);
        });
    }

    std::string token_piece(int32_t id, bool render_special) {
        return guarded("EngineError", [&] {
            check_ids({id});
            return engine_->tokenizer().token_to_piece(id, render_special);
        });
    }

    bool is_end_of_generation(int32_t id) const { return engine_->tokenizer().is_end_of_generation(id); }

    void eval(val tokens, int32_t n_past, bool all_logits) {
        guarded("EngineError", [&] {
            const auto v = to_tokens(tokens);
            check_ids(v);
            engine_->eval(v.data(), static_cast<int32_t>(v.size()), n_past, all_logits);
            last_eval_n_ = all_logits ? static_cast<int32_t>(v.size()) : 1;
        });
    }

    // A Float32Array view of one position's logits, valid until the next eval or memory growth.
    val logits(int32_t i) const {
        return guarded("EngineError", [&] {
            if (i < 0 || i >= last_eval_n_) {
                throw EngineError("logits: position " + std::to_string(i) + " is outside the last eval's " +
                                  std::to_string(last_eval_n_) + " kept positions");
            }
            return val(emscripten::typed_memory_view(static_cast<size_t>(engine_->n_vocab()), engine_->logits(i)));
        });
    }

    // -log p(target) at position i of the last eval: perplexity without copying logits to JS.
    double neg_log_likelihood(int32_t i, int32_t target) const {
        return guarded("EngineError", [&] {
            if (i < 0 || i >= last_eval_n_) throw EngineError("neg_log_likelihood: position out of range");
            check_ids({target});
            const float* l = engine_->logits(i);
            const int32_t n = engine_->n_vocab();
            double max_logit = l[0];
            for (int32_t k = 1; k < n; ++k) max_logit = std::max(max_logit, static_cast<double>(l[k]));
            double sum = 0.0;
            for (int32_t k = 0; k < n; ++k) sum += std::exp(static_cast<double>(l[k]) - max_logit);
            return std::log(sum) + max_logit - static_cast<double>(l[target]);
        });
    }

    // options: a GenerationOptions value object (web/generation_options.cpp), every field
    // present; Embind converts it before this runs.
    void begin_generation(val prompt, const GenerationOptions& options) {
        guarded("EngineError", [&] {
            const auto tokens = to_tokens(prompt);
            check_ids(tokens);
            engine_->begin_generation(tokens, options);
        });
    }

    // {kind: "prefill" | "token" | "done", text, token, prefillDone, prefillTotal, finishReason}
    val step() {
        return guarded("EngineError", [&] {
            const StepResult r = engine_->step();
            val o = val::object();
            switch (r.kind) {
                case StepResult::Kind::Prefill:
                    o.set("kind", std::string("prefill"));
                    o.set("prefillDone", r.prefill_done);
                    o.set("prefillTotal", r.prefill_total);
                    break;
                case StepResult::Kind::Token:
                    o.set("kind", std::string("token"));
                    o.set("text", r.text);
                    o.set("token", r.token);
                    break;
                case StepResult::Kind::Done:
                    o.set("kind", std::string("done"));
                    o.set("text", r.text);
                    o.set("finishReason", r.finish_reason);
                    break;
            }
            return o;
        });
    }

    int32_t reused_tokens() const { return engine_->reused_tokens(); }
    int32_t generated_tokens() const { return engine_->generated_tokens(); }
    int32_t cached_token_count() const { return static_cast<int32_t>(engine_->cached_tokens().size()); }
    void truncate_cache(int32_t n) { guarded("EngineError", [&] { engine_->truncate_cache(n); }); }
    int32_t n_vocab() const { return engine_->n_vocab(); }
    int32_t n_ctx() const { return engine_->n_ctx(); }
    double memory_bytes() const { return static_cast<double>(engine_->memory_bytes()); }

private:
    WebEngine() = default;

    void check_ids(const std::vector<int32_t>& ids) const {
        const int32_t n = engine_->n_vocab();
        for (const int32_t id : ids) {
            if (id < 0 || id >= n) {
                throw EngineError("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                  std::to_string(n) + ")");
            }
        }
    }

    std::unique_ptr<Engine> engine_;
    std::vector<int32_t> ids_;
    int32_t last_eval_n_ = 0;
};

// SHA-256 over ranges of wasm memory, fed as a download lands there: the loader checks a
// caller's checksum without a whole-file JS copy (WebCrypto hashes only whole buffers).
class MemorySha256 {
public:
    void update(double ptr, double size) {
        guarded("EngineError", [&] { hash_.update(heap_range(ptr, size, "Sha256.update"), static_cast<size_t>(size)); });
    }
    std::string finish_hex() { return hash_.finish_hex(); }
    void reset() { hash_.reset(); }

private:
    Sha256 hash_;
};

// What this build can do: {threads: bool, simd: "relaxed" | "simd128"}.
val build_info() {
    val o = val::object();
    o.set("threads", ThreadPool::threads_available());
#ifdef __wasm_relaxed_simd__
    o.set("simd", std::string("relaxed"));
#else
    o.set("simd", std::string("simd128"));
#endif
    return o;
}

}  // namespace
}  // namespace smollm

EMSCRIPTEN_BINDINGS(smollm) {
    using namespace smollm;
    emscripten::function("probeHeader", &probe_header);
    emscripten::function("buildInfo", &build_info);
    emscripten::function("reserveMemory", &reserve_memory);
    emscripten::class_<MemorySha256>("Sha256")
        .constructor<>()
        .function("update", &MemorySha256::update)
        .function("finishHex", &MemorySha256::finish_hex)
        .function("reset", &MemorySha256::reset);
    emscripten::class_<WebEngine>("Engine")
        .class_function("load", &WebEngine::load, emscripten::allow_raw_pointers())
        .function("infoJson", &WebEngine::info_json)
        .function("tokenize", &WebEngine::tokenize)
        .function("detokenize", &WebEngine::detokenize)
        .function("tokenPiece", &WebEngine::token_piece)
        .function("isEndOfGeneration", &WebEngine::is_end_of_generation)
        .function("eval", &WebEngine::eval)
        .function("logits", &WebEngine::logits)
        .function("negLogLikelihood", &WebEngine::neg_log_likelihood)
        .function("beginGeneration", &WebEngine::begin_generation)
        .function("step", &WebEngine::step)
        .function("reusedTokens", &WebEngine::reused_tokens)
        .function("generatedTokens", &WebEngine::generated_tokens)
        .function("cachedTokenCount", &WebEngine::cached_token_count)
        .function("truncateCache", &WebEngine::truncate_cache)
        .function("nVocab", &WebEngine::n_vocab)
        .function("nCtx", &WebEngine::n_ctx)
        .function("memoryBytes", &WebEngine::memory_bytes);
}
