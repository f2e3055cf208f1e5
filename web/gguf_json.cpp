#include "gguf_json.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>

#include "gguf/gguf_reader.h"
#include "text/json_string.h"

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

void append_u64(std::string& out, uint64_t v) { out += std::to_string(v); }

void append_double(std::string& out, double v) {
    // JSON has no NaN/Infinity: write null so the text always parses.
    if (!std::isfinite(v)) { out += "null"; return; }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    out += buf;
}

void append_value(std::string& out, const GgufValue& v, size_t max_array);

void append_array(std::string& out, const GgufValue& v, size_t max_array) {
    const uint64_t n = v.array_len();
    if (n > max_array) {
        out += "{\"array\":\"";
        out += value_type_name(v.elem_type);
        out += "\",\"length\":";
        append_u64(out, n);
        out += '}';
        return;
    }
    out += '[';
    for (uint64_t i = 0; i < n; ++i) {
        if (i) out += ',';
        switch (v.elem_type) {
            case GgufValueType::STRING: json_append_string(out, v.strings[i]); break;
            case GgufValueType::FLOAT32:
            case GgufValueType::FLOAT64: append_double(out, v.floats[i]); break;
            case GgufValueType::ARRAY: append_value(out, v.arrays[i], max_array); break;
            case GgufValueType::BOOL: out += v.ints[i] ? "true" : "false"; break;
            default: out += std::to_string(v.ints[i]); break;
        }
    }
    out += ']';
}

void append_value(std::string& out, const GgufValue& v, size_t max_array) {
    switch (v.type) {
        case GgufValueType::UINT8:
        case GgufValueType::UINT16:
        case GgufValueType::UINT32:
        case GgufValueType::UINT64: append_u64(out, v.u64); break;
        case GgufValueType::INT8:
        case GgufValueType::INT16:
        case GgufValueType::INT32:
        case GgufValueType::INT64: out += std::to_string(v.i64); break;
        case GgufValueType::FLOAT32:
        case GgufValueType::FLOAT64: append_double(out, v.f64); break;
        case GgufValueType::BOOL: out += v.u64 ? "true" : "false"; break;
        case GgufValueType::STRING: json_append_string(out, v.str); break;
        case GgufValueType::ARRAY: append_array(out, v, max_array); break;
    }
}

// Control (3) and user-defined (4) tokens of tokenizer.ggml.token_type, plus every id named
// by a tokenizer.ggml.*_token_id key: what a user needs to see to understand prompts.
constexpr size_t kMaxSpecialShown = 1024;

void append_special_tokens(std::string& out, const GgufFile& file) {
    const auto* tokens = file.get_string_array("tokenizer.ggml.tokens");
    const auto* types = file.get_int_array("tokenizer.ggml.token_type");
    std::map<int64_t, int64_t> special;   // id -> token type (-1 when unknown)
    if (tokens && types && types->size() == tokens->size()) {
        // Only as many as are shown: a vocabulary of 4M user-defined tokens would make a 4M-node map.
        for (size_t i = 0; i < types->size() && special.size() < kMaxSpecialShown; ++i) {
            if ((*types)[i] == 3 || (*types)[i] == 4) special[static_cast<int64_t>(i)] = (*types)[i];
        }
    }
    for (const auto& kv : file.metadata) {
        const std::string& k = kv.key;
        const std::string prefix = "tokenizer.ggml.";
        const std::string suffix = "_token_id";
        if (k.size() > prefix.size() + suffix.size() && k.compare(0, prefix.size(), prefix) == 0 &&
            k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
            int64_t id = 0;
            if (file.get_i64(k, &id) && special.find(id) == special.end()) {
                special[id] = (types && id >= 0 && static_cast<size_t>(id) < types->size()) ? (*types)[id] : -1;
            }
        }
    }
    out += '[';
    size_t written = 0;
    for (const auto& [id, type] : special) {
        if (written == kMaxSpecialShown) break;   // a vocabulary of thousands of "special" tokens: show the first
        if (written++) out += ',';
        out += "{\"id\":";
        out += std::to_string(id);
        out += ",\"text\":";
        if (tokens && id >= 0 && static_cast<size_t>(id) < tokens->size()) {
            json_append_string(out, (*tokens)[id]);
        } else {
            out += "null";
        }
        out += ",\"type\":";
        out += std::to_string(type);
        out += '}';
    }
    out += ']';
}

}  // namespace

std::string gguf_header_json(const GgufFile& file, size_t max_array, bool with_tensors) {
    std::string out;
    out += "{\"version\":";
    append_u64(out, file.version);
    out += ",\"alignment\":";
    append_u64(out, file.alignment);
    out += ",\"data_offset\":";
    append_u64(out, file.data_offset);
    out += ",\"data_size\":";
    append_u64(out, file.data_size);
    out += ",\"file_size\":";
    append_u64(out, file.file_size);
    out += ",\"tensor_count\":";
    append_u64(out, file.tensors.size());
    out += ",\"metadata\":{";
    for (size_t i = 0; i < file.metadata.size(); ++i) {
        if (i) out += ',';
        json_append_string(out, file.metadata[i].key);
        out += ':';
        append_value(out, file.metadata[i].value, max_array);
    }
    out += '}';
    const auto* tokens = file.get_string_array("tokenizer.ggml.tokens");
    out += ",\"vocab_size\":";
    append_u64(out, tokens ? tokens->size() : 0);
    out += ",\"special_tokens\":";
    append_special_tokens(out, file);
    if (with_tensors) {
        out += ",\"tensors\":[";
        for (size_t i = 0; i < file.tensors.size(); ++i) {
            const auto& t = file.tensors[i];
            if (i) out += ',';
            out += "{\"name\":";
            json_append_string(out, t.name);
            out += ",\"type\":";
            json_append_string(out, std::string(ggml_type_name(t.type)));
            out += ",\"ne\":[";
            for (uint32_t d = 0; d < t.n_dims; ++d) {
                if (d) out += ',';
                append_u64(out, t.ne[d]);
            }
            out += "],\"offset\":";
            append_u64(out, t.offset);
            out += ",\"bytes\":";
            append_u64(out, t.n_bytes);
            out += '}';
        }
        out += ']';
    }
    out += '}';
    return out;
}

std::string gguf_type_histogram_json(const GgufFile& file) {
    std::map<std::string, uint64_t> counts;
    for (const auto& t : file.tensors) counts[std::string(ggml_type_name(t.type))] += 1;
    std::string out = "{";
    bool first = true;
    for (const auto& [name, n] : counts) {
        if (!first) out += ',';
        first = false;
        json_append_string(out, name);
        out += ':';
        append_u64(out, n);
    }
    out += '}';
    return out;
}

}  // namespace smollm
