#include "model/llama_weights.h"

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "model/model_error.h"
#include "quant/quant.h"

namespace smollm {

namespace {

[[noreturn]] void fail(const std::string& message) { throw ModelError(message); }
[[noreturn]] void unsupported(const std::string& message) { throw ModelError(message, true); }

std::string shape_text(int64_t a, int64_t b) { return "[" + std::to_string(a) + ", " + std::to_string(b) + "]"; }

std::string shape_of(const GgufTensorInfo& t) {
    std::string s = "[";
    for (uint32_t i = 0; i < t.n_dims; ++i) {
        if (i) s += ", ";
        s += std::to_string(t.ne[i]);
    }
    return s + "]";
}

const TensorRef& require(const TensorTable& table, const std::string& name) {
    const TensorRef* ref = table.find(name);
    if (!ref) fail("tensor '" + name + "' is missing; the file is not a complete llama model");
    return *ref;
}

// ggml's shape convention: ne0 = cols (contiguous), ne1 = rows.
WeightMatrix bind_matrix(const TensorTable& table, const std::string& name, int64_t cols, int64_t rows,
                         bool needs_kernels) {
    const TensorRef& ref = require(table, name);
    const GgufTensorInfo& t = *ref.info;
    if (t.n_dims != 2 || static_cast<int64_t>(t.ne[0]) != cols || static_cast<int64_t>(t.ne[1]) != rows) {
        fail("tensor '" + name + "' has shape " + shape_of(t) + " but the hyperparameters need " + shape_text(cols, rows));
    }
    const GgmlTypeInfo* info = ggml_type_info(t.type);
    if (!info || (needs_kernels && !quant_supported(t.type))) {
        unsupported("tensor '" + name + "' has type " + std::string(ggml_type_name(t.type)) +
             ", which this engine has no kernels for; use a file quantized to a supported type "
             "(F32, F16, BF16, Q4_0..Q8_0, Q2_K..Q6_K, IQ4_NL, IQ4_XS)");
    }
    if (cols % info->block_elems != 0) {
        fail("tensor '" + name + "' has rows of " + std::to_string(cols) + " elements, not a multiple of the " +
             std::string(info->name) + " block size " + std::to_string(info->block_elems));
    }
    WeightMatrix m;
    m.name = name;
    m.type = t.type;
    m.data = ref.data;
    m.cols = cols;
    m.rows = rows;
    m.row_bytes = static_cast<size_t>(cols / info->block_elems) * info->block_bytes;
    return m;
}

std::vector<float> bind_vector(const TensorTable& table, const std::string& name, int64_t n, bool read_data) {
    const TensorRef& ref = require(table, name);
    const GgufTensorInfo& t = *ref.info;
    if (t.n_dims != 1 || static_cast<int64_t>(t.ne[0]) != n) {
        fail("tensor '" + name + "' has shape " + shape_of(t) + " but the hyperparameters need [" + std::to_string(n) + "]");
    }
    if (!quant_supported(t.type)) {
        unsupported("tensor '" + name + "' has type " + std::string(ggml_type_name(t.type)) + ", which this engine cannot read");
    }
    const GgmlTypeInfo* info = ggml_type_info(t.type);
    if (n % info->block_elems != 0) fail("tensor '" + name + "' is not a whole number of blocks");
    std::vector<float> v(static_cast<size_t>(n));
    if (read_data) dequantize_row(t.type, ref.data, v.data(), n);
    return v;
}

// The tensor names llama.cpp's llama architecture knows. Anything else (biases, experts,
// other architectures' tensors) would be silently ignored otherwise, giving wrong logits.
void check_no_unknown_tensors(const LlamaConfig& c, const TensorTable& table) {
    static const char* const kLayerTensors[] = {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                                                 "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"};
    for (const std::string& name : table.names()) {
        if (name == "token_embd.weight" || name == "output_norm.weight" || name == "output.weight" ||
            name == "rope_freqs.weight") {
            continue;
        }
        bool known = false;
        if (name.rfind("blk.", 0) == 0) {
            char* end = nullptr;
            long layer = std::strtol(name.c_str() + 4, &end, 10);
            if (end != name.c_str() + 4 && *end == '.' && layer >= 0 && layer < c.n_layers) {
                std::string_view rest(end + 1);
                for (const char* t : kLayerTensors) {
                    if (rest == std::string(t) + ".weight") known = true;
                }
                // llama.cpp skips these precomputed rotary tables; RoPE is computed here too.
                if (rest == "attn_rot_embd.weight") known = true;
            }
        }
        if (!known) {
            unsupported("unexpected tensor '" + name + "' for a llama model with " + std::to_string(c.n_layers) +
                 " layers (biases, experts and other architectures' tensors are not supported)");
        }
    }
}

}  // namespace

std::vector<const WeightMatrix*> LlamaWeights::matrices() const {
    std::vector<const WeightMatrix*> out;
    for (const LayerWeights& l : layers) {
        for (const WeightMatrix* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) out.push_back(m);
    }
    out.push_back(&output);
    return out;
}

LlamaWeights llama_weights_bind(const LlamaConfig& c, const TensorTable& table, bool read_data) {
    check_no_unknown_tensors(c, table);
    LlamaWeights w;
    w.token_embd = bind_matrix(table, "token_embd.weight", c.dim, c.n_vocab, false);
    if (!quant_supported(w.token_embd.type)) {
        unsupported("tensor 'token_embd.weight' has type " + std::string(ggml_type_name(w.token_embd.type)) +
             ", which this engine cannot dequantize");
    }
    w.tied_output = table.find("output.weight") == nullptr;
    w.output = w.tied_output ? w.token_embd : bind_matrix(table, "output.weight", c.dim, c.n_vocab, true);
    w.output_norm = bind_vector(table, "output_norm.weight", c.dim, read_data);
    if (table.find("rope_freqs.weight")) {
        w.rope_freq_factors = bind_vector(table, "rope_freqs.weight", c.n_rot / 2, read_data);
    }
    w.layers.resize(static_cast<size_t>(c.n_layers));
    for (int32_t i = 0; i < c.n_layers; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        LayerWeights& l = w.layers[static_cast<size_t>(i)];
        l.attn_norm = bind_vector(table, p + "attn_norm.weight", c.dim, read_data);
        l.wq = bind_matrix(table, p + "attn_q.weight", c.dim, c.q_dim, true);
        l.wk = bind_matrix(table, p + "attn_k.weight", c.dim, c.kv_dim, true);
        l.wv = bind_matrix(table, p + "attn_v.weight", c.dim, c.kv_dim, true);
        l.wo = bind_matrix(table, p + "attn_output.weight", c.q_dim, c.dim, true);
        l.ffn_norm = bind_vector(table, p + "ffn_norm.weight", c.dim, read_data);
        l.w_gate = bind_matrix(table, p + "ffn_gate.weight", c.dim, c.ffn_dim, true);
        l.w_up = bind_matrix(table, p + "ffn_up.weight", c.dim, c.ffn_dim, true);
        l.w_down = bind_matrix(table, p + "ffn_down.weight", c.ffn_dim, c.dim, true);
    }
    return w;
}

}  // namespace smollm
