#include "gguf_value.h"

#include <cstdint>
#include <map>
#include <string>

#include "gguf/gguf_reader.h"

using emscripten::val;

namespace smollm {

namespace {

const char* value_type_name(GgufValueType t) {
    switch (t) {
        case GgufValueType::UINT8: return "u8";
        case GgufValueType::INT8: return "i8";
        case GgufValueType::UINT16: return "u16";
        case GgufValueType::INT16: return "i16";
        case GgufValueType::UINT32: return "u32";
        case GgufValueType::INT32: return "i32";
        case GgufValueType::FLOAT32: return "f32";
        case GgufValueType::BOOL: return "bool";
        case GgufValueType::STRING: return "string";
        case GgufValueType::ARRAY: return "array";
        case GgufValueType::UINT64: return "u64";
        case GgufValueType::INT64: return "i64";
        case GgufValueType::FLOAT64: return "f64";
    }
    return "unknown";
}

val text(std::string_view s) { return val(std::string(s)); }

val value_of(const GgufValue& v, size_t max_array);

val array_of(const GgufValue& v, size_t max_array) {
    const uint64_t n = v.array_len();
    if (n > max_array) {
        val summary = val::object();
        summary.set("array", std::string(value_type_name(v.elem_type)));
        summary.set("length", static_cast<double>(n));
        return summary;
    }
    val out = val::array();
    for (uint64_t i = 0; i < n; ++i) {
        const auto at = static_cast<size_t>(i);
        switch (v.elem_type) {
            case GgufValueType::STRING: out.set(at, text(v.strings[at])); break;
            case GgufValueType::FLOAT32:
            case GgufValueType::FLOAT64: out.set(at, v.floats[at]); break;
            case GgufValueType::ARRAY: out.set(at, value_of(v.arrays[at], max_array)); break;
            case GgufValueType::BOOL: out.set(at, v.ints[at] != 0); break;
            default: out.set(at, static_cast<double>(v.ints[at])); break;
        }
    }
    return out;
}

val value_of(const GgufValue& v, size_t max_array) {
    switch (v.type) {
        case GgufValueType::UINT8:
        case GgufValueType::UINT16:
        case GgufValueType::UINT32:
        case GgufValueType::UINT64: return val(static_cast<double>(v.u64));
        case GgufValueType::INT8:
        case GgufValueType::INT16:
        case GgufValueType::INT32:
        case GgufValueType::INT64: return val(static_cast<double>(v.i64));
        case GgufValueType::FLOAT32:
        case GgufValueType::FLOAT64: return val(v.f64);
        case GgufValueType::BOOL: return val(v.u64 != 0);
        case GgufValueType::STRING: return val(v.str);
        case GgufValueType::ARRAY: return array_of(v, max_array);
    }
    return val::null();
}

// Control (3) and user-defined (4) tokens of tokenizer.ggml.token_type, plus every id named
// by a tokenizer.ggml.*_token_id key: what a user needs to see to understand prompts.
constexpr size_t kMaxSpecialShown = 1024;

val special_tokens(const GgufFile& file) {
    const auto* types = file.get_int_array("tokenizer.ggml.token_type");
    std::map<int64_t, int64_t> special;   // id -> token type (-1 when unknown)
    if (types) {
        // Only as many as are shown: a vocabulary of 4M user-defined tokens would make a 4M-node map.
        for (size_t i = 0; i < types->size() && special.size() < kMaxSpecialShown; ++i) {
            if ((*types)[i] == 3 || (*types)[i] == 4) special[static_cast<int64_t>(i)] = (*types)[i];
        }
    }
    const std::string prefix = "tokenizer.ggml.";
    const std::string suffix = "_token_id";
    for (const auto& kv : file.metadata) {
        const std::string& k = kv.key;
        if (k.size() > prefix.size() + suffix.size() && k.compare(0, prefix.size(), prefix) == 0 &&
            k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
            int64_t id = 0;
            if (file.get_i64(k, &id) && special.find(id) == special.end()) {
                special[id] = (types && id >= 0 && static_cast<size_t>(id) < types->size()) ? (*types)[static_cast<size_t>(id)] : -1;
            }
        }
    }
    val out = val::array();
    size_t written = 0;
    for (const auto& [id, type] : special) {
        if (written == kMaxSpecialShown) break;   // a vocabulary of thousands of "special" tokens: show the first
        val token = val::object();
        token.set("id", static_cast<double>(id));
        token.set("text", gguf_token_text(file, id));
        token.set("type", static_cast<double>(type));
        out.set(written++, token);
    }
    return out;
}

val tensor_list(const GgufFile& file) {
    val out = val::array();
    for (size_t i = 0; i < file.tensors.size(); ++i) {
        const auto& t = file.tensors[i];
        val tensor = val::object();
        tensor.set("name", t.name);
        tensor.set("type", std::string(ggml_type_name(t.type)));
        val ne = val::array();
        for (uint32_t d = 0; d < t.n_dims; ++d) ne.set(d, static_cast<double>(t.ne[d]));
        tensor.set("ne", ne);
        tensor.set("offset", static_cast<double>(t.offset));
        tensor.set("bytes", static_cast<double>(t.n_bytes));
        out.set(i, tensor);
    }
    return out;
}

}  // namespace

val gguf_metadata_value(const GgufFile& file, size_t max_array) {
    val out = val::object();
    for (const auto& kv : file.metadata) out.set(kv.key, value_of(kv.value, max_array));
    return out;
}

val gguf_header_value(const GgufFile& file, size_t max_array, bool with_tensors) {
    val out = val::object();
    out.set("version", static_cast<double>(file.version));
    out.set("alignment", static_cast<double>(file.alignment));
    out.set("data_offset", static_cast<double>(file.data_offset));
    out.set("data_size", static_cast<double>(file.data_size));
    out.set("file_size", static_cast<double>(file.file_size));
    out.set("tensor_count", static_cast<double>(file.tensors.size()));
    out.set("metadata", gguf_metadata_value(file, max_array));
    const auto* tokens = file.get_string_array("tokenizer.ggml.tokens");
    out.set("vocab_size", static_cast<double>(tokens ? tokens->size() : 0));
    out.set("special_tokens", special_tokens(file));
    if (with_tensors) out.set("tensors", tensor_list(file));
    return out;
}

val gguf_type_histogram(const GgufFile& file) {
    std::map<std::string, uint64_t> counts;
    for (const auto& t : file.tensors) counts[std::string(ggml_type_name(t.type))] += 1;
    val out = val::object();
    for (const auto& [name, n] : counts) out.set(name, static_cast<double>(n));
    return out;
}

val gguf_token_text(const GgufFile& file, int64_t id) {
    const auto* tokens = file.get_string_array("tokenizer.ggml.tokens");
    if (!tokens || id < 0 || static_cast<uint64_t>(id) >= tokens->size()) return val::null();
    return text((*tokens)[static_cast<size_t>(id)]);
}

}  // namespace smollm
