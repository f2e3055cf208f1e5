#include "gguf_compare.h"

#include <catch.hpp>

namespace smollm::test {

std::string first_difference(const GgufValue& a, const GgufValue& b) {
    if (a.type != b.type) return "value types differ";
    if (a.u64 != b.u64 || a.i64 != b.i64 || a.str != b.str) return "scalar values differ";
    if (!(a.f64 == b.f64) && !(a.f64 != a.f64 && b.f64 != b.f64)) return "float values differ";
    if (a.type != GgufValueType::ARRAY) return "";
    if (a.elem_type != b.elem_type) return "array element types differ";
    if (a.strings != b.strings) return "string arrays differ";
    if (a.ints != b.ints) return "integer arrays differ";
    if (a.floats.size() != b.floats.size()) return "float array lengths differ";
    for (size_t i = 0; i < a.floats.size(); ++i)
        if (a.floats[i] != b.floats[i] && !(a.floats[i] != a.floats[i] && b.floats[i] != b.floats[i]))
            return "float arrays differ at " + std::to_string(i);
    if (a.arrays.size() != b.arrays.size()) return "nested array counts differ";
    for (size_t i = 0; i < a.arrays.size(); ++i) {
        std::string d = first_difference(a.arrays[i], b.arrays[i]);
        if (!d.empty()) return "nested array " + std::to_string(i) + ": " + d;
    }
    return "";
}

std::string first_difference(const GgufFile& a, const GgufFile& b) {
    if (a.version != b.version) return "version";
    if (a.alignment != b.alignment) return "alignment";
    if (a.data_offset != b.data_offset) return "data_offset";
    if (a.data_size != b.data_size) return "data_size";
    if (a.metadata.size() != b.metadata.size()) return "metadata count";
    for (size_t i = 0; i < a.metadata.size(); ++i) {
        if (a.metadata[i].key != b.metadata[i].key) return "key #" + std::to_string(i);
        std::string d = first_difference(a.metadata[i].value, b.metadata[i].value);
        if (!d.empty()) return "metadata '" + a.metadata[i].key + "': " + d;
    }
    if (a.tensors.size() != b.tensors.size()) return "tensor count";
    for (size_t i = 0; i < a.tensors.size(); ++i) {
        const GgufTensorInfo& x = a.tensors[i];
        const GgufTensorInfo& y = b.tensors[i];
        if (x.name != y.name || x.n_dims != y.n_dims || x.type != y.type || x.offset != y.offset ||
            x.n_elements != y.n_elements || x.n_bytes != y.n_bytes)
            return "tensor #" + std::to_string(i) + " (" + x.name + ")";
        for (int d = 0; d < 4; ++d)
            if (x.ne[d] != y.ne[d]) return "tensor '" + x.name + "' ne[" + std::to_string(d) + "]";
    }
    return "";
}

std::unique_ptr<GgufFile> parse_complete(const std::vector<uint8_t>& bytes) {
    GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), bytes.size());
    INFO("parser said: " << r.error);
    REQUIRE(r.status == GgufParseResult::Status::Complete);
    return std::move(r.file);
}

std::string parse_error(const std::vector<uint8_t>& bytes) {
    GgufParseResult r = gguf_parse(bytes.data(), bytes.size(), bytes.size());
    if (r.status == GgufParseResult::Status::Error) return r.error;
    return "";
}

}  // namespace smollm::test
