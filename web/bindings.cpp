// Embind glue between js/ and the engine (src/engine.h). Thin on purpose: it converts
// arguments and results (structured values, built once: js/src/wasm-module-types.d.ts
// declares them), turns C++ exceptions into JS errors that carry the engine's ErrorKind, and
// hands logits out as typed-array views into wasm memory. The engine owns every check and
// all state. Every size is a double on the JS side (files and memory go past 2^31); pointers
// are plain numbers the JS reads as unsigned.
#include <emscripten.h>
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "engine.h"
#include "gguf_value.h"
#include "runtime/thread_pool.h"
#include "util/sha256.h"

using emscripten::val;

namespace smollm {
namespace {

// Throws a JS Error (not a C++ exception) so the failure survives into the worker and page:
// {name: "EngineError", kind, message, needed, limit}; js/src/errors.js maps the kind to its
// class. The message lives in a static buffer: nothing on the C++ stack needs destroying
// when the JS throw unwinds through wasm frames.
EM_JS(void, throw_js_error, (const char* kind, const char* message, double needed, double limit), {
    const error = new Error(UTF8ToString(message));
    error.name = 'EngineError';
    error.kind = UTF8ToString(kind);
    error.needed = needed;
    error.limit = limit;
    throw error;
});

std::string& error_buffer() {
    static std::string buffer;
    return buffer;
}

constexpr const char* kOutOfMemory = "out of wasm memory (the 4 GB address space is exhausted): use a smaller "
                                     "model, a smaller quantization or a smaller context size";

// wasm32's address space: the limit an allocation failure ran into.
constexpr double kWasmMemoryLimit = 4294967296.0;

// Runs `f`; any C++ exception becomes a JS Error carrying its ErrorKind (OutOfMemory for an
// allocation failure, Internal for anything the engine did not classify). Every Embind entry
// point that can throw goes through here: an exception that reached JS on its own would
// arrive as a bare number. Out of memory, the message is a constant (copying one could fail
// again).
template <class F>
auto guarded(F&& f) -> decltype(f()) {
    ErrorKind kind = ErrorKind::OutOfMemory;
    const char* message = kOutOfMemory;
    double needed = 0;
    double limit = kWasmMemoryLimit;
    try {
        return f();
    } catch (const std::bad_alloc&) {
    } catch (const std::exception& e) {
        const auto* engine_error = dynamic_cast<const EngineError*>(&e);
        try {
            error_buffer() = e.what();
            message = error_buffer().c_str();
            kind = engine_error ? engine_error->kind() : ErrorKind::Internal;
            needed = engine_error ? static_cast<double>(engine_error->needed()) : 0;
            limit = engine_error ? static_cast<double>(engine_error->limit()) : 0;
        } catch (const std::bad_alloc&) {
        }
    } catch (...) {
        // Not a std::exception. Seen only with wasm memory exhausted to the last bytes, where
        // the exception machinery itself cannot match types any more.
        kind = ErrorKind::Internal;
        message = "unexpected internal error (wasm memory may be exhausted)";
    }
    throw_js_error(error_kind_name(kind), message, needed, limit);
    __builtin_unreachable();
}

// An argument the glue itself cannot convert.
[[noreturn]] void invalid_argument(const std::string& message) { throw EngineError(ErrorKind::InvalidArgument, message); }

// A (pointer, size) pair from JS as a range of wasm memory: both whole numbers, the range
// inside the heap. A size past 2^32 (a header that lies) must never be cast to a 32-bit size_t.
uint8_t* heap_range(double ptr, double size, const char* what) {
    const double heap = static_cast<double>(emscripten_get_heap_size());
    if (!(ptr >= 0 && size >= 0 && ptr == std::floor(ptr) && size == std::floor(size) && ptr + size <= heap)) {
        invalid_argument(std::string(what) + ": " + std::to_string(size) + " bytes at " + std::to_string(ptr) +
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

// {kind, message, needed, limit}: the same fields a thrown engine error carries.
val failure_object(const EngineError& e) {
    val o = val::object();
    o.set("kind", std::string(error_kind_name(e.kind())));
    o.set("message", std::string(e.what()));
    o.set("needed", static_cast<double>(e.needed()));
    o.set("limit", static_cast<double>(e.limit()));
    return o;
}

val memory_plan_object(const MemoryPlan& plan) {
    val o = val::object();
    o.set("fileBytes", static_cast<double>(plan.file_bytes));
    o.set("kvCacheBytes", static_cast<double>(plan.kv_cache_bytes));
    o.set("scratchBytes", static_cast<double>(plan.scratch_bytes));
    o.set("totalBytes", static_cast<double>(plan.total_bytes));
    o.set("contextSize", static_cast<double>(plan.context_size));
    o.set("contextReason", plan.context_reason);
    return o;
}

// A KV cache type by name (the package checks the names first; this is the engine's guard).
KvType kv_type_arg(const std::string& name, const char* what) {
    const std::optional<KvType> t = parse_kv_type(name);
    if (!t) invalid_argument(std::string(what) + ": unknown KV cache type \"" + name + "\" (f16, q8_0 or q4_0)");
    return *t;
}

// A batch order by name (the package checks it first; this is the engine's guard).
BatchOrder batch_order_arg(const std::string& name, const char* what) {
    const std::optional<BatchOrder> order = parse_batch_order(name);
    if (!order) invalid_argument(std::string(what) + ": unknown batch order \"" + name + "\" (fast or llama.cpp)");
    return *order;
}

// Parses the header from the first `available` bytes of a file of `file_size` bytes (0 when
// unknown). Result: {status: "need_more", bytesNeeded} | {status: "error", error: failure} |
// {status: "complete", header, plan | planError: failure}. The plan is the engine's own
// (plan_memory) for `context_size` (0: the model's default, chosen to fit `memory_limit`
// bytes, 0: 4 GiB) and the KV cache types; planError says why the engine cannot run this model
// at all.
val probe_header_unguarded(double ptr, double available, double file_size, double context_size,
                           const std::string& kv_type_k, const std::string& kv_type_v, double memory_limit,
                           bool with_tensors) {
    if (!(file_size >= 0 && file_size < 18446744073709551616.0)) invalid_argument("probeHeader: bad file size");
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
            o.set("error", failure_object(EngineError(r.unsupported ? ErrorKind::UnsupportedModel : ErrorKind::InvalidModel,
                                                      "not a valid GGUF file: " + r.error)));
            return o;
        case GgufParseResult::Status::Complete:
            break;
    }
    o.set("status", std::string("complete"));
    o.set("header", gguf_header_value(*r.file, 64, with_tensors));
    EngineOptions options;
    options.context_size = saturate_u32(context_size);
    options.kv_type_k = kv_type_arg(kv_type_k, "probeHeader");
    options.kv_type_v = kv_type_arg(kv_type_v, "probeHeader");
    options.memory_limit = memory_limit > 0 && memory_limit < 18446744073709551616.0 ? static_cast<uint64_t>(memory_limit) : 0;
    try {
        o.set("plan", memory_plan_object(plan_memory(*r.file, options)));
    } catch (const EngineError& e) {
        o.set("planError", failure_object(e));
    }
    return o;
}

// Any failure, an allocation failure in the reader included, reaches JS as an Error.
val probe_header(double ptr, double available, double file_size, double context_size, std::string kv_type_k,
                 std::string kv_type_v, double memory_limit, bool with_tensors) {
    return guarded([&] {
        return probe_header_unguarded(ptr, available, file_size, context_size, kv_type_k, kv_type_v, memory_limit, with_tensors);
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

// One loaded model: the engine, which owns the file buffers JS filled, and nothing else.
class WebEngine {
public:
    // parts: [{ptr, size}, ...] of malloc'ed buffers holding complete files. On success the
    // engine owns them; on error (a thrown JS Error) the caller still does and frees them.
    static WebEngine* load(val parts, double n_threads, double context_size, std::string kv_type_k, std::string kv_type_v,
                           std::string batch_order) {
        return guarded([&] {
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
            options.kv_type_k = kv_type_arg(kv_type_k, "Engine.load");
            options.kv_type_v = kv_type_arg(kv_type_v, "Engine.load");
            options.batch_order = batch_order_arg(batch_order, "Engine.load");
            auto* web = new WebEngine();
            web->kv_type_k_ = options.kv_type_k;
            web->kv_type_v_ = options.kv_type_v;
            try {
                web->engine_ = Engine::load(std::move(buffers), options);
            } catch (...) {
                delete web;
                throw;
            }
            return web;
        });
    }

    // The model's static facts, built once per load (js/src/wasm-module-types.d.ts: EngineInfo).
    val info() const {
        return guarded([&] {
            const Engine& e = *engine_;
            const Tokenizer& tok = e.tokenizer();
            val o = val::object();
            o.set("architecture", e.gguf().architecture());
            o.set("contextSize", e.n_ctx());
            o.set("kvCacheKeyType", std::string(kv_type_name(kv_type_k_)));
            o.set("kvCacheValueType", std::string(kv_type_name(kv_type_v_)));
            uint64_t trained_ctx = 0;
            e.gguf().arch_u64("context_length", &trained_ctx);
            o.set("trainedContextSize", static_cast<double>(trained_ctx));
            o.set("threads", e.n_threads());
            o.set("threadsAtOnce", e.threads_at_once());
            o.set("memoryBytes", static_cast<double>(e.memory_bytes()));
            o.set("nVocab", e.n_vocab());
            o.set("bosId", tok.bos_id());
            o.set("eosId", tok.eos_id());
            o.set("addBos", tok.add_bos());
            o.set("bosToken", gguf_token_text(e.gguf(), tok.bos_id()));
            o.set("eosToken", gguf_token_text(e.gguf(), tok.eos_id()));
            o.set("tokenizerModel", std::string(tok.model_name()));
            o.set("preTokenizer", std::string(tok.pre_tokenizer()));
            std::string template_text;
            o.set("chatTemplate", e.gguf().get_string("tokenizer.chat_template", &template_text) ? val(template_text) : val::null());
            o.set("tensorTypes", gguf_type_histogram(e.gguf()));
            o.set("metadata", gguf_metadata_value(e.gguf(), 64));
            return o;
        });
    }

    // An Int32Array of the ids for `text` (a copy: nothing of it lives in wasm memory).
    val tokenize(const std::string& text, bool parse_special, bool add_bos) const {
        return guarded([&] {
            const std::vector<int32_t> ids = engine_->tokenize(text, parse_special, add_bos);
            return val(emscripten::typed_memory_view(ids.size(), ids.data())).call<val>("slice");
        });
    }

    std::string detokenize(val ids, bool render_special) const {
        return guarded([&] { return engine_->detokenize(to_tokens(ids), render_special); });
    }

    void eval(val tokens, int32_t n_past, bool all_logits) {
        guarded([&] {
            const auto v = to_tokens(tokens);
            engine_->eval(v.data(), static_cast<int32_t>(v.size()), n_past, all_logits);
        });
    }

    // A Float32Array view of one position's logits, valid until the next eval or memory growth.
    val logits(int32_t i) const {
        return guarded([&] {
            return val(emscripten::typed_memory_view(static_cast<size_t>(engine_->n_vocab()), engine_->logits(i)));
        });
    }

    double neg_log_likelihood(int32_t i, int32_t target) const {
        return guarded([&] { return engine_->neg_log_likelihood(i, target); });
    }

    // options: a GenerationOptions value object (web/generation_options.cpp), every field
    // present; Embind converts it before this runs.
    void begin_generation(val prompt, const GenerationOptions& options) {
        guarded([&] {
            engine_->begin_generation(to_tokens(prompt), options);
        });
    }

    // {kind: "prefill" | "token" | "done", text, token, prefillDone, prefillTotal, finishReason},
    // a token with `logprob` and `topLogprobs` when the generation asked for them.
    val step() {
        return guarded([&] {
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
                    if (r.has_logprobs) {
                        o.set("logprob", logprob_object(r.logprobs.chosen));
                        val top = val::array();
                        for (const TokenLogprob& t : r.logprobs.top) top.call<void>("push", logprob_object(t));
                        o.set("topLogprobs", top);
                    }
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
    int32_t cached_token_count() const { return static_cast<int32_t>(engine_->cached_tokens().size()); }
    void truncate_cache(int32_t n) { guarded([&] { engine_->truncate_cache(n); }); }
    void shift_cache(int32_t n_keep, int32_t n_discard) { guarded([&] { engine_->shift_cache(n_keep, n_discard); }); }
    int32_t shift_cache_to_match(val prompt) {
        return guarded([&] { return engine_->shift_cache_to_match(to_tokens(prompt)); });
    }
    int32_t context_shifts() const { return engine_->context_shifts(); }
    int32_t shifted_out_tokens() const { return engine_->shifted_out_tokens(); }
    int32_t n_vocab() const { return engine_->n_vocab(); }
    int32_t n_ctx() const { return engine_->n_ctx(); }

private:
    WebEngine() = default;

    // {token: id, logprob, bytes: [0..255, ...]}: the raw bytes, as a token may hold part of a
    // UTF-8 character (a JS string would turn it into U+FFFD).
    val logprob_object(const TokenLogprob& t) const {
        const std::string piece = engine_->tokenizer().token_to_piece(t.token, true);
        val bytes = val::array();
        for (const char c : piece) bytes.call<void>("push", static_cast<uint8_t>(c));
        val o = val::object();
        o.set("token", t.token);
        o.set("logprob", t.logprob);
        o.set("bytes", bytes);
        return o;
    }

    std::unique_ptr<Engine> engine_;
    KvType kv_type_k_ = KvType::F16;
    KvType kv_type_v_ = KvType::F16;
};

// SHA-256 over ranges of wasm memory, fed as a download lands there: the loader checks a
// caller's checksum without a whole-file JS copy (WebCrypto hashes only whole buffers).
class MemorySha256 {
public:
    void update(double ptr, double size) {
        guarded([&] { hash_.update(heap_range(ptr, size, "Sha256.update"), static_cast<size_t>(size)); });
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
        .function("info", &WebEngine::info)
        .function("tokenize", &WebEngine::tokenize)
        .function("detokenize", &WebEngine::detokenize)
        .function("eval", &WebEngine::eval)
        .function("logits", &WebEngine::logits)
        .function("negLogLikelihood", &WebEngine::neg_log_likelihood)
        .function("beginGeneration", &WebEngine::begin_generation)
        .function("step", &WebEngine::step)
        .function("reusedTokens", &WebEngine::reused_tokens)
        .function("cachedTokenCount", &WebEngine::cached_token_count)
        .function("truncateCache", &WebEngine::truncate_cache)
        .function("shiftCache", &WebEngine::shift_cache)
        .function("shiftCacheToMatch", &WebEngine::shift_cache_to_match)
        .function("contextShifts", &WebEngine::context_shifts)
        .function("shiftedOutTokens", &WebEngine::shifted_out_tokens)
        .function("nVocab", &WebEngine::n_vocab)
        .function("nCtx", &WebEngine::n_ctx);
    // The kinds an engine error's `kind` can name (js/src/errors.js maps each to its class).
    emscripten::enum_<ErrorKind> kinds("ErrorKind");
    for (const ErrorKind kind : kErrorKinds) kinds.value(error_kind_name(kind), kind);
}
