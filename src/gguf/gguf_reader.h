// GGUF v2/v3 header reader. It parses from a byte prefix so a loader can feed it the first
// chunks of a download: it answers "complete", "need N bytes" or a specific error naming the
// field and its byte offset. It never allocates more than the bytes it was given justify.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gguf/gguf_types.h"
#include "gguf/string_list.h"

namespace smollm {

enum class GgufValueType : uint32_t {
    UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
    STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};

// One metadata value. Scalars use the field that matches `type`; arrays keep their elements
// in the compact vector that matches `elem_type` (strings, integers, floats, or nested arrays).
struct GgufValue {
    GgufValueType type = GgufValueType::UINT8;
    uint64_t u64 = 0;        // UINT8/16/32/64, BOOL
    int64_t i64 = 0;         // INT8/16/32/64
    double f64 = 0.0;        // FLOAT32/64
    std::string str;         // STRING
    GgufValueType elem_type = GgufValueType::UINT8;  // ARRAY
    StringList strings;                 // ARRAY of STRING
    std::vector<int64_t> ints;          // ARRAY of any integer type or BOOL (unsigned 64 cast)
    std::vector<double> floats;         // ARRAY of FLOAT32/64
    std::vector<GgufValue> arrays;      // ARRAY of ARRAY
    uint64_t array_len() const;
};

struct GgufKeyValue {
    std::string key;
    GgufValue value;
};

struct GgufTensorInfo {
    std::string name;
    uint32_t n_dims = 0;
    uint64_t ne[4] = {1, 1, 1, 1};   // ne[0] is the row length (contiguous), as in ggml
    GgmlType type = GgmlType::F32;
    uint64_t offset = 0;             // relative to the start of the data section
    uint64_t n_elements = 0;
    uint64_t n_bytes = 0;
    uint64_t rows() const { return n_elements / ne[0]; }
};

class GgufFile {
public:
    uint32_t version = 0;
    uint64_t alignment = 32;
    uint64_t data_offset = 0;   // absolute file offset of the (aligned) data section
    uint64_t data_size = 0;     // bytes of the data section the tensors use (max offset+size)
    uint64_t file_size = 0;     // as given to the parser (0 when unknown)
    std::vector<GgufKeyValue> metadata;   // file order
    std::vector<GgufTensorInfo> tensors;  // file order

    const GgufValue* find(std::string_view key) const;
    const GgufTensorInfo* find_tensor(std::string_view name) const;

    // Typed accessors: nullopt-like "false" when missing or of an incompatible type.
    bool get_string(std::string_view key, std::string* out) const;
    bool get_u64(std::string_view key, uint64_t* out) const;   // any non-negative integer type
    bool get_i64(std::string_view key, int64_t* out) const;    // any integer type that fits
    bool get_f64(std::string_view key, double* out) const;     // float or integer types
    bool get_bool(std::string_view key, bool* out) const;
    const StringList* get_string_array(std::string_view key) const;
    const std::vector<int64_t>* get_int_array(std::string_view key) const;
    const std::vector<double>* get_float_array(std::string_view key) const;

    // `general.architecture` ("llama", ...), empty when absent.
    std::string architecture() const;
    // Arch-prefixed hyperparameter, e.g. arch_u64("context_length") reads "llama.context_length".
    bool arch_u64(std::string_view suffix, uint64_t* out) const;
    bool arch_f64(std::string_view suffix, double* out) const;

private:
    friend class GgufParser;
    std::unordered_map<std::string, size_t> key_index_;
    std::unordered_map<std::string, size_t> tensor_index_;
};

struct GgufParseResult {
    enum class Status { Complete, NeedMore, Error };
    Status status = Status::Error;
    uint64_t bytes_needed = 0;        // NeedMore: a prefix length that will get further (>= given)
    std::string error;                // Error: "<what> at byte <offset>: <why>"
    bool unsupported = false;         // Error: well-formed, but a version or byte order not read
    std::unique_ptr<GgufFile> file;   // Complete: the parsed header
};

// Parses the header (metadata + tensor infos) from the first `available` bytes of a file of
// `file_size` bytes (0 when the total is not known yet; then data offsets are checked only
// for alignment and overlap). Complete means every tensor's bytes lie inside [data_offset,
// data_offset + data_size) and, when file_size is known, inside the file.
GgufParseResult gguf_parse(const uint8_t* data, uint64_t available, uint64_t file_size);

}  // namespace smollm
