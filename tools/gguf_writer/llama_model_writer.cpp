#include "gguf_writer/llama_model_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "gguf_writer/gguf_builder.h"
#include "quant/fp16.h"
#include "quant/quant.h"

namespace smollm::tools {
namespace {

constexpr uint32_t kSyntheticVocab = 512;

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t hash_name(const std::string& s) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

// Standard normal values, two at a time (Box-Muller): fast enough for billions of weights.
void fill_normal(uint64_t state, float* out, uint64_t n) {
    constexpr double kTwoPi = 6.283185307179586;
    for (uint64_t i = 0; i < n; i += 2) {
        const double u1 = (static_cast<double>(splitmix64(state) >> 11) + 0.5) * 0x1.0p-53;
        const double u2 = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
        const double r = std::sqrt(-2.0 * std::log(u1));
        out[i] = static_cast<float>(r * std::cos(kTwoPi * u2));
        if (i + 1 < n) out[i + 1] = static_cast<float>(r * std::sin(kTwoPi * u2));
    }
}

// Why these scales: matrices use 1/sqrt(fan_in) so every projection keeps unit-scale
// activations at any depth and width, and the blocks, not the input embedding, dominate the
// residual stream (a tied random model then does not just echo its last token). The
// embedding is scaled so logits have a standard deviation near 2: distinct top tokens
// rather than a flat distribution of near-ties.
float weight_scale(const TensorPlan& t) {
    const double fan_in = static_cast<double>(t.ne[0]);
    switch (t.role) {
        case TensorRole::TokenEmbd:
        case TensorRole::Output: return static_cast<float>(2.0 / std::sqrt(fan_in));
        case TensorRole::Norm: return 0.1f;
        default: return static_cast<float>(1.0 / std::sqrt(fan_in));
    }
}

void convert_row(GgmlType type, const float* src, uint8_t* dst, int64_t n) {
    switch (type) {
        case GgmlType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * 4); return;
        case GgmlType::F16:
            for (int64_t i = 0; i < n; ++i) {
                const uint16_t h = quant::fp32_to_fp16(src[i]);
                std::memcpy(dst + 2 * i, &h, 2);
            }
            return;
        case GgmlType::BF16:
            for (int64_t i = 0; i < n; ++i) {
                const uint16_t h = quant::fp32_to_bf16(src[i]);
                std::memcpy(dst + 2 * i, &h, 2);
            }
            return;
        default: quantize_row(type, src, dst, n, nullptr); return;
    }
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read chat template file " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void add_tokenizer_metadata(GgufBuilder& b, const TokenizerSpec& tok) {
    b.add_string("tokenizer.ggml.model", tok.model);
    b.add_string("tokenizer.ggml.pre", tok.pre);
    b.add_string_array("tokenizer.ggml.tokens", tok.tokens);
    std::vector<int32_t> types(tok.token_types.size());
    for (size_t i = 0; i < types.size(); ++i) types[i] = static_cast<int32_t>(tok.token_types[i]);
    b.add_i32_array("tokenizer.ggml.token_type", types);
    b.add_string_array("tokenizer.ggml.merges", tok.merges);
    const std::pair<const char*, int64_t> ids[] = {
        {"tokenizer.ggml.bos_token_id", tok.bos_id},     {"tokenizer.ggml.eos_token_id", tok.eos_id},
        {"tokenizer.ggml.eot_token_id", tok.eot_id},     {"tokenizer.ggml.padding_token_id", tok.pad_id},
        {"tokenizer.ggml.unknown_token_id", tok.unk_id},
    };
    for (const auto& [key, id] : ids)
        if (id >= 0) b.add_u32(key, static_cast<uint32_t>(id));
    b.add_bool("tokenizer.ggml.add_bos_token", tok.add_bos);
    if (!tok.chat_template.empty()) b.add_string("tokenizer.chat_template", tok.chat_template);
}

}  // namespace

void validate_model_spec(const ModelSpec& s) {
    auto bad = [](const std::string& why) { throw std::invalid_argument(why); };
    if (s.dim == 0 || s.n_layers == 0 || s.n_heads == 0 || s.n_kv_heads == 0 || s.ffn == 0 || s.context == 0)
        bad("dim, layers, heads, kv heads, ffn and context must all be positive");
    if (s.dim % s.n_heads != 0)
        bad("dim " + std::to_string(s.dim) + " is not divisible by the head count " + std::to_string(s.n_heads));
    if ((s.dim / s.n_heads) % 2 != 0) bad("head dimension " + std::to_string(s.dim / s.n_heads) + " must be even (RoPE)");
    if (s.n_heads % s.n_kv_heads != 0)
        bad("head count " + std::to_string(s.n_heads) + " is not a multiple of the kv head count " +
            std::to_string(s.n_kv_heads));
    if (!(s.rope_theta > 0.0f) || !std::isfinite(s.rope_theta)) bad("rope theta must be a positive number");
    if (!(s.rms_eps > 0.0f) || !std::isfinite(s.rms_eps)) bad("rms epsilon must be a positive number");
    if (s.mix == WeightMix::None && !quant_supported(s.weight_type) && s.weight_type != GgmlType::F32 &&
        s.weight_type != GgmlType::F16 && s.weight_type != GgmlType::BF16)
        bad("weight type " + std::string(ggml_type_name(s.weight_type)) + " cannot be written");
}

std::vector<TensorPlan> plan_llama_tensors(const ModelSpec& s, uint32_t vocab) {
    validate_model_spec(s);
    const uint64_t head_dim = s.dim / s.n_heads;
    const uint64_t kv_dim = head_dim * s.n_kv_heads;
    const uint32_t n_gqa = s.n_heads / s.n_kv_heads;
    std::vector<TensorPlan> plan;
    auto add = [&](std::string name, std::vector<uint64_t> ne, TensorRole role, uint32_t layer) {
        TensorTypeQuery q;
        q.role = role;
        q.layer = layer;
        q.n_layers = s.n_layers;
        q.row_length = ne[0];
        q.n_gqa = n_gqa;
        q.tied = s.tied;
        GgmlType type;
        try {
            type = pick_tensor_type(s.mix, s.weight_type, q);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument("tensor '" + name + "': " + e.what());
        }
        plan.push_back(TensorPlan{std::move(name), std::move(ne), type, role, layer});
    };
    add("token_embd.weight", {s.dim, vocab}, TensorRole::TokenEmbd, 0);
    for (uint32_t l = 0; l < s.n_layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        add(p + "attn_norm.weight", {s.dim}, TensorRole::Norm, l);
        add(p + "attn_q.weight", {s.dim, s.dim}, TensorRole::AttnQ, l);
        add(p + "attn_k.weight", {s.dim, kv_dim}, TensorRole::AttnK, l);
        add(p + "attn_v.weight", {s.dim, kv_dim}, TensorRole::AttnV, l);
        add(p + "attn_output.weight", {s.dim, s.dim}, TensorRole::AttnOutput, l);
        add(p + "ffn_norm.weight", {s.dim}, TensorRole::Norm, l);
        add(p + "ffn_gate.weight", {s.dim, s.ffn}, TensorRole::FfnGate, l);
        add(p + "ffn_up.weight", {s.dim, s.ffn}, TensorRole::FfnUp, l);
        add(p + "ffn_down.weight", {s.ffn, s.dim}, TensorRole::FfnDown, l);
    }
    add("output_norm.weight", {s.dim}, TensorRole::Norm, 0);
    if (!s.tied) add("output.weight", {s.dim, vocab}, TensorRole::Output, 0);
    return plan;
}

TokenizerSpec resolve_tokenizer(const ModelSpec& s) {
    TokenizerSpec tok = s.tokenizer_json.empty() ? synthetic_bpe_tokenizer(s.vocab ? s.vocab : kSyntheticVocab)
                                                 : load_hf_tokenizer(s.tokenizer_json);
    if (s.vocab) pad_vocabulary(tok, s.vocab);
    if (!s.chat_template_file.empty()) tok.chat_template = read_file(s.chat_template_file);
    if (!s.pre_tokenizer.empty()) tok.pre = s.pre_tokenizer;
    return tok;
}

void random_tensor_row(const ModelSpec& spec, const TensorPlan& t, uint64_t row, float* out) {
    uint64_t state = spec.seed ^ hash_name(t.name);
    state ^= splitmix64(state) + row * 0xd1b54a32d192ed03ull;
    const uint64_t n = t.ne[0];
    fill_normal(state, out, n);
    const float scale = weight_scale(t);
    const float offset = t.role == TensorRole::Norm ? 1.0f : 0.0f;
    for (uint64_t i = 0; i < n; ++i) out[i] = offset + scale * out[i];
}

WrittenModel write_random_llama_model(const ModelSpec& spec, const std::string& path) {
    validate_model_spec(spec);
    const TokenizerSpec tok = resolve_tokenizer(spec);
    const uint32_t vocab = static_cast<uint32_t>(tok.tokens.size());
    WrittenModel written;
    written.vocab_size = vocab;
    written.tensors = plan_llama_tensors(spec, vocab);

    GgufBuilder b(3);
    b.add_string("general.architecture", "llama");
    b.add_string("general.name", spec.name);
    b.add_u32("llama.context_length", spec.context);
    b.add_u32("llama.embedding_length", spec.dim);
    b.add_u32("llama.block_count", spec.n_layers);
    b.add_u32("llama.feed_forward_length", spec.ffn);
    b.add_u32("llama.attention.head_count", spec.n_heads);
    b.add_u32("llama.attention.head_count_kv", spec.n_kv_heads);
    b.add_u32("llama.rope.dimension_count", spec.dim / spec.n_heads);
    b.add_f32("llama.rope.freq_base", spec.rope_theta);
    b.add_f32("llama.attention.layer_norm_rms_epsilon", spec.rms_eps);
    b.add_u32("llama.vocab_size", vocab);
    add_tokenizer_metadata(b, tok);
    bool quantized = false;
    for (const auto& t : written.tensors)
        quantized |= t.type != GgmlType::F32 && t.type != GgmlType::F16 && t.type != GgmlType::BF16;
    if (quantized) b.add_u32("general.quantization_version", 2);
    b.add_u32("general.file_type", llama_file_type(spec.mix, spec.weight_type));

    const uint32_t threads = std::max<uint32_t>(1, spec.threads);
    for (const TensorPlan& t : written.tensors) {
        b.add_tensor(t.name, t.type, t.ne, [&spec, &t, threads](uint8_t* dst, uint64_t n_bytes) {
            const uint64_t rows = t.ne.size() > 1 ? t.ne[1] : 1;
            const uint64_t row_bytes = n_bytes / rows;
            // Rows are independent (each has its own random stream), so threads split them.
            auto work = [&](uint64_t begin, uint64_t end) {
                std::vector<float> buf(t.ne[0]);
                for (uint64_t r = begin; r < end; ++r) {
                    random_tensor_row(spec, t, r, buf.data());
                    convert_row(t.type, buf.data(), dst + r * row_bytes, static_cast<int64_t>(t.ne[0]));
                }
            };
            const uint64_t n_threads = std::min<uint64_t>(threads, rows);
            if (n_threads <= 1) {
                work(0, rows);
                return;
            }
            std::vector<std::thread> pool;
            for (uint64_t i = 0; i < n_threads; ++i)
                pool.emplace_back(work, rows * i / n_threads, rows * (i + 1) / n_threads);
            for (auto& th : pool) th.join();
        });
    }
    b.write_file(path);
    std::ifstream check(path, std::ios::binary | std::ios::ate);
    written.file_bytes = static_cast<uint64_t>(check.tellg());
    return written;
}

}  // namespace smollm::tools
