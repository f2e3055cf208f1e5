#include "model/llama_config.h"

#include <cmath>
#include <string>

#include "gguf/gguf_reader.h"
#include "model/model_error.h"

namespace smollm {

namespace {

// Bounds far above any real llama model; values past them are corrupt or hostile headers,
// refused before they size an allocation.
constexpr uint64_t kMaxDim = 1u << 16;
constexpr uint64_t kMaxLayers = 1024;
constexpr uint64_t kMaxHeads = 1024;
constexpr uint64_t kMaxHeadDim = LlamaConfig::kMaxHeadDim;
constexpr uint64_t kMaxFfn = 1u << 20;
constexpr uint64_t kMaxVocab = 1u << 22;
constexpr uint64_t kMaxContext = 1u << 24;

[[noreturn]] void fail(const std::string& message) { throw ModelError(message); }
[[noreturn]] void unsupported(const std::string& message) { throw ModelError(message, true); }

uint64_t required_u64(const GgufFile& f, const char* suffix) {
    uint64_t v = 0;
    if (!f.arch_u64(suffix, &v)) {
        if (f.find(std::string("llama.") + suffix)) {
            fail(std::string("llama.") + suffix + " must be one non-negative integer");
        }
        fail(std::string("the file has no llama.") + suffix + " key; it is not a complete llama GGUF");
    }
    return v;
}

uint64_t optional_u64(const GgufFile& f, const char* suffix, uint64_t fallback) {
    uint64_t v = 0;
    if (f.arch_u64(suffix, &v)) return v;
    if (f.find(std::string("llama.") + suffix)) {
        fail(std::string("llama.") + suffix + " must be one non-negative integer");
    }
    return fallback;
}

double optional_f64(const GgufFile& f, const char* suffix, double fallback) {
    double v = 0;
    if (f.arch_f64(suffix, &v)) return v;
    if (f.find(std::string("llama.") + suffix)) fail(std::string("llama.") + suffix + " must be a number");
    return fallback;
}

void check_range(const char* what, uint64_t v, uint64_t lo, uint64_t hi) {
    if (v < lo || v > hi) {
        fail(std::string(what) + " is " + std::to_string(v) + ", outside the sane range [" +
             std::to_string(lo) + ", " + std::to_string(hi) + "]; the header is corrupt");
    }
}

}  // namespace

LlamaConfig llama_config_from_gguf(const GgufFile& f, int64_t n_vocab_hint) {
    const std::string arch = f.architecture();
    if (arch.empty()) fail("the file has no general.architecture key; it is not a model GGUF");
    if (arch != "llama") {
        unsupported("architecture '" + arch + "' is not supported: this engine runs llama-architecture "
             "models only (SmolLM, SmolLM2, Llama, TinyLlama, ...)");
    }
    uint64_t n_expert = optional_u64(f, "expert_count", 0);
    if (n_expert > 0) unsupported("llama.expert_count is " + std::to_string(n_expert) + ": mixture-of-experts llama models are not supported");

    const uint64_t dim = required_u64(f, "embedding_length");
    const uint64_t n_layers = required_u64(f, "block_count");
    const uint64_t n_heads = required_u64(f, "attention.head_count");
    const uint64_t n_kv_heads = optional_u64(f, "attention.head_count_kv", n_heads);
    const uint64_t ffn = required_u64(f, "feed_forward_length");
    const uint64_t n_ctx = required_u64(f, "context_length");
    check_range("llama.embedding_length", dim, 1, kMaxDim);
    check_range("llama.block_count", n_layers, 1, kMaxLayers);
    check_range("llama.attention.head_count", n_heads, 1, kMaxHeads);
    check_range("llama.attention.head_count_kv", n_kv_heads, 1, n_heads);
    check_range("llama.feed_forward_length", ffn, 1, kMaxFfn);
    check_range("llama.context_length", n_ctx, 1, kMaxContext);
    if (n_heads % n_kv_heads != 0) {
        fail("llama.attention.head_count (" + std::to_string(n_heads) + ") is not a multiple of "
             "llama.attention.head_count_kv (" + std::to_string(n_kv_heads) + ")");
    }

    uint64_t head_dim = 0;
    if (f.find("llama.attention.key_length")) {
        head_dim = required_u64(f, "attention.key_length");
        uint64_t v_dim = optional_u64(f, "attention.value_length", head_dim);
        if (v_dim != head_dim) {
            unsupported("llama.attention.value_length (" + std::to_string(v_dim) + ") differs from key_length (" +
                 std::to_string(head_dim) + "); such models are not supported");
        }
    } else {
        if (dim % n_heads != 0) {
            fail("llama.embedding_length (" + std::to_string(dim) + ") is not divisible by "
                 "llama.attention.head_count (" + std::to_string(n_heads) + ")");
        }
        head_dim = dim / n_heads;
    }
    check_range("the head dimension", head_dim, 2, kMaxHeadDim);

    const uint64_t n_rot = optional_u64(f, "rope.dimension_count", head_dim);
    if (n_rot == 0 || n_rot > head_dim || n_rot % 2 != 0) {
        fail("llama.rope.dimension_count is " + std::to_string(n_rot) + "; it must be even and at most the head dimension " +
             std::to_string(head_dim));
    }

    uint64_t n_vocab = 0;
    if (!f.arch_u64("vocab_size", &n_vocab)) n_vocab = n_vocab_hint > 0 ? static_cast<uint64_t>(n_vocab_hint) : 0;
    check_range("the vocabulary size", n_vocab, 1, kMaxVocab);

    const double eps = optional_f64(f, "attention.layer_norm_rms_epsilon", 1e-5);
    if (!(eps > 0.0 && eps < 1.0)) fail("llama.attention.layer_norm_rms_epsilon is " + std::to_string(eps) + "; it must be in (0, 1)");
    const double theta = optional_f64(f, "rope.freq_base", 10000.0);
    if (!(theta > 1.0 && std::isfinite(theta) && theta < 1e12)) {
        fail("llama.rope.freq_base is " + std::to_string(theta) + "; it must be a finite number above 1");
    }

    double freq_scale = 1.0;
    std::string scaling;
    if (f.get_string("llama.rope.scaling.type", &scaling) && scaling != "none" && !scaling.empty()) {
        if (scaling != "linear") {
            unsupported("llama.rope.scaling.type '" + scaling + "' is not supported (only none and linear are)");
        }
        double factor = optional_f64(f, "rope.scaling.factor", 1.0);
        if (!(factor >= 1.0 && factor < 1e6)) fail("llama.rope.scaling.factor must be at least 1");
        freq_scale = 1.0 / factor;
    }

    LlamaConfig c;
    c.dim = static_cast<int32_t>(dim);
    c.n_layers = static_cast<int32_t>(n_layers);
    c.n_heads = static_cast<int32_t>(n_heads);
    c.n_kv_heads = static_cast<int32_t>(n_kv_heads);
    c.head_dim = static_cast<int32_t>(head_dim);
    c.q_dim = c.n_heads * c.head_dim;
    c.kv_dim = c.n_kv_heads * c.head_dim;
    c.ffn_dim = static_cast<int32_t>(ffn);
    c.n_vocab = static_cast<int32_t>(n_vocab);
    c.n_rot = static_cast<int32_t>(n_rot);
    c.n_ctx_train = static_cast<uint32_t>(n_ctx);
    c.norm_eps = static_cast<float>(eps);
    c.rope_theta = static_cast<float>(theta);
    c.rope_freq_scale = static_cast<float>(freq_scale);
    return c;
}

}  // namespace smollm
