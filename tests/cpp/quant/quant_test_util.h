// Helpers of the quant suite: GGUF files read through gguf_parse, a minimal JSON reader for
// the golden file, and seeded data generators.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"

namespace smollm::test {

// A whole GGUF file in memory with its parsed header.
struct LoadedGguf {
    std::vector<uint8_t> bytes;
    std::unique_ptr<GgufFile> file;
    const uint8_t* tensor_data(const GgufTensorInfo& t) const { return bytes.data() + file->data_offset + t.offset; }
};
LoadedGguf load_gguf(const std::string& path);

// Every tensor of `t` dequantized to f32 (rows of ne[0] values, row after row).
std::vector<float> dequantize_tensor(const LoadedGguf& g, const GgufTensorInfo& t);

// Just enough JSON for the golden files: objects, arrays, strings, numbers, literals.
struct Json {
    enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
    double number = 0;
    bool boolean = false;
    std::string str;
    std::vector<Json> items;
    std::map<std::string, Json> fields;
    const Json& operator[](const std::string& key) const;
    bool has(const std::string& key) const { return fields.count(key) != 0; }
};
Json parse_json(const std::string& text);

// Seeded values with occasional outliers, like trained weights.
std::vector<float> random_values(std::mt19937& rng, size_t n, float scale);

}  // namespace smollm::test
